/**
 * Canned responses (`canned_responses`): short replies an agent inserts by shortcut (`/greet`), with
 * variables filled from the conversation (contact name, ticket number, agent, owner, promised time…).
 *
 * Scopes: `global` (everyone; admins and supervisors manage them), `team` (members of the team; admins
 * and supervisors of it manage them), `personal` (only its owner). The shipped set (templates/canned/*.json,
 * zh-CN and en) is inserted once per database as global responses; edits and deletions by admins stick.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Schema, trusted, Types, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import { checkTemplate, variablesOf } from './template-check';
import { LOCALES, PLACEHOLDERS_ALLOWED, type Locale, type TemplateRenderer } from './template-renderer';

/** What a canned response may read. */
export const CANNED_VARIABLES = [
  'contactName',
  'number',
  'agentName',
  'ownerName',
  'teamName',
  'promisedAt',
  'timezone',
  'companyName',
  'subject',
  'tier',
] as const;
const ALLOWED = new Set<string>(CANNED_VARIABLES);
export const CANNED_SCOPES = ['global', 'team', 'personal'] as const;
export type CannedScope = (typeof CANNED_SCOPES)[number];

interface CannedDoc {
  _id: Types.ObjectId;
  shortcut: string;
  title: string;
  text: string;
  locale: Locale;
  scope: CannedScope;
  teamId: string | null;
  ownerId: string | null;
  /** Lower-cased shortcut + title + text, for search. */
  searchText: string;
  origin: 'shipped' | 'user';
  createdBy: string | null;
  updatedAt: Date;
}

const cannedSchema = new Schema<CannedDoc>(
  {
    shortcut: { type: String, required: true },
    title: { type: String, required: true },
    text: { type: String, required: true },
    locale: { type: String, required: true },
    scope: { type: String, required: true },
    teamId: { type: String, default: null },
    ownerId: { type: String, default: null },
    searchText: { type: String, required: true },
    origin: { type: String, default: 'user' },
    createdBy: { type: String, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'canned_responses', versionKey: false },
);
// One shortcut per locale within a scope (and team or owner).
cannedSchema.index({ scope: 1, teamId: 1, ownerId: 1, locale: 1, shortcut: 1 }, { unique: true });
cannedSchema.index({ scope: 1, shortcut: 1 });

export interface CannedViewer {
  agentId: string;
  role: 'agent' | 'supervisor' | 'admin';
  teamIds: string[];
}

export const CannedInputSchema = z
  .object({
    shortcut: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, - or _ (max 40)'),
    title: z.string().trim().min(1).max(200),
    text: z.string().min(1).max(5000),
    locale: z.enum(LOCALES),
    scope: z.enum(CANNED_SCOPES).default('personal'),
    teamId: z
      .string()
      .regex(/^[0-9a-f]{24}$/i)
      .nullable()
      .optional(),
  })
  .strict();
export type CannedInput = z.infer<typeof CannedInputSchema>;

export interface CannedView {
  id: string;
  shortcut: string;
  title: string;
  text: string;
  locale: Locale;
  scope: CannedScope;
  teamId: string | null;
  ownerId: string | null;
  variables: string[];
  updatedAt: string;
}

const toView = (doc: CannedDoc): CannedView => ({
  id: String(doc._id),
  shortcut: doc.shortcut,
  title: doc.title,
  text: doc.text,
  locale: doc.locale,
  scope: doc.scope,
  teamId: doc.teamId,
  ownerId: doc.ownerId,
  variables: variablesOf(doc.text),
  updatedAt: doc.updatedAt.toISOString(),
});

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isManager = (viewer: CannedViewer) => viewer.role === 'admin' || viewer.role === 'supervisor';

/** The data a canned response is rendered with for a conversation (null: unknown). */
export interface CannedContext {
  contactName?: string | null;
  number?: number | null;
  agentName?: string | null;
  ownerName?: string | null;
  teamName?: string | null;
  promisedAt?: Date | null;
  timezone?: string | null;
  subject?: string | null;
  tier?: string | null;
  locale?: string | null;
}

export function createCannedResponses(deps: {
  connection: Connection;
  renderer: TemplateRenderer;
  clock: Clock;
  companyName: string;
  templatesDir: string;
}) {
  const Canned =
    (deps.connection.models.CannedResponse as Model<CannedDoc> | undefined) ??
    deps.connection.model<CannedDoc>('CannedResponse', cannedSchema);

  /** Visibility filter: global, the viewer's teams, the viewer's own. */
  const visibleTo = (viewer: CannedViewer): Record<string, unknown> => ({
    $or: [
      { scope: 'global' },
      { scope: 'team', teamId: trusted({ $in: viewer.teamIds }) },
      { scope: 'personal', ownerId: viewer.agentId },
    ],
  });

  function assertCanManage(viewer: CannedViewer, scope: CannedScope, teamId: string | null, ownerId: string | null) {
    if (scope === 'personal' && ownerId === viewer.agentId) return;
    if (scope === 'global' && isManager(viewer)) return;
    if (scope === 'team' && viewer.role === 'admin') return;
    if (scope === 'team' && viewer.role === 'supervisor' && teamId && viewer.teamIds.includes(teamId)) return;
    throw new AppError('FORBIDDEN', { userMessage: 'You may not manage this canned response.' });
  }

  function validateText(text: string) {
    const problems = checkTemplate(text, { allowed: ALLOWED });
    if (problems.length)
      throw new AppError('INVALID_INPUT', {
        userMessage: `Canned response refused: ${problems
          .map((p) => `line ${p.line}, column ${p.column}: ${p.message}`)
          .join('; ')}`,
        details: problems,
      });
  }

  async function getVisible(id: string, viewer: CannedViewer): Promise<CannedDoc> {
    const _id = Types.ObjectId.isValid(id) ? new Types.ObjectId(id) : null;
    const doc = _id ? await Canned.findOne({ _id, ...visibleTo(viewer) }).lean<CannedDoc>() : null;
    if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such canned response.' });
    return doc;
  }

  return {
    /** Inserts the shipped responses once per database (a marker keeps deletions deleted). */
    async installShipped(): Promise<number> {
      const markers = deps.connection.collection<{ _id: string; at: Date }>('seed_markers');
      try {
        await markers.insertOne({ _id: 'canned-responses-v1', at: deps.clock.now() });
      } catch (error) {
        if (isDuplicateKeyError(error)) return 0;
        throw error;
      }
      let inserted = 0;
      for (const locale of LOCALES) {
        const file = path.join(deps.templatesDir, 'canned', `${locale}.json`);
        const items = JSON.parse(await readFile(file, 'utf8')) as { shortcut: string; title: string; text: string }[];
        for (const item of items) {
          validateText(item.text);
          await Canned.updateOne(
            { scope: 'global', teamId: null, ownerId: null, locale, shortcut: item.shortcut },
            {
              $setOnInsert: {
                ...item,
                searchText: `${item.shortcut} ${item.title} ${item.text}`.toLowerCase(),
                origin: 'shipped',
                createdBy: null,
                updatedAt: deps.clock.now(),
              },
            },
            { upsert: true },
          );
          inserted += 1;
        }
      }
      return inserted;
    },

    /** Search by shortcut prefix or text, newest scope first: personal, team, global. */
    async search(
      viewer: CannedViewer,
      query: { q?: string; locale?: Locale; cursor?: string; limit: number },
    ): Promise<{ items: CannedView[]; nextCursor: string | null }> {
      const filter: Record<string, unknown> = { ...visibleTo(viewer) };
      if (query.locale) filter.locale = query.locale;
      const q = query.q?.trim().replace(/^\//, '').toLowerCase();
      if (q) filter.searchText = trusted({ $regex: escapeRegExp(q) });
      if (query.cursor && Types.ObjectId.isValid(query.cursor))
        filter._id = trusted({ $gt: new Types.ObjectId(query.cursor) });
      const docs = await Canned.find(filter)
        .sort({ _id: 1 })
        .limit(query.limit + 1)
        .lean<CannedDoc[]>();
      const page = docs.slice(0, query.limit);
      const rank = { personal: 0, team: 1, global: 2 } as const;
      const shortcutFirst = (doc: CannedDoc) => (q && doc.shortcut.startsWith(q) ? 0 : 1);
      page.sort(
        (a, b) => shortcutFirst(a) - shortcutFirst(b) || rank[a.scope] - rank[b.scope] || a.shortcut.localeCompare(b.shortcut),
      );
      return {
        items: page.map(toView),
        nextCursor: docs.length > query.limit ? String(page.at(-1)?._id ?? docs[query.limit - 1]!._id) : null,
      };
    },

    async get(id: string, viewer: CannedViewer): Promise<CannedView> {
      return toView(await getVisible(id, viewer));
    },

    async create(input: CannedInput, viewer: CannedViewer): Promise<CannedView> {
      const teamId = input.scope === 'team' ? (input.teamId ?? null) : null;
      if (input.scope === 'team' && !teamId)
        throw new AppError('INVALID_INPUT', { userMessage: 'A team response needs its teamId.' });
      const ownerId = input.scope === 'personal' ? viewer.agentId : null;
      assertCanManage(viewer, input.scope, teamId, ownerId);
      validateText(input.text);
      try {
        const [doc] = await Canned.create([
          {
            shortcut: input.shortcut,
            title: input.title,
            text: input.text,
            locale: input.locale,
            scope: input.scope,
            teamId,
            ownerId,
            searchText: `${input.shortcut} ${input.title} ${input.text}`.toLowerCase(),
            origin: 'user',
            createdBy: viewer.agentId,
            updatedAt: deps.clock.now(),
          },
        ]);
        return toView(doc!.toObject());
      } catch (error) {
        if (isDuplicateKeyError(error))
          throw new AppError('CONFLICT', { userMessage: `The shortcut "${input.shortcut}" is taken here.` });
        throw error;
      }
    },

    async update(
      id: string,
      input: Partial<Pick<CannedInput, 'shortcut' | 'title' | 'text'>>,
      viewer: CannedViewer,
    ): Promise<CannedView> {
      const current = await getVisible(id, viewer);
      assertCanManage(viewer, current.scope, current.teamId, current.ownerId);
      if (input.text !== undefined) validateText(input.text);
      const next = { ...current, ...input };
      try {
        const doc = await Canned.findOneAndUpdate(
          { _id: current._id },
          {
            $set: {
              ...input,
              searchText: `${next.shortcut} ${next.title} ${next.text}`.toLowerCase(),
              updatedAt: deps.clock.now(),
            },
          },
          { returnDocument: 'after' },
        ).lean<CannedDoc>();
        if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such canned response.' });
        return toView(doc);
      } catch (error) {
        if (isDuplicateKeyError(error))
          throw new AppError('CONFLICT', { userMessage: `The shortcut "${input.shortcut}" is taken here.` });
        throw error;
      }
    },

    async remove(id: string, viewer: CannedViewer): Promise<void> {
      const current = await getVisible(id, viewer);
      assertCanManage(viewer, current.scope, current.teamId, current.ownerId);
      await Canned.deleteOne({ _id: current._id });
    },

    /**
     * Renders a response with a conversation's data. Values it lacks are shown as `[name]` and listed in
     * `missing`, so the agent completes them before sending (nothing is sent from here).
     */
    async render(id: string, viewer: CannedViewer, context: CannedContext) {
      const doc = await getVisible(id, viewer);
      const values: Record<string, unknown> = {
        contactName: context.contactName,
        number: context.number,
        agentName: context.agentName,
        ownerName: context.ownerName,
        teamName: context.teamName,
        promisedAt: context.promisedAt,
        timezone: context.timezone ?? 'UTC',
        companyName: deps.companyName,
        subject: context.subject,
        tier: context.tier,
      };
      const missing = variablesOf(doc.text).filter((name) => values[name] === null || values[name] === undefined || values[name] === '');
      for (const name of missing) values[name] = `[${name}]`;
      const { text } = deps.renderer.renderSources({
        sources: { text: doc.text },
        data: { ...values, [PLACEHOLDERS_ALLOWED]: true },
      });
      return { id: String(doc._id), shortcut: doc.shortcut, locale: doc.locale, text, missing };
    },
  };
}

export type CannedResponses = ReturnType<typeof createCannedResponses>;

/** Demo canned responses beyond the shipped ones: a complaints-team reply and an agent's personal one. */
export async function seedDemoCannedResponses(
  canned: CannedResponses,
  context: { agentIds: Map<string, string>; teamIds: Map<string, string> },
): Promise<void> {
  const adminId = context.agentIds.get('admin');
  const complaintsTeam = context.teamIds.get('complaints');
  const agentId = context.agentIds.get('agent1');
  if (adminId && complaintsTeam)
    await canned.create(
      {
        shortcut: 'callback',
        title: '投诉回电 Complaint call-back',
        text: '{{contactName}}您好，我是投诉处理组的{{agentName}}，关于工单 {{ticket number}}，我们会在 {{formatDateTime promisedAt zone=timezone locale="zh-CN"}} 之前回电给您。',
        locale: 'zh-CN',
        scope: 'team',
        teamId: complaintsTeam,
      },
      { agentId: adminId, role: 'admin', teamIds: [] },
    );
  if (agentId)
    await canned.create(
      {
        shortcut: 'points',
        title: '积分规则 Loyalty points',
        text: '{{contactName}}您好，100 积分可抵 1 元，可在结算时直接使用。',
        locale: 'zh-CN',
        scope: 'personal',
      },
      { agentId, role: 'agent', teamIds: [] },
    );
}
