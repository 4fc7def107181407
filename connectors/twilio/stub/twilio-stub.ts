import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { ReplyTemplate } from '../../channel';
import { renderTemplate } from '../../reply-window';
import { signTwilioRequest } from '../twilio-signature';
import { DEMO_TWILIO_WHATSAPP_TEMPLATES } from '../twilio-whatsapp-templates';
import { runTwilioCall, type CallRunOptions, type CallRunResult } from './call-runner';

/**
 * A local stand-in for Twilio: it plays the REST API for the calls the connector makes (Messages create,
 * Calls create, Recordings fetch, media downloads), records them, and sends correctly signed webhooks to
 * the hub (inbound SMS/WhatsApp, voice calls played through the hub's TwiML, delivery status callbacks).
 * Tests start it on its own port (test/support/twilio-stub.ts); the hub mounts it at /twilio-stub in demo
 * mode so the simulator works without a Twilio account. Never a mock of the SDK: the SDK talks HTTP to it.
 *
 * Magic numbers (like Twilio's test credentials) make the REST API fail the way Twilio does:
 * +15005550001 → 400/21211 invalid number, +15005550004 → 400/21610 unsubscribed, +15005550009 →
 * 400/21614 not a mobile, +15005550063 → 400/63016 outside the WhatsApp window, +15005550429 → 429/20429,
 * +15005550500 → 500/20500.
 *
 * WhatsApp rules as Twilio applies them: a free-form message to a customer who wrote through the stub more
 * than 24 h ago fails with 63016 (customers it never saw write are let through: the demo's seeded ones);
 * a Content template send (`ContentSid` + `ContentVariables`) is accepted at any time when the SID is one
 * of `contentTemplates` (else 21655) and every variable it needs has a non-empty value (else 21656).
 */

export interface TwilioStubOptions {
  accountSid: string;
  authToken: string;
  /** The hub's public base URL: webhooks are signed for URLs on it, as Twilio would. */
  publicUrl: string;
  /** Where webhooks are actually delivered (the hub's address); defaults to `publicUrl`. */
  deliverTo?: string;
  /** The stub's own base URL (media and recording URLs point there); set later with `setBaseUrl`. */
  baseUrl?: string;
  phoneNumber?: string;
  whatsappNumber?: string;
  /** Delay before each delivery status callback (default 30 ms). */
  statusDelayMs?: number;
  /** Real milliseconds per second of `<Pause>` while a call waits (default 0: simulated time). */
  pauseScaleMs?: number;
  /** Send status callbacks for messages automatically (default true). */
  autoStatusCallbacks?: boolean;
  /** The approved Content templates of the account (default: the demo's). */
  contentTemplates?: readonly ReplyTemplate[];
  /** The stub's clock for the WhatsApp 24 h window (tests share the hub's manual clock). */
  now?: () => Date;
  onError?: (error: unknown) => void;
}

export interface StubMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  /** A Content template send: the SID and the variables as sent (parsed JSON). */
  contentSid?: string;
  contentVariables?: Record<string, string>;
  statusCallback?: string;
  status: string;
  createdAt: Date;
}

export interface StubCall {
  sid: string;
  to: string;
  from: string;
  url?: string;
  statusCallback?: string;
  status: string;
  createdAt: Date;
}

export interface WebhookDelivery {
  url: string;
  params: Record<string, string>;
  status: number;
  body: string;
}

interface FailureRule {
  status: number;
  code: number;
  message: string;
}

const MAGIC_FAILURES: Record<string, FailureRule> = {
  '+15005550001': { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." },
  '+15005550004': { status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' },
  '+15005550009': { status: 400, code: 21614, message: "'To' number is not a valid mobile number" },
  '+15005550063': {
    status: 400,
    code: 63016,
    message: 'Failed to send freeform message because you are outside the allowed window.',
  },
  '+15005550429': { status: 429, code: 20429, message: 'Too Many Requests' },
  '+15005550500': { status: 500, code: 20500, message: 'Internal Server Error' },
};

export function newSid(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface InboundMessageOptions {
  channel?: 'sms' | 'whatsapp';
  from: string;
  to?: string;
  body?: string;
  media?: { url?: string; contentType: string }[];
  profileName?: string;
  messageSid?: string;
}

export type TwilioStub = ReturnType<typeof createTwilioStub>;

export function createTwilioStub(options: TwilioStubOptions) {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  let deliverTo = (options.deliverTo ?? publicUrl).replace(/\/+$/, '');
  let baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const phoneNumber = options.phoneNumber ?? '+15005550006';
  const whatsappNumber = options.whatsappNumber ?? '+14155238886';
  const statusDelayMs = options.statusDelayMs ?? 30;
  const messages: StubMessage[] = [];
  const calls: StubCall[] = [];
  /** Media and recording downloads, and whether they carried the account's credentials. */
  const mediaRequests: { path: string; authorized: boolean }[] = [];
  const deliveries: WebhookDelivery[] = [];
  const failNext: FailureRule[] = [];
  const pending = new Set<Promise<unknown>>();
  const onError = options.onError ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const contentTemplates = options.contentTemplates ?? DEMO_TWILIO_WHATSAPP_TEMPLATES;
  /** The last time each WhatsApp customer (bare E.164) wrote through the stub. */
  const lastWhatsAppInbound = new Map<string, number>();

  /** Maps a public URL the hub handed out to the address the stub can reach. */
  const targetOf = (url: string) =>
    url.startsWith(publicUrl) ? deliverTo + url.slice(publicUrl.length) : url;

  /** POSTs a signed form webhook as Twilio does: the signature covers the public URL and every param. */
  async function deliver(url: string, params: Record<string, string>): Promise<WebhookDelivery> {
    const body = new URLSearchParams(params).toString();
    const response = await fetch(targetOf(url), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilioRequest(options.authToken, url, params),
        'i-twilio-idempotency-token': randomBytes(16).toString('hex'),
        'user-agent': 'TwilioProxy/1.1',
      },
      body,
    });
    const delivery = { url, params, status: response.status, body: await response.text() };
    deliveries.push(delivery);
    return delivery;
  }

  /** Runs a background task, remembered so tests can wait for every webhook the stub still owes. */
  function track(task: Promise<unknown>): void {
    const guarded = task.catch(onError);
    pending.add(guarded);
    void guarded.finally(() => pending.delete(guarded));
  }

  function restError(res: Response, rule: FailureRule): void {
    res.status(rule.status).json({
      code: rule.code,
      message: rule.message,
      more_info: `https://www.twilio.com/docs/errors/${rule.code}`,
      status: rule.status,
    });
  }

  function checkAuth(req: Request, res: Response): boolean {
    const expected = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected || req.params.accountSid !== options.accountSid) {
      restError(res, { status: 401, code: 20003, message: 'Authenticate' });
      return false;
    }
    return true;
  }

  const form = (req: Request): Record<string, string | string[]> =>
    (req.body ?? {}) as Record<string, string | string[]>;
  const field = (req: Request, name: string): string | undefined => {
    const value = form(req)[name];
    return Array.isArray(value) ? value[0] : value;
  };

  async function sendStatusSequence(message: StubMessage, statuses: string[]): Promise<void> {
    for (const status of statuses) {
      await wait(statusDelayMs);
      message.status = status;
      if (!message.statusCallback) continue;
      await deliver(message.statusCallback, {
        AccountSid: options.accountSid,
        ApiVersion: '2010-04-01',
        From: message.from,
        To: message.to,
        MessageSid: message.sid,
        SmsSid: message.sid,
        MessageStatus: status,
        SmsStatus: status,
        ...(message.to.startsWith('whatsapp:') ? { ChannelPrefix: 'whatsapp' } : {}),
      });
    }
  }

  /**
   * A WhatsApp send's template or window check: a Content template must be known and get every variable;
   * free text needs the customer's last message within 24 h (when the stub saw them write).
   */
  function checkContent(
    req: Request,
    to: string,
  ): { error: FailureRule } | { sid?: string; variables?: Record<string, string>; body?: string } {
    const sid = field(req, 'ContentSid');
    const rawVariables = field(req, 'ContentVariables');
    if (!sid) {
      if (rawVariables) return { error: { status: 400, code: 21654, message: 'ContentSid Required' } };
      const last = to.startsWith('whatsapp:')
        ? lastWhatsAppInbound.get(to.slice('whatsapp:'.length))
        : undefined;
      if (last !== undefined && now().getTime() - last > 24 * 3600_000)
        return { error: MAGIC_FAILURES['+15005550063']! };
      return {};
    }
    const template = contentTemplates.find((candidate) => candidate.providerId === sid);
    if (!template) return { error: { status: 400, code: 21655, message: 'The ContentSid is Invalid' } };
    let variables: Record<string, string> = {};
    try {
      variables = rawVariables ? (JSON.parse(rawVariables) as Record<string, string>) : {};
    } catch {
      return { error: { status: 400, code: 21656, message: 'The ContentVariables Parameter is invalid' } };
    }
    const values = Array.from({ length: template.variables }, (_, index) => variables[String(index + 1)]);
    if (values.some((value) => typeof value !== 'string' || !value.trim()))
      return { error: { status: 400, code: 21656, message: 'The ContentVariables Parameter is invalid' } };
    return { sid, variables, body: renderTemplate(template, values as string[]) };
  }

  const router: Router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '256kb' }));

  router.post('/2010-04-01/Accounts/:accountSid/Messages.json', (req, res) => {
    if (!checkAuth(req, res)) return;
    const to = field(req, 'To') ?? '';
    const from = field(req, 'From') ?? '';
    const injected = failNext.shift();
    const rule = injected ?? MAGIC_FAILURES[to.replace(/^whatsapp:/, '')];
    if (rule) return restError(res, rule);
    if (!to || !from)
      return restError(res, { status: 400, code: 21604, message: "A 'To' phone number is required." });
    const content = checkContent(req, to);
    if ('error' in content) return restError(res, content.error);
    const message: StubMessage = {
      sid: newSid('SM'),
      accountSid: options.accountSid,
      to,
      from,
      body: content.body ?? field(req, 'Body') ?? '',
      ...(content.sid ? { contentSid: content.sid, contentVariables: content.variables } : {}),
      ...(field(req, 'StatusCallback') ? { statusCallback: field(req, 'StatusCallback')! } : {}),
      status: 'queued',
      createdAt: new Date(),
    };
    messages.push(message);
    res.status(201).json({
      sid: message.sid,
      account_sid: message.accountSid,
      to: message.to,
      from: message.from,
      body: message.body,
      status: message.status,
      num_segments: '1',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: message.createdAt.toUTCString(),
      uri: `/2010-04-01/Accounts/${message.accountSid}/Messages/${message.sid}.json`,
    });
    if (options.autoStatusCallbacks !== false)
      track(sendStatusSequence(message, ['queued', 'sent', 'delivered']));
  });

  router.post('/2010-04-01/Accounts/:accountSid/Calls.json', (req, res) => {
    if (!checkAuth(req, res)) return;
    const to = field(req, 'To') ?? '';
    const rule = failNext.shift() ?? MAGIC_FAILURES[to];
    if (rule) return restError(res, rule);
    const call: StubCall = {
      sid: newSid('CA'),
      to,
      from: field(req, 'From') ?? '',
      ...(field(req, 'Url') ? { url: field(req, 'Url')! } : {}),
      ...(field(req, 'StatusCallback') ? { statusCallback: field(req, 'StatusCallback')! } : {}),
      status: 'queued',
      createdAt: new Date(),
    };
    calls.push(call);
    res.status(201).json({
      sid: call.sid,
      account_sid: options.accountSid,
      to: call.to,
      from: call.from,
      status: call.status,
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: call.createdAt.toUTCString(),
    });
    track(playOutboundCall(call));
  });

  router.get('/2010-04-01/Accounts/:accountSid/Recordings/:recordingSid.json', (req, res) => {
    if (!checkAuth(req, res)) return;
    res.json({
      sid: req.params.recordingSid,
      account_sid: options.accountSid,
      duration: '12',
      status: 'completed',
      media_url: `${baseUrl}/2010-04-01/Accounts/${options.accountSid}/Recordings/${String(req.params.recordingSid)}`,
    });
  });

  // Media and recordings: a few bytes of the right type, so attachment jobs have something to store. Like
  // an account with "enforce HTTP auth on media URLs" on, they need the account's credentials.
  router.get('/2010-04-01/Accounts/:accountSid/Recordings/:recordingSid', (req, res) => {
    mediaRequests.push({ path: req.path, authorized: checkAuth(req, res) });
    if (res.headersSent) return;
    res.type('audio/x-wav').send(Buffer.from('RIFF0000WAVEfmt stub-recording'));
  });
  router.get('/2010-04-01/Accounts/:accountSid/Messages/:messageSid/Media/:mediaSid', (req, res) => {
    mediaRequests.push({ path: req.path, authorized: checkAuth(req, res) });
    if (res.headersSent) return;
    // A 1×1 transparent PNG.
    res
      .type('image/png')
      .send(
        Buffer.from(
          'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
          'base64',
        ),
      );
  });

  /** An outbound (click-to-call) call: rings, the customer answers, talks, hangs up. */
  async function playOutboundCall(call: StubCall): Promise<void> {
    const base = {
      AccountSid: options.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      From: call.from,
      To: call.to,
      Direction: 'outbound-api',
    };
    let sequence = 0;
    const status = async (callStatus: string, extra: Record<string, string> = {}) => {
      call.status = callStatus;
      if (!call.statusCallback) return;
      await wait(statusDelayMs);
      await deliver(call.statusCallback, {
        ...base,
        CallStatus: callStatus,
        SequenceNumber: String(sequence++),
        Timestamp: new Date().toUTCString(),
        CallbackSource: 'call-progress-events',
        ...extra,
      });
    };
    await status('initiated');
    await status('ringing');
    await status('in-progress');
    if (call.url) await deliver(call.url, { ...base, CallStatus: 'in-progress' });
    await status('completed', { CallDuration: '42', Duration: '1' });
  }

  const stub = {
    router,
    accountSid: options.accountSid,
    authToken: options.authToken,
    phoneNumber,
    whatsappNumber,
    messages,
    calls,
    mediaRequests,
    deliveries,
    /** Where webhooks are delivered from now on (the hub's real address). */
    setDeliverTo(url: string) {
      deliverTo = url.replace(/\/+$/, '');
    },
    setBaseUrl(url: string) {
      baseUrl = url.replace(/\/+$/, '');
    },
    get baseUrl() {
      return baseUrl;
    },
    /** Makes the next REST create fail with this Twilio error. */
    failNextRequest(rule: FailureRule) {
      failNext.push(rule);
    },
    /** Signs and delivers any webhook (tests of the routes use it for fixtures and bad input). */
    deliver,
    /** Waits until every status callback and background call step the stub owes has been delivered. */
    async settle(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    /** A customer writes: Twilio posts the message to the hub's messaging webhook. */
    async sendInboundMessage(message: InboundMessageOptions) {
      const channel = message.channel ?? (message.from.startsWith('whatsapp:') ? 'whatsapp' : 'sms');
      const prefix = channel === 'whatsapp' ? 'whatsapp:' : '';
      const bare = (value: string) => value.replace(/^whatsapp:/, '');
      const media = message.media ?? [];
      const sid = message.messageSid ?? newSid(media.length > 0 ? 'MM' : 'SM');
      const params: Record<string, string> = {
        ToCountry: 'US',
        SmsMessageSid: sid,
        NumMedia: String(media.length),
        SmsSid: sid,
        SmsStatus: 'received',
        Body: message.body ?? '',
        To: `${prefix}${bare(message.to ?? (channel === 'whatsapp' ? whatsappNumber : phoneNumber))}`,
        NumSegments: '1',
        MessageSid: sid,
        AccountSid: options.accountSid,
        From: `${prefix}${bare(message.from)}`,
        ApiVersion: '2010-04-01',
        ...(message.profileName ? { ProfileName: message.profileName } : {}),
      };
      media.forEach((item, index) => {
        params[`MediaContentType${index}`] = item.contentType;
        params[`MediaUrl${index}`] =
          item.url ??
          `${baseUrl}/2010-04-01/Accounts/${options.accountSid}/Messages/${sid}/Media/${newSid('ME')}`;
      });
      if (channel === 'whatsapp') lastWhatsAppInbound.set(bare(message.from), now().getTime());
      const delivery = await deliver(`${publicUrl}/webhooks/twilio/sms`, params);
      return { messageSid: sid, ...delivery };
    },
    /** A customer calls: the stub plays the hub's IVR as Twilio would (see call-runner). */
    async placeInboundCall(
      call: Omit<CallRunOptions, 'deliver' | 'accountSid' | 'publicUrl' | 'recordingBaseUrl' | 'to'> & {
        to?: string;
      },
    ): Promise<CallRunResult> {
      return runTwilioCall({
        ...call,
        to: call.to ?? phoneNumber,
        accountSid: options.accountSid,
        publicUrl,
        recordingBaseUrl: `${baseUrl}/2010-04-01/Accounts/${options.accountSid}/Recordings`,
        pauseScaleMs: call.pauseScaleMs ?? options.pauseScaleMs ?? 0,
        deliver,
      });
    },
    /** Sends a delivery status callback for a message the stub accepted (out-of-order tests). */
    async sendMessageStatus(messageSid: string, status: string, extra: Record<string, string> = {}) {
      const message = messages.find((candidate) => candidate.sid === messageSid);
      if (!message?.statusCallback) throw new Error(`no message ${messageSid} with a status callback`);
      return deliver(message.statusCallback, {
        AccountSid: options.accountSid,
        From: message.from,
        To: message.to,
        MessageSid: message.sid,
        MessageStatus: status,
        ApiVersion: '2010-04-01',
        ...extra,
      });
    },
  };
  return stub;
}
