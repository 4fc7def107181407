import twilio from 'twilio';

/**
 * TwiML builders for the IVR (pure: texts and URLs in, XML out). Prompts come rendered from the voice
 * templates; mixed-language prompts (the language menu says both) are split per sentence and each sentence
 * is spoken by a voice of its own language.
 */
const { VoiceResponse, MessagingResponse } = twilio.twiml;
type Say = InstanceType<typeof VoiceResponse>['say'];
type SayAttributes = NonNullable<Parameters<Say>[0]> & object;

export type VoiceLocale = 'zh-CN' | 'en';

export const VOICES: Record<VoiceLocale, SayAttributes> = {
  'zh-CN': { language: 'zh-CN', voice: 'alice' },
  en: { language: 'en-US', voice: 'alice' },
};

const CJK = /[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]/;

/** Splits a prompt into runs of sentences of one language each. */
export function splitByLanguage(
  text: string,
  fallback: VoiceLocale,
): { locale: VoiceLocale; text: string }[] {
  const sentences = text
    .split(/(?<=[.!?。！？])\s*/u)
    .map((sentence) => sentence.trim())
    .filter(Boolean);
  const runs: { locale: VoiceLocale; text: string }[] = [];
  for (const sentence of sentences) {
    const hasLatinWords = /[A-Za-z]{2,}/.test(sentence);
    const locale: VoiceLocale = CJK.test(sentence) ? 'zh-CN' : hasLatinWords ? 'en' : fallback;
    const last = runs.at(-1);
    // Chinese sentences run on without a space; others are separated by one.
    if (last && last.locale === locale) last.text = `${last.text}${locale === 'zh-CN' ? '' : ' '}${sentence}`;
    else runs.push({ locale, text: sentence });
  }
  return runs;
}

/** Anything that can hold `<Say>`: the response itself or a `<Gather>`. */
interface SayTarget {
  say(attributes: SayAttributes, message: string): unknown;
}

function sayIn(target: SayTarget, text: string, locale: VoiceLocale): void {
  for (const run of splitByLanguage(text, locale)) target.say(VOICES[run.locale], run.text);
}

export interface PromptText {
  locale: VoiceLocale;
  text: string;
}

/** First answer: greeting (in both languages) and the language menu inside a one-digit `<Gather>`. */
export function buildWelcomeTwiml(options: {
  greetings: PromptText[];
  languageMenu: PromptText;
  actionUrl: string;
  noInputUrl: string;
}): string {
  const response = new VoiceResponse();
  for (const greeting of options.greetings) sayIn(response, greeting.text, greeting.locale);
  const gather = response.gather({ numDigits: 1, action: options.actionUrl, method: 'POST', timeout: 6 });
  sayIn(gather, options.languageMenu.text, options.languageMenu.locale);
  response.redirect({ method: 'POST' }, options.noInputUrl);
  return response.toString();
}

/** A one-digit menu (main menu) with a fallback when the caller presses nothing. */
export function buildMenuTwiml(options: {
  prompt: PromptText;
  actionUrl: string;
  noInputUrl: string;
  preamble?: PromptText;
}): string {
  const response = new VoiceResponse();
  if (options.preamble) sayIn(response, options.preamble.text, options.preamble.locale);
  const gather = response.gather({ numDigits: 1, action: options.actionUrl, method: 'POST', timeout: 6 });
  sayIn(gather, options.prompt.text, options.prompt.locale);
  response.redirect({ method: 'POST' }, options.noInputUrl);
  return response.toString();
}

/**
 * Puts the caller in a Twilio queue. The wait URL is polled while the caller waits (it decides when to
 * leave: an agent accepted, or the maximum wait passed); the action URL runs once they leave the queue.
 */
export function buildEnqueueTwiml(options: {
  prompt: PromptText;
  queueName: string;
  waitUrl: string;
  actionUrl: string;
}): string {
  const response = new VoiceResponse();
  sayIn(response, options.prompt.text, options.prompt.locale);
  response.enqueue(
    { waitUrl: options.waitUrl, waitUrlMethod: 'POST', action: options.actionUrl, method: 'POST' },
    options.queueName,
  );
  return response.toString();
}

/** The wait URL's answer: leave the queue now, or hold a few seconds (Twilio then polls again). */
export function buildWaitTwiml(options: { leave: boolean; holdSeconds: number; hold?: PromptText }): string {
  const response = new VoiceResponse();
  if (options.leave) {
    response.leave();
    return response.toString();
  }
  if (options.hold) sayIn(response, options.hold.text, options.hold.locale);
  response.pause({ length: options.holdSeconds });
  return response.toString();
}

export type ConnectTarget = { phone: string } | { client: string };

/** Connects the caller to the agent who accepted: their phone (`<Number>`) or browser (`<Client>`). */
export function buildConnectTwiml(options: {
  prompt: PromptText;
  target: ConnectTarget;
  actionUrl: string;
  callerId?: string;
  timeoutSec?: number;
}): string {
  const response = new VoiceResponse();
  sayIn(response, options.prompt.text, options.prompt.locale);
  const dial = response.dial({
    action: options.actionUrl,
    method: 'POST',
    timeout: options.timeoutSec ?? 20,
    ...(options.callerId ? { callerId: options.callerId } : {}),
  });
  if ('phone' in options.target) dial.number(options.target.phone);
  else dial.client(options.target.client);
  return response.toString();
}

/** The voicemail: a prompt, then `<Record>` with transcription and callbacks for the recording and text. */
export function buildVoicemailTwiml(options: {
  prompt: PromptText;
  actionUrl: string;
  recordingStatusCallback: string;
  transcribeCallback: string;
  maxLengthSec?: number;
}): string {
  const response = new VoiceResponse();
  sayIn(response, options.prompt.text, options.prompt.locale);
  response.record({
    action: options.actionUrl,
    method: 'POST',
    maxLength: options.maxLengthSec ?? 120,
    playBeep: true,
    finishOnKey: '#',
    transcribe: true,
    transcribeCallback: options.transcribeCallback,
    recordingStatusCallback: options.recordingStatusCallback,
    recordingStatusCallbackMethod: 'POST',
    recordingStatusCallbackEvent: ['completed'],
  });
  return response.toString();
}

/** Says something and hangs up. */
export function buildGoodbyeTwiml(prompt: PromptText): string {
  const response = new VoiceResponse();
  sayIn(response, prompt.text, prompt.locale);
  response.hangup();
  return response.toString();
}

/** Redirects the call to another TwiML URL (e.g. repeat a menu after invalid input). */
export function buildRedirectTwiml(url: string, preamble?: PromptText): string {
  const response = new VoiceResponse();
  if (preamble) sayIn(response, preamble.text, preamble.locale);
  response.redirect({ method: 'POST' }, url);
  return response.toString();
}

/** The answer to an inbound message: an empty `<Response/>` (the agent replies later through the API). */
export function emptyMessagingTwiml(): string {
  return new MessagingResponse().toString();
}
