import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SendError } from '../channel';
import { classifyHttpFailure, fetchProvider } from '../social/provider-errors';

/**
 * The account's `access_token`, shared by every hub process through Redis. WeChat allows a limited number
 * of token requests a day and a new token invalidates the old one after a few minutes, so exactly one
 * process fetches it: the one holding the lock (SET NX with a lease, released by compare-and-delete);
 * the others wait for the cached value. It is cached for its lifetime minus a margin (5 minutes), so it
 * is refreshed before it expires; a token WeChat calls invalid (40001/42001/40014) is dropped (only if
 * it is still the cached one) and fetched again once.
 */
export interface WechatTokenSource {
  get(): Promise<string>;
  /** Drops the cached token when it is still `token` (WeChat refused it). */
  invalidate(token: string): Promise<void>;
}

const REFRESH_MARGIN_SECONDS = 300;
const LOCK_LEASE_MS = 15_000;
const WAIT_STEP_MS = 50;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function createWechatTokenSource(deps: {
  redis: Redis;
  keyPrefix: string;
  apiBase: string;
  appId: string;
  appSecret: string;
  timeoutMs?: number;
}): WechatTokenSource {
  const tokenKey = `${deps.keyPrefix}:wechat:access-token:${deps.appId}`;
  const lockKey = `${tokenKey}:lock`;
  const base = deps.apiBase.replace(/\/+$/, '');

  async function fetchToken(): Promise<{ token: string; expiresIn: number }> {
    const query = new URLSearchParams({
      grant_type: 'client_credential',
      appid: deps.appId,
      secret: deps.appSecret,
    });
    const response = await fetchProvider('WeChat token', `${base}/cgi-bin/token?${query.toString()}`, {
      method: 'GET',
      timeoutMs: deps.timeoutMs ?? 10_000,
    });
    const body = (await response.json().catch(() => null)) as {
      access_token?: unknown;
      expires_in?: unknown;
      errcode?: unknown;
      errmsg?: unknown;
    } | null;
    if (response.ok && typeof body?.access_token === 'string' && typeof body.expires_in === 'number')
      return { token: body.access_token, expiresIn: body.expires_in };
    const code = typeof body?.errcode === 'number' ? body.errcode : undefined;
    // -1: system busy; anything else (bad AppSecret 40001/40125, IP not whitelisted 40164) is permanent.
    throw classifyHttpFailure({
      provider: 'WeChat token',
      status: response.ok ? (code === -1 ? 503 : 400) : response.status,
      code,
      message: typeof body?.errmsg === 'string' ? body.errmsg : undefined,
    });
  }

  return {
    async get() {
      const deadline = Date.now() + LOCK_LEASE_MS * 2;
      for (;;) {
        const cached = await deps.redis.get(tokenKey);
        if (cached) return cached;
        const owner = randomBytes(12).toString('hex');
        if ((await deps.redis.set(lockKey, owner, 'PX', LOCK_LEASE_MS, 'NX')) === 'OK') {
          try {
            const again = await deps.redis.get(tokenKey);
            if (again) return again;
            const { token, expiresIn } = await fetchToken();
            const ttl = Math.max(1, expiresIn - Math.min(REFRESH_MARGIN_SECONDS, Math.floor(expiresIn / 2)));
            await deps.redis.set(tokenKey, token, 'EX', ttl);
            return token;
          } finally {
            await deps.redis.eval(RELEASE, 1, lockKey, owner).catch(() => undefined);
          }
        }
        if (Date.now() > deadline)
          throw new SendError('WeChat access_token: timed out waiting for the refresher', {
            permanent: false,
            providerCode: 'TOKEN_WAIT',
          });
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      }
    },
    async invalidate(token) {
      await deps.redis.eval(RELEASE, 1, tokenKey, token).catch(() => undefined);
    },
  };
}
