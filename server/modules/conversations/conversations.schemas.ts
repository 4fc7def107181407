/**
 * Input schemas of the conversation API. Strings where strings are expected: an operator object
 * (`{"status": {"$ne": null}}`) fails validation with 400 and never reaches a query.
 */
import { z } from 'zod';
import { CHANNEL_KINDS } from '../../../connectors/channel';
import { CATEGORIES, CONVERSATION_STATUSES, PRIORITIES } from './conversation.model';

export const ObjectIdSchema = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');
export const IdParamsSchema = z.object({ id: ObjectIdSchema });

/** `a,b` or repeated `?status=a&status=b`. */
const statusList = z
  .union([z.string().max(200), z.array(z.string().max(20)).max(10)])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter(Boolean),
  )
  .pipe(z.array(z.enum(CONVERSATION_STATUSES)).max(6));

/** An agent or team id, `me` (assignee only) or `none` (unassigned / no team). */
const idOrKeyword = z.union([ObjectIdSchema, z.enum(['me', 'none'])]);

export const ListQuerySchema = z
  .object({
    status: statusList.optional(),
    assignee: idOrKeyword.optional(),
    team: idOrKeyword.optional(),
    channel: z.enum(CHANNEL_KINDS).optional(),
    category: z.enum(CATEGORIES).optional(),
    priority: z.enum(PRIORITIES).optional(),
    slaDueBefore: z.iso.datetime({ offset: true }).optional(),
    q: z.string().trim().max(200).optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
  })
  .strict();

export const ContactConversationsQuerySchema = z
  .object({
    status: statusList.optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
  })
  .strict();

const seq = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
export const TimelineQuerySchema = z
  .object({
    after: seq.optional(),
    before: seq.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict()
  .refine((q) => q.after === undefined || q.before === undefined, 'use either after or before');

/** How many uploaded files one reply may carry. */
export const MAX_REPLY_ATTACHMENTS = 10;

/** `POST /:id/attachments?filename=…`: the body is the file, its media type the Content-Type. */
export const UploadQuerySchema = z.object({ filename: z.string().trim().min(1).max(255) }).strict();

export const UploadReferenceSchema = z
  .object({ id: z.string(), filename: z.string(), contentType: z.string(), size: z.number().int() })
  .meta({ description: 'A file uploaded for a reply of this conversation (send its id in `attachments`)' });

export const ReplyBodySchema = z
  .object({
    text: z.string().trim().min(1).max(20_000).optional(),
    channel: z.enum(CHANNEL_KINDS).optional(),
    private: z.boolean().default(false),
    /** An approved template (WhatsApp outside its 24 h window), with a value per variable. */
    template: z
      .object({
        name: z.string().regex(/^[a-z0-9_]{1,100}$/),
        language: z
          .string()
          .regex(/^[A-Za-z_]{2,10}$/)
          .optional(),
        variables: z.array(z.string().max(1000)).max(10).default([]),
      })
      .strict()
      .optional(),
    /** Ids the upload route answered for this conversation (`POST /api/conversations/:id/attachments`). */
    attachments: z.array(ObjectIdSchema).max(MAX_REPLY_ATTACHMENTS).default([]),
    /** An email reply's own subject (the ticket tag is kept) and copies; ignored on other channels. */
    email: z
      .object({
        subject: z.string().trim().min(1).max(300).optional(),
        cc: z.array(z.email().max(254)).max(20).default([]),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((body) => body.text !== undefined || (body.template !== undefined && !body.private), {
    message: 'text is required (or a template, for a reply)',
  });

export const AssignBodySchema = z
  .object({ assigneeId: ObjectIdSchema.nullable(), teamId: ObjectIdSchema.nullable().optional() })
  .strict();

export const StatusBodySchema = z
  .object({
    status: z.enum(CONVERSATION_STATUSES).exclude(['new']),
    snoozedUntil: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const PriorityBodySchema = z.object({ priority: z.enum(PRIORITIES) }).strict();
export const CategoryBodySchema = z.object({ category: z.enum(CATEGORIES) }).strict();

const tag = z.string().trim().min(1).max(50);
export const TagsBodySchema = z
  .object({ add: z.array(tag).max(20).default([]), remove: z.array(tag).max(20).default([]) })
  .strict()
  .refine((body) => body.add.length + body.remove.length > 0, 'add or remove at least one tag');

export const CsatBodySchema = z
  .object({ score: z.number().int().min(1).max(5), comment: z.string().trim().max(2_000).optional() })
  .strict();

// ---- Responses (what the routes send: toConversationView / toMessageView in conversation-views.ts) ----

const iso = z.iso.datetime();
const channel = z.string();

export const ConversationSummarySchema = z.object({
  id: z.string(),
  number: z.number().int(),
  status: z.enum(CONVERSATION_STATUSES),
  priority: z.enum(PRIORITIES),
  category: z.enum(CATEGORIES),
  subject: z.string().optional(),
  channel,
  contact: z.object({ id: z.string(), name: z.string().optional(), tier: z.string().optional() }).loose(),
  assigneeId: z.string().nullable(),
  teamId: z.string().nullable(),
  lastMessageAt: iso.optional(),
  updatedAt: iso,
});

export const ConversationSchema = ConversationSummarySchema.extend({
  channels: z.array(channel),
  inboxId: z.string().nullable().optional(),
  snoozedUntil: iso.nullable(),
  tags: z.array(z.string()),
  ownerId: z.string().nullable(),
  routing: z.object({ state: z.string() }).loose(),
  sla: z.record(z.string(), z.unknown()),
  metrics: z.object({
    firstInboundAt: iso.nullable(),
    firstHumanResponseAt: iso.nullable(),
    lastInboundAt: iso.nullable(),
    lastOutboundAt: iso.nullable(),
    resolvedAt: iso.nullable(),
    closedAt: iso.nullable(),
    reopenCount: z.number().int(),
  }),
  csat: z.object({ score: z.number().int(), comment: z.string().nullable(), at: iso.optional() }).nullable(),
  previousConversationId: z.string().nullable(),
  lastSeq: z.number().int().optional(),
  createdAt: iso.optional(),
}).meta({ description: 'A conversation (ticket)' });

export const ConversationListItemSchema = ConversationSchema.extend({
  lastMessage: z
    .object({
      direction: z.string(),
      kind: z.string(),
      channel,
      text: z.string(),
      occurredAt: iso,
    })
    .nullable(),
});

export const ConversationDetailSchema = ConversationSchema.extend({
  /** The contact as the contacts module shows it (just the id when it is gone). */
  contact: z.object({ id: z.string() }).loose(),
  replyWindow: z.record(z.string(), z.unknown()).optional(),
});

export const MessageSchema = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    seq: z.number().int(),
    direction: z.enum(['inbound', 'outbound', 'internal']),
    kind: z.enum(['message', 'note', 'call', 'voicemail', 'system']),
    channel,
    text: z.string().optional(),
    html: z.string().optional(),
    authorId: z.string().nullable(),
    status: z.string().optional(),
    occurredAt: iso,
    contactId: z.string(),
    inboxId: z.string().nullable(),
    externalId: z.string().nullable(),
    subject: z.string().nullable(),
    attachments: z.array(
      z.object({
        id: z.string(),
        filename: z.string().nullable(),
        contentType: z.string(),
        size: z.number().nullable(),
        storageKey: z.string().nullable(),
      }),
    ),
    call: z.record(z.string(), z.unknown()).nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    isAutomated: z.boolean(),
    thread: z.record(z.string(), z.unknown()).nullable(),
    email: z.record(z.string(), z.unknown()).nullable(),
    createdAt: iso.optional(),
  })
  .meta({ description: 'A timeline entry: message, note, call, voicemail or system entry' });

export const ConversationPageSchema = z.object({
  items: z.array(ConversationListItemSchema),
  nextCursor: z.string().nullable(),
});
export const ContactConversationPageSchema = z.object({
  items: z.array(ConversationSchema),
  nextCursor: z.string().nullable(),
});
export const TimelinePageSchema = z.object({ items: z.array(MessageSchema), hasMore: z.boolean() });
