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
