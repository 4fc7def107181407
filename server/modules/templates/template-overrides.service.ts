/**
 * Database overrides of the file templates (the `templates` collection, one document per key, channel
 * and locale) with their history (`template_versions`: every save and revert, who and when).
 *
 * A save is validated first (syntax, unknown variables, unsafe HTML, each with its position), then the
 * version is recorded, then the head document moves to it with a guard on the previous version (two
 * admins saving at once: one gets 409). The renderer holds the compiled overrides; this process refreshes
 * them after each write and every `refreshMs` (other hub processes).
 */
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import { buildCatalog, sampleData } from './template-catalog';
import { checkTemplate, type TemplateProblem } from './template-check';
import {
  LOCALES,
  TEMPLATE_PARTS,
  type Locale,
  type TemplateChannel,
  type TemplateRenderer,
  type TemplateSources,
} from './template-renderer';

const partsSchema = new Schema({ text: String, html: String, subject: String }, { _id: false });

interface TemplateDoc {
  _id: Types.ObjectId;
  key: string;
  channel: TemplateChannel;
  locale: Locale;
  parts: TemplateSources;
  version: number;
  updatedBy: string | null;
  updatedAt: Date;
}
interface VersionDoc {
  _id: Types.ObjectId;
  key: string;
  channel: TemplateChannel;
  locale: Locale;
  version: number;
  /** null: the override was removed (the file applies again). */
  parts: TemplateSources | null;
  changedParts: string[];
  note?: string;
  changedBy: string | null;
  changedAt: Date;
}

const templateSchema = new Schema<TemplateDoc>(
  {
    key: { type: String, required: true },
    channel: { type: String, required: true },
    locale: { type: String, required: true },
    parts: { type: partsSchema, required: true },
    version: { type: Number, required: true },
    updatedBy: { type: String, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'templates', versionKey: false },
);
templateSchema.index({ key: 1, channel: 1, locale: 1 }, { unique: true });

const versionSchema = new Schema<VersionDoc>(
  {
    key: { type: String, required: true },
    channel: { type: String, required: true },
    locale: { type: String, required: true },
    version: { type: Number, required: true },
    parts: { type: partsSchema, default: null },
    changedParts: { type: [String], default: [] },
    note: String,
    changedBy: { type: String, default: null },
    changedAt: { type: Date, required: true },
  },
  { collection: 'template_versions', versionKey: false },
);
versionSchema.index({ key: 1, channel: 1, locale: 1, version: -1 }, { unique: true });

export interface TemplateRef {
  key: string;
  channel: TemplateChannel;
  locale: Locale;
}

export interface TemplateSummary extends TemplateRef {
  source: 'file' | 'database';
  version: number;
  parts: string[];
  updatedBy: string | null;
  updatedAt: string | null;
}

const problemError = (problems: (TemplateProblem & { part: string })[]) =>
  new AppError('INVALID_INPUT', {
    userMessage: `Template refused: ${problems
      .map((p) => `${p.part} line ${p.line}, column ${p.column}: ${p.message}`)
      .join('; ')}`,
    details: problems,
  });

export function createTemplateOverrides(deps: {
  connection: Connection;
  renderer: TemplateRenderer;
  clock: Clock;
  logger: Logger;
}) {
  const { renderer, clock } = deps;
  const Templates =
    (deps.connection.models.Template as Model<TemplateDoc> | undefined) ??
    deps.connection.model<TemplateDoc>('Template', templateSchema);
  const Versions =
    (deps.connection.models.TemplateVersion as Model<VersionDoc> | undefined) ??
    deps.connection.model<VersionDoc>('TemplateVersion', versionSchema);
  const catalog = buildCatalog(renderer.files());
  const partials = new Set(renderer.partials());
  const fileOf = (ref: TemplateRef) =>
    renderer
      .files()
      .find((file) => file.key === ref.key && file.channel === ref.channel && file.locale === ref.locale);
  /** A key on a channel exists when a file ships it in some locale (an override may add the other). */
  const assertKnown = (ref: TemplateRef) => {
    const known = renderer.files().some((file) => file.key === ref.key && file.channel === ref.channel);
    if (!known || !LOCALES.includes(ref.locale))
      throw new AppError('NOT_FOUND', {
        userMessage: `No template "${ref.key}" for ${ref.channel} in ${ref.locale}.`,
      });
  };

  async function refresh(): Promise<void> {
    const docs = await Templates.find({}).limit(5000).lean<TemplateDoc[]>();
    const { rejected } = renderer.setOverrides(
      docs.map((doc) => ({ key: doc.key, channel: doc.channel, locale: doc.locale, parts: doc.parts })),
    );
    for (const { override, error } of rejected)
      deps.logger.error({ template: override, error }, 'stored template does not compile: file used');
  }

  /** Validates every given part against the key's variables; throws 400 with the positions. */
  function validate(ref: TemplateRef, parts: TemplateSources): void {
    const allowed = catalog.get(ref.key) ?? new Set<string>();
    const problems: (TemplateProblem & { part: string })[] = [];
    for (const part of TEMPLATE_PARTS) {
      const source = parts[part];
      if (source === undefined) continue;
      for (const problem of checkTemplate(source, { allowed, partials, html: part === 'html' }))
        problems.push({ part, ...problem });
    }
    if (problems.length) throw problemError(problems);
  }

  return {
    refresh,
    validate,
    /** Variables a key may read. */
    variables: (key: string) => [...(catalog.get(key) ?? [])].sort(),

    async list(): Promise<TemplateSummary[]> {
      const docs = await Templates.find({}).limit(5000).lean<TemplateDoc[]>();
      const stored = new Map(docs.map((doc) => [`${doc.locale}/${doc.channel}/${doc.key}`, doc]));
      const refs = new Map<string, TemplateRef>();
      for (const file of renderer.files())
        refs.set(`${file.locale}/${file.channel}/${file.key}`, file);
      for (const doc of docs) refs.set(`${doc.locale}/${doc.channel}/${doc.key}`, doc);
      return [...refs.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, ref]) => {
          const doc = stored.get(id);
          const file = fileOf(ref);
          const parts = new Set([...Object.keys(file?.parts ?? {}), ...Object.keys(doc?.parts ?? {})]);
          return {
            key: ref.key,
            channel: ref.channel,
            locale: ref.locale,
            source: doc ? ('database' as const) : ('file' as const),
            version: doc?.version ?? 0,
            parts: [...parts].filter((part) => (doc?.parts as Record<string, unknown>)?.[part] !== null),
            updatedBy: doc?.updatedBy ?? null,
            updatedAt: doc ? doc.updatedAt.toISOString() : null,
          };
        });
    },

    async get(ref: TemplateRef) {
      assertKnown(ref);
      const doc = await Templates.findOne({ ...ref }).lean<TemplateDoc>();
      const file = fileOf(ref);
      const overridden = Object.fromEntries(
        Object.entries(doc?.parts ?? {}).filter(([, value]) => typeof value === 'string'),
      ) as TemplateSources;
      return {
        ...ref,
        source: doc ? 'database' : 'file',
        version: doc?.version ?? 0,
        parts: { ...(file?.parts ?? {}), ...overridden },
        fileParts: file?.parts ?? {},
        overriddenParts: Object.keys(overridden),
        variables: [...(catalog.get(ref.key) ?? [])].sort(),
        updatedBy: doc?.updatedBy ?? null,
        updatedAt: doc?.updatedAt?.toISOString() ?? null,
      };
    },

    async history(ref: TemplateRef, limit = 50) {
      assertKnown(ref);
      const docs = await Versions.find({ ...ref })
        .sort({ version: -1 })
        .limit(limit)
        .lean<VersionDoc[]>();
      return docs.map(({ _id, ...rest }) => ({ id: String(_id), ...rest, changedAt: rest.changedAt.toISOString() }));
    },

    /** Saves an override (validated); `expectedVersion` guards against a concurrent save. */
    async save(
      ref: TemplateRef,
      input: { parts: TemplateSources; expectedVersion?: number; note?: string },
      actorId: string,
    ) {
      assertKnown(ref);
      validate(ref, input.parts);
      if (input.parts.text === undefined && !fileOf(ref)?.parts.text)
        throw new AppError('INVALID_INPUT', { userMessage: 'A new locale needs its text part.' });
      const current = await Templates.findOne({ ...ref }).lean<TemplateDoc>();
      const currentVersion = current?.version ?? (await this.lastVersion(ref));
      if (input.expectedVersion !== undefined && input.expectedVersion !== (current?.version ?? 0))
        throw new AppError('CONFLICT', { userMessage: 'The template changed since you opened it.' });
      const version = currentVersion + 1;
      const now = clock.now();
      const parts = { ...(current?.parts ?? {}), ...input.parts };
      try {
        await Versions.create({
          ...ref,
          version,
          parts,
          changedParts: Object.keys(input.parts),
          ...(input.note ? { note: input.note } : {}),
          changedBy: actorId,
          changedAt: now,
        });
      } catch (error) {
        if (isDuplicateKeyError(error))
          throw new AppError('CONFLICT', { userMessage: 'Someone saved this template at the same time.' });
        throw error;
      }
      const head = { parts, version, updatedBy: actorId, updatedAt: now };
      const moved = current
        ? await Templates.updateOne({ ...ref, version: current.version }, { $set: head })
        : await Templates.create({ ...ref, ...head }).then(() => ({ modifiedCount: 1 }));
      if (moved.modifiedCount !== 1)
        throw new AppError('CONFLICT', { userMessage: 'Someone saved this template at the same time.' });
      await refresh();
      return this.get(ref);
    },

    /** Removes the override: the file template applies again (recorded in the history). */
    async revert(ref: TemplateRef, actorId: string) {
      assertKnown(ref);
      const current = await Templates.findOne({ ...ref }).lean<TemplateDoc>();
      if (!current) throw new AppError('NOT_FOUND', { userMessage: 'This template has no override.' });
      await Versions.create({
        ...ref,
        version: current.version + 1,
        parts: null,
        changedParts: Object.keys(current.parts ?? {}),
        note: 'reverted to the file template',
        changedBy: actorId,
        changedAt: clock.now(),
      }).catch((error: unknown) => {
        if (!isDuplicateKeyError(error)) throw error;
      });
      await Templates.deleteOne({ ...ref, version: current.version });
      await refresh();
      return this.get(ref);
    },

    async lastVersion(ref: TemplateRef): Promise<number> {
      const last = await Versions.findOne({ ...ref }).sort({ version: -1 }).lean<VersionDoc>();
      return last?.version ?? 0;
    },

    /** Renders given (or stored) sources with sample data, overridden by `data`. */
    async preview(
      ref: TemplateRef,
      input: { parts?: TemplateSources; data?: Record<string, unknown> },
    ): Promise<{ text: string; html?: string; subject?: string; problems: TemplateProblem[] }> {
      const stored = await this.get(ref);
      const parts = { ...stored.parts, ...(input.parts ?? {}) };
      try {
        validate(ref, input.parts ?? {});
      } catch (error) {
        if (error instanceof AppError) return { text: '', problems: error.details as TemplateProblem[] };
        throw error;
      }
      const data = { ...sampleData(clock.now()), ...(input.data ?? {}) };
      return { ...renderer.renderSources({ sources: parts, data }), problems: [] };
    },
  };
}

export type TemplateOverrides = ReturnType<typeof createTemplateOverrides>;
