import express, { type Request, type Response, type Router } from 'express';
import type { ConnectorLogger, InboundSink } from '../channel';
import { safeEqual } from '../social/secure-compare';
import type { MetaInboxes } from './meta-inboxes';
import { mapMetaNotification } from './meta-mapping';
import { MetaNotificationSchema } from './meta-payloads';
import { isValidMetaSignature } from './meta-signature';

/** Where the Meta webhook router is mounted. */
export const META_WEBHOOK_PATH = '/webhooks/meta';
/** WhatsApp notifications can reach 3 MB; this route only (the hub's default stays small). */
export const META_BODY_LIMIT_BYTES = 3 * 1024 * 1024;

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * `GET /webhooks/meta`: the subscription handshake (hub.verify_token of any Meta inbox, constant time →
 * the challenge; else 403). `POST /webhooks/meta`: X-Hub-Signature-256 over the raw bytes with an inbox's
 * app secret (constant time) → schema → events sorted by time → each ingested (idempotent on mid/wamid)
 * or applied as a delivery status (forward only) → 200 once all are durable. A failure answers 500 and
 * Meta retries; nothing is stored for a refused request.
 */
export function createMetaWebhookRouter(deps: {
  inboxes: MetaInboxes;
  sink: InboundSink;
  whatsappMediaUrl: (inboxId: string, mediaId: string) => string;
  /** Called for each inbound event once stored (the stub's customer log, demo only). */
  onInbound?: (event: { channel: string; from: string; inboxId: string }) => void;
  logger: ConnectorLogger;
}): Router {
  const router = express.Router();

  router.get('/', async (req: Request, res: Response) => {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    if (
      mode !== 'subscribe' ||
      typeof token !== 'string' ||
      typeof challenge !== 'string' ||
      challenge.length > 256
    )
      return refuse(res, 403, 'FORBIDDEN', 'Invalid subscription request.');
    const inboxes = await deps.inboxes.all();
    if (!inboxes.some((inbox) => safeEqual(token, inbox.verifyToken)))
      return refuse(res, 403, 'FORBIDDEN', 'Invalid hub.verify_token.');
    res.status(200).type('text/plain').send(challenge);
  });

  router.post(
    '/',
    express.raw({ type: () => true, limit: META_BODY_LIMIT_BYTES }),
    async (req: Request, res: Response) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const header = req.header('x-hub-signature-256');
      if (!header) return refuse(res, 403, 'FORBIDDEN', 'Missing X-Hub-Signature-256.');
      const signer = (await deps.inboxes.all()).find((inbox) =>
        isValidMetaSignature(inbox.appSecret, rawBody, header),
      );
      if (!signer) return refuse(res, 403, 'FORBIDDEN', 'Invalid X-Hub-Signature-256.');
      let json: unknown;
      try {
        json = JSON.parse(rawBody.toString('utf8'));
      } catch {
        return refuse(res, 400, 'INVALID_INPUT', 'The body is not JSON.');
      }
      const parsed = MetaNotificationSchema.safeParse(json);
      if (!parsed.success) return refuse(res, 400, 'INVALID_INPUT', 'Not a Meta webhook notification.');
      const appSecret = signer.appSecret;
      const mapped = mapMetaNotification(parsed.data, {
        // The inbox is not known yet at mapping time: the phone number id stands in, resolved below.
        whatsappMediaUrl: (phoneNumberId, mediaId) => `${phoneNumberId}\u0000${mediaId}`,
      });
      let stored = 0;
      for (const item of mapped) {
        const inbox = await deps.inboxes.forEvent(item.event.channel, item.ourId, appSecret);
        if (!inbox) {
          deps.logger.warn(
            { channel: item.event.channel, ourId: item.ourId },
            'meta event for no configured inbox',
          );
          continue;
        }
        if (item.type === 'status') {
          await deps.sink.updateStatus({ ...item.event, inboxId: inbox.inboxId });
          continue;
        }
        const attachments = item.event.attachments?.map((attachment) => {
          const [, mediaId] = attachment.url?.split('\u0000') ?? [];
          return mediaId ? { ...attachment, url: deps.whatsappMediaUrl(inbox.inboxId, mediaId) } : attachment;
        });
        const result = await deps.sink.ingest({
          ...item.event,
          ...(attachments ? { attachments } : {}),
          inboxId: inbox.inboxId,
        });
        if (!result.duplicate) {
          stored++;
          deps.onInbound?.({
            channel: item.event.channel,
            from: item.event.from.externalId,
            inboxId: inbox.inboxId,
          });
        }
      }
      res.status(200).json({ ok: true, events: mapped.length, stored });
    },
  );
  return router;
}
