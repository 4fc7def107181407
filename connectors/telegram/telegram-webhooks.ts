import express, { type Request, type Response, type Router } from 'express';
import type { ConnectorLogger, InboundSink } from '../channel';
import { safeEqual } from '../social/secure-compare';
import type { TelegramInboxes } from './telegram-inboxes';
import { mapTelegramUpdate } from './telegram-mapping';
import { TelegramUpdateSchema } from './telegram-payloads';

/** Where the Telegram webhook router is mounted. */
export const TELEGRAM_WEBHOOK_PATH = '/webhooks/telegram';

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * `POST /webhooks/telegram/:inboxId`. The gate: the inbox exists and the request carries its secret in
 * X-Telegram-Bot-Api-Secret-Token (constant time; a missing inbox answers like a bad secret, 403, so ids
 * cannot be probed) → JSON body validated → mapped → ingested (idempotent on chat + message id, so a
 * redelivered update_id stores nothing new) → 200. A failing ingest answers 500 and Telegram retries.
 */
export function createTelegramWebhookRouter(deps: {
  inboxes: TelegramInboxes;
  sink: InboundSink;
  mediaUrl: (inboxId: string, fileId: string) => string;
  logger: ConnectorLogger;
}): Router {
  const router = express.Router();
  router.post(
    '/:inboxId',
    express.json({ limit: '1mb', type: () => true }),
    async (req: Request, res: Response) => {
      const inboxId = String(req.params.inboxId);
      const inbox = /^[A-Za-z0-9_-]{1,64}$/.test(inboxId) ? await deps.inboxes.findById(inboxId) : null;
      const secret = req.header('x-telegram-bot-api-secret-token');
      if (!inbox || !safeEqual(secret, inbox.webhookSecret))
        return refuse(res, 403, 'FORBIDDEN', 'Invalid X-Telegram-Bot-Api-Secret-Token.');
      const parsed = TelegramUpdateSchema.safeParse(req.body);
      if (!parsed.success) return refuse(res, 400, 'INVALID_INPUT', 'Not a Telegram update.');
      const event = mapTelegramUpdate(parsed.data, {
        inboxId: inbox.inboxId,
        mediaUrl: (fileId) => deps.mediaUrl(inbox.inboxId, fileId),
      });
      if (!event) {
        deps.logger.debug({ updateId: parsed.data.update_id, inboxId }, 'telegram update ignored');
        res.status(200).json({ ok: true, ignored: true });
        return;
      }
      const result = await deps.sink.ingest(event);
      res.status(200).json({ ok: true, duplicate: result.duplicate });
    },
  );
  return router;
}
