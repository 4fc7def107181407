export { telegramPlugin, DEFAULT_TELEGRAM_API_BASE } from './telegram-plugin';
export {
  createTelegramChannel,
  splitText,
  type TelegramChannel,
  type TelegramInboxConfig,
} from './telegram-channel';
export { CONFIG_TELEGRAM_INBOX_ID, configTelegramInbox, telegramInboxFromAdmin } from './telegram-inboxes';
export { mapTelegramUpdate } from './telegram-mapping';
export { TelegramUpdateSchema } from './telegram-payloads';
export { createTelegramWebhookRouter, TELEGRAM_WEBHOOK_PATH } from './telegram-webhooks';
export { createTelegramStub, type TelegramStub } from './stub/telegram-stub';
