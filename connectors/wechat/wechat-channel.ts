import { SendError, type Channel, type OutboundMessage, type SendResult } from '../channel';
import { classifyHttpFailure, fetchProvider } from '../social/provider-errors';
import type { WechatTokenSource } from './wechat-token';

/** One configured Official Account inbox. */
export interface WechatInboxConfig {
  inboxId: string;
  appId: string;
  appSecret: string;
  token: string;
  /** Safe mode key; without it only plain mode is accepted. */
  encodingAesKey?: string;
}

export interface WechatChannel extends Channel {
  readonly inbox: WechatInboxConfig;
  /** Opens a customer's media by MediaId (temporary media API). */
  openMedia(mediaId: string): Promise<Response | null>;
  /**
   * The follower's basic info (用户基本信息, GET /cgi-bin/user/info): `unionId` only when the account is
   * bound to a WeChat Open Platform account; `subscribed` false when they do not follow the account.
   */
  fetchUserInfo(openId: string): Promise<{ subscribed: boolean; unionId: string | null }>;
}

/** errcodes that mean "the token is bad": drop it and fetch a new one, once. */
const TOKEN_ERRORS = new Set([40001, 40014, 42001]);
const USER_INFO_TIMEOUT_MS = 2_000;
/** errcodes worth a retry: system busy, API frequency limits. */
const TRANSIENT_ERRORS = new Set([-1, 45009, 45011]);

/**
 * The WeChat Official Account connector: the customer-service message API (客服消息,
 * /cgi-bin/message/custom/send) for text and images (uploaded as temporary media first). WeChat accepts
 * these within 48 h of the customer's last message and 5 per customer message (45015 / 45047, both
 * permanent; the reply-window check refuses such sends before they are queued). The API returns no
 * message id: the external id is ours, and WeChat sends no delivery receipts, so a sent message stays sent.
 */
export function createWechatChannel(options: {
  inbox: WechatInboxConfig;
  apiBase: string;
  tokens: WechatTokenSource;
  timeoutMs?: number;
}): WechatChannel {
  const { inbox, tokens } = options;
  const base = options.apiBase.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;

  /** One API call with the shared access_token (GET when `body` is null); a refused token is renewed once. */
  async function callApi(
    path: string,
    body: Record<string, unknown> | FormData | null,
    retried = false,
    requestTimeoutMs = timeoutMs,
  ): Promise<Record<string, unknown>> {
    const token = await tokens.get();
    const separator = path.includes('?') ? '&' : '?';
    const isForm = body instanceof FormData;
    const response = await fetchProvider(
      'WeChat',
      `${base}${path}${separator}access_token=${encodeURIComponent(token)}`,
      body === null
        ? { method: 'GET', timeoutMs: requestTimeoutMs }
        : {
            method: 'POST',
            ...(isForm ? {} : { headers: { 'content-type': 'application/json' } }),
            body: isForm ? body : JSON.stringify(body),
            timeoutMs: requestTimeoutMs,
          },
    );
    const json = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    const errcode = typeof json?.errcode === 'number' ? json.errcode : 0;
    if (response.ok && json && errcode === 0) return json;
    if (TOKEN_ERRORS.has(errcode) && !retried) {
      await tokens.invalidate(token);
      return callApi(path, body, true, requestTimeoutMs);
    }
    throw classifyHttpFailure({
      provider: 'WeChat',
      status: !response.ok
        ? response.status
        : TRANSIENT_ERRORS.has(errcode) || TOKEN_ERRORS.has(errcode)
          ? 503
          : 400,
      code: errcode || undefined,
      message: typeof json?.errmsg === 'string' ? json.errmsg : undefined,
    });
  }

  return {
    kinds: ['wechat'],
    inboxId: inbox.inboxId,
    inbox,
    async send(message: OutboundMessage): Promise<SendResult> {
      if (message.channel !== 'wechat')
        throw new SendError(`the WeChat connector cannot send on ${message.channel}`, {
          permanent: true,
          providerCode: 'UNSUPPORTED_CHANNEL',
        });
      const openId = message.to.externalId;
      if (!/^[A-Za-z0-9_-]{6,64}$/.test(openId))
        throw new SendError(`not an OpenID: ${openId}`, { permanent: true, providerCode: '40003' });
      const text = message.text.trim();
      if (!text && !message.attachments?.length)
        throw new SendError('empty message', { permanent: true, providerCode: 'EMPTY_BODY' });
      for (const attachment of message.attachments ?? []) {
        if (!attachment.contentType.startsWith('image/')) continue;
        const form = new FormData();
        form.set(
          'media',
          new Blob([new Uint8Array(attachment.data)], { type: attachment.contentType }),
          attachment.filename || 'image.jpg',
        );
        const uploaded = await callApi('/cgi-bin/media/upload?type=image', form);
        const mediaId = typeof uploaded.media_id === 'string' ? uploaded.media_id : '';
        await callApi('/cgi-bin/message/custom/send', {
          touser: openId,
          msgtype: 'image',
          image: { media_id: mediaId },
        });
      }
      if (text)
        await callApi('/cgi-bin/message/custom/send', {
          touser: openId,
          msgtype: 'text',
          text: { content: text },
        });
      return { externalId: `wx:${message.messageId}`, status: 'sent' };
    },
    async fetchUserInfo(openId) {
      const query = new URLSearchParams({ openid: openId, lang: 'zh_CN' });
      // Asked while WeChat waits for the webhook's answer (5 s): a short timeout.
      const info = await callApi(`/cgi-bin/user/info?${query.toString()}`, null, false, USER_INFO_TIMEOUT_MS);
      const unionId = typeof info.unionid === 'string' ? info.unionid.trim() : '';
      return { subscribed: info.subscribe !== 0, unionId: unionId || null };
    },
    async openMedia(mediaId) {
      const token = await tokens.get();
      const query = new URLSearchParams({ access_token: token, media_id: mediaId });
      const response = await fetchProvider('WeChat media', `${base}/cgi-bin/media/get?${query.toString()}`, {
        method: 'GET',
        timeoutMs,
      });
      // Errors come back as JSON with a 200 status.
      if ((response.headers.get('content-type') ?? '').includes('json')) {
        await response.body?.cancel();
        return null;
      }
      return response;
    },
  };
}
