export { wechatPlugin, DEFAULT_WECHAT_API_BASE } from './wechat-plugin';
export { createWechatChannel, type WechatChannel, type WechatInboxConfig } from './wechat-channel';
export {
  decryptWechatMessage,
  encryptWechatMessage,
  isValidWechatSignature,
  wechatSignature,
} from './wechat-crypto';
export {
  CONFIG_WECHAT_INBOX_ID,
  configWechatInbox,
  createWechatInboxes,
  wechatInboxFromAdmin,
} from './wechat-inboxes';
export { mapWechatMessage, sceneOf, WECHAT_SCENE_ATTRIBUTE } from './wechat-mapping';
export { createWechatUnionIds, WECHAT_UNIONID_SCHEME } from './wechat-union-ids';
export { createWechatTokenSource, type WechatTokenSource } from './wechat-token';
export { createWechatWebhookRouter, WECHAT_WEBHOOK_PATH } from './wechat-webhooks';
export { parseWechatXml, WechatMessageSchema } from './wechat-xml';
export { createWechatStub, type WechatStub } from './stub/wechat-stub';
