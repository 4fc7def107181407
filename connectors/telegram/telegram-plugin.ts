/**
 * The Telegram plug-in: the channel of the config-defined bot inbox (`telegram`, TELEGRAM_* variables) and
 * a factory for admin-configured bots, `POST /webhooks/telegram/:inboxId`, the setWebhook admin action,
 * customer files through the hub's media proxy (the bot token never appears in a stored URL), and, in demo
 * mode, the built-in Bot API stub at /telegram-stub with its customer simulator panel.
 */
import type { ConnectorContext, ConnectorContribution, ConnectorPlugin, ConnectorRoute } from '../channel';
import { createChatSimulatorRouter, type ChatLogEntry } from '../social/chat-simulator';
import { createMediaProxy, MEDIA_PROXY_PATH } from '../social/media-proxy';
import { createTelegramAdminRouter } from './telegram-admin.routes';
import { createTelegramChannel, type TelegramInboxConfig } from './telegram-channel';
import { configTelegramInbox, createTelegramInboxes, telegramInboxFromAdmin } from './telegram-inboxes';
import { createTelegramWebhookRouter, TELEGRAM_WEBHOOK_PATH } from './telegram-webhooks';
import { createTelegramStub } from './stub/telegram-stub';

export const DEFAULT_TELEGRAM_API_BASE = 'https://api.telegram.org';

function createTelegramContribution(context: ConnectorContext): ConnectorContribution {
  const { config, publicUrl } = context;
  const apiBase = config.TELEGRAM_API_BASE ?? DEFAULT_TELEGRAM_API_BASE;
  const configInbox = configTelegramInbox(config);
  const channelFor = (inbox: TelegramInboxConfig) => createTelegramChannel({ inbox, apiBase });
  const channel = configInbox ? channelFor(configInbox) : null;
  const inboxes = createTelegramInboxes({ configInbox, inboxes: context.inboxes });
  const proxy = createMediaProxy({ publicUrl, redis: context.redis, keyPrefix: context.keyPrefix });

  const routes: ConnectorRoute[] = [
    {
      path: TELEGRAM_WEBHOOK_PATH,
      parsesOwnBody: true,
      router: createTelegramWebhookRouter({
        inboxes,
        sink: context.sink,
        mediaUrl: (inboxId, fileId) => proxy.urlFor({ connector: 'telegram', inboxId, ref: fileId }),
        logger: context.logger,
      }),
    },
    {
      path: `${MEDIA_PROXY_PATH}/telegram`,
      parsesOwnBody: true,
      router: proxy.router(async ({ inboxId, ref }) => {
        const inbox = await inboxes.findById(inboxId);
        if (!inbox) return null;
        return channelFor(inbox)
          .api.openFile(ref)
          .catch(() => null);
      }),
    },
    {
      path: '/api',
      router: createTelegramAdminRouter({
        publicUrl,
        apiBase,
        inboxes,
        staff: context.hub.staff,
        logger: context.logger,
      }),
    },
  ];
  const contribution: ConnectorContribution = {
    routes,
    channels: channel ? [{ channel }] : [],
    factories: [
      {
        kind: 'telegram',
        create(inbox) {
          const telegram = telegramInboxFromAdmin(inbox);
          if (!telegram)
            throw new Error(`inbox ${inbox.id} lacks Telegram credentials (botToken, webhookSecret)`);
          return channelFor(telegram);
        },
      },
    ],
    mediaSources: [proxy.source],
  };

  if (config.TELEGRAM_DEMO && configInbox) {
    const stub = createTelegramStub({
      botToken: configInbox.botToken,
      webhookSecret: configInbox.webhookSecret,
      deliverTo: context.selfUrl,
      inboxId: configInbox.inboxId,
      onError: (error) => context.logger.warn({ err: error }, 'telegram stub delivery failed'),
    });
    const customerLog: ChatLogEntry[] = [];
    routes.push(
      { path: '/telegram-stub', router: stub.router, parsesOwnBody: true },
      {
        path: '/simulator/telegram',
        router: createChatSimulatorRouter({
          title: 'Telegram customer · Telegram 客户',
          channels: ['telegram'],
          sampleCustomer: '777000111',
          async send(input) {
            const userId = Number(input.customer);
            if (!Number.isSafeInteger(userId) || userId <= 0) return { hubStatus: 400 };
            customerLog.push({
              direction: 'customer',
              channel: 'telegram',
              customer: input.customer,
              text: input.text,
              at: new Date().toISOString(),
            });
            const delivery = await stub.sendText({
              userId,
              text: input.text,
              ...(input.name ? { firstName: input.name } : {}),
            });
            return { hubStatus: delivery.status };
          },
          log: () =>
            [
              ...customerLog,
              ...stub.sent.map((request): ChatLogEntry => ({
                direction: 'hub',
                channel: 'telegram',
                customer: request.chatId ?? '',
                text: request.text ?? request.caption ?? `[${request.file?.filename ?? 'file'}]`,
                at: request.at.toISOString(),
                status: 'sent',
              })),
            ].sort((a, b) => a.at.localeCompare(b.at)),
        }),
      },
    );
    contribution.simulator = [{ label: 'Telegram (Bot API)', path: '/simulator/telegram/' }];
  }
  return contribution;
}

/** The Telegram entry of `connectors/plugins.ts`. */
export const telegramPlugin: ConnectorPlugin = { name: 'telegram', create: createTelegramContribution };
