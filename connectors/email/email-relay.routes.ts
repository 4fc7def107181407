/**
 * `POST /webhooks/email/inbound`: raw RFC 822 from an inbound-parse relay (the body is the message),
 * signed with the shared secret (see email-relay-signature.ts). Same path as the SMTP listener after
 * that: routed to the inbox of the first recipient we serve, parsed, ingested; answered 200 once durable,
 * 403 for a bad or stale signature, 413 over the size limit, 422 when no recipient is ours, 503 when
 * storing failed (the relay retries).
 */
import express, { Router, type Request, type Response } from 'express';
import type { ConnectorLogger } from '../channel';
import type { MailDelivery } from './email-delivery';
import type { EmailInboxDirectory } from './email-inboxes';
import {
  RELAY_RECIPIENT_HEADER,
  RELAY_SIGNATURE_HEADER,
  RELAY_TIMESTAMP_HEADER,
  verifyRelaySignature,
} from './email-relay-signature';
import { simpleParser } from 'mailparser';

export function createEmailRelayRouter(deps: {
  secret: string;
  toleranceSeconds: number;
  maxBytes: number;
  inboxes: Pick<EmailInboxDirectory, 'findByRecipient'>;
  delivery: MailDelivery;
  clock: { now(): Date };
  logger: ConnectorLogger;
}): Router {
  const router = Router();
  const fail = (res: Response, status: number, code: string, message: string) =>
    res.status(status).json({ error: { code, message } });

  /** Envelope recipients when the relay sent them, else the mail's own To and Cc. */
  async function recipientsOf(req: Request, body: Buffer): Promise<string[]> {
    const header = req.get(RELAY_RECIPIENT_HEADER);
    if (header)
      return header
        .split(',')
        .map((address) => address.trim().toLowerCase())
        .filter(Boolean);
    const headersOnly = body.subarray(0, Math.min(body.length, 256 * 1024));
    const end =
      headersOnly.indexOf('\r\n\r\n') >= 0 ? headersOnly.indexOf('\r\n\r\n') : headersOnly.indexOf('\n\n');
    const mail = await simpleParser(end >= 0 ? headersOnly.subarray(0, end) : headersOnly);
    return [mail.to, mail.cc]
      .flatMap((field) => (Array.isArray(field) ? field : field ? [field] : []))
      .flatMap((object) => object.value.map((entry) => entry.address?.toLowerCase() ?? ''))
      .filter(Boolean);
  }

  router.post(
    '/inbound',
    express.raw({ type: () => true, limit: deps.maxBytes }),
    async (req: Request, res: Response) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signed = verifyRelaySignature({
        secret: deps.secret,
        signature: req.get(RELAY_SIGNATURE_HEADER),
        timestamp: req.get(RELAY_TIMESTAMP_HEADER),
        body,
        now: deps.clock.now(),
        toleranceSeconds: deps.toleranceSeconds,
      });
      if (!signed) return fail(res, 403, 'FORBIDDEN', 'Missing, wrong or stale relay signature.');
      if (body.length === 0)
        return fail(res, 400, 'INVALID_INPUT', 'The body must be a raw RFC 822 message.');
      const recipients = await recipientsOf(req, body);
      let inboxId: string | null = null;
      for (const recipient of recipients) {
        const inbox = await deps.inboxes.findByRecipient(recipient);
        if (inbox) {
          inboxId = inbox.id;
          break;
        }
      }
      if (!inboxId) return fail(res, 422, 'INVALID_INPUT', 'No recipient of this message is served here.');
      try {
        const result = await deps.delivery.deliver(body, { inboxId, envelopeTo: recipients });
        return res.status(200).json({ ok: true, ...result });
      } catch (error) {
        deps.logger.warn({ err: error }, 'relayed mail not stored');
        return fail(res, 503, 'UNAVAILABLE', 'The message could not be stored; retry later.');
      }
    },
  );

  // The body parser refused an oversized body before the handler ran: 413 in the hub's error shape.
  router.use(
    (
      error: { type?: string; status?: number },
      _req: Request,
      res: Response,
      next: (e?: unknown) => void,
    ) => {
      if (error.type === 'entity.too.large' || error.status === 413)
        return fail(res, 413, 'PAYLOAD_TOO_LARGE', `The message exceeds the ${deps.maxBytes} byte limit.`);
      next(error);
    },
  );
  return router;
}
