import { z } from 'zod';
import { validateCalendar, WEEKDAYS } from './business-calendar';
import { REPORT_GROUPS } from './sla-reports';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
export const TimeRangeSchema = z.object({
  start: z.string().regex(HHMM, 'must be HH:mm'),
  end: z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be HH:mm (or 24:00)'),
});

const RangesSchema = z.array(TimeRangeSchema).max(12);
export const WeeklySchema = z.object(
  Object.fromEntries(WEEKDAYS.map((day) => [day, RangesSchema.optional()])) as Record<
    (typeof WEEKDAYS)[number],
    z.ZodOptional<typeof RangesSchema>
  >,
);

export const HolidaySchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
  name: z.string().max(200).optional(),
  ranges: RangesSchema.optional(),
});

const CalendarFields = {
  name: z.string().trim().min(1).max(200),
  timezone: z.string().min(1).max(100),
  weekly: WeeklySchema,
  holidays: z.array(HolidaySchema).max(2000).default([]),
};

const checkCalendar = (
  value: { timezone?: string; weekly?: object; holidays?: unknown[] },
  ctx: z.RefinementCtx,
) => {
  if (!value.timezone || !value.weekly) return;
  for (const problem of validateCalendar(value as Parameters<typeof validateCalendar>[0]))
    ctx.addIssue({ code: 'custom', message: problem });
};

export const CreateCalendarSchema = z.object(CalendarFields).superRefine(checkCalendar);
export type CreateCalendarInput = z.infer<typeof CreateCalendarSchema>;
export const UpdateCalendarSchema = z
  .object({ ...CalendarFields, holidays: z.array(HolidaySchema).max(2000).optional() })
  .partial()
  .superRefine(checkCalendar);
export type UpdateCalendarInput = z.infer<typeof UpdateCalendarSchema>;

const TargetName = z.enum(['firstResponse', 'nextResponse', 'resolution']);
const Recipient = z.enum(['assignee', 'owner', 'supervisors', 'teamLead']);
export const EscalationActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('notify'), to: z.array(Recipient).min(1), email: z.boolean().optional() }),
  z.object({ type: z.literal('raisePriority'), to: z.enum(['normal', 'high', 'urgent']).optional() }),
  z.object({
    type: z.literal('reassignTeam'),
    teamId: z.string().regex(/^[0-9a-f]{24}$/i, 'must be a team id'),
  }),
]);
export const EscalationStepSchema = z.object({
  on: z.enum(['warning', 'breach']),
  target: z.union([TargetName, z.literal('any')]).default('any'),
  actions: z.array(EscalationActionSchema).min(1).max(10),
});

const Minutes = z
  .number()
  .positive()
  .max(366 * 24 * 60);
const List = z.array(z.string().min(1).max(100)).max(50).optional();
const PolicyFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  order: z.number().int().min(0).max(1_000_000).default(100),
  enabled: z.boolean().default(true),
  isDefault: z.boolean().default(false),
  conditions: z
    .object({ categories: List, priorities: List, tiers: List, channels: List, teamIds: List })
    .default({}),
  calendarId: z
    .string()
    .regex(/^[0-9a-f]{24}$/i, 'must be a calendar id')
    .nullable()
    .default(null),
  targets: z
    .object({
      firstResponse: Minutes.optional(),
      nextResponse: Minutes.optional(),
      resolution: Minutes.optional(),
    })
    .refine((t) => Object.keys(t).length > 0, 'at least one target'),
  warningThreshold: z.number().min(0.05).max(0.99).default(0.8),
  escalations: z.array(EscalationStepSchema).max(20).default([]),
};
export const CreatePolicySchema = z.object(PolicyFields);
export type CreatePolicyInput = z.infer<typeof CreatePolicySchema>;
export const UpdatePolicySchema = z
  .object({
    name: PolicyFields.name,
    description: PolicyFields.description,
    order: z.number().int().min(0).max(1_000_000),
    enabled: z.boolean(),
    isDefault: z.boolean(),
    conditions: z.object({ categories: List, priorities: List, tiers: List, channels: List, teamIds: List }),
    calendarId: z
      .string()
      .regex(/^[0-9a-f]{24}$/i)
      .nullable(),
    targets: PolicyFields.targets,
    warningThreshold: z.number().min(0.05).max(0.99),
    escalations: z.array(EscalationStepSchema).max(20),
  })
  .partial();
export type UpdatePolicyInput = z.infer<typeof UpdatePolicySchema>;

export const IdParamsSchema = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id') });

const DateParam = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO date')
  .transform((v) => new Date(v));
export const ReportQuerySchema = z
  .object({
    from: DateParam,
    to: DateParam,
    groupBy: z.enum(REPORT_GROUPS).default('team'),
    format: z.enum(['json', 'csv']).optional(),
  })
  .refine((q) => q.from.getTime() < q.to.getTime(), 'from must be before to')
  .refine(
    (q) => q.to.getTime() - q.from.getTime() <= 3 * 366 * 86_400_000,
    'range must be at most three years',
  );

export const AtRiskQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  teamId: z
    .string()
    .regex(/^[0-9a-f]{24}$/i)
    .optional(),
});

// ---- Responses ----

const isoOut = z.iso.datetime();

export const CalendarViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    timezone: z.string(),
    weekly: z.record(z.string(), z.array(z.object({ start: z.string(), end: z.string() }).loose())),
    holidays: z.array(z.object({ date: z.string() }).loose()),
    createdAt: isoOut,
    updatedAt: isoOut,
  })
  .loose();

export const PolicyViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    order: z.number(),
    enabled: z.boolean(),
    isDefault: z.boolean(),
    conditions: z.record(z.string(), z.unknown()),
    calendarId: z.string().nullable(),
    targets: z.record(z.string(), z.number()),
    warningThreshold: z.number(),
    escalations: z.array(z.record(z.string(), z.unknown())),
    createdAt: isoOut,
    updatedAt: isoOut,
  })
  .loose();

/** A conversation's SLA state: due times per target, what breached, the policy. */
export const ConversationSlaSchema = z.object({ conversationId: z.string() }).loose();

const stats = z.object({
  count: z.number().int(),
  median: z.number().nullable(),
  p90: z.number().nullable(),
  mean: z.number().nullable(),
});
const ReportRowSchema = z.object({
  group: z.string().nullable(),
  label: z.string(),
  count: z.number().int(),
  firstResponse: z.object({ business: stats, calendar: stats }),
  resolution: z.object({ business: stats, calendar: stats }),
  measured: z.number().int(),
  compliancePct: z.number().nullable(),
  breaches: z.number().int(),
  breachedConversations: z.number().int(),
  backlog: z.record(z.string(), z.number().int()),
  csat: z.object({
    responses: z.number().int(),
    average: z.number().nullable(),
    satisfiedPct: z.number().nullable(),
    targetPct: z.number(),
  }),
});
export const SlaReportSchema = z.object({
  from: isoOut,
  to: isoOut,
  groupBy: z.string(),
  generatedAt: isoOut,
  rows: z.array(ReportRowSchema),
  totals: ReportRowSchema,
});
export const AtRiskListSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      number: z.number().int(),
      subject: z.string().nullable(),
      contactName: z.string().nullable(),
      channel: z.string(),
      status: z.string(),
      priority: z.string(),
      category: z.string(),
      teamId: z.string().nullable(),
      assigneeId: z.string().nullable(),
      ownerId: z.string().nullable(),
      policy: z.string().nullable(),
      target: z.string().nullable(),
      dueAt: isoOut,
      minutesLeft: z.number().int(),
      breached: z.boolean(),
    }),
  ),
});
