/**
 * The WeChat Official Account plug-in: the channel of the config-defined account (`wechat`, WECHAT_*
 * variables) and a factory for admin-configured accounts, `GET|POST /webhooks/wechat/:inboxId` (plain and
 * safe mode), the access_token shared through Redis (one refresher across hub processes), customer media
 * through the hub's media proxy, and, in demo mode, the built-in WeChat API stub at /wechat-stub with its
 * customer simulator panel.
 */
import type { ConnectorContext, ConnectorContribution, ConnectorPlugin, ConnectorRoute } from '../channel';
import { createChatSimulatorRouter, type ChatLogEntry } from '../social/chat-simulator';
import { createMediaProxy, MEDIA_PROXY_PATH } from '../social/media-proxy';
import { createWechatChannel, type WechatChannel, type WechatInboxConfig } from './wechat-channel';
import { configWechatInbox, createWechatInboxes, wechatInboxFromAdmin } from './wechat-inboxes';
import { createWechatTokenSource } from './wechat-token';
import { createWechatUnionIds } from './wechat-union-ids';
import { createWechatWebhookRouter, WECHAT_WEBHOOK_PATH } from './wechat-webhooks';
import { createWechatStub } from './stub/wechat-stub';

export const DEFAULT_WECHAT_API_BASE = 'https://api.weixin.qq.com';

function createWechatContribution(context: ConnectorContext): ConnectorContribution {
  const { config, publicUrl } = context;
  const apiBase = config.WECHAT_API_BASE ?? DEFAULT_WECHAT_API_BASE;
  const channelFor = (inbox: WechatInboxConfig): WechatChannel =>
    createWechatChannel({
      inbox,
      apiBase,
      tokens: createWechatTokenSource({
        redis: context.redis,
        keyPrefix: context.keyPrefix,
        apiBase,
        appId: inbox.appId,
        appSecret: inbox.appSecret,
      }),
    });
  const configInbox = configWechatInbox(config);
  const channel = configInbox ? channelFor(configInbox) : null;
  const inboxes = createWechatInboxes({ configInbox, inboxes: context.inboxes });
  const proxy = createMediaProxy({ publicUrl, redis: context.redis, keyPrefix: context.keyPrefix });
  const unionIds = createWechatUnionIds({
    redis: context.redis,
    keyPrefix: context.keyPrefix,
    logger: context.logger,
  });
  const channelOf = (inbox: WechatInboxConfig) =>
    inbox.inboxId === channel?.inboxId ? channel : channelFor(inbox);

  const routes: ConnectorRoute[] = [
    {
      path: WECHAT_WEBHOOK_PATH,
      parsesOwnBody: true,
      router: createWechatWebhookRouter({
        inboxes,
        sink: context.sink,
        mediaUrl: (inboxId, mediaId) => proxy.urlFor({ connector: 'wechat', inboxId, ref: mediaId }),
        logger: context.logger,
        linkedIdentitiesOf: (inbox, openId) => unionIds.linkedIdentitiesOf(channelOf(inbox), openId),
      }),
    },
    {
      path: `${MEDIA_PROXY_PATH}/wechat`,
      parsesOwnBody: true,
      router: proxy.router(async ({ inboxId, ref }) => {
        const inbox = await inboxes.findById(inboxId);
        return inbox
          ? channelOf(inbox)
              .openMedia(ref)
              .catch(() => null)
          : null;
      }),
    },
  ];
  const contribution: ConnectorContribution = {
    routes,
    channels: channel ? [{ channel }] : [],
    factories: [
      {
        kind: 'wechat',
        create(inbox) {
          const wechat = wechatInboxFromAdmin(inbox);
          if (!wechat)
            throw new Error(`inbox ${inbox.id} lacks WeChat credentials (appId, appSecret, token)`);
          return channelFor(wechat);
        },
      },
    ],
    mediaSources: [proxy.source],
  };

  if (config.WECHAT_DEMO && configInbox) {
    const stub = createWechatStub({
      appId: configInbox.appId,
      appSecret: configInbox.appSecret,
      token: configInbox.token,
      ...(configInbox.encodingAesKey ? { encodingAesKey: configInbox.encodingAesKey } : {}),
      deliverTo: context.selfUrl,
      inboxId: configInbox.inboxId,
      acceptUnknownCustomers: true,
    });
    const customerLog: ChatLogEntry[] = [];
    routes.push(
      { path: '/wechat-stub', router: stub.router, parsesOwnBody: true },
      {
        path: '/simulator/wechat',
        router: createChatSimulatorRouter({
          title: 'WeChat Official Account customer · 微信公众号客户',
          channels: ['wechat'],
          sampleCustomer: 'oDemoOpenId_wangxiaoming',
          async send(input) {
            customerLog.push({
              direction: 'customer',
              channel: 'wechat',
              customer: input.customer,
              text: input.text,
              at: new Date().toISOString(),
            });
            return { hubStatus: (await stub.sendText({ openId: input.customer, text: input.text })).status };
          },
          log: () =>
            [
              ...customerLog,
              ...stub.sends.map((send): ChatLogEntry => ({
                direction: 'hub',
                channel: 'wechat',
                customer: send.touser,
                text: send.text ?? `[${send.msgtype}]`,
                at: send.at.toISOString(),
                status: 'sent',
              })),
            ].sort((a, b) => a.at.localeCompare(b.at)),
        }),
      },
    );
    contribution.simulator = [{ label: 'WeChat Official Account · 微信公众号', path: '/simulator/wechat/' }];
  }
  return contribution;
}

/** The WeChat entry of `connectors/plugins.ts`. */
export const wechatPlugin: ConnectorPlugin = { name: 'wechat', create: createWechatContribution };
