import { createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { ConnectorMediaSource } from '../channel';
import { safeEqual } from './secure-compare';

/**
 * Provider media that needs a secret to locate (a Telegram file path is only reachable with the bot token
 * in the URL, WhatsApp media ids resolve through the Graph API, WeChat's through an access_token) is
 * stored on the message as a URL on the hub itself: `PUBLIC_URL/media-proxy/<connector>/<inbox>/<ref>`,
 * which carries no secret. The attachments job fetches it like any provider media (registered origin:
 * PUBLIC_URL), with a bearer that is an HMAC of the URL path under a key shared in Redis by every hub
 * process; the proxy route checks it in constant time, resolves the reference with the inbox's
 * credentials and streams the bytes. Anyone else gets 403.
 */
export interface MediaProxy {
  urlFor(input: { connector: string; inboxId: string; ref: string }): string;
  /** The media source to contribute (every connector contributes the same, so whichever is kept works). */
  source: ConnectorMediaSource;
  /** The router to mount at `/media-proxy/<connector>`; `open` fetches the provider's bytes. */
  router(open: (input: { inboxId: string; ref: string }) => Promise<Response | null>): Router;
  /** The bearer the fetch job sends for a path (exposed for tests). */
  bearerFor(pathname: string): Promise<string>;
}

export const MEDIA_PROXY_PATH = '/media-proxy';

export function createMediaProxy(deps: { publicUrl: string; redis: Redis; keyPrefix: string }): MediaProxy {
  const keyName = `${deps.keyPrefix}:social:media-proxy-key`;
  let cached: string | undefined;
  const key = async (): Promise<string> => {
    if (cached) return cached;
    await deps.redis.set(keyName, randomBytes(32).toString('hex'), 'NX');
    const stored = await deps.redis.get(keyName);
    if (!stored) throw new Error('media proxy key missing in Redis');
    cached = stored;
    return stored;
  };
  const bearerFor = async (pathname: string) =>
    createHmac('sha256', await key())
      .update(pathname)
      .digest('hex');
  const basePath = new URL(deps.publicUrl).pathname.replace(/\/+$/, '');

  return {
    bearerFor,
    urlFor({ connector, inboxId, ref }) {
      return `${deps.publicUrl}${MEDIA_PROXY_PATH}/${connector}/${encodeURIComponent(inboxId)}/${encodeURIComponent(ref)}`;
    },
    source: {
      name: 'hub media proxy',
      origin: new URL(deps.publicUrl).origin,
      async authFor({ url }) {
        if (!url.pathname.startsWith(`${basePath}${MEDIA_PROXY_PATH}/`)) return null;
        return { type: 'bearer', token: await bearerFor(url.pathname) };
      },
    },
    router(open) {
      const router = Router();
      router.get('/:inboxId/:ref', async (req, res) => {
        const expected = await bearerFor(`${basePath}${req.originalUrl.split('?')[0]}`);
        const header = req.header('authorization') ?? '';
        if (!header.startsWith('Bearer ') || !safeEqual(header.slice(7), expected)) {
          res.status(403).json({ error: { code: 'FORBIDDEN', message: 'Not a hub media download.' } });
          return;
        }
        const upstream = await open({ inboxId: req.params.inboxId, ref: req.params.ref });
        if (!upstream?.ok || !upstream.body) {
          await upstream?.body?.cancel();
          const status = upstream && upstream.status >= 500 ? 502 : 404;
          res.status(status).json({ error: { code: 'NOT_FOUND', message: 'Media not available.' } });
          return;
        }
        res.status(200);
        const type = upstream.headers.get('content-type');
        const length = upstream.headers.get('content-length');
        if (type) res.setHeader('content-type', type);
        if (length) res.setHeader('content-length', length);
        Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>).pipe(res);
      });
      return router;
    },
  };
}
