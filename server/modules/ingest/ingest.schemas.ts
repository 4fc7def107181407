/** Validation of what connectors hand the sink: a connector bug must not write a malformed timeline entry. */
import { z } from 'zod';
import { CHANNEL_KINDS, DELIVERY_STATUSES } from '../../../connectors/channel';

const shortText = z.string().max(500);

/** Linked identity schemes are their own id spaces: never a channel kind (no claiming `email` ids). */
const LinkedIdentitySchema = z.object({
  scheme: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,39}$/)
    .refine((scheme) => !(CHANNEL_KINDS as readonly string[]).includes(scheme), 'must not be a channel kind'),
  externalId: z.string().min(1).max(500),
});

/** Keys become `attributes.<key>` paths: plain names only. */
const ContactAttributesSchema = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), z.string().max(500))
  .refine((attributes) => Object.keys(attributes).length <= 20, 'at most 20 attributes');

export const InboundEventSchema = z.object({
  channel: z.enum(CHANNEL_KINDS),
  inboxId: z.string().min(1).max(200),
  externalId: z.string().min(1).max(500),
  occurredAt: z.coerce.date().refine((date) => !Number.isNaN(date.getTime()), 'must be a valid date'),
  from: z.object({
    externalId: z.string().min(1).max(500),
    handle: shortText.optional(),
    name: shortText.optional(),
    email: z.string().max(320).optional(),
    phone: z.string().max(40).optional(),
    linkedIdentities: z.array(LinkedIdentitySchema).max(5).optional(),
  }),
  kind: z.enum(['message', 'call', 'voicemail']),
  text: z.string().max(200_000).optional(),
  html: z.string().max(5_000_000).optional(),
  subject: z.string().max(2_000).optional(),
  attachments: z
    .array(
      z.object({
        contentType: z.string().min(1).max(255),
        filename: z.string().max(500).optional(),
        size: z.number().int().min(0).optional(),
        data: z.instanceof(Buffer).optional(),
        url: z.string().max(2_000).optional(),
        contentId: z.string().max(500).optional(),
      }),
    )
    .max(50)
    .optional(),
  call: z
    .object({
      direction: z.enum(['inbound', 'outbound']),
      status: z.string().max(50),
      durationSec: z.number().min(0).optional(),
      recordingUrl: z.string().max(2_000).optional(),
      recordingSid: z.string().max(200).optional(),
      transcription: z.string().max(100_000).optional(),
    })
    .optional(),
  thread: z
    .object({
      messageId: z.string().max(1_000).optional(),
      inReplyTo: z.string().max(1_000).optional(),
      references: z.array(z.string().max(1_000)).max(200).optional(),
      ticketNumber: z.number().int().positive().optional(),
      replyToken: z
        .string()
        .regex(/^[A-Za-z0-9_-]{6,64}$/)
        .optional(),
    })
    .optional(),
  hints: z
    .object({
      category: z.string().max(50).optional(),
      priority: z.string().max(50).optional(),
      locale: z.string().max(35).optional(),
    })
    .optional(),
  isAutomated: z.boolean().optional(),
  email: z
    .object({
      to: z.array(z.string().max(320)).max(500),
      cc: z.array(z.string().max(320)).max(500),
      fullText: z.string().max(200_000).optional(),
      fullHtml: z.string().max(5_000_000).optional(),
      remoteImages: z.number().int().min(0).optional(),
      automatedReason: z.string().max(500).optional(),
      authentication: z
        .object({
          spf: z.string().max(40).optional(),
          dkim: z.string().max(40).optional(),
          dmarc: z.string().max(40).optional(),
        })
        .optional(),
      raw: z.instanceof(Buffer).optional(),
    })
    .optional(),
  contactAttributes: ContactAttributesSchema.optional(),
});

export const StatusEventSchema = z.object({
  channel: z.enum(CHANNEL_KINDS),
  inboxId: z.string().min(1).max(200),
  externalId: z.string().min(1).max(500),
  status: z.enum(DELIVERY_STATUSES),
  occurredAt: z.coerce.date(),
  error: z.object({ code: z.string().max(200), message: z.string().max(2_000) }).optional(),
  messageId: z
    .string()
    .regex(/^[0-9a-f]{24}$/)
    .optional(),
});

export const CallUpdateEventSchema = z.object({
  channel: z.enum(CHANNEL_KINDS),
  inboxId: z.string().min(1).max(200),
  externalId: z.string().min(1).max(500),
  occurredAt: z.coerce.date(),
  call: z
    .object({
      direction: z.enum(['inbound', 'outbound']),
      status: z.string().max(50),
      durationSec: z.number().min(0),
      recordingUrl: z.string().max(2_000),
      recordingSid: z.string().max(200),
      transcription: z.string().max(100_000),
      outcome: z.enum(['answered', 'missed', 'voicemail', 'busy', 'failed', 'canceled']),
    })
    .partial(),
  text: z.string().max(100_000).optional(),
  needsCallback: z.boolean().optional(),
});
