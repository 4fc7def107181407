import { Router, type Response } from 'express';
import { z } from 'zod';
import type { TwilioStub } from '../stub/twilio-stub';
import { SIMULATOR_HTML, SIMULATOR_JS } from './twilio-simulator-page';

/** Parses a simulator request body; a refused one answers 400 with the hub's error shape. */
function parseBody<T>(schema: z.ZodType<T>, body: unknown, res: Response): T | null {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  res.status(400).json({
    error: { code: 'INVALID_INPUT', message: parsed.error.issues.map((issue) => issue.message).join('; ') },
  });
  return null;
}

const phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +8613800138000');
const MessageBody = z.object({
  channel: z.enum(['sms', 'whatsapp']),
  from: phone,
  text: z.string().max(1600).default(''),
  imageUrl: z.url().optional(),
});
const CallBody = z.object({
  from: phone,
  digits: z
    .string()
    .regex(/^[0-9*#]{0,8}$/)
    .default(''),
  voicemailText: z.string().max(1000).optional(),
  hangUpAfterQueueSeconds: z.coerce.number().int().min(0).max(3600).optional(),
});

/**
 * The customer simulator, served in demo mode at /simulator: a page that plays a customer on SMS, WhatsApp
 * or the phone through the hub's built-in Twilio stub, which sends correctly signed webhooks as Twilio
 * would. Replies the hub sends land in the stub's outbox, shown on the page with their status.
 */
export function createTwilioSimulatorRouter(deps: { stub: TwilioStub; pauseScaleMs: number }): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.type('html').send(SIMULATOR_HTML);
  });
  router.get('/app.js', (_req, res) => {
    res.type('application/javascript').send(SIMULATOR_JS);
  });
  router.post('/api/message', async (req, res) => {
    const input = parseBody(MessageBody, req.body, res);
    if (!input) return;
    const delivery = await deps.stub.sendInboundMessage({
      channel: input.channel,
      from: input.from,
      body: input.text,
      ...(input.imageUrl ? { media: [{ url: input.imageUrl, contentType: 'image/png' }] } : {}),
    });
    res.json({ messageSid: delivery.messageSid, hubStatus: delivery.status });
  });
  router.post('/api/call', async (req, res) => {
    const input = parseBody(CallBody, req.body, res);
    if (!input) return;
    const result = await deps.stub.placeInboundCall({
      from: input.from,
      digits: input.digits.split(''),
      pauseScaleMs: deps.pauseScaleMs,
      ...(input.voicemailText ? { voicemailText: input.voicemailText } : {}),
      ...(input.hangUpAfterQueueSeconds !== undefined
        ? { hangUpAfterQueueSeconds: input.hangUpAfterQueueSeconds }
        : {}),
    });
    res.json(result);
  });
  router.get('/api/outbox', (_req, res) => {
    res.json({
      messages: deps.stub.messages.slice(-50).map((message) => ({
        sid: message.sid,
        to: message.to,
        from: message.from,
        body: message.body,
        status: message.status,
        createdAt: message.createdAt.toISOString(),
      })),
      calls: deps.stub.calls.slice(-20).map((call) => ({ sid: call.sid, to: call.to, status: call.status })),
    });
  });
  return router;
}
