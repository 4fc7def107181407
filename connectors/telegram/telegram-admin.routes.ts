import { Router } from 'express';
import { z } from 'zod';
import { documentRoutes } from '../../server/http/openapi';
import type { ConnectorHubServices, ConnectorLogger } from '../channel';
import type { TelegramInboxes } from './telegram-inboxes';
import { createBotApi } from './telegram-bot-api';
import { TELEGRAM_WEBHOOK_PATH } from './telegram-webhooks';

const Params = z.object({ inboxId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

/**
 * `POST /api/connectors/telegram/:inboxId/webhook` (admins): registers the hub's webhook URL with
 * Telegram through setWebhook, with the inbox's secret token, for private-chat messages. The bot token is
 * only ever in the Bot API URL this process calls, never in a URL we log or answer.
 */
export function createTelegramAdminRouter(deps: {
  publicUrl: string;
  apiBase: string;
  inboxes: TelegramInboxes;
  staff: ConnectorHubServices['staff'];
  logger: ConnectorLogger;
}): Router {
  const router = Router();
  documentRoutes(router, { tags: ['Inboxes'], roles: ['admin'] }).post(
    '/connectors/telegram/:inboxId/webhook',
    {
      summary: "Register the hub's webhook URL with Telegram for a Telegram inbox",
      params: Params,
      responses: { 200: z.object({ ok: z.literal(true), url: z.string() }) },
    },
    deps.staff.requireAuth,
    async (req, res) => {
      if (deps.staff.principal(req).role !== 'admin')
        deps.staff.fail('FORBIDDEN', 'Only admins can register webhooks.');
      const params = Params.safeParse(req.params);
      const inbox = params.success ? await deps.inboxes.findById(params.data.inboxId) : null;
      if (!inbox) deps.staff.fail('NOT_FOUND', 'No such Telegram inbox.');
      const url = `${deps.publicUrl}${TELEGRAM_WEBHOOK_PATH}/${encodeURIComponent(inbox.inboxId)}`;
      try {
        await createBotApi({ apiBase: deps.apiBase, botToken: inbox.botToken }).call('setWebhook', {
          url,
          secret_token: inbox.webhookSecret,
          allowed_updates: ['message'],
        });
      } catch (error) {
        deps.logger.warn({ inboxId: inbox.inboxId, err: (error as Error).message }, 'setWebhook failed');
        deps.staff.fail('UNAVAILABLE', 'Telegram refused or could not be reached; check the bot token.');
      }
      deps.logger.info({ inboxId: inbox.inboxId, url }, 'telegram webhook registered');
      res.json({ ok: true, url });
    },
  );
  return router;
}
