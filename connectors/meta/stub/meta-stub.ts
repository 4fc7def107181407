import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { signMetaBody } from '../meta-signature';

/**
 * A local stand-in for Meta's Graph API (Messenger, Instagram and WhatsApp Cloud): it answers the sends the
 * connector makes (`/me/messages`, `/{phone-number-id}/messages`, `/{phone-number-id}/media`, media lookups
 * and downloads), records them, checks the bearer token, and plays the customer by posting notifications
 * to the hub's `/webhooks/meta` signed with the app secret (X-Hub-Signature-256). It sends delivery
 * receipts as Meta does: Messenger `delivery` events, WhatsApp `sent` then `delivered` statuses. Like
 * WhatsApp, it refuses free-form text more than 24 h after the customer's last message (131047) and takes
 * templates at any time.
 */
export interface MetaStubOptions {
  appSecret: string;
  accessToken: string;
  pageId: string;
  instagramId: string;
  phoneNumberId: string;
  deliverTo?: string;
  /** Delay before delivery receipts (default 30 ms; 0 sends none). */
  statusDelayMs?: number;
  onError?: (error: unknown) => void;
  /**
   * Accept sends to customers the stub has not seen write (the demo: seeded conversations' customers are
   * known to the real provider). Tests leave it off, so the 24 h rule and unknown users are enforced.
   */
  acceptUnknownCustomers?: boolean;
}

export interface StubGraphSend {
  channel: 'messenger' | 'instagram' | 'whatsapp';
  to: string;
  type: string;
  text?: string;
  template?: { name: string; language?: { code?: string }; components?: unknown[] };
  tag?: string;
  messagingType?: string;
  externalId: string;
  at: Date;
}

export interface MetaDelivery {
  status: number;
  /** The message id the notification carried (mid / wamid). */
  id: string;
  body: string;
}

export interface MetaStub {
  router: Router;
  sends: StubGraphSend[];
  requests: { method: string; path: string; at: Date }[];
  setDeliverTo(url: string): void;
  failNextRequest(failure: { status: number; code: number; message: string }): void;
  sendMessenger(input: { psid: string; text: string; timestamp?: number }): Promise<MetaDelivery>;
  sendInstagram(input: { igsid: string; text: string; timestamp?: number }): Promise<MetaDelivery>;
  sendWhatsApp(input: {
    waId: string;
    name?: string;
    text?: string;
    timestamp?: number;
    image?: { bytes: Buffer; mimeType: string; caption?: string };
  }): Promise<MetaDelivery>;
  /** Posts a raw body, signed with the app secret unless `signature` is given (null: unsigned). */
  deliverRaw(body: string, options?: { signature?: string | null }): Promise<{ status: number }>;
  /** Makes a customer known (as if they had just written), so a send to them is accepted. */
  meetCustomer(channel: 'messenger' | 'instagram' | 'whatsapp', id: string): void;
  /** Waits until every scheduled receipt was posted. */
  settle(): Promise<void>;
}

const newId = (prefix: string) => `${prefix}${randomBytes(12).toString('base64url')}`;

export function createMetaStub(options: MetaStubOptions): MetaStub {
  let deliverTo = options.deliverTo ?? '';
  const statusDelayMs = options.statusDelayMs ?? 30;
  const failures: { status: number; code: number; message: string }[] = [];
  const sends: StubGraphSend[] = [];
  const requests: MetaStub['requests'] = [];
  const customers = new Map<string, 'messenger' | 'instagram'>();
  const lastWhatsAppInbound = new Map<string, number>();
  const media = new Map<string, { bytes: Buffer; mimeType: string }>();
  const pending = new Set<Promise<unknown>>();

  async function deliverRaw(body: string, opts: { signature?: string | null } = {}) {
    const signature = opts.signature === undefined ? signMetaBody(options.appSecret, body) : opts.signature;
    const response = await fetch(`${deliverTo.replace(/\/+$/, '')}/webhooks/meta`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
      },
      body,
    });
    await response.arrayBuffer();
    return { status: response.status };
  }
  const later = (notification: unknown, delayMs: number) => {
    if (statusDelayMs <= 0) return;
    const task = new Promise((resolve) => setTimeout(resolve, delayMs))
      .then(() => deliverRaw(JSON.stringify(notification)))
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => pending.delete(task));
    pending.add(task);
  };

  const graphError = (res: Response, failure: { status: number; code: number; message: string }) =>
    res.status(failure.status).json({
      error: { message: failure.message, type: 'OAuthException', code: failure.code, fbtrace_id: 'stub' },
    });
  const authorized = (req: Request, res: Response) => {
    if (req.header('authorization') === `Bearer ${options.accessToken}`) return true;
    graphError(res, { status: 401, code: 190, message: 'Invalid OAuth access token.' });
    return false;
  };
  async function fieldsOf(req: Request): Promise<{ fields: Record<string, unknown>; file?: Blob }> {
    const type = req.header('content-type') ?? '';
    const raw = req.body as Buffer;
    if (type.startsWith('multipart/form-data')) {
      const form = await new globalThis.Response(new Uint8Array(raw), {
        headers: { 'content-type': type },
      }).formData();
      const fields: Record<string, unknown> = {};
      let file: Blob | undefined;
      for (const [key, value] of form.entries()) {
        if (typeof value !== 'string') file = value;
        else
          try {
            fields[key] = JSON.parse(value);
          } catch {
            fields[key] = value;
          }
      }
      return { fields, ...(file ? { file } : {}) };
    }
    return { fields: JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown> };
  }

  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: '60mb' }));
  router.use((req, _res, next) => {
    requests.push({ method: req.method, path: req.path, at: new Date() });
    next();
  });
  router.use((req, res, next) => {
    const failure = failures.shift();
    if (failure) return graphError(res, failure);
    next();
  });

  router.post('/:version/me/messages', async (req, res) => {
    if (!authorized(req, res)) return;
    const { fields } = await fieldsOf(req);
    const recipient = (fields.recipient as { id?: string } | undefined)?.id ?? '';
    const message = (fields.message ?? {}) as { text?: string; attachment?: { type?: string } };
    const channel = customers.get(recipient) ?? (options.acceptUnknownCustomers ? 'messenger' : undefined);
    if (!channel) return graphError(res, { status: 400, code: 100, message: 'No matching user found' });
    const mid = newId('m_');
    sends.push({
      channel,
      to: recipient,
      type: message.attachment?.type ?? 'text',
      ...(message.text ? { text: message.text } : {}),
      ...(typeof fields.tag === 'string' ? { tag: fields.tag } : {}),
      ...(typeof fields.messaging_type === 'string' ? { messagingType: fields.messaging_type } : {}),
      externalId: mid,
      at: new Date(),
    });
    res.json({ recipient_id: recipient, message_id: mid });
    if (channel === 'messenger')
      later(
        {
          object: 'page',
          entry: [
            {
              id: options.pageId,
              time: Date.now(),
              messaging: [
                {
                  sender: { id: recipient },
                  recipient: { id: options.pageId },
                  delivery: { mids: [mid], watermark: Date.now() },
                },
              ],
            },
          ],
        },
        statusDelayMs,
      );
  });

  router.post('/:version/:phoneNumberId/media', async (req, res) => {
    if (!authorized(req, res)) return;
    const { file } = await fieldsOf(req);
    if (!file) return graphError(res, { status: 400, code: 100, message: 'file is required' });
    const id = String(Date.now()) + String(media.size);
    media.set(id, { bytes: Buffer.from(await file.arrayBuffer()), mimeType: file.type });
    res.json({ id });
  });

  router.post('/:version/:phoneNumberId/messages', async (req, res) => {
    if (!authorized(req, res)) return;
    if (req.params.phoneNumberId !== options.phoneNumberId)
      return graphError(res, {
        status: 400,
        code: 100,
        message: 'Unsupported post request: unknown phone number id',
      });
    const { fields } = await fieldsOf(req);
    const to = typeof fields.to === 'string' ? fields.to : '';
    const type = typeof fields.type === 'string' ? fields.type : 'text';
    if (!/^\d{5,20}$/.test(to))
      return graphError(res, { status: 400, code: 131009, message: 'Parameter value is not valid' });
    if (options.acceptUnknownCustomers && !lastWhatsAppInbound.has(to))
      lastWhatsAppInbound.set(to, Date.now());
    const last = lastWhatsAppInbound.get(to);
    if (type !== 'template' && (last === undefined || Date.now() - last > 24 * 3600_000))
      return graphError(res, {
        status: 400,
        code: 131047,
        message: 'Re-engagement message: more than 24 hours have passed since the recipient last replied.',
      });
    const wamid = `wamid.${randomBytes(18).toString('base64')}`;
    const text = (fields.text as { body?: string } | undefined)?.body;
    const template = fields.template as StubGraphSend['template'];
    sends.push({
      channel: 'whatsapp',
      to,
      type,
      ...(text ? { text } : {}),
      ...(template ? { template } : {}),
      externalId: wamid,
      at: new Date(),
    });
    res.json({
      messaging_product: 'whatsapp',
      contacts: [{ input: to, wa_id: to }],
      messages: [{ id: wamid }],
    });
    const status = (state: string) => ({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA_ID',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550000000', phone_number_id: options.phoneNumberId },
                statuses: [
                  {
                    id: wamid,
                    status: state,
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    recipient_id: to,
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    later(status('sent'), statusDelayMs);
    later(status('delivered'), statusDelayMs * 3);
  });

  router.get('/media-files/:id', (req, res) => {
    if (!authorized(req, res)) return;
    const stored = media.get(req.params.id);
    if (!stored) return graphError(res, { status: 404, code: 100, message: 'Unknown media' });
    res.type(stored.mimeType).send(stored.bytes);
  });
  router.get('/:version/:mediaId', (req, res) => {
    if (!authorized(req, res)) return;
    const stored = media.get(req.params.mediaId);
    if (!stored) return graphError(res, { status: 404, code: 100, message: 'Unknown media' });
    const base = `${req.protocol}://${req.get('host') ?? ''}${req.baseUrl}`;
    res.json({
      url: `${base}/media-files/${req.params.mediaId}`,
      mime_type: stored.mimeType,
      id: req.params.mediaId,
    });
  });

  const messaging = (
    object: 'page' | 'instagram',
    ourId: string,
    customer: string,
    text: string,
    timestamp: number,
  ) => {
    const mid = newId(object === 'page' ? 'm_' : 'aWdf');
    return {
      mid,
      body: JSON.stringify({
        object,
        entry: [
          {
            id: ourId,
            time: Date.now(),
            messaging: [
              { sender: { id: customer }, recipient: { id: ourId }, timestamp, message: { mid, text } },
            ],
          },
        ],
      }),
    };
  };

  return {
    router,
    sends,
    requests,
    setDeliverTo(url) {
      deliverTo = url;
    },
    failNextRequest(failure) {
      failures.push(failure);
    },
    async sendMessenger({ psid, text, timestamp }) {
      customers.set(psid, 'messenger');
      const { mid, body } = messaging('page', options.pageId, psid, text, timestamp ?? Date.now());
      return { ...(await deliverRaw(body)), id: mid, body };
    },
    async sendInstagram({ igsid, text, timestamp }) {
      customers.set(igsid, 'instagram');
      const { mid, body } = messaging('instagram', options.instagramId, igsid, text, timestamp ?? Date.now());
      return { ...(await deliverRaw(body)), id: mid, body };
    },
    async sendWhatsApp(input) {
      const timestamp = input.timestamp ?? Date.now();
      lastWhatsAppInbound.set(input.waId, Math.max(lastWhatsAppInbound.get(input.waId) ?? 0, timestamp));
      const wamid = `wamid.${randomBytes(18).toString('base64')}`;
      let content: Record<string, unknown> = { type: 'text', text: { body: input.text ?? '' } };
      if (input.image) {
        const id = String(900000 + media.size);
        media.set(id, { bytes: input.image.bytes, mimeType: input.image.mimeType });
        content = {
          type: 'image',
          image: {
            id,
            mime_type: input.image.mimeType,
            ...(input.image.caption ? { caption: input.image.caption } : {}),
          },
        };
      }
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: 'WABA_ID',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550000000', phone_number_id: options.phoneNumberId },
                  contacts: [{ profile: { name: input.name ?? 'Customer' }, wa_id: input.waId }],
                  messages: [
                    {
                      from: input.waId,
                      id: wamid,
                      timestamp: String(Math.floor(timestamp / 1000)),
                      ...content,
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
      return { ...(await deliverRaw(body)), id: wamid, body };
    },
    meetCustomer(channel, id) {
      if (channel === 'whatsapp') lastWhatsAppInbound.set(id, Date.now());
      else customers.set(id, channel);
    },
    deliverRaw,
    async settle() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
  };
}
