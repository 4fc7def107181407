import express, { type Request, type Response, type Router } from 'express';
import type { ConnectorLogger, InboundSink, LinkedIdentity } from '../channel';
import { safeEqual } from '../social/secure-compare';
import { decryptWechatMessage, isValidWechatSignature } from './wechat-crypto';
import type { WechatInboxConfig } from './wechat-channel';
import type { WechatInboxes } from './wechat-inboxes';
import { mapWechatMessage } from './wechat-mapping';
import { parseWechatXml, WechatEnvelopeSchema, WechatMessageSchema } from './wechat-xml';

export const WECHAT_WEBHOOK_PATH = '/webhooks/wechat';

const q = (req: Request, name: string): string =>
  typeof req.query[name] === 'string' ? req.query[name] : '';

function forbidden(res: Response): void {
  res.status(403).type('text/plain').send('invalid signature');
}

/**
 * `GET /webhooks/wechat/:inboxId`: server verification (signature over token, timestamp, nonce → echo
 * `echostr`). `POST`: the same signature; in safe mode (`encrypt_type=aes`) also `msg_signature` over the
 * Encrypt field, then AES decryption and the AppId check → XML validated → mapped → ingested (idempotent) →
 * `success` at once (WeChat waits 5 s and retries three times); agents answer later through the
 * customer-service API. A missing inbox answers like a bad signature (403).
 */
export function createWechatWebhookRouter(deps: {
  inboxes: WechatInboxes;
  sink: InboundSink;
  mediaUrl: (inboxId: string, mediaId: string) => string;
  logger: ConnectorLogger;
  /** The follower's UnionID as a linked identity (wechat-union-ids.ts); absent: OpenIDs only. */
  linkedIdentitiesOf?: (inbox: WechatInboxConfig, openId: string) => Promise<LinkedIdentity[]>;
}): Router {
  const router = express.Router();
  const inboxOf = async (req: Request): Promise<WechatInboxConfig | null> => {
    const inboxId = String(req.params.inboxId);
    return /^[A-Za-z0-9_-]{1,64}$/.test(inboxId) ? deps.inboxes.findById(inboxId) : null;
  };

  router.get('/:inboxId', async (req, res) => {
    const inbox = await inboxOf(req);
    const echostr = q(req, 'echostr');
    if (
      !inbox ||
      !echostr ||
      !isValidWechatSignature([inbox.token, q(req, 'timestamp'), q(req, 'nonce')], q(req, 'signature'))
    )
      return forbidden(res);
    res.status(200).type('text/plain').send(echostr);
  });

  router.post(
    '/:inboxId',
    express.text({ type: () => true, limit: '1mb' }),
    async (req: Request, res: Response) => {
      const inbox = await inboxOf(req);
      const timestamp = q(req, 'timestamp');
      const nonce = q(req, 'nonce');
      if (!inbox || !isValidWechatSignature([inbox.token, timestamp, nonce], q(req, 'signature')))
        return forbidden(res);
      const body = typeof req.body === 'string' ? req.body : '';
      let fields = parseWechatXml(body);
      if (!fields) return res.status(400).type('text/plain').send('invalid xml');
      if (q(req, 'encrypt_type') === 'aes') {
        const envelope = WechatEnvelopeSchema.safeParse(fields);
        if (!inbox.encodingAesKey || !envelope.success) return forbidden(res);
        const encrypted = envelope.data.Encrypt;
        if (!isValidWechatSignature([inbox.token, timestamp, nonce, encrypted], q(req, 'msg_signature')))
          return forbidden(res);
        let decrypted: { xml: string; appId: string };
        try {
          decrypted = decryptWechatMessage({ encodingAesKey: inbox.encodingAesKey, encrypted });
        } catch {
          return forbidden(res);
        }
        if (!safeEqual(decrypted.appId, inbox.appId)) return forbidden(res);
        fields = parseWechatXml(decrypted.xml);
        if (!fields) return res.status(400).type('text/plain').send('invalid xml');
      }
      const parsed = WechatMessageSchema.safeParse(fields);
      if (!parsed.success) return res.status(400).type('text/plain').send('not a WeChat message');
      const event = mapWechatMessage(parsed.data, {
        inboxId: inbox.inboxId,
        mediaUrl: (mediaId) => deps.mediaUrl(inbox.inboxId, mediaId),
      });
      if (event) {
        const linked = (await deps.linkedIdentitiesOf?.(inbox, event.from.externalId)) ?? [];
        await deps.sink.ingest(
          linked.length ? { ...event, from: { ...event.from, linkedIdentities: linked } } : event,
        );
      } else
        deps.logger.debug(
          { inboxId: inbox.inboxId, type: parsed.data.MsgType, event: parsed.data.Event },
          'wechat event ignored',
        );
      res.status(200).type('text/plain').send('success');
    },
  );
  return router;
}
