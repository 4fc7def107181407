/** Inputs of the tasks and care APIs (zod, parsed with parseInput). */
import { z } from 'zod';
import { TASK_OUTCOMES } from './task.model';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');

export const ListTasksQuery = z
  .object({
    /** `mine`: assigned to me; `team`: my teams' (supervisors: every team's); `all`: supervisors only. */
    scope: z.enum(['mine', 'team', 'all']).default('mine'),
    contactId: objectId.optional(),
    conversationId: objectId.optional(),
    status: z.enum(['open', 'done', 'any']).default('open'),
    kind: z.enum(['follow_up', 'automation', 'manual']).optional(),
    /** Only tasks due before this instant (e.g. the end of today: "due"). */
    dueBefore: z.coerce.date().optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type ListTasksInput = z.infer<typeof ListTasksQuery>;

export const CreateTaskSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(4000).optional(),
    assigneeId: objectId.nullable().optional(),
    teamId: objectId.nullable().optional(),
    contactId: objectId.optional(),
    conversationId: objectId.optional(),
    dueAt: z.coerce.date(),
  })
  .strict();
export type CreateTaskInput = z.infer<typeof CreateTaskSchema>;

export const CompleteTaskSchema = z
  .object({
    outcome: z.enum(TASK_OUTCOMES),
    note: z.string().trim().max(4000).optional(),
  })
  .strict();
export type CompleteTaskInput = z.infer<typeof CompleteTaskSchema>;

export const TaskIdParams = z.object({ id: objectId });

export const FollowUpReportQuery = z
  .object({ from: z.coerce.date(), to: z.coerce.date(), teamId: objectId.optional() })
  .strict()
  .refine((q) => q.from < q.to, 'from must be before to');

export const OptOutSchema = z.object({ optOut: z.boolean() }).strict();
export const ContactIdParams = z.object({ contactId: objectId });

// ---- Responses ----

const iso = z.iso.datetime();

export const TaskSchema = z.object({
  id: z.string(),
  kind: z.enum(['follow_up', 'automation', 'manual']),
  title: z.string(),
  description: z.string().nullable(),
  status: z.enum(['open', 'done']),
  assigneeId: z.string().nullable(),
  teamId: z.string().nullable(),
  contactId: z.string().nullable(),
  conversationId: z.string().nullable(),
  dueAt: iso,
  result: z
    .object({
      outcome: z.enum(TASK_OUTCOMES),
      note: z.string().nullable(),
      completedBy: z.string(),
      completedAt: iso,
    })
    .nullable(),
  createdAt: iso,
});
export const TaskPageSchema = z.object({ items: z.array(TaskSchema), nextCursor: z.string().nullable() });

export const FollowUpReportSchema = z
  .object({
    from: iso,
    to: iso,
    total: z.number().int(),
    open: z.number().int(),
    overdue: z.number().int(),
    completed: z.number().int(),
    byOutcome: z.record(z.string(), z.number().int()),
    satisfactionRate: z.number().nullable(),
    truncated: z.boolean(),
    visits: z.array(z.object({ taskId: z.string(), status: z.string(), dueAt: iso }).loose()),
  })
  .loose();

/** The care settings in force (CARE_* configuration). */
export const CareSettingsSchema = z.record(z.string(), z.unknown());
