import type { Config } from '../../server/config';
import type { InboxDirectory, InboxSettings } from '../channel';
import type { TelegramInboxConfig } from './telegram-channel';

/** The id of the Telegram inbox defined by configuration (TELEGRAM_* variables). */
export const CONFIG_TELEGRAM_INBOX_ID = 'telegram';

/** The config-defined bot, or null when Telegram is not configured (and not in demo mode). */
export function configTelegramInbox(config: Config): TelegramInboxConfig | null {
  if (!config.TELEGRAM_BOT_TOKEN || !config.TELEGRAM_WEBHOOK_SECRET) return null;
  return {
    inboxId: CONFIG_TELEGRAM_INBOX_ID,
    botToken: config.TELEGRAM_BOT_TOKEN,
    webhookSecret: config.TELEGRAM_WEBHOOK_SECRET,
  };
}

/**
 * An admin-configured Telegram inbox: credentials `botToken` and `webhookSecret` (1–256 characters of
 * A-Z a-z 0-9 _ -, as setWebhook requires); its address is the bot's @username. Null when incomplete.
 */
export function telegramInboxFromAdmin(inbox: InboxSettings): TelegramInboxConfig | null {
  const { botToken, webhookSecret } = inbox.credentials;
  if (inbox.channel !== 'telegram' || !inbox.enabled || !botToken || !webhookSecret) return null;
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(webhookSecret)) return null;
  return {
    inboxId: inbox.id,
    botToken,
    webhookSecret,
    ...(inbox.address ? { botName: inbox.address } : {}),
  };
}

/** Finds the bot of a webhook or an admin action: the config-defined one first, then admin inboxes. */
export function createTelegramInboxes(deps: {
  configInbox: TelegramInboxConfig | null;
  inboxes: Pick<InboxDirectory, 'findById'>;
}) {
  return {
    async findById(inboxId: string): Promise<TelegramInboxConfig | null> {
      if (deps.configInbox && inboxId === deps.configInbox.inboxId) return deps.configInbox;
      const inbox = await deps.inboxes.findById(inboxId);
      return inbox ? telegramInboxFromAdmin(inbox) : null;
    },
  };
}
export type TelegramInboxes = ReturnType<typeof createTelegramInboxes>;
