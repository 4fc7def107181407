export { metaPlugin, DEMO_INSTAGRAM_ID, DEMO_PAGE_ID } from './meta-plugin';
export { createMetaChannel, type MetaChannel, type MetaInboxConfig } from './meta-channel';
export { DEFAULT_GRAPH_BASE } from './meta-graph';
export { CONFIG_META_INBOX_ID, configMetaInbox, createMetaInboxes, metaInboxFromAdmin } from './meta-inboxes';
export { mapMetaNotification, type MappedMetaEvent } from './meta-mapping';
export { MetaNotificationSchema } from './meta-payloads';
export { isValidMetaSignature, signMetaBody } from './meta-signature';
export { createMetaWebhookRouter, META_BODY_LIMIT_BYTES, META_WEBHOOK_PATH } from './meta-webhooks';
export { createMetaStub, type MetaStub } from './stub/meta-stub';
