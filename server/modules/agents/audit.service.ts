import { trusted, Types, type Connection } from 'mongoose';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { auditLogModel, type AuditLogRecord } from './audit-log.model';
import { decodeTimeCursor, encodeTimeCursor, isObjectIdString, toPage, type Page } from './pagination';

export interface AuditEntryInput {
  /** The agent who acted; null for anonymous or system actions. */
  actorId: string | null;
  /** `subject.verb`, e.g. `auth.login`, `agent.role_changed`, `contact.merged`. */
  action: string;
  subjectType?: string | null;
  subjectId?: string | null;
  /** Small, non-secret facts (never passwords or tokens). */
  details?: Record<string, unknown>;
}

export interface AuditEntryView {
  id: string;
  at: string;
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditListFilter {
  actorId?: string;
  subjectType?: string;
  subjectId?: string;
  action?: string;
  cursor?: string;
  limit: number;
}

export interface AuditService {
  /** Appends one entry. Audit writes are awaited: an action that must be audited fails when its entry cannot be written. */
  record(entry: AuditEntryInput): Promise<void>;
  list(filter: AuditListFilter): Promise<Page<AuditEntryView>>;
}

function toView(doc: AuditLogRecord): AuditEntryView {
  return {
    id: String(doc._id),
    at: doc.at.toISOString(),
    actorId: doc.actorId ? String(doc.actorId) : null,
    action: doc.action,
    subjectType: doc.subjectType ?? null,
    subjectId: doc.subjectId ?? null,
    details: (doc.details as Record<string, unknown> | undefined) ?? null,
  };
}

export function createAuditService(deps: {
  connection: Connection;
  clock: Clock;
  logger: Logger;
}): AuditService {
  const AuditLog = auditLogModel(deps.connection);
  return {
    async record(entry) {
      await AuditLog.create({
        at: deps.clock.now(),
        actorId: entry.actorId && isObjectIdString(entry.actorId) ? new Types.ObjectId(entry.actorId) : null,
        action: entry.action,
        subjectType: entry.subjectType ?? null,
        subjectId: entry.subjectId ?? null,
        details: entry.details,
      });
    },
    async list(filter) {
      const query: Record<string, unknown> = {};
      if (filter.actorId) query.actorId = new Types.ObjectId(filter.actorId);
      if (filter.subjectType) query.subjectType = filter.subjectType;
      if (filter.subjectId) query.subjectId = filter.subjectId;
      if (filter.action) query.action = filter.action;
      if (filter.cursor) {
        const { at, id } = decodeTimeCursor(filter.cursor);
        query.$or = [{ at: trusted({ $lt: at }) }, { at, _id: trusted({ $lt: id }) }];
      }
      const docs = await AuditLog.find(query)
        .sort({ at: -1, _id: -1 })
        .limit(filter.limit + 1)
        .lean<AuditLogRecord[]>();
      return toPage(docs, filter.limit, toView, (doc) => encodeTimeCursor(doc.at, doc._id));
    },
  };
}
