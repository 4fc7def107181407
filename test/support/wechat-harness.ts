/**
 * The WeChat connector under test: the WeChat API stub on its own port, and either the webhook router
 * alone (in-memory sink) or a whole test hub wired to the stub (WECHAT_API_BASE → stub, messages → hub).
 */
import type { OutboundMessage } from '../../connectors/channel';
import type {
  ConformanceHarness,
  ConformanceSubject,
} from '../../connectors/conformance/channel-conformance';
import {
  createWechatChannel,
  createWechatInboxes,
  createWechatStub,
  createWechatTokenSource,
  createWechatWebhookRouter,
  WECHAT_WEBHOOK_PATH,
  type WechatInboxConfig,
  type WechatStub,
} from '../../connectors/wechat';
import { loginAs } from '../integration/conversations-support';
import { createMemorySink } from './memory-sink';
import { sharedHub, sinceNow } from './shared-conformance-hub';
import { postNoteThenReply, serveRouters, storedEntries, type RunningServer } from './social-support';
import { getTestStack, startTestHub, testLogger, uniqueId, type RunningTestHub } from './test-stack';
import { Redis } from 'ioredis';

export const WX = {
  appId: 'wx1234567890abcdef',
  appSecret: 'stub-wechat-app-secret-0123',
  token: 'stubtoken123',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
export const WX_CUSTOMER = 'oDemoOpenId_customer_0001';
export const WX_TEXT = '你好，请问发票怎么开？';

export async function startWechatStub(
  options: { inboxId?: string; mode?: 'aes' | 'plain'; tokenExpiresIn?: number } = {},
) {
  const stub = createWechatStub({
    ...WX,
    inboxId: options.inboxId ?? 'wechat',
    mode: options.mode ?? 'aes',
    ...(options.tokenExpiresIn ? { tokenExpiresIn: options.tokenExpiresIn } : {}),
  });
  const server = await serveRouters([{ path: '/', router: stub.router }]);
  return { stub, server };
}

export interface WechatTestHub {
  running: RunningTestHub;
  stub: WechatStub;
  stubServer: RunningServer;
  token: string;
  close(): Promise<void>;
}

export function wechatConfig(apiBase: string): Record<string, string> {
  return {
    PUBLIC_URL: 'http://hub.test',
    WECHAT_APP_ID: WX.appId,
    WECHAT_APP_SECRET: WX.appSecret,
    WECHAT_TOKEN: WX.token,
    WECHAT_ENCODING_AES_KEY: WX.encodingAesKey,
    WECHAT_API_BASE: apiBase,
  };
}

export async function startWechatTestHub(
  options: { mode?: 'aes' | 'plain'; overrides?: Record<string, string> } = {},
): Promise<WechatTestHub> {
  const { stub, server } = await startWechatStub({ mode: options.mode ?? 'aes' });
  const running = await startTestHub({
    configOverrides: { ...wechatConfig(server.url), ...options.overrides },
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
    channel: 'wechat',
    inboxId,
    to: { externalId: WX_CUSTOMER },
    text: '您好，我们已收到您的反馈。',
  };
}

function failNext(stub: WechatStub, kind: 'permanent' | 'transient') {
  stub.failNextRequest(
    kind === 'permanent'
      ? { errcode: 40003, errmsg: 'invalid openid' }
      : { errcode: -1, errmsg: 'system error' },
  );
}

const textXml = (msgId: string) =>
  `<xml><ToUserName><![CDATA[gh_omnihub]]></ToUserName><FromUserName><![CDATA[${WX_CUSTOMER}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[forged]]></Content><MsgId>${msgId}</MsgId></xml>`;

/** The customer's side, the same for every harness: signed messages, a replay, a bad and no signature. */
function customerDeliveries(
  stub: WechatStub,
): Pick<
  ConformanceSubject,
  'deliverInbound' | 'replayInbound' | 'deliverWithBadSignature' | 'deliverUnsigned'
> {
  let lastId: string | undefined;
  let counter = 0;
  return {
    async deliverInbound() {
      const delivery = await stub.sendText({ openId: WX_CUSTOMER, text: WX_TEXT });
      lastId = delivery.msgId;
      return { status: delivery.status, externalId: delivery.msgId };
    },
    replayInbound() {
      const xml = `<xml><ToUserName><![CDATA[gh_omnihub]]></ToUserName><FromUserName><![CDATA[${WX_CUSTOMER}]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${WX_TEXT}]]></Content><MsgId>${lastId}</MsgId></xml>`;
      return stub.deliverXml(xml);
    },
    deliverWithBadSignature: () => stub.deliverXml(textXml(String(900 + ++counter)), { badSignature: true }),
    deliverUnsigned: () =>
      stub.deliverXml(textXml(String(800 + ++counter)), { unsigned: true, mode: 'plain' }),
  };
}

export function wechatConnectorHarness(mode: 'aes' | 'plain'): ConformanceHarness {
  return {
    name: `wechat ${mode === 'aes' ? 'safe mode' : 'plain mode'} (connector, in-memory sink)`,
    kind: 'wechat',
    expectedEntryKind: 'message',
    expectedText: WX_TEXT,
    sendsText: true,
    runs: { networkFailure: true, notes: false },
    async setup(): Promise<ConformanceSubject> {
      const { stub, server } = await startWechatStub({ inboxId: 'wx-conformance', mode });
      stub.meetCustomer(WX_CUSTOMER);
      const memory = createMemorySink();
      const inbox: WechatInboxConfig = { inboxId: 'wx-conformance', ...WX };
      const hook = await serveRouters([
        {
          path: WECHAT_WEBHOOK_PATH,
          router: createWechatWebhookRouter({
            inboxes: createWechatInboxes({
              configInbox: inbox,
              inboxes: { findById: () => Promise.resolve(null) },
            }),
            sink: memory.sink,
            mediaUrl: (inboxId, mediaId) => `https://hub.test/media-proxy/wechat/${inboxId}/${mediaId}`,
            logger: testLogger,
          }),
        },
      ]);
      stub.setDeliverTo(hook.url);
      const { redisUrl } = await getTestStack();
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      const channel = createWechatChannel({
        inbox,
        apiBase: server.url,
        tokens: createWechatTokenSource({
          redis,
          keyPrefix: `test-${uniqueId()}`,
          apiBase: server.url,
          appId: WX.appId,
          appSecret: WX.appSecret,
        }),
      });
      return {
        channel,
        ...customerDeliveries(stub),
        stored: () => Promise.resolve(memory.stored()),
        outbound: () => outbound(inbox.inboxId),
        failNextSend: (kind) => failNext(stub, kind),
        breakNetwork: () => server.close(),
        providerSendCount: () => stub.sends.length,
        async teardown() {
          redis.disconnect();
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
export function wechatHubHarness(): ConformanceHarness {
  const hubs = sharedHub(() => startWechatTestHub());
  after(() => hubs.close());
  return {
    name: 'wechat safe mode (whole hub)',
    kind: 'wechat',
    expectedEntryKind: 'message',
    expectedText: WX_TEXT,
    sendsText: true,
    runs: { networkFailure: false, notes: true },
    async setup(): Promise<ConformanceSubject> {
      const hub = await hubs.get();
      const { stub } = hub;
      stub.meetCustomer(WX_CUSTOMER);
      const channel = await hub.running.hub.channels.registry.resolve({
        inboxId: 'wechat',
        channel: 'wechat',
      });
      if (!channel) throw new Error('no wechat channel');
      return sinceNow({
        channel,
        ...customerDeliveries(stub),
        stored: () => storedEntries(hub.running.baseUrl, hub.token),
        outbound: () => outbound('wechat'),
        failNextSend: (kind) => failNext(stub, kind),
        providerSendCount: () => stub.sends.length,
        postNoteThenReply: () =>
          postNoteThenReply({
            baseUrl: hub.running.baseUrl,
            token: hub.token,
            providerTexts: () => stub.sends.map((send) => send.text),
          }),
        teardown: () => Promise.resolve(),
      });
    },
  };
}
