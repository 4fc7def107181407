/**
 * Automation rules (validated here, stored as given): a trigger (a domain event or a time trigger), all
 * conditions (AND), and actions run in order. Rules run by `order`.
 */
import { z } from 'zod';

export const AUTOMATION_EVENTS = [
  'conversation.created',
  'message.received',
  'conversation.status_changed',
  'conversation.priority_changed',
  'conversation.category_changed',
  'sla.warning',
  'sla.breached',
  'csat.received',
] as const;
export type AutomationEvent = (typeof AUTOMATION_EVENTS)[number];

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');

export const TriggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), event: z.enum(AUTOMATION_EVENTS) }).strict(),
  /** The customer has not written for `minutes` since an agent's public reply. */
  z
    .object({
      type: z.literal('no_customer_reply'),
      minutes: z
        .number()
        .int()
        .min(1)
        .max(60 * 24 * 60),
    })
    .strict(),
  /** The conversation has been pending (waiting on the customer) for `days`. */
  z.object({ type: z.literal('pending_for'), days: z.number().min(0.01).max(365) }).strict(),
  /**
   * A contact's date (`birthday`, `anniversary` or a custom `attributes.<name>` holding `YYYY-MM-DD`) is
   * reached at local `time` in the contact's timezone: every year (`yearly`, the default) or once. The
   * rule acts on the contact's latest conversation.
   */
  z
    .object({
      type: z.literal('contact_date'),
      field: z
        .string()
        .regex(
          /^(birthday|anniversary|attributes\.[A-Za-z0-9_]{1,40})$/,
          'birthday, anniversary or attributes.<name>',
        ),
      time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:mm'),
      yearly: z.boolean().default(true),
    })
    .strict(),
]);
export type AutomationTrigger = z.infer<typeof TriggerSchema>;

/** Fields a condition may read (dotted: `contact.attributes.city`). */
export const CONDITION_FIELD = z
  .string()
  .regex(
    /^(conversation\.(status|priority|category|channel|teamId|assigneeId|tags|inboxId)|contact\.(tier|tags|locale|rfmSegment|attributes\.[A-Za-z0-9_]{1,40})|businessHours|message\.text)$/,
    'a known field (conversation.*, contact.*, businessHours, message.text)',
  );

const Scalar = z.union([z.string().max(500), z.number(), z.boolean(), z.null()]);
export const ConditionSchema = z
  .object({
    field: CONDITION_FIELD,
    op: z.enum(['eq', 'ne', 'in', 'not_in', 'contains', 'not_contains', 'exists', 'not_exists']),
    value: z.union([Scalar, z.array(Scalar).max(50)]).optional(),
  })
  .strict();
export type AutomationCondition = z.infer<typeof ConditionSchema>;

export const ActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('assign_team'), teamId: objectId }).strict(),
  z.object({ type: z.literal('assign_agent'), agentId: objectId }).strict(),
  z
    .object({ type: z.literal('set_priority'), priority: z.enum(['low', 'normal', 'high', 'urgent']) })
    .strict(),
  z
    .object({
      type: z.literal('set_category'),
      category: z.enum(['complaint', 'inquiry', 'suggestion', 'praise', 'other']),
    })
    .strict(),
  z.object({ type: z.literal('add_tags'), tags: z.array(z.string().min(1).max(50)).min(1).max(20) }).strict(),
  z
    .object({ type: z.literal('remove_tags'), tags: z.array(z.string().min(1).max(50)).min(1).max(20) })
    .strict(),
  z
    .object({ type: z.literal('set_status'), status: z.enum(['open', 'pending', 'resolved', 'closed']) })
    .strict(),
  z.object({ type: z.literal('add_note'), text: z.string().min(1).max(2000) }).strict(),
  z
    .object({
      type: z.literal('notify'),
      to: z.array(z.enum(['assignee', 'team', 'owner'])).min(1),
      text: z.string().min(1).max(500),
    })
    .strict(),
  z
    .object({
      type: z.literal('send_template'),
      template: z.string().regex(/^[a-z0-9-]{1,80}$/),
    })
    .strict(),
  z
    .object({
      type: z.literal('create_task'),
      title: z.string().min(1).max(200),
      dueInMinutes: z
        .number()
        .int()
        .min(0)
        .max(365 * 24 * 60),
    })
    .strict(),
]);
export type AutomationAction = z.infer<typeof ActionSchema>;

const RuleFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().default(true),
  order: z.number().int().min(0).max(1_000_000).default(100),
  trigger: TriggerSchema,
  conditions: z.array(ConditionSchema).max(30).default([]),
  actions: z.array(ActionSchema).min(1).max(20),
};
export const CreateRuleSchema = z.object(RuleFields).strict();
export type CreateRuleInput = z.infer<typeof CreateRuleSchema>;
export const UpdateRuleSchema = z
  .object({
    name: RuleFields.name,
    description: RuleFields.description,
    enabled: z.boolean(),
    order: z.number().int().min(0).max(1_000_000),
    trigger: TriggerSchema,
    conditions: z.array(ConditionSchema).max(30),
    actions: z.array(ActionSchema).min(1).max(20),
  })
  .partial()
  .strict();
export type UpdateRuleInput = z.infer<typeof UpdateRuleSchema>;

// ---- Responses ----

/** A stored rule as the API shows it (its fields as saved, with `id`, who and when). */
export const RuleViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    enabled: z.boolean(),
    order: z.number().int(),
    trigger: z.object({ type: z.string() }).loose(),
    conditions: z.array(z.object({ field: z.string() }).loose()),
    actions: z.array(z.object({ type: z.string() }).loose()),
    createdBy: z.string().nullable().optional(),
    updatedBy: z.string().nullable().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .loose();
export const DryRunResultSchema = z.object({
  since: z.iso.datetime(),
  scanned: z.number().int(),
  matched: z.array(z.object({ id: z.string(), number: z.number().int() })),
});
