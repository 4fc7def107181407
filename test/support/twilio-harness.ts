/**
 * The Twilio webhook router on a real HTTP server (the hub's own Express app factory) with an in-memory
 * sink and the local stub: connector-level tests of the routes, the IVR and the conformance suite, without
 * the database.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { InboundSink } from '../../connectors/channel';
import {
  createMemoryCallSessions,
  createTwilioChannel,
  createTwilioWebhookRouter,
  type TwilioChannel,
  type TwilioInboxConfig,
  type TwilioWebhookDeps,
} from '../../connectors/twilio';
import { buildApp } from '../../server/http/app';
import { createLogger } from '../../server/lib/logger';
import { createMetrics } from '../../server/lib/metrics';
import { loadTemplates } from '../../server/modules/templates';
import { createMemorySink } from './memory-sink';
import { startTwilioStub, STUB_ACCOUNT_SID, STUB_AUTH_TOKEN, type RunningTwilioStub } from './twilio-stub';
import { repoRoot } from './twilio-fixtures';

export const PUBLIC_URL = 'https://hub.example.com';

export interface TwilioHarness {
  url: string;
  inbox: TwilioInboxConfig;
  channel: TwilioChannel;
  memory: ReturnType<typeof createMemorySink>;
  stub: RunningTwilioStub;
  /** The voice-routing seam's answer, changeable by the test. */
  routing: { target: { phone: string } | { client: string } | null };
  businessHours: { open: boolean };
  close(): Promise<void>;
}

export async function startTwilioHarness(
  options: {
    inboxes?: TwilioInboxConfig[];
    sink?: InboundSink;
    maxWaitSeconds?: number;
    bodyLimitBytes?: number;
  } = {},
): Promise<TwilioHarness> {
  const memory = createMemorySink();
  const routing: TwilioHarness['routing'] = { target: null };
  const businessHours = { open: true };
  const templates = await loadTemplates({ dir: path.join(repoRoot, 'templates') });
  const stub = await startTwilioStub({ publicUrl: PUBLIC_URL, deliverTo: 'http://placeholder.invalid' });
  const inbox: TwilioInboxConfig = {
    inboxId: 'twilio-main',
    accountSid: STUB_ACCOUNT_SID,
    authToken: STUB_AUTH_TOKEN,
    phoneNumber: stub.stub.phoneNumber,
    whatsappNumber: stub.stub.whatsappNumber,
  };
  const inboxes = [inbox, ...(options.inboxes ?? [])];
  const deps: TwilioWebhookDeps = {
    publicUrl: PUBLIC_URL,
    inboxes: {
      findById: (id) => Promise.resolve(inboxes.find((candidate) => candidate.inboxId === id) ?? null),
      findByAddress: (channel, address) =>
        Promise.resolve(
          inboxes.find((candidate) =>
            channel === 'whatsapp' ? candidate.whatsappNumber === address : candidate.phoneNumber === address,
          ) ?? null,
        ),
    },
    sink: options.sink ?? memory.sink,
    clock: { now: () => new Date('2026-03-02T09:30:00Z') },
    renderPrompt: (key, locale, data) => templates.render({ key, channel: 'voice', locale, data }).text,
    companyName: 'Omnihub Demo',
    maxWaitSeconds: options.maxWaitSeconds ?? 30,
    callSessions: createMemoryCallSessions(),
    voiceRouting: { findConnectTarget: () => Promise.resolve(routing.target) },
    businessHours: { isOpen: () => Promise.resolve(businessHours.open) },
    conversations: { findNumber: () => Promise.resolve(10234) },
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
  };
  const app = buildApp({
    logger: createLogger({ level: 'silent', pretty: false }),
    metrics: createMetrics(),
    bodyLimitBytes: 1024 * 1024,
    modules: [{ path: '/webhooks/twilio', router: createTwilioWebhookRouter(deps), parsesOwnBody: true }],
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The stub reaches the hub here while signing for PUBLIC_URL, as Twilio does behind a proxy.
  stub.stub.setDeliverTo(hubUrl);
  const channel = createTwilioChannel({ inbox, publicUrl: PUBLIC_URL, apiBaseUrl: stub.url });
  return {
    url: hubUrl,
    inbox,
    channel,
    memory,
    stub,
    routing,
    businessHours,
    async close() {
      await stub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
