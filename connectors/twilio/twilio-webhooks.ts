import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import type { ChannelKind } from '../channel';
import { refuse, type FormParams, type TwilioLocals, sendTwiml, twilioLocals } from './twilio-http';
import {
  mapInboundMessage,
  mapStatusCallback,
  messagingChannelOf,
  stripAddressPrefix,
} from './twilio-mapping';
import { MessageStatusSchema, MessageWebhookSchema } from './twilio-payloads';
import { isValidTwilioSignature } from './twilio-signature';
import { emptyMessagingTwiml } from './twilio-twiml';
import type { TwilioWebhookDeps } from './twilio-webhook-deps';
import { createVoiceHandlers } from './twilio-voice-flow';

/**
 * The Express router for `/webhooks/twilio/*` (mounted by the hub with `parsesOwnBody`). Every request goes
 * through the same gate before anything else happens: signature header present → form body → the inbox
 * it is for (by the id in a callback URL we generated, else by our number it reached) → signature valid for
 * that inbox's auth token over the public URL (PUBLIC_URL + path + query) → payload schema. Refusals:
 * 403 (signature, or no such inbox: the same answer, so numbers cannot be probed), 400 (malformed), 413
 * (oversized or too many parameters, from the body parser); nothing is stored for any of them. A message is answered only after the sink made it durable.
 */

const DEFAULT_BODY_LIMIT = 64 * 1024;

/** First value of each field (Twilio never repeats names; a repeated one must not become an array). */
function flatten(body: unknown): FormParams | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const params: FormParams = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const first: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
    if (typeof first === 'string') params[key] = first;
  }
  return params;
}

/** Our side of the request: the number the customer reached, used to find the inbox. */
type OurAddress = (params: FormParams) => { channel: ChannelKind; address: string } | null;

export const inboundMessageAddress: OurAddress = (params) =>
  params.To ? { channel: messagingChannelOf(params.To), address: stripAddressPrefix(params.To) } : null;
export const statusCallbackAddress: OurAddress = (params) =>
  params.From ? { channel: messagingChannelOf(params.From), address: stripAddressPrefix(params.From) } : null;
export const voiceAddress: OurAddress = (params) => {
  const outbound = params.Direction?.startsWith('outbound') ?? false;
  const ours = outbound ? (params.From ?? params.Caller) : (params.To ?? params.Called);
  return ours ? { channel: 'voice', address: ours } : null;
};

/** The gate every Twilio webhook passes (see the module comment). */
export function twilioGate(deps: TwilioWebhookDeps, ourAddress: OurAddress): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const signature = req.header('x-twilio-signature');
    if (!signature) return refuse(res, 403, 'FORBIDDEN', 'Missing X-Twilio-Signature.');
    if (!req.is('application/x-www-form-urlencoded'))
      return refuse(res, 400, 'INVALID_INPUT', 'Expected an application/x-www-form-urlencoded body.');
    const params = flatten(req.body);
    if (!params) return refuse(res, 400, 'INVALID_INPUT', 'The request body is not valid.');
    const inboxId = typeof req.query.inbox === 'string' ? req.query.inbox : undefined;
    const address = ourAddress(params);
    const inbox = inboxId
      ? await deps.inboxes.findById(inboxId)
      : address
        ? await deps.inboxes.findByAddress(address.channel, address.address)
        : null;
    // No inbox is answered exactly like a bad signature: a 404 would tell a prober which numbers we own.
    if (!inbox || (params.AccountSid !== undefined && params.AccountSid !== inbox.accountSid))
      return refuse(res, 403, 'FORBIDDEN', 'Invalid X-Twilio-Signature.');
    const valid = isValidTwilioSignature({
      authToken: inbox.authToken,
      signature,
      url: `${deps.publicUrl}${req.originalUrl}`,
      params,
    });
    if (!valid) return refuse(res, 403, 'FORBIDDEN', 'Invalid X-Twilio-Signature.');
    res.locals.twilio = { inbox, params } satisfies TwilioLocals;
    next();
  };
}

/** Builds the `/webhooks/twilio` router. */
export function createTwilioWebhookRouter(deps: TwilioWebhookDeps): Router {
  const router = express.Router();
  router.use(
    express.urlencoded({
      extended: false,
      limit: deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
      parameterLimit: 200,
      verify: (req, _res, buf) => {
        (req as Request).rawBody = buf;
      },
    }),
  );

  router.post('/sms', twilioGate(deps, inboundMessageAddress), async (req, res) => {
    const { inbox, params } = twilioLocals(res);
    const parsed = MessageWebhookSchema.safeParse(params);
    if (!parsed.success || !(parsed.data.MessageSid ?? parsed.data.SmsMessageSid ?? parsed.data.SmsSid))
      return refuse(res, 400, 'INVALID_INPUT', 'Not a Twilio message webhook.');
    const event = mapInboundMessage(parsed.data, { inboxId: inbox.inboxId, receivedAt: deps.clock.now() });
    // Ingest keeps the media URLs on the message and queues their download (attachments job) itself.
    await deps.sink.ingest(event);
    sendTwiml(res, emptyMessagingTwiml());
  });

  router.post('/status', twilioGate(deps, statusCallbackAddress), async (req, res) => {
    const { inbox, params } = twilioLocals(res);
    const parsed = MessageStatusSchema.safeParse(params);
    if (!parsed.success) return refuse(res, 400, 'INVALID_INPUT', 'Not a Twilio status callback.');
    const event = mapStatusCallback(parsed.data, { inboxId: inbox.inboxId, receivedAt: deps.clock.now() });
    // `message` is our id in the callback URL we gave Twilio for the send (signed with the rest of the URL).
    const ours = typeof req.query.message === 'string' ? req.query.message : '';
    const messageId = /^[0-9a-f]{24}$/.test(ours) ? ours : undefined;
    if (event) await deps.sink.updateStatus(messageId ? { ...event, messageId } : event);
    sendTwiml(res, emptyMessagingTwiml());
  });

  const voice = createVoiceHandlers(deps);
  const voiceGate = twilioGate(deps, voiceAddress);
  router.post('/voice', voiceGate, voice.incoming);
  router.post('/voice/language', voiceGate, voice.language);
  router.post('/voice/menu', voiceGate, voice.menu);
  router.post('/voice/wait', voiceGate, voice.wait);
  router.post('/voice/dequeued', voiceGate, voice.dequeued);
  router.post('/voice/dial-done', voiceGate, voice.dialDone);
  router.post('/voice/voicemail-done', voiceGate, voice.voicemailDone);
  router.post('/voice/outbound', voiceGate, voice.outboundAnswered);
  router.post('/voice/status', voiceGate, voice.status);
  router.post('/voice/recording', voiceGate, voice.recording);
  router.post('/voice/transcription', voiceGate, voice.transcription);
  return router;
}
