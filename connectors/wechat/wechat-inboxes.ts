import type { Config } from '../../server/config';
import type { InboxDirectory, InboxSettings } from '../channel';
import type { WechatInboxConfig } from './wechat-channel';

/** The id of the Official Account inbox defined by configuration (WECHAT_* variables). */
export const CONFIG_WECHAT_INBOX_ID = 'wechat';

export function configWechatInbox(config: Config): WechatInboxConfig | null {
  if (!config.WECHAT_APP_ID || !config.WECHAT_APP_SECRET || !config.WECHAT_TOKEN) return null;
  return {
    inboxId: CONFIG_WECHAT_INBOX_ID,
    appId: config.WECHAT_APP_ID,
    appSecret: config.WECHAT_APP_SECRET,
    token: config.WECHAT_TOKEN,
    ...(config.WECHAT_ENCODING_AES_KEY ? { encodingAesKey: config.WECHAT_ENCODING_AES_KEY } : {}),
  };
}

/** An admin-configured account: credentials `appId`, `appSecret`, `token` and optionally `encodingAesKey`. */
export function wechatInboxFromAdmin(inbox: InboxSettings): WechatInboxConfig | null {
  const { appId, appSecret, token, encodingAesKey } = inbox.credentials;
  if (inbox.channel !== 'wechat' || !inbox.enabled || !appId || !appSecret || !token) return null;
  if (encodingAesKey && !/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) return null;
  return { inboxId: inbox.id, appId, appSecret, token, ...(encodingAesKey ? { encodingAesKey } : {}) };
}

export function createWechatInboxes(deps: {
  configInbox: WechatInboxConfig | null;
  inboxes: Pick<InboxDirectory, 'findById'>;
}) {
  return {
    async findById(inboxId: string): Promise<WechatInboxConfig | null> {
      if (deps.configInbox && inboxId === deps.configInbox.inboxId) return deps.configInbox;
      const inbox = await deps.inboxes.findById(inboxId);
      return inbox ? wechatInboxFromAdmin(inbox) : null;
    },
  };
}
export type WechatInboxes = ReturnType<typeof createWechatInboxes>;
