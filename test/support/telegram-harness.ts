/**
 * The Telegram connector under test: the Bot API stub on its own port, and either the webhook router alone
 * (in-memory sink) or a whole test hub wired to the stub (TELEGRAM_API_BASE → stub, updates → hub).
 */
import type { OutboundMessage } from '../../connectors/channel';
import type {
  ConformanceHarness,
  ConformanceSubject,
} from '../../connectors/conformance/channel-conformance';
import {
  createTelegramChannel,
  createTelegramStub,
  createTelegramWebhookRouter,
  TELEGRAM_WEBHOOK_PATH,
  type TelegramStub,
} from '../../connectors/telegram';
import { createTelegramInboxes } from '../../connectors/telegram/telegram-inboxes';
import { loginAs } from '../integration/conversations-support';
import { createMemorySink } from './memory-sink';
import { sharedHub, sinceNow } from './shared-conformance-hub';
import { postNoteThenReply, serveRouters, storedEntries, type RunningServer } from './social-support';
import { startTestHub, testLogger, type RunningTestHub } from './test-stack';

export const TG_BOT_TOKEN = '123456789:stub-telegram-bot-token-abcdef';
export const TG_SECRET = 'stub-telegram-webhook-secret_0123';
export const TG_CUSTOMER = 424242;
export const TG_TEXT = '你好，我的订单还没到';

export interface RunningTelegramStub {
  stub: TelegramStub;
  server: RunningServer;
}

export async function startTelegramStub(inboxId = 'telegram'): Promise<RunningTelegramStub> {
  const stub = createTelegramStub({ botToken: TG_BOT_TOKEN, webhookSecret: TG_SECRET, inboxId });
  const server = await serveRouters([{ path: '/', router: stub.router }]);
  return { stub, server };
}

export interface TelegramTestHub {
  running: RunningTestHub;
  stub: TelegramStub;
  stubServer: RunningServer;
  /** A supervisor's token. */
  token: string;
  close(): Promise<void>;
}

export async function startTelegramTestHub(overrides: Record<string, string> = {}): Promise<TelegramTestHub> {
  const { stub, server } = await startTelegramStub();
  const running = await startTestHub({
    configOverrides: {
      PUBLIC_URL: 'http://hub.test',
      TELEGRAM_BOT_TOKEN: TG_BOT_TOKEN,
      TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
      TELEGRAM_API_BASE: server.url,
      ...overrides,
    },
  });
  stub.setDeliverTo(running.baseUrl);
  const { token } = await loginAs(running, { email: `sup-${Date.now()}@example.com`, role: 'supervisor' });
  return {
    running,
    stub,
    stubServer: server,
    token,
    async close() {
      await server.close();
      await running.close();
    },
  };
}

function outbound(inboxId: string): OutboundMessage {
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    channel: 'telegram',
    inboxId,
    to: { externalId: String(TG_CUSTOMER) },
    text: '您好，我们已收到您的反馈。',
  };
}

function failNext(stub: TelegramStub, kind: 'permanent' | 'transient') {
  stub.failNextRequest(
    kind === 'permanent'
      ? { status: 403, description: 'Forbidden: bot was blocked by the user' }
      : { status: 429, description: 'Too Many Requests: retry after 3', retryAfter: 3 },
  );
}

/** The customer's side, the same for both harnesses: signed updates, a replay, a wrong and no secret. */
function customerDeliveries(
  stub: TelegramStub,
): Pick<
  ConformanceSubject,
  'deliverInbound' | 'replayInbound' | 'deliverWithBadSignature' | 'deliverUnsigned'
> {
  let last: unknown;
  const fresh = () => ({
    update_id: stub.nextUpdateId(),
    message: {
      message_id: stub.nextUpdateId(),
      date: Math.floor(Date.now() / 1000),
      from: { id: TG_CUSTOMER, is_bot: false, first_name: '小明' },
      chat: { id: TG_CUSTOMER, type: 'private' },
      text: TG_TEXT,
    },
  });
  return {
    async deliverInbound() {
      const delivery = await stub.sendText({ userId: TG_CUSTOMER, text: TG_TEXT, firstName: '小明' });
      last = delivery.update;
      return {
        status: delivery.status,
        externalId: `${TG_CUSTOMER}:${delivery.update.message!.message_id}`,
      };
    },
    async replayInbound() {
      return { status: (await stub.deliver(last)).status };
    },
    async deliverWithBadSignature() {
      return { status: (await stub.deliver(fresh(), { secret: 'not-the-secret-token' })).status };
    },
    async deliverUnsigned() {
      return { status: (await stub.deliver(fresh(), { secret: null })).status };
    },
  };
}

/** Conformance at the connector level: the webhook router with an in-memory sink. */
export function telegramConnectorHarness(): ConformanceHarness {
  return {
    name: 'telegram (connector, in-memory sink)',
    kind: 'telegram',
    expectedEntryKind: 'message',
    expectedText: TG_TEXT,
    sendsText: true,
    runs: { networkFailure: true, notes: false },
    async setup(): Promise<ConformanceSubject> {
      const { stub, server } = await startTelegramStub('tg-conformance');
      const memory = createMemorySink();
      const inbox = { inboxId: 'tg-conformance', botToken: TG_BOT_TOKEN, webhookSecret: TG_SECRET };
      const hook = await serveRouters([
        {
          path: TELEGRAM_WEBHOOK_PATH,
          router: createTelegramWebhookRouter({
            inboxes: createTelegramInboxes({
              configInbox: inbox,
              inboxes: { findById: () => Promise.resolve(null) },
            }),
            sink: memory.sink,
            mediaUrl: (inboxId, fileId) => `https://hub.test/media-proxy/telegram/${inboxId}/${fileId}`,
            logger: testLogger,
          }),
        },
      ]);
      stub.setDeliverTo(hook.url);
      const channel = createTelegramChannel({ inbox, apiBase: server.url });
      return {
        channel,
        ...customerDeliveries(stub),
        stored: () => Promise.resolve(memory.stored()),
        outbound: () => outbound(inbox.inboxId),
        failNextSend: (kind) => failNext(stub, kind),
        breakNetwork: () => server.close(),
        providerSendCount: () => stub.sent.length,
        async teardown() {
          await hook.close();
          await server.close();
        },
      };
    },
  };
}

/**
 * Conformance against the whole hub: real ingest, outbound jobs and the reply API. One hub serves every
 * test of the harness (see shared-conformance-hub): call it inside a mocha `describe`, which closes the hub
 * after its tests.
 */
export function telegramHubHarness(): ConformanceHarness {
  const hubs = sharedHub(() => startTelegramTestHub());
  after(() => hubs.close());
  return {
    name: 'telegram (whole hub)',
    kind: 'telegram',
    expectedEntryKind: 'message',
    expectedText: TG_TEXT,
    sendsText: true,
    runs: { networkFailure: false, notes: true },
    async setup(): Promise<ConformanceSubject> {
      const hub = await hubs.get();
      const { stub } = hub;
      const channel = createTelegramChannel({
        inbox: { inboxId: 'telegram', botToken: TG_BOT_TOKEN, webhookSecret: TG_SECRET },
        apiBase: hub.stubServer.url,
      });
      return sinceNow({
        channel,
        ...customerDeliveries(stub),
        stored: () => storedEntries(hub.running.baseUrl, hub.token),
        outbound: () => outbound('telegram'),
        failNextSend: (kind) => failNext(stub, kind),
        providerSendCount: () => stub.sent.length,
        postNoteThenReply: () =>
          postNoteThenReply({
            baseUrl: hub.running.baseUrl,
            token: hub.token,
            providerTexts: () => stub.sent.map((request) => request.text),
          }),
        teardown: () => Promise.resolve(),
      });
    },
  };
}
