import { z } from 'zod';

/**
 * Zod schemas for what Twilio posts (form fields, all strings). Checked after the signature: a signed but
 * malformed body is a 400, never a crash. Unknown fields pass through (Twilio adds fields over time).
 */
const sid = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[0-9a-zA-Z]{8,64}$`), `not a ${prefix} sid`);
/** An address: `+E164`, `whatsapp:+E164`, `client:identity` or a SIP URI; never empty. */
const address = z.string().min(1).max(256);

export const MessageWebhookSchema = z.looseObject({
  MessageSid: sid('(SM|MM)').optional(),
  SmsMessageSid: sid('(SM|MM)').optional(),
  SmsSid: sid('(SM|MM)').optional(),
  AccountSid: sid('AC'),
  From: address,
  To: address,
  Body: z.string().max(20_000).optional(),
  NumMedia: z
    .string()
    .regex(/^\d{1,2}$/)
    .optional(),
  ProfileName: z.string().max(256).optional(),
  Latitude: z.string().max(32).optional(),
  Longitude: z.string().max(32).optional(),
  Address: z.string().max(1024).optional(),
  Label: z.string().max(256).optional(),
});
export type MessageWebhook = z.infer<typeof MessageWebhookSchema>;

export const MessageStatusSchema = z.looseObject({
  MessageSid: sid('(SM|MM)').optional(),
  SmsSid: sid('(SM|MM)').optional(),
  AccountSid: sid('AC'),
  MessageStatus: z.string().min(1).max(32).optional(),
  SmsStatus: z.string().min(1).max(32).optional(),
  ErrorCode: z.string().max(16).optional(),
  ErrorMessage: z.string().max(1024).optional(),
  From: address.optional(),
  To: address.optional(),
});
export type MessageStatusWebhook = z.infer<typeof MessageStatusSchema>;

export const VoiceWebhookSchema = z.looseObject({
  CallSid: sid('CA'),
  AccountSid: sid('AC'),
  From: address.optional(),
  To: address.optional(),
  Caller: address.optional(),
  Called: address.optional(),
  Direction: z.string().max(32).optional(),
  CallStatus: z.string().max(32).optional(),
  Digits: z.string().max(32).optional(),
  QueueTime: z
    .string()
    .regex(/^\d{1,6}$/)
    .optional(),
  QueueResult: z.string().max(32).optional(),
  CallDuration: z
    .string()
    .regex(/^\d{1,7}$/)
    .optional(),
  Duration: z
    .string()
    .regex(/^\d{1,7}$/)
    .optional(),
  SequenceNumber: z
    .string()
    .regex(/^\d{1,6}$/)
    .optional(),
  Timestamp: z.string().max(64).optional(),
  AnsweredBy: z.string().max(32).optional(),
  DialCallStatus: z.string().max(32).optional(),
  DialCallDuration: z
    .string()
    .regex(/^\d{1,7}$/)
    .optional(),
  RecordingSid: sid('RE').optional(),
  RecordingUrl: z.url().optional(),
  RecordingDuration: z
    .string()
    .regex(/^-?\d{1,7}$/)
    .optional(),
  RecordingStatus: z.string().max(32).optional(),
  TranscriptionSid: sid('TR').optional(),
  TranscriptionText: z.string().max(20_000).optional(),
  TranscriptionStatus: z.string().max(32).optional(),
});
export type VoiceWebhook = z.infer<typeof VoiceWebhookSchema>;

export const RecordingCallbackSchema = VoiceWebhookSchema.extend({
  RecordingSid: sid('RE'),
  RecordingUrl: z.url(),
});

export const TranscriptionCallbackSchema = VoiceWebhookSchema.extend({
  RecordingSid: sid('RE'),
  TranscriptionStatus: z.string().max(32),
});
