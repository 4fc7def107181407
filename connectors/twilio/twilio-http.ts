import type { Response } from 'express';
import type { TwilioInboxConfig } from './twilio-channel';

/** Where the Twilio webhook router is mounted; public URLs of its routes start with it. */
export const TWILIO_WEBHOOK_PATH = '/webhooks/twilio';

export type FormParams = Record<string, string>;

/** What the signature gate leaves on `res.locals.twilio` for the handlers. */
export interface TwilioLocals {
  inbox: TwilioInboxConfig;
  params: FormParams;
}

/** An error answer in the hub's shape (`{error: {code, message}}`). */
export function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

export function twilioLocals(res: Response): TwilioLocals {
  return res.locals.twilio as TwilioLocals;
}

export function sendTwiml(res: Response, xml: string): void {
  res.status(200).type('text/xml').send(xml);
}

export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
