/**
 * The Meta connector under test: the Graph API stub on its own port, and either the webhook router alone
 * (in-memory sink) or a whole test hub wired to the stub (META_GRAPH_BASE → stub, notifications → hub).
 */
import type { ChannelKind, OutboundMessage } from '../../connectors/channel';
import type {
  ConformanceHarness,
  ConformanceSubject,
} from '../../connectors/conformance/channel-conformance';
import {
  createMetaChannel,
  createMetaInboxes,
  createMetaStub,
  createMetaWebhookRouter,
  META_WEBHOOK_PATH,
  signMetaBody,
  type MetaInboxConfig,
  type MetaStub,
} from '../../connectors/meta';
import type { SendHints } from '../../connectors/social/send-hints';
import { loginAs } from '../integration/conversations-support';
import { createMemorySink } from './memory-sink';
import { sharedHub, sinceNow } from './shared-conformance-hub';
import { postNoteThenReply, serveRouters, storedEntries, type RunningServer } from './social-support';
import { startTestHub, testLogger, type RunningTestHub } from './test-stack';

export const META_SECRET = 'stub-meta-app-secret-0123456789';
export const META_TOKEN = 'stub-meta-page-access-token-0123456789';
export const META_VERIFY = 'stub-meta-verify-token';
export const PAGE_ID = '200000000000001';
export const IG_ID = '17841400000000099';
export const PHONE_NUMBER_ID = '300000000000001';
export const CUSTOMER = {
  messenger: '7000000000000001',
  instagram: '489760440872775',
  whatsapp: '8613800138000',
};
export const META_TEXT = '你好，我想问一下退货流程';

export type MetaKind = 'messenger' | 'instagram' | 'whatsapp';

export async function startMetaStub(
  statusDelayMs = 20,
): Promise<{ stub: MetaStub; server: RunningServer; graphBase: string }> {
  const stub = createMetaStub({
    appSecret: META_SECRET,
    accessToken: META_TOKEN,
    pageId: PAGE_ID,
    instagramId: IG_ID,
    phoneNumberId: PHONE_NUMBER_ID,
    statusDelayMs,
  });
  const server = await serveRouters([{ path: '/', router: stub.router }]);
  return { stub, server, graphBase: `${server.url}/v21.0` };
}

export interface MetaTestHub {
  running: RunningTestHub;
  stub: MetaStub;
  stubServer: RunningServer;
  graphBase: string;
  token: string;
  close(): Promise<void>;
}

export async function startMetaTestHub(overrides: Record<string, string> = {}): Promise<MetaTestHub> {
  const { stub, server, graphBase } = await startMetaStub();
  const running = await startTestHub({
    configOverrides: {
      PUBLIC_URL: 'http://hub.test',
      META_APP_SECRET: META_SECRET,
      META_VERIFY_TOKEN: META_VERIFY,
      META_PAGE_ACCESS_TOKEN: META_TOKEN,
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      META_GRAPH_BASE: graphBase,
      ...overrides,
    },
  });
  stub.setDeliverTo(running.baseUrl);
  const { token } = await loginAs(running, { email: `sup-${Date.now()}@example.com`, role: 'supervisor' });
  return {
    running,
    stub,
    stubServer: server,
    graphBase,
    token,
    async close() {
      await stub.settle();
      await server.close();
      await running.close();
    },
  };
}

export function metaOutbound(kind: ChannelKind, inboxId: string): OutboundMessage {
  const to = CUSTOMER[kind as MetaKind];
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    channel: kind,
    inboxId,
    to: kind === 'whatsapp' ? { externalId: `+${to}`, phone: `+${to}` } : { externalId: to },
    text: '您好，我们已收到您的反馈。',
  };
}

export function sendAsCustomer(stub: MetaStub, kind: MetaKind, text = META_TEXT, timestamp?: number) {
  const at = timestamp === undefined ? {} : { timestamp };
  if (kind === 'messenger') return stub.sendMessenger({ psid: CUSTOMER.messenger, text, ...at });
  if (kind === 'instagram') return stub.sendInstagram({ igsid: CUSTOMER.instagram, text, ...at });
  return stub.sendWhatsApp({ waId: CUSTOMER.whatsapp, name: '王芳', text, ...at });
}

function failNext(stub: MetaStub, kind: 'permanent' | 'transient') {
  stub.failNextRequest(
    kind === 'permanent'
      ? { status: 400, code: 100, message: '(#100) No matching user found' }
      : { status: 503, code: 2, message: 'Service temporarily unavailable' },
  );
}

const noHints: SendHints = { put: () => Promise.resolve(), find: () => Promise.resolve(null) };

function inboxConfig(inboxId: string): MetaInboxConfig {
  return {
    inboxId,
    appSecret: META_SECRET,
    verifyToken: META_VERIFY,
    accessToken: META_TOKEN,
    whatsappPhoneNumberId: PHONE_NUMBER_ID,
    kinds: ['messenger', 'instagram', 'whatsapp'],
  };
}

/** Conformance at the connector level: the webhook router with an in-memory sink. */
export function metaConnectorHarness(kind: MetaKind): ConformanceHarness {
  return {
    name: `meta ${kind} (connector, in-memory sink)`,
    kind,
    expectedEntryKind: 'message',
    expectedText: META_TEXT,
    sendsText: true,
    runs: { networkFailure: true, notes: false },
    async setup(): Promise<ConformanceSubject> {
      const { stub, server, graphBase } = await startMetaStub(0);
      stub.meetCustomer(kind, CUSTOMER[kind]);
      const memory = createMemorySink();
      const inbox = inboxConfig('meta-conformance');
      const inboxes = createMetaInboxes({
        configInbox: inbox,
        inboxes: {
          findById: () => Promise.resolve(null),
          findByAddress: () => Promise.resolve(null),
          listByChannel: () => Promise.resolve([]),
        },
      });
      const hook = await serveRouters([
        {
          path: META_WEBHOOK_PATH,
          router: createMetaWebhookRouter({
            inboxes,
            sink: memory.sink,
            whatsappMediaUrl: (inboxId, mediaId) => `https://hub.test/media-proxy/meta/${inboxId}/${mediaId}`,
            logger: testLogger,
          }),
        },
      ]);
      stub.setDeliverTo(hook.url);
      const channel = createMetaChannel({ inbox, graphBase, hints: noHints });
      let last: string | undefined;
      return {
        channel,
        async deliverInbound() {
          const delivery = await sendAsCustomer(stub, kind);
          last = delivery.body;
          return { status: delivery.status, externalId: delivery.id };
        },
        replayInbound: () => stub.deliverRaw(last!),
        async deliverWithBadSignature() {
          // A body altered after signing: the signature of the original bytes no longer matches.
          const body = JSON.stringify({ object: 'page', entry: [{ id: PAGE_ID, messaging: [] }] });
          return stub.deliverRaw(body.replace(PAGE_ID, IG_ID), {
            signature: signMetaBody(META_SECRET, body),
          });
        },
        deliverUnsigned: () => stub.deliverRaw('{"object":"page","entry":[]}', { signature: null }),
        stored: () => Promise.resolve(memory.stored()),
        outbound: () => metaOutbound(kind, inbox.inboxId),
        failNextSend: (failure) => failNext(stub, failure),
        breakNetwork: () => server.close(),
        providerSendCount: () => stub.sends.length,
        async teardown() {
          await hook.close();
          await server.close();
        },
      };
    },
  };
}

/**
 * Conformance against the whole hub. One hub serves every test of the harness (see shared-conformance-hub):
 * call it inside a mocha `describe`, which closes the hub after its tests.
 */
export function metaHubHarness(kind: MetaKind): ConformanceHarness {
  const hubs = sharedHub(() => startMetaTestHub());
  after(() => hubs.close());
  return {
    name: `meta ${kind} (whole hub)`,
    kind,
    expectedEntryKind: 'message',
    expectedText: META_TEXT,
    sendsText: true,
    runs: { networkFailure: false, notes: true },
    async setup(): Promise<ConformanceSubject> {
      const hub = await hubs.get();
      const { stub } = hub;
      stub.meetCustomer(kind, CUSTOMER[kind]);
      const channel = createMetaChannel({
        inbox: inboxConfig('meta'),
        graphBase: hub.graphBase,
        hints: noHints,
      });
      let last: string | undefined;
      return sinceNow({
        channel,
        async deliverInbound() {
          const delivery = await sendAsCustomer(stub, kind);
          last = delivery.body;
          return { status: delivery.status, externalId: delivery.id };
        },
        replayInbound: () => stub.deliverRaw(last!),
        async deliverWithBadSignature() {
          // The customer is known to the stub, then a forged body arrives under a stale signature.
          const body = JSON.stringify({ object: 'page', entry: [] });
          return stub.deliverRaw(body.replace('[]', '[{"id":"x"}]'), {
            signature: `sha256=${'0'.repeat(64)}`,
          });
        },
        deliverUnsigned: () => stub.deliverRaw('{"object":"page","entry":[]}', { signature: null }),
        stored: () => storedEntries(hub.running.baseUrl, hub.token, { inboundOnly: true }),
        outbound: () => metaOutbound(kind, 'meta'),
        failNextSend: (failure) => failNext(stub, failure),
        providerSendCount: () => stub.sends.length,
        postNoteThenReply: () =>
          postNoteThenReply({
            baseUrl: hub.running.baseUrl,
            token: hub.token,
            providerTexts: () => stub.sends.map((send) => send.text),
          }),
        // Webhooks the stub still owes land before the next subject counts from its start.
        teardown: () => stub.settle(),
      });
    },
  };
}
