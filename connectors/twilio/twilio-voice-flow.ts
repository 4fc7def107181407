import type { Request, RequestHandler, Response } from 'express';
import type { CallOutcome } from '../channel';
import { callOutcomeOf, mapInboundCall, mapVoicemail } from './twilio-mapping';
import {
  RecordingCallbackSchema,
  TranscriptionCallbackSchema,
  VoiceWebhookSchema,
  type VoiceWebhook,
} from './twilio-payloads';
import {
  buildConnectTwiml,
  buildEnqueueTwiml,
  buildGoodbyeTwiml,
  buildMenuTwiml,
  buildVoicemailTwiml,
  buildWaitTwiml,
  buildWelcomeTwiml,
  type ConnectTarget,
  type PromptText,
  type VoiceLocale,
} from './twilio-twiml';
import type { TwilioWebhookDeps } from './twilio-webhook-deps';
import { EMPTY_TWIML, sendTwiml, TWILIO_WEBHOOK_PATH, twilioLocals } from './twilio-http';

/**
 * The IVR: greeting → language (1 English, 2 普通话) → main menu (1 complaint, 2 enquiry, 3 suggestion,
 * 0 other) → the call becomes a conversation (kind `call`, category from the menu) → outside business hours
 * the caller leaves a voicemail; else they wait in `<Enqueue>` whose wait URL asks the routing seam
 * (`voiceRouting.findConnectTarget`) until an agent accepted (→ `<Dial>` to them) or the maximum wait
 * passed (→ voicemail). State travels in the signed callback URLs (inbox, language, conversation) and in
 * `callSessions` (what happened to the call, for its final outcome).
 */

export const MENU_CATEGORIES: Record<string, string> = {
  '1': 'complaint',
  '2': 'inquiry',
  '3': 'suggestion',
  '0': 'other',
};
const LANGUAGE_DIGITS: Record<string, VoiceLocale> = { '1': 'en', '2': 'zh-CN' };
const FINAL_CALL_STATUSES = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
const HOLD_SECONDS = 5;

type Handler = RequestHandler;

export function createVoiceHandlers(deps: TwilioWebhookDeps) {
  const defaultLocale = deps.defaultLocale ?? 'zh-CN';
  const base = `${deps.publicUrl}${TWILIO_WEBHOOK_PATH}/voice`;
  const url = (step: string, query: Record<string, string | undefined>) => {
    const search = new URLSearchParams(
      Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    return `${base}${step ? `/${step}` : ''}?${search.toString()}`;
  };
  const prompt = (key: string, locale: VoiceLocale, data: Record<string, unknown> = {}): PromptText => ({
    locale,
    text: deps.renderPrompt(key, locale, data),
  });
  const localeOf = (req: Request): VoiceLocale =>
    req.query.lang === 'en' || req.query.lang === 'zh-CN' ? req.query.lang : defaultLocale;
  const queryString = (req: Request, name: string) =>
    typeof req.query[name] === 'string' ? req.query[name] : undefined;

  /** Validates the voice payload; answers 400 and returns null when it is not one. */
  const voiceParams = (res: Response): VoiceWebhook | null => {
    const parsed = VoiceWebhookSchema.safeParse(twilioLocals(res).params);
    if (parsed.success) return parsed.data;
    res.status(400).json({ error: { code: 'INVALID_INPUT', message: 'Not a Twilio voice webhook.' } });
    return null;
  };

  const voicemailTwiml = async (options: {
    inboxId: string;
    locale: VoiceLocale;
    conversationId?: string;
    caller?: string;
    afterHours: boolean;
  }) => {
    const query = {
      inbox: options.inboxId,
      lang: options.locale,
      conversation: options.conversationId,
      caller: options.caller,
    };
    let text: PromptText;
    if (options.afterHours) text = prompt('after-hours', options.locale);
    else {
      const number =
        options.conversationId && deps.conversations
          ? await deps.conversations.findNumber(options.conversationId)
          : null;
      text = prompt('voicemail-prompt', options.locale, { number: number ?? 0 });
      // Without a known ticket number, drop the sentence that would read one out.
      if (number === null)
        text = { ...text, text: text.text.replace(/[^.。]*#0[^.。]*[.。]?\s*$/u, '').trim() };
    }
    return buildVoicemailTwiml({
      prompt: text,
      actionUrl: url('voicemail-done', { inbox: options.inboxId, lang: options.locale }),
      recordingStatusCallback: url('recording', query),
      transcribeCallback: url('transcription', query),
    });
  };

  const connectTwiml = (
    target: ConnectTarget,
    inboxId: string,
    locale: VoiceLocale,
    conversationId?: string,
  ) =>
    buildConnectTwiml({
      prompt: prompt('connecting', locale),
      target,
      actionUrl: url('dial-done', { inbox: inboxId, lang: locale, conversation: conversationId }),
    });

  const incoming: Handler = (_req, res) => {
    const { inbox } = twilioLocals(res);
    if (!voiceParams(res)) return;
    const data = { companyName: deps.companyName };
    sendTwiml(
      res,
      buildWelcomeTwiml({
        greetings: [prompt('greeting', 'zh-CN', data), prompt('greeting', 'en', data)],
        languageMenu: prompt('language-menu', defaultLocale),
        actionUrl: url('language', { inbox: inbox.inboxId }),
        noInputUrl: url('language', { inbox: inbox.inboxId, noinput: '1' }),
      }),
    );
  };

  const language: Handler = async (_req, res) => {
    const { inbox } = twilioLocals(res);
    const params = voiceParams(res);
    if (!params) return;
    const locale = LANGUAGE_DIGITS[params.Digits ?? ''] ?? defaultLocale;
    await deps.callSessions.update(params.CallSid, { locale });
    sendTwiml(
      res,
      buildMenuTwiml({
        prompt: prompt('main-menu', locale),
        actionUrl: url('menu', { inbox: inbox.inboxId, lang: locale }),
        noInputUrl: url('menu', { inbox: inbox.inboxId, lang: locale, noinput: '1' }),
      }),
    );
  };

  const menu: Handler = async (req, res) => {
    const { inbox } = twilioLocals(res);
    const params = voiceParams(res);
    if (!params) return;
    const locale = localeOf(req);
    const attempt = Number(queryString(req, 'attempt') ?? '0');
    let category =
      params.Digits === undefined || params.Digits === '' ? 'other' : MENU_CATEGORIES[params.Digits];
    if (!category && attempt < 1) {
      // An invalid key: say the menu once more.
      return sendTwiml(
        res,
        buildMenuTwiml({
          prompt: prompt('main-menu', locale),
          actionUrl: url('menu', { inbox: inbox.inboxId, lang: locale, attempt: String(attempt + 1) }),
          noInputUrl: url('menu', { inbox: inbox.inboxId, lang: locale, noinput: '1' }),
        }),
      );
    }
    category ??= 'other';
    const now = deps.clock.now();
    const stored = await deps.sink.ingest(
      mapInboundCall(
        { ...params, CallStatus: 'in-progress' },
        { inboxId: inbox.inboxId, receivedAt: now, category, locale },
      ),
    );
    await deps.callSessions.update(params.CallSid, {
      conversationId: stored.conversationId,
      category,
      locale,
    });
    const caller = params.From ?? params.Caller;
    const open = deps.businessHours
      ? await deps.businessHours.isOpen({ inboxId: inbox.inboxId, at: now })
      : true;
    if (!open) {
      return sendTwiml(
        res,
        await voicemailTwiml({
          inboxId: inbox.inboxId,
          locale,
          conversationId: stored.conversationId,
          ...(caller ? { caller } : {}),
          afterHours: true,
        }),
      );
    }
    const query = { inbox: inbox.inboxId, lang: locale, conversation: stored.conversationId };
    sendTwiml(
      res,
      buildEnqueueTwiml({
        prompt: prompt('connecting', locale),
        queueName: `omnihub-${inbox.inboxId}`.slice(0, 64),
        waitUrl: url('wait', query),
        actionUrl: url('dequeued', query),
      }),
    );
  };

  const wait: Handler = async (req, res) => {
    const params = voiceParams(res);
    if (!params) return;
    const conversationId = queryString(req, 'conversation');
    const waited = Number(params.QueueTime ?? '0');
    const target =
      conversationId && deps.voiceRouting ? await deps.voiceRouting.findConnectTarget(conversationId) : null;
    const leave = target !== null || waited >= deps.maxWaitSeconds;
    sendTwiml(
      res,
      buildWaitTwiml({
        leave,
        holdSeconds: Math.max(1, Math.min(HOLD_SECONDS, deps.maxWaitSeconds - waited)),
      }),
    );
  };

  const dequeued: Handler = async (req, res) => {
    const { inbox } = twilioLocals(res);
    const params = voiceParams(res);
    if (!params) return;
    const locale = localeOf(req);
    const conversationId = queryString(req, 'conversation');
    if (params.QueueResult === 'hangup') return sendTwiml(res, EMPTY_TWIML);
    const target =
      conversationId && deps.voiceRouting ? await deps.voiceRouting.findConnectTarget(conversationId) : null;
    if (target) return sendTwiml(res, connectTwiml(target, inbox.inboxId, locale, conversationId));
    const caller = params.From ?? params.Caller;
    sendTwiml(
      res,
      await voicemailTwiml({
        inboxId: inbox.inboxId,
        locale,
        ...(conversationId ? { conversationId } : {}),
        ...(caller ? { caller } : {}),
        afterHours: false,
      }),
    );
  };

  const dialDone: Handler = async (req, res) => {
    const { inbox } = twilioLocals(res);
    const params = voiceParams(res);
    if (!params) return;
    const locale = localeOf(req);
    const answered = params.DialCallStatus === 'completed' || params.DialCallStatus === 'answered';
    if (answered) {
      await deps.callSessions.update(params.CallSid, { connected: true });
      return sendTwiml(res, buildGoodbyeTwiml(prompt('goodbye', locale)));
    }
    const conversationId = queryString(req, 'conversation');
    const caller = params.From ?? params.Caller;
    sendTwiml(
      res,
      await voicemailTwiml({
        inboxId: inbox.inboxId,
        locale,
        ...(conversationId ? { conversationId } : {}),
        ...(caller ? { caller } : {}),
        afterHours: false,
      }),
    );
  };

  const voicemailDone: Handler = (req, res) => {
    if (!voiceParams(res)) return;
    sendTwiml(res, buildGoodbyeTwiml(prompt('goodbye', localeOf(req))));
  };

  /** Click-to-call: the customer answered the call an agent placed; connect them to that agent. */
  const outboundAnswered: Handler = async (req, res) => {
    const { inbox } = twilioLocals(res);
    const params = voiceParams(res);
    if (!params) return;
    const locale = localeOf(req);
    const agentPhone = queryString(req, 'agentPhone');
    const agentClient = queryString(req, 'agentClient');
    const target: ConnectTarget | null = agentPhone
      ? { phone: agentPhone }
      : agentClient
        ? { client: agentClient }
        : null;
    if (!target) return sendTwiml(res, buildGoodbyeTwiml(prompt('goodbye', locale)));
    await deps.callSessions.update(params.CallSid, {
      conversationId: queryString(req, 'conversation'),
      locale,
    });
    sendTwiml(res, connectTwiml(target, inbox.inboxId, locale, queryString(req, 'conversation')));
  };

  /** The call's status callback: duration and outcome on the call entry; a missed call asks for a call back. */
  const status: Handler = async (_req, res) => {
    const { inbox } = twilioLocals(res);
    const params = voiceParams(res);
    if (!params) return;
    const done = () => sendTwiml(res, EMPTY_TWIML);
    if (!FINAL_CALL_STATUSES.has(params.CallStatus ?? '')) return done();
    const session = (await deps.callSessions.get(params.CallSid)) ?? {};
    const now = deps.clock.now();
    const outbound = params.Direction?.startsWith('outbound') ?? false;
    // A caller who hung up before the menu has no entry yet: the call still lands on the timeline.
    await deps.sink.ingest(
      mapInboundCall(params, {
        inboxId: inbox.inboxId,
        receivedAt: now,
        ...(session.category ? { category: session.category } : {}),
        ...(session.locale ? { locale: session.locale } : {}),
      }),
    );
    const outcome: CallOutcome = callOutcomeOf(params, {
      connected: session.connected === true || (outbound && params.CallStatus === 'completed'),
      hasVoicemail: session.voicemailRecordingSid !== undefined,
    });
    await deps.sink.updateCall?.({
      channel: 'voice',
      inboxId: inbox.inboxId,
      externalId: params.CallSid,
      occurredAt: now,
      call: {
        status: params.CallStatus!,
        outcome,
        ...(params.CallDuration ? { durationSec: Number(params.CallDuration) } : {}),
      },
      needsCallback: !outbound && (outcome === 'missed' || outcome === 'voicemail'),
    });
    done();
  };

  /** A finished voicemail recording: a `voicemail` entry with the recording, and the call marks it. */
  const recording: Handler = async (req, res) => {
    const { inbox, params: raw } = twilioLocals(res);
    const parsed = RecordingCallbackSchema.safeParse(raw);
    if (!parsed.success)
      return void res
        .status(400)
        .json({ error: { code: 'INVALID_INPUT', message: 'Not a recording callback.' } });
    const params = parsed.data;
    const done = () => sendTwiml(res, EMPTY_TWIML);
    if (params.RecordingStatus !== undefined && params.RecordingStatus !== 'completed') return done();
    const now = deps.clock.now();
    const caller = queryString(req, 'caller');
    const locale = localeOf(req);
    await deps.sink.ingest(
      mapVoicemail(params, {
        inboxId: inbox.inboxId,
        receivedAt: now,
        locale,
        ...(caller ? { caller } : {}),
      }),
    );
    await deps.callSessions.update(params.CallSid, { voicemailRecordingSid: params.RecordingSid });
    await deps.sink.updateCall?.({
      channel: 'voice',
      inboxId: inbox.inboxId,
      externalId: params.CallSid,
      occurredAt: now,
      call: { outcome: 'voicemail', recordingSid: params.RecordingSid, recordingUrl: params.RecordingUrl },
      needsCallback: true,
    });
    done();
  };

  /** The voicemail's transcription: the text of the voicemail entry. */
  const transcription: Handler = async (req, res) => {
    const { inbox, params: raw } = twilioLocals(res);
    const parsed = TranscriptionCallbackSchema.safeParse(raw);
    if (!parsed.success)
      return void res
        .status(400)
        .json({ error: { code: 'INVALID_INPUT', message: 'Not a transcription callback.' } });
    const params = parsed.data;
    const now = deps.clock.now();
    const caller = queryString(req, 'caller');
    const text = params.TranscriptionStatus === 'completed' ? params.TranscriptionText : undefined;
    if (params.RecordingUrl) {
      // If the recording callback was lost, the transcription still creates the voicemail (same key).
      await deps.sink.ingest(
        mapVoicemail(
          { ...params, RecordingUrl: params.RecordingUrl },
          { inboxId: inbox.inboxId, receivedAt: now, locale: localeOf(req), ...(caller ? { caller } : {}) },
        ),
      );
    }
    if (text)
      await deps.sink.updateCall?.({
        channel: 'voice',
        inboxId: inbox.inboxId,
        externalId: params.RecordingSid,
        occurredAt: now,
        call: { transcription: text },
        text,
      });
    sendTwiml(res, EMPTY_TWIML);
  };

  return {
    incoming,
    language,
    menu,
    wait,
    dequeued,
    dialDone,
    voicemailDone,
    outboundAnswered,
    status,
    recording,
    transcription,
  };
}
