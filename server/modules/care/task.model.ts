import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const TASK_KINDS = ['follow_up', 'automation', 'manual'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
/** `reached`, `satisfied`, `not_satisfied`, `not_reached` are a 回访's results; `done` any other task's. */
export const TASK_OUTCOMES = ['done', 'reached', 'satisfied', 'not_satisfied', 'not_reached'] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

export interface TaskRecord {
  _id: Types.ObjectId;
  kind: TaskKind;
  title: string;
  description: string | null;
  status: 'open' | 'done';
  assigneeId: string | null;
  teamId: string | null;
  contactId: string | null;
  conversationId: string | null;
  dueAt: Date;
  /** Idempotency: a task a job creates carries the job's key (unique), so a job run twice creates one. */
  sourceKey: string | null;
  result: {
    outcome: TaskOutcome;
    note: string | null;
    completedBy: string;
    completedAt: Date;
  } | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const taskSchema = new Schema<TaskRecord>(
  {
    kind: { type: String, required: true, enum: TASK_KINDS },
    title: { type: String, required: true },
    description: { type: String, default: null },
    status: { type: String, required: true, enum: ['open', 'done'], default: 'open' },
    assigneeId: { type: String, default: null },
    teamId: { type: String, default: null },
    contactId: { type: String, default: null },
    conversationId: { type: String, default: null },
    dueAt: { type: Date, required: true },
    sourceKey: { type: String, default: null },
    result: { type: Schema.Types.Mixed, default: null },
    createdBy: { type: String, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'tasks', versionKey: false, minimize: false },
);
// The lists the agent app runs (mine / my teams' / everyone's, open first by due time; a contact's tasks).
taskSchema.index({ assigneeId: 1, status: 1, dueAt: 1, _id: 1 });
taskSchema.index({ teamId: 1, status: 1, dueAt: 1, _id: 1 });
taskSchema.index({ status: 1, dueAt: 1, _id: 1 });
taskSchema.index({ contactId: 1, dueAt: -1 });
taskSchema.index({ conversationId: 1 });
// The follow-up report: completed 回访 in a period.
taskSchema.index({ kind: 1, createdAt: 1 });
taskSchema.index(
  { sourceKey: 1 },
  { unique: true, partialFilterExpression: { sourceKey: { $type: 'string' } } },
);

export function taskModel(connection: Connection): Model<TaskRecord> {
  return (
    (connection.models.Task as Model<TaskRecord> | undefined) ??
    connection.model<TaskRecord>('Task', taskSchema)
  );
}
