import { randomBytes } from 'node:crypto';
import express, { type Router } from 'express';
import { encryptWechatMessage, wechatSignature } from '../wechat-crypto';

/**
 * A local stand-in for the WeChat Official Account API: `/cgi-bin/token` (counted: tests prove one
 * refresher), the customer-service send API with WeChat's rules (48 h after the customer's last message,
 * at most 5 replies per customer message: errcodes 45015 / 45047), temporary media upload and download.
 * The user info API (/cgi-bin/user/info) answers with the UnionID set for a follower (`setUnionId`), as an
 * account bound to an Open Platform account does; without one, as an unbound account (no `unionid`).
 * It plays the customer by posting XML messages to the hub's webhook, signed with the account's token and,
 * in safe mode, encrypted with the EncodingAESKey and signed with msg_signature.
 */
export interface WechatStubOptions {
  appId: string;
  appSecret: string;
  token: string;
  encodingAesKey?: string;
  /** `aes` (safe mode, needs encodingAesKey) or `plain`. */
  mode?: 'aes' | 'plain';
  /** Lifetime of issued access tokens in seconds (WeChat: 7200). */
  tokenExpiresIn?: number;
  deliverTo?: string;
  inboxId?: string;
  accountId?: string;
  /** Accept sends to customers the stub has not seen write (the demo's seeded customers). */
  acceptUnknownCustomers?: boolean;
}

export interface StubCustomSend {
  touser: string;
  msgtype: string;
  text?: string;
  mediaId?: string;
  at: Date;
}

export interface WechatStub {
  router: Router;
  sends: StubCustomSend[];
  /** How many times /cgi-bin/token was called. */
  tokenRequests(): number;
  /** How many times /cgi-bin/user/info was called. */
  userInfoRequests(): number;
  /** The UnionID the user info API gives for a follower (the same person on another account has it too). */
  setUnionId(openId: string, unionId: string): void;
  /** True when this stub issued the access token (tests serving two accounts on one origin route by it). */
  ownsToken(token: string): boolean;
  /** Makes the next user info request fail with this errcode. */
  failNextUserInfo(failure: { errcode: number; errmsg: string }): void;
  setDeliverTo(url: string): void;
  failNextRequest(failure: { status?: number; errcode: number; errmsg: string }): void;
  /** A text from a customer (OpenID), delivered as WeChat would. */
  sendText(input: {
    openId: string;
    text: string;
    createTime?: number;
  }): Promise<{ status: number; body: string; msgId: string }>;
  /** Delivers a message XML (fixtures), signed, encrypted in safe mode unless `mode` says otherwise. */
  deliverXml(
    xml: string,
    options?: { mode?: 'aes' | 'plain'; badSignature?: boolean; unsigned?: boolean },
  ): Promise<{ status: number; body: string }>;
  /** Makes a customer known (as if they had just written). */
  meetCustomer(openId: string): void;
}

export function createWechatStub(options: WechatStubOptions): WechatStub {
  let deliverTo = options.deliverTo ?? '';
  let tokenCount = 0;
  let userInfoCount = 0;
  const userInfoFailures: { errcode: number; errmsg: string }[] = [];
  const unionIds = new Map<string, string>();
  let msgCounter = 6_100_000_000_000_000_000n + BigInt(randomBytes(4).readUInt32BE(0)) * 1_000_000n;
  const tokens = new Set<string>();
  const failures: { status?: number; errcode: number; errmsg: string }[] = [];
  const sends: StubCustomSend[] = [];
  const lastInbound = new Map<string, { at: number; replies: number }>();
  const media = new Map<string, { bytes: Buffer; type: string }>();
  const mode = options.mode ?? (options.encodingAesKey ? 'aes' : 'plain');

  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: '20mb' }));
  const tokenOk = (token: unknown) => typeof token === 'string' && tokens.has(token);

  router.get('/cgi-bin/token', (req, res) => {
    tokenCount++;
    if (req.query.appid !== options.appId || req.query.secret !== options.appSecret)
      return res.json({ errcode: 40125, errmsg: 'invalid appsecret' });
    const token = randomBytes(24).toString('base64url');
    tokens.add(token);
    res.json({ access_token: token, expires_in: options.tokenExpiresIn ?? 7200 });
  });
  router.get('/cgi-bin/user/info', (req, res) => {
    userInfoCount++;
    if (!tokenOk(req.query.access_token))
      return res.json({ errcode: 40001, errmsg: 'invalid credential, access_token is invalid' });
    const failure = userInfoFailures.shift();
    if (failure) return res.json(failure);
    const openId = typeof req.query.openid === 'string' ? req.query.openid : '';
    if (!/^[A-Za-z0-9_-]{6,64}$/.test(openId)) return res.json({ errcode: 40003, errmsg: 'invalid openid' });
    const unionId = unionIds.get(openId);
    res.json({
      subscribe: 1,
      openid: openId,
      language: 'zh_CN',
      subscribe_time: Math.floor(Date.now() / 1000),
      ...(unionId ? { unionid: unionId } : {}),
      remark: '',
      groupid: 0,
      tagid_list: [],
      subscribe_scene: 'ADD_SCENE_QR_CODE',
      qr_scene: 0,
      qr_scene_str: '',
    });
  });
  router.post('/cgi-bin/message/custom/send', (req, res) => {
    if (!tokenOk(req.query.access_token))
      return res.json({ errcode: 40001, errmsg: 'invalid credential, access_token is invalid' });
    const failure = failures.shift();
    if (failure)
      return res.status(failure.status ?? 200).json({ errcode: failure.errcode, errmsg: failure.errmsg });
    const body = JSON.parse((req.body as Buffer).toString('utf8') || '{}') as {
      touser?: string;
      msgtype?: string;
      text?: { content?: string };
      image?: { media_id?: string };
    };
    const touser = body.touser ?? '';
    if (options.acceptUnknownCustomers && !lastInbound.has(touser))
      lastInbound.set(touser, { at: Date.now(), replies: 0 });
    const window = lastInbound.get(touser);
    if (!window || Date.now() - window.at > 48 * 3600_000)
      return res.json({ errcode: 45015, errmsg: 'response out of time limit or subscription is canceled' });
    if (window.replies >= 5) return res.json({ errcode: 45047, errmsg: 'out of response count limit' });
    window.replies++;
    sends.push({
      touser,
      msgtype: body.msgtype ?? '',
      ...(body.text?.content ? { text: body.text.content } : {}),
      ...(body.image?.media_id ? { mediaId: body.image.media_id } : {}),
      at: new Date(),
    });
    res.json({ errcode: 0, errmsg: 'ok' });
  });
  router.post('/cgi-bin/media/upload', async (req, res) => {
    if (!tokenOk(req.query.access_token)) return res.json({ errcode: 40001, errmsg: 'invalid credential' });
    const type = req.header('content-type') ?? '';
    const form = await new globalThis.Response(new Uint8Array(req.body as Buffer), {
      headers: { 'content-type': type },
    }).formData();
    const file = form.get('media');
    if (!file || typeof file === 'string') return res.json({ errcode: 41005, errmsg: 'media data missing' });
    const id = `stubmedia${media.size + 1}`;
    media.set(id, { bytes: Buffer.from(await file.arrayBuffer()), type: file.type });
    res.json({ type: 'image', media_id: id, created_at: Math.floor(Date.now() / 1000) });
  });
  router.get('/cgi-bin/media/get', (req, res) => {
    if (!tokenOk(req.query.access_token)) return res.json({ errcode: 40001, errmsg: 'invalid credential' });
    const stored = media.get(typeof req.query.media_id === 'string' ? req.query.media_id : '');
    if (!stored) return res.json({ errcode: 40007, errmsg: 'invalid media_id' });
    res.type(stored.type).send(stored.bytes);
  });

  async function deliverXml(
    xml: string,
    opts: { mode?: 'aes' | 'plain'; badSignature?: boolean; unsigned?: boolean } = {},
  ) {
    const useMode = opts.mode ?? mode;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(Math.floor(Math.random() * 1e9));
    const query = new URLSearchParams();
    let body = xml;
    if (!opts.unsigned) {
      query.set(
        'signature',
        opts.badSignature ? '0'.repeat(40) : wechatSignature([options.token, timestamp, nonce]),
      );
      query.set('timestamp', timestamp);
      query.set('nonce', nonce);
    }
    if (useMode === 'aes' && options.encodingAesKey) {
      const encrypted = encryptWechatMessage({
        encodingAesKey: options.encodingAesKey,
        appId: options.appId,
        xml,
      });
      body = `<xml><ToUserName><![CDATA[${options.accountId ?? 'gh_omnihub'}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
      query.set('encrypt_type', 'aes');
      query.set(
        'msg_signature',
        opts.badSignature ? '0'.repeat(40) : wechatSignature([options.token, timestamp, nonce, encrypted]),
      );
    }
    const response = await fetch(
      `${deliverTo.replace(/\/+$/, '')}/webhooks/wechat/${options.inboxId ?? 'wechat'}?${query.toString()}`,
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body,
      },
    );
    return { status: response.status, body: await response.text() };
  }

  return {
    router,
    sends,
    tokenRequests: () => tokenCount,
    userInfoRequests: () => userInfoCount,
    setUnionId(openId, unionId) {
      unionIds.set(openId, unionId);
    },
    ownsToken: (token) => tokens.has(token),
    failNextUserInfo(failure) {
      userInfoFailures.push(failure);
    },
    setDeliverTo(url) {
      deliverTo = url;
    },
    failNextRequest(failure) {
      failures.push(failure);
    },
    meetCustomer(openId) {
      lastInbound.set(openId, { at: Date.now(), replies: 0 });
    },
    async sendText({ openId, text, createTime }) {
      const at = createTime ?? Math.floor(Date.now() / 1000);
      const msgId = String(++msgCounter);
      lastInbound.set(openId, { at: at * 1000, replies: 0 });
      const xml = `<xml><ToUserName><![CDATA[${options.accountId ?? 'gh_omnihub'}]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${at}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]></Content><MsgId>${msgId}</MsgId></xml>`;
      return { ...(await deliverXml(xml)), msgId };
    },
    deliverXml,
  };
}
