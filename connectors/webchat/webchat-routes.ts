/**
 * The widget's HTTP side: `/widget.js` (the loader a site embeds with one script tag), the chat iframe
 * (`/webchat/frame`, its own strict CSP, `frame-ancestors` from the inbox's origin allowlist) with its
 * script and stylesheet, and the authenticated attachment upload (`POST /webchat/upload`, visitor token,
 * size and type limits; the bytes go to the hub's attachment store through ingest).
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ConnectorContext } from '../channel';
import type { createBundleCache } from './webchat-bundles';
import { ATTACHMENT_TYPES } from './webchat-events';
import type { WebchatInboxes } from './webchat-inboxes';
import { clientAddress, type WebchatLimiter } from './webchat-limits';
import type { WebchatSettings } from './webchat-socket';
import type { WebchatStore } from './webchat-store';
import { VisitorError, type VisitorActions } from './webchat-visitors';
import type { VisitorTokens } from './visitor-token';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
const TokenSchema = z.string().regex(/^[A-Za-z0-9_-]{3,64}$/);
const UploadQuerySchema = z.object({
  clientId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  filename: z.string().min(1).max(200).optional(),
});

const AttachmentParamsSchema = z.object({
  messageId: z.string().regex(/^[0-9a-f]{24}$/i),
  index: z.coerce.number().int().min(0).max(99),
});
/** Shown in the chat as images; every other type is a download. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Magic bytes of the binary types we accept (a renamed executable is refused). */
function contentMatches(type: string, data: Buffer): boolean {
  const starts = (...bytes: number[]) => bytes.every((byte, i) => data[i] === byte);
  switch (type) {
    case 'image/png':
      return starts(0x89, 0x50, 0x4e, 0x47);
    case 'image/jpeg':
      return starts(0xff, 0xd8, 0xff);
    case 'image/gif':
      return starts(0x47, 0x49, 0x46, 0x38);
    case 'image/webp':
      return starts(0x52, 0x49, 0x46, 0x46) && data.subarray(8, 12).toString('latin1') === 'WEBP';
    case 'application/pdf':
      return starts(0x25, 0x50, 0x44, 0x46);
    default:
      return !data.includes(0);
  }
}

export function createWebchatRouters(deps: {
  context: ConnectorContext;
  inboxes: WebchatInboxes;
  bundles: ReturnType<typeof createBundleCache>;
  tokens: () => Promise<VisitorTokens>;
  store: WebchatStore;
  limiter: WebchatLimiter;
  actions: VisitorActions;
  settings: WebchatSettings;
}) {
  const { context, settings } = deps;

  /** The visitor a request's `Authorization: Bearer <visitor token>` names (expired and forged refused). */
  async function authenticate(req: Request) {
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const check = bearer ? (await deps.tokens()).verify(bearer) : null;
    if (check && !check.ok && check.reason === 'expired')
      return {
        ok: false as const,
        code: 'TOKEN_EXPIRED',
        message: 'Your chat session expired; open the chat again.',
      };
    const inbox = check?.ok ? await deps.inboxes.findById(check.claims.i) : null;
    const record = check?.ok && inbox ? await deps.store.get(check.claims.k) : null;
    if (!inbox || !record || record.inboxId !== inbox.inboxId)
      return { ok: false as const, code: 'UNAUTHENTICATED', message: 'Open the chat again.' };
    return { ok: true as const, inbox, record };
  }

  const serveAsset = (res: Response, type: string, body: string) => {
    res
      .type(type)
      .set({
        'Cache-Control': 'public, max-age=300',
        // Host pages on other origins load the loader; helmet's same-origin default would block it.
        'Cross-Origin-Resource-Policy': 'cross-origin',
        'Access-Control-Allow-Origin': '*',
      })
      .send(body);
  };

  const loader = Router();
  loader.get('/', async (_req, res) => {
    serveAsset(res, 'application/javascript', (await deps.bundles.get()).loader);
  });

  const widget = Router();
  widget.get('/chat.js', async (_req, res) => {
    serveAsset(res, 'application/javascript', (await deps.bundles.get()).chat);
  });
  widget.get('/chat.css', async (_req, res) => {
    serveAsset(res, 'text/css', (await deps.bundles.get()).css);
  });

  widget.get('/frame', async (req: Request, res: Response) => {
    const token = TokenSchema.safeParse(req.query.inbox);
    const inbox = token.success ? await deps.inboxes.findByToken(token.data) : null;
    if (!inbox) {
      res.status(404).type('text').send('Unknown chat inbox.');
      return;
    }
    const lang = req.query.lang === 'zh-CN' || req.query.lang === 'en' ? req.query.lang : '';
    const ancestors = inbox.allowedOrigins.length ? inbox.allowedOrigins.join(' ') : '*';
    res.removeHeader('X-Frame-Options');
    res.set({
      'Content-Security-Policy': [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data: blob:",
        "base-uri 'none'",
        "form-action 'none'",
        `frame-ancestors ${ancestors}`,
      ].join('; '),
      'Cache-Control': 'no-store',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Cross-Origin-Embedder-Policy': 'unsafe-none',
    });
    res.type('html').send(`<!doctype html>
<html lang="${lang || 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat</title><link rel="stylesheet" href="/webchat/chat.css"></head>
<body><main id="omnihub-chat" data-inbox="${escapeHtml(inbox.publicToken)}" data-lang="${escapeHtml(lang)}"></main>
<script src="/webchat/chat.js"></script></body></html>`);
  });

  widget.post(
    '/upload',
    express.raw({ type: () => true, limit: settings.maxAttachmentBytes }),
    async (req: Request, res: Response) => {
      const sendError = (status: number, code: string, message: string, retryAfterSec?: number) =>
        res.status(status).json({ error: { code, message, ...(retryAfterSec ? { retryAfterSec } : {}) } });
      const visitor = await authenticate(req);
      if (!visitor.ok) return sendError(401, visitor.code, visitor.message);
      const { inbox, record } = visitor;
      const query = UploadQuerySchema.safeParse(req.query);
      if (!query.success) return sendError(400, 'INVALID_INPUT', 'An upload needs a clientId.');
      const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!(ATTACHMENT_TYPES as readonly string[]).includes(type) || !contentMatches(type, data))
        return sendError(415, 'UNSUPPORTED_TYPE', 'This kind of file cannot be sent.');
      if (data.length === 0) return sendError(400, 'INVALID_INPUT', 'The file is empty.');
      const address = clientAddress({
        peer: req.socket.remoteAddress ?? '',
        forwardedFor: req.headers['x-forwarded-for'],
        trustedProxies: settings.trustedProxies,
      });
      const limit = await deps.limiter.check([
        { scope: 'msg-visitor', id: `${inbox.inboxId}:${record.key}`, perMinute: settings.messagesPerMinute },
        { scope: 'msg-ip', id: `${inbox.inboxId}:${address}`, perMinute: settings.ipMessagesPerMinute },
      ]);
      if (!limit.allowed)
        return sendError(429, 'RATE_LIMITED', 'You are sending too fast.', limit.retryAfterSec);
      const filename = (query.data.filename ?? 'file').replace(/[\\/\r\n\0]/g, '_');
      try {
        const message = await deps.actions.send({
          inbox,
          record,
          clientId: query.data.clientId,
          text: '',
          attachments: [{ contentType: type, filename, size: data.length, data }],
        });
        res.status(201).json({ message });
      } catch (error) {
        if (error instanceof VisitorError) return sendError(400, error.code, error.message);
        context.logger.error({ err: error }, 'web chat upload failed');
        sendError(500, 'INTERNAL', 'The file could not be sent.');
      }
    },
  );

  /**
   * A file of the visitor's own conversation (their uploads and what agents sent), for the visitor token
   * that owns it: any other conversation's message answers 404, like one that does not exist. Images the
   * widget shows inline; everything else downloads (never rendered by the browser as a page).
   */
  widget.get('/attachments/:messageId/:index', async (req: Request, res: Response) => {
    const sendError = (status: number, code: string, message: string) =>
      res.status(status).json({ error: { code, message } });
    const visitor = await authenticate(req);
    if (!visitor.ok) return sendError(401, visitor.code, visitor.message);
    const params = AttachmentParamsSchema.safeParse(req.params);
    const conversation = await deps.actions.currentConversation(visitor.record);
    const found =
      params.success && conversation && context.hub.timeline?.openAttachment
        ? await context.hub.timeline
            .openAttachment({ conversationId: conversation.id, ...params.data })
            .catch((error: unknown) => {
              if (error instanceof Error && 'code' in error && error.code === 'NOT_FOUND') return null;
              throw error;
            })
        : null;
    if (!found) return sendError(404, 'NOT_FOUND', 'No such file.');
    const inline = INLINE_TYPES.has(found.contentType);
    const utf8Name = encodeURIComponent((found.filename ?? 'file').slice(0, 200)).replace(
      /['()*]/g,
      (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
    );
    const filename = (found.filename ?? 'file').replace(/[^\w.\- ]/g, '_').slice(0, 100) || 'file';
    res.set({
      'Content-Type': found.contentType,
      // An ASCII fallback name, and the real one (Chinese included) as RFC 8187 `filename*`.
      'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename="${filename}"; filename*=UTF-8''${utf8Name}`,
      'Cache-Control': 'private, no-store',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'X-Content-Type-Options': 'nosniff',
      ...(found.size ? { 'Content-Length': String(found.size) } : {}),
    });
    found.stream.on('error', (error) => {
      context.logger.warn({ err: error }, 'web chat attachment read failed');
      res.destroy(error);
    });
    found.stream.pipe(res);
  });

  return { loader, widget };
}
