import { z } from 'zod';

/**
 * The parts of Meta's webhook notifications the connector reads (Messenger `page`, `instagram`, WhatsApp
 * Cloud `whatsapp_business_account`), validated after the signature check. Unknown fields pass; what we
 * read has a type and a bound.
 */
const Id = z.string().min(1).max(256);
const Timestamp = z.union([z.number(), z.string().regex(/^\d{1,16}$/)]).transform(Number);

const MessagingAttachment = z.object({
  type: z.string().max(40),
  payload: z
    .object({ url: z.string().max(4096).optional(), title: z.string().max(1000).optional() })
    .passthrough()
    .nullable()
    .optional(),
});

export const MessagingEventSchema = z.object({
  sender: z.object({ id: Id }).optional(),
  recipient: z.object({ id: Id }).optional(),
  timestamp: Timestamp.optional(),
  message: z
    .object({
      mid: Id,
      text: z.string().max(20_000).optional(),
      is_echo: z.boolean().optional(),
      is_deleted: z.boolean().optional(),
      is_unsupported: z.boolean().optional(),
      attachments: z.array(MessagingAttachment).max(20).optional(),
      quick_reply: z.object({ payload: z.string().max(1000) }).optional(),
    })
    .optional(),
  postback: z
    .object({
      title: z.string().max(1000).optional(),
      payload: z.string().max(1000).optional(),
      mid: Id.optional(),
    })
    .optional(),
  delivery: z.object({ mids: z.array(Id).max(100).optional(), watermark: Timestamp }).optional(),
  read: z.object({ mid: Id.optional(), watermark: Timestamp.optional() }).optional(),
});
export type MessagingEvent = z.infer<typeof MessagingEventSchema>;

const WhatsAppMedia = z.object({
  id: Id,
  mime_type: z.string().max(255).optional(),
  caption: z.string().max(4096).optional(),
  filename: z.string().max(1024).optional(),
});

export const WhatsAppMessageSchema = z.object({
  from: z.string().regex(/^\d{5,20}$/),
  id: Id,
  timestamp: Timestamp,
  type: z.string().max(40),
  text: z.object({ body: z.string().max(20_000) }).optional(),
  image: WhatsAppMedia.optional(),
  video: WhatsAppMedia.optional(),
  audio: WhatsAppMedia.optional(),
  voice: WhatsAppMedia.optional(),
  document: WhatsAppMedia.optional(),
  sticker: WhatsAppMedia.optional(),
  location: z
    .object({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().max(1000).optional(),
      address: z.string().max(1000).optional(),
    })
    .optional(),
  button: z
    .object({ text: z.string().max(1000).optional(), payload: z.string().max(1000).optional() })
    .optional(),
  interactive: z
    .object({
      type: z.string().max(40),
      button_reply: z.object({ id: z.string().max(256), title: z.string().max(1000) }).optional(),
      list_reply: z.object({ id: z.string().max(256), title: z.string().max(1000) }).optional(),
    })
    .optional(),
  referral: z
    .object({ headline: z.string().max(1000).optional(), source_url: z.string().max(4096).optional() })
    .passthrough()
    .optional(),
});
export type WhatsAppMessage = z.infer<typeof WhatsAppMessageSchema>;

export const WhatsAppStatusSchema = z.object({
  id: Id,
  status: z.string().max(40),
  timestamp: Timestamp,
  recipient_id: z.string().max(40).optional(),
  errors: z
    .array(
      z.object({
        code: z.number().optional(),
        title: z.string().max(2000).optional(),
        message: z.string().max(2000).optional(),
      }),
    )
    .max(10)
    .optional(),
});

export const WhatsAppValueSchema = z.object({
  messaging_product: z.literal('whatsapp').optional(),
  metadata: z.object({ display_phone_number: z.string().max(40).optional(), phone_number_id: Id }),
  contacts: z
    .array(
      z.object({
        wa_id: z.string().max(40),
        profile: z.object({ name: z.string().max(256).optional() }).optional(),
      }),
    )
    .max(100)
    .optional(),
  messages: z.array(WhatsAppMessageSchema).max(100).optional(),
  statuses: z.array(WhatsAppStatusSchema).max(100).optional(),
});
export type WhatsAppValue = z.infer<typeof WhatsAppValueSchema>;

export const MetaNotificationSchema = z.object({
  object: z.enum(['page', 'instagram', 'whatsapp_business_account']),
  entry: z
    .array(
      z.object({
        id: z.string().max(256),
        time: Timestamp.optional(),
        messaging: z.array(MessagingEventSchema).max(1000).optional(),
        changes: z
          .array(z.object({ field: z.string().max(100), value: z.unknown() }))
          .max(1000)
          .optional(),
      }),
    )
    .max(1000),
});
export type MetaNotification = z.infer<typeof MetaNotificationSchema>;

/** A Graph API error answer. */
export const GraphErrorSchema = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
  }),
});
