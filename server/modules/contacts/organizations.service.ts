import { trusted, Types, type Connection } from 'mongoose';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import {
  decodeIdCursor,
  encodeIdCursor,
  escapeRegExp,
  toPage,
  type AuditService,
  type Page,
} from '../agents';
import { contactModel } from './contact.model';
import { organizationModel, type OrganizationRecord } from './organization.model';

export interface OrganizationView {
  id: string;
  name: string;
  parentId: string | null;
  relationships: { organizationId: string; kind: string }[];
  tags: string[];
  createdAt: string;
  updatedAt: string;
}

export interface OrganizationInput {
  name: string;
  parentId?: string | null;
  tags?: string[];
}

export function toOrganizationView(doc: OrganizationRecord): OrganizationView {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    parentId: doc.parentId ? doc.parentId.toHexString() : null,
    relationships: (doc.relationships ?? []).map((r) => ({
      organizationId: r.organizationId.toHexString(),
      kind: r.kind,
    })),
    tags: doc.tags ?? [],
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

const oid = (id: string) => new Types.ObjectId(id);
const MAX_PARENT_DEPTH = 50;

/** Organizations ("往来单位"): a hierarchy by `parentId` plus free relationships between organizations. */
export function createOrganizationsService(deps: {
  connection: Connection;
  clock: Clock;
  audit: AuditService;
}) {
  const Organization = organizationModel(deps.connection);
  const Contact = contactModel(deps.connection);
  const { clock } = deps;

  async function getRecord(id: string): Promise<OrganizationRecord> {
    const doc = Types.ObjectId.isValid(id)
      ? await Organization.findById(oid(id)).lean<OrganizationRecord>()
      : null;
    if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such organization.' });
    return doc;
  }

  /** Refuses a parent that would make the hierarchy a cycle. */
  async function assertParentAllowed(id: string | null, parentId: string): Promise<void> {
    let current: string | null = parentId;
    for (let depth = 0; current; depth++) {
      if (current === id || depth > MAX_PARENT_DEPTH)
        throw new AppError('INVALID_INPUT', { userMessage: 'This parent would make the hierarchy a cycle.' });
      const parent: OrganizationRecord = await getRecord(current).catch(() => {
        throw new AppError('INVALID_INPUT', { userMessage: 'Unknown parent organization.' });
      });
      current = parent.parentId ? parent.parentId.toHexString() : null;
    }
  }

  return {
    getRecord,
    getOrganization: async (id: string): Promise<OrganizationView> => toOrganizationView(await getRecord(id)),

    findOrganization: async (id: string): Promise<OrganizationView | null> => {
      if (!Types.ObjectId.isValid(id)) return null;
      const doc = await Organization.findById(oid(id)).lean<OrganizationRecord>();
      return doc ? toOrganizationView(doc) : null;
    },

    listOrganizations: async (filter: {
      q?: string;
      cursor?: string;
      limit: number;
    }): Promise<Page<OrganizationView>> => {
      const query: Record<string, unknown> = {};
      if (filter.q?.trim()) query.name = new RegExp(escapeRegExp(filter.q.trim()), 'i');
      if (filter.cursor) query._id = trusted({ $gt: decodeIdCursor(filter.cursor) });
      const docs = await Organization.find(query)
        .sort({ _id: 1 })
        .limit(filter.limit + 1)
        .lean<OrganizationRecord[]>();
      return toPage(docs, filter.limit, toOrganizationView, (doc) => encodeIdCursor(doc._id));
    },

    createOrganization: async (
      input: OrganizationInput,
      actorId: string | null,
    ): Promise<OrganizationView> => {
      if (input.parentId) await assertParentAllowed(null, input.parentId);
      const now = clock.now();
      const doc = await Organization.create({
        name: input.name,
        parentId: input.parentId ? oid(input.parentId) : null,
        tags: input.tags ?? [],
        relationships: [],
        createdAt: now,
        updatedAt: now,
      });
      const view = toOrganizationView(doc.toObject());
      await deps.audit.record({
        actorId,
        action: 'organization.created',
        subjectType: 'organization',
        subjectId: view.id,
      });
      return view;
    },

    updateOrganization: async (
      id: string,
      input: Partial<OrganizationInput>,
      actorId: string | null,
    ): Promise<OrganizationView> => {
      await getRecord(id);
      if (input.parentId) await assertParentAllowed(id, input.parentId);
      const set: Record<string, unknown> = { updatedAt: clock.now() };
      if (input.name !== undefined) set.name = input.name;
      if (input.tags !== undefined) set.tags = input.tags;
      if (input.parentId !== undefined) set.parentId = input.parentId ? oid(input.parentId) : null;
      const doc = await Organization.findOneAndUpdate(
        { _id: oid(id) },
        { $set: set },
        { returnDocument: 'after' },
      ).lean<OrganizationRecord>();
      if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such organization.' });
      await deps.audit.record({
        actorId,
        action: 'organization.updated',
        subjectType: 'organization',
        subjectId: id,
        details: { fields: Object.keys(input) },
      });
      return toOrganizationView(doc);
    },

    /** Only an organization nothing points at can go: contacts, child organizations and relationships keep ids. */
    deleteOrganization: async (id: string, actorId: string | null): Promise<void> => {
      const doc = await getRecord(id);
      const inUse =
        (await Contact.exists({
          $or: [{ organizationId: doc._id }, { 'relationships.organizationId': doc._id }],
        })) ??
        (await Organization.exists({
          $or: [{ parentId: doc._id }, { 'relationships.organizationId': doc._id }],
        }));
      if (inUse)
        throw new AppError('CONFLICT', {
          userMessage: 'Contacts or other organizations still refer to this organization.',
        });
      await Organization.deleteOne({ _id: doc._id });
      await deps.audit.record({
        actorId,
        action: 'organization.deleted',
        subjectType: 'organization',
        subjectId: id,
        details: { name: doc.name },
      });
    },

    addRelationship: async (
      id: string,
      relation: { organizationId: string; kind: string },
    ): Promise<OrganizationView> => {
      if (relation.organizationId === id)
        throw new AppError('INVALID_INPUT', { userMessage: 'An organization cannot relate to itself.' });
      await getRecord(relation.organizationId);
      const doc = await Organization.findOneAndUpdate(
        { _id: oid(id) },
        {
          $addToSet: { relationships: { organizationId: oid(relation.organizationId), kind: relation.kind } },
          $set: { updatedAt: clock.now() },
        },
        { returnDocument: 'after' },
      ).lean<OrganizationRecord>();
      if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such organization.' });
      return toOrganizationView(doc);
    },

    removeRelationship: async (
      id: string,
      relation: { organizationId: string; kind?: string },
    ): Promise<OrganizationView> => {
      const match: Record<string, unknown> = { organizationId: oid(relation.organizationId) };
      if (relation.kind) match.kind = relation.kind;
      const doc = await Organization.findOneAndUpdate(
        { _id: oid(id) },
        { $pull: { relationships: match }, $set: { updatedAt: clock.now() } },
        { returnDocument: 'after' },
      ).lean<OrganizationRecord>();
      if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such organization.' });
      return toOrganizationView(doc);
    },
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
