import { randomBytes } from 'node:crypto';
import { parseTwiml, type TwimlNode } from './twiml-reader';

/**
 * Plays an inbound call through the hub's TwiML the way Twilio's call engine does: POST the voice webhook,
 * read the TwiML, speak `<Say>`, feed digits to `<Gather>`, follow `<Redirect>`, wait in `<Enqueue>` by
 * polling its wait URL (with `QueueTime`), `<Dial>` an agent, `<Record>` a voicemail (then the recording
 * and transcription callbacks), and finally post the call status callback. Time is simulated unless
 * `pauseScaleMs` makes pauses real.
 */
export interface CallRunOptions {
  accountSid: string;
  /** The hub's public base URL. */
  publicUrl: string;
  from: string;
  to: string;
  /** Digits to answer successive `<Gather>`s with, in order ("1" = first menu, …). */
  digits?: string[];
  /** What the caller says in a voicemail (becomes the transcription). */
  voicemailText?: string;
  /** Seconds of recorded voicemail. */
  voicemailSeconds?: number;
  /** The caller hangs up after waiting this many (simulated) seconds in a queue. */
  hangUpAfterQueueSeconds?: number;
  /** Seconds the caller talks with an agent once `<Dial>` connects. */
  talkSeconds?: number;
  /** The agent's leg of a `<Dial>`: completed (answered) by default. */
  dialOutcome?: 'completed' | 'no-answer' | 'busy';
  /** Real milliseconds per second of `<Pause>`. */
  pauseScaleMs?: number;
  recordingBaseUrl: string;
  /** Where the status callback goes (Twilio number configuration); default `/webhooks/twilio/voice/status`. */
  statusCallbackUrl?: string;
  /** The caller hangs up after this many TwiML requests (e.g. 1: during the greeting). */
  hangUpAfterRequests?: number;
  /** Safety stop for runaway TwiML loops. */
  maxSteps?: number;
  deliver(url: string, params: Record<string, string>): Promise<{ status: number; body: string }>;
}

export interface CallRunResult {
  callSid: string;
  /** What the caller heard, in order. */
  said: { language: string; text: string }[];
  /** Every webhook the call made: URL and the HTTP status the hub answered. */
  requests: { url: string; status: number }[];
  dialed?: { number?: string; client?: string };
  recordingSid?: string;
  queueSeconds: number;
  durationSec: number;
  finalStatus: string;
  /** Set when the hub answered a voice webhook with an error (the call would hear "an application error"). */
  error?: string;
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runTwilioCall(options: CallRunOptions): Promise<CallRunResult> {
  const callSid = sid('CA');
  const digits = [...(options.digits ?? [])];
  const result: CallRunResult = {
    callSid,
    said: [],
    requests: [],
    queueSeconds: 0,
    durationSec: 0,
    finalStatus: 'completed',
  };
  const base = {
    AccountSid: options.accountSid,
    ApiVersion: '2010-04-01',
    CallSid: callSid,
    From: options.from,
    Caller: options.from,
    To: options.to,
    Called: options.to,
    Direction: 'inbound',
  };
  const afterCall: { url: string; params: Record<string, string> }[] = [];
  let steps = 0;
  let hungUp = false;
  let connected = false;

  const fetchTwiml = async (url: string, params: Record<string, string>): Promise<TwimlNode | null> => {
    if ((steps += 1) > (options.maxSteps ?? 200)) throw new Error('call runner: too many steps');
    const response = await options.deliver(url, { ...base, CallStatus: 'in-progress', ...params });
    result.requests.push({ url, status: response.status });
    if (response.status !== 200) {
      result.error = `${url} answered ${response.status}`;
      return null;
    }
    return parseTwiml(response.body);
  };
  const resolve = (url: string, current: string) => new URL(url, current).toString();
  const pause = async (seconds: number) => {
    if (options.pauseScaleMs) await sleep(seconds * options.pauseScaleMs);
    result.durationSec += seconds;
  };

  /** Runs a document's verbs; returns the next document URL and params to fetch, or null when the call ends. */
  const play = async (
    document: TwimlNode,
    url: string,
  ): Promise<{ url: string; params: Record<string, string> } | null> => {
    for (const verb of document.children) {
      switch (verb.name) {
        case 'Say':
          result.said.push({ language: verb.attributes.language ?? 'en-US', text: verb.text.trim() });
          result.durationSec += 2;
          break;
        case 'Pause':
          await pause(Number(verb.attributes.length ?? '1'));
          break;
        case 'Gather': {
          for (const child of verb.children)
            if (child.name === 'Say')
              result.said.push({ language: child.attributes.language ?? 'en-US', text: child.text.trim() });
          const pressed = digits.shift();
          if (pressed !== undefined)
            return { url: resolve(verb.attributes.action ?? url, url), params: { Digits: pressed } };
          await pause(Number(verb.attributes.timeout ?? '5'));
          break;
        }
        case 'Redirect':
          return { url: resolve(verb.text.trim(), url), params: {} };
        case 'Enqueue':
          return enqueue(verb, url);
        case 'Dial':
          return dial(verb, url);
        case 'Record':
          return record(verb, url);
        case 'Hangup':
          return null;
        case 'Leave':
          break;
        default:
          break;
      }
    }
    return null;
  };

  const enqueue = async (verb: TwimlNode, url: string) => {
    const waitUrl = verb.attributes.waitUrl ? resolve(verb.attributes.waitUrl, url) : undefined;
    const action = verb.attributes.action ? resolve(verb.attributes.action, url) : undefined;
    let queueResult = 'leave';
    const startedAt = result.durationSec;
    for (;;) {
      const queueTime = result.durationSec - startedAt;
      result.queueSeconds = queueTime;
      if (options.hangUpAfterQueueSeconds !== undefined && queueTime >= options.hangUpAfterQueueSeconds) {
        queueResult = 'hangup';
        hungUp = true;
        break;
      }
      if (!waitUrl) break;
      const waitDocument = await fetchTwiml(waitUrl, {
        QueueSid: 'QU' + callSid.slice(2),
        QueueTime: String(queueTime),
        QueuePosition: '1',
        CurrentQueueSize: '1',
        AvgQueueTime: '0',
      });
      if (!waitDocument) break;
      if (waitDocument.children.some((child) => child.name === 'Leave')) break;
      const before = result.durationSec;
      await play(waitDocument, waitUrl);
      if (result.durationSec === before) result.durationSec += 1;
    }
    if (!action) return null;
    const params = { QueueResult: queueResult, QueueTime: String(result.queueSeconds) };
    if (hungUp) {
      // Twilio still calls the action URL after a hang-up in the queue, but nobody hears its TwiML.
      const document = await fetchTwiml(action, { ...params, CallStatus: 'completed' });
      void document;
      return null;
    }
    return { url: action, params };
  };

  const dial = async (verb: TwimlNode, url: string) => {
    const target = verb.children.find((child) => child.name === 'Number' || child.name === 'Client');
    if (target)
      result.dialed =
        target.name === 'Number' ? { number: target.text.trim() } : { client: target.text.trim() };
    const outcome = options.dialOutcome ?? 'completed';
    const talk = outcome === 'completed' ? (options.talkSeconds ?? 30) : 0;
    if (outcome === 'completed') connected = true;
    await pause(talk);
    const action = verb.attributes.action;
    if (!action) return null;
    return {
      url: resolve(action, url),
      params: { DialCallStatus: outcome, DialCallDuration: String(talk), DialCallSid: sid('CA') },
    };
  };

  const record = async (verb: TwimlNode, url: string) => {
    const recordingSid = sid('RE');
    result.recordingSid = recordingSid;
    const seconds = options.voicemailSeconds ?? 8;
    await pause(seconds);
    const recordingUrl = `${options.recordingBaseUrl}/${recordingSid}`;
    const recording = {
      RecordingSid: recordingSid,
      RecordingUrl: recordingUrl,
      RecordingDuration: String(seconds),
    };
    if (verb.attributes.recordingStatusCallback)
      afterCall.push({
        url: resolve(verb.attributes.recordingStatusCallback, url),
        params: {
          AccountSid: options.accountSid,
          CallSid: callSid,
          ...recording,
          RecordingStatus: 'completed',
          RecordingChannels: '1',
          RecordingSource: 'RecordVerb',
          RecordingStartTime: new Date().toUTCString(),
          ErrorCode: '0',
        },
      });
    if (verb.attributes.transcribe === 'true' && verb.attributes.transcribeCallback)
      afterCall.push({
        url: resolve(verb.attributes.transcribeCallback, url),
        params: {
          ...base,
          CallStatus: 'completed',
          ...recording,
          TranscriptionSid: sid('TR'),
          TranscriptionType: 'fast',
          TranscriptionStatus: options.voicemailText ? 'completed' : 'failed',
          TranscriptionText: options.voicemailText ?? '',
          TranscriptionUrl: `${recordingUrl}/Transcriptions/${sid('TR')}`,
        },
      });
    const action = verb.attributes.action;
    if (!action) return null;
    return { url: resolve(action, url), params: { ...recording, Digits: 'hangup' } };
  };

  let next: { url: string; params: Record<string, string> } | null = {
    url: `${options.publicUrl}/webhooks/twilio/voice`,
    params: { CallStatus: 'ringing' },
  };
  while (next) {
    if (options.hangUpAfterRequests !== undefined && result.requests.length >= options.hangUpAfterRequests)
      break;
    const document = await fetchTwiml(next.url, next.params);
    if (!document) break;
    next = await play(document, next.url);
  }

  result.finalStatus = connected || result.durationSec > 0 ? 'completed' : 'no-answer';
  const statusUrl = options.statusCallbackUrl ?? `${options.publicUrl}/webhooks/twilio/voice/status`;
  const statusResponse = await options.deliver(statusUrl, {
    ...base,
    CallStatus: result.finalStatus,
    CallDuration: String(result.durationSec),
    Duration: String(Math.ceil(result.durationSec / 60)),
    SequenceNumber: '0',
    CallbackSource: 'call-progress-events',
    Timestamp: new Date().toUTCString(),
  });
  result.requests.push({ url: statusUrl, status: statusResponse.status });
  // Recording and transcription callbacks arrive after the call, as with Twilio.
  for (const callback of afterCall) {
    const response = await options.deliver(callback.url, callback.params);
    result.requests.push({ url: callback.url, status: response.status });
  }
  return result;
}
