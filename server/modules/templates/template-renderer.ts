import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { DateTime } from 'luxon';
import { AppError } from '../../lib/app-error';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const TEMPLATE_CHANNELS = ['email', 'sms', 'chat', 'voice'] as const;
export type TemplateChannel = (typeof TEMPLATE_CHANNELS)[number];
export const TEMPLATE_PARTS = ['text', 'html', 'subject'] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number];
type Part = TemplatePart;

/** The sources of one template (a key on a channel in a locale), part by part. */
export type TemplateSources = Partial<Record<TemplatePart, string>>;

/** A template as shipped in `templates/` (the file version an override replaces). */
export interface FileTemplate {
  key: string;
  channel: TemplateChannel;
  locale: Locale;
  parts: TemplateSources;
}

/** A stored override (the `templates` collection): its parts replace the file's parts of the same name. */
export interface TemplateOverride {
  key: string;
  channel: TemplateChannel;
  locale: Locale;
  parts: TemplateSources;
}

export interface RenderRequest {
  /** Template name, e.g. `complaint-ack`. */
  key: string;
  channel: TemplateChannel;
  /** Any locale tag; normalized (`zh`, `zh_CN`, `zh-Hans-CN` → `zh-CN`), else the fallback locale. */
  locale?: string;
  data: Record<string, unknown>;
}

export interface RenderedTemplate {
  locale: Locale;
  text: string;
  html?: string;
  subject?: string;
}

export interface TemplateRenderer {
  render(request: RenderRequest): RenderedTemplate;
  has(key: string, channel: TemplateChannel, locale?: string): boolean;
  /** The shipped file templates (sources), for the admin API and validation. */
  files(): FileTemplate[];
  /** Names of the registered partials. */
  partials(): string[];
  /**
   * Replaces the set of database overrides (compiled here; a source that does not compile is skipped and
   * reported, so a bad stored document never breaks the file template behind it).
   */
  setOverrides(overrides: TemplateOverride[]): { rejected: { override: TemplateOverride; error: string }[] };
  /** Renders unsaved sources (preview) with the same helpers, partials and strictness. */
  renderSources(input: { sources: TemplateSources; data: Record<string, unknown>; strict?: boolean }): {
    text: string;
    html?: string;
    subject?: string;
  };
}

/** Maps any locale tag onto a supported locale, or null. */
export function normalizeLocale(tag: string | undefined): Locale | null {
  if (!tag) return null;
  const lower = tag.replace('_', '-').toLowerCase();
  if (lower.startsWith('zh')) return 'zh-CN';
  if (lower.startsWith('en')) return 'en';
  return null;
}

/**
 * Loads every template under `dir` once, compiled in strict mode: a variable the data lacks is an error,
 * never an empty string in front of a customer. Layout: `<dir>/<locale>/<channel>/<key>.<part>.hbs` with
 * part `text` (required), `html` and `subject` (email); shared partials in `<dir>/partials/<name>.hbs`.
 */
export async function loadTemplates(options: {
  dir: string;
  fallbackLocale?: Locale;
}): Promise<TemplateRenderer> {
  const fallback = options.fallbackLocale ?? 'en';
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  const partialsDir = path.join(options.dir, 'partials');
  for (const file of await readdir(partialsDir).catch(() => [] as string[])) {
    if (file.endsWith('.hbs'))
      hbs.registerPartial(file.slice(0, -4), await readFile(path.join(partialsDir, file), 'utf8'));
  }
  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  const fileSources = new Map<string, FileTemplate>();
  let overrides = new Map<string, Handlebars.TemplateDelegate>();
  const compilePart = (part: Part, source: string, strict = true) =>
    // Escaping is for HTML; plain text and subjects keep the customer's characters as they are.
    hbs.compile(source.trimEnd(), { strict, noEscape: part !== 'html' });
  for (const locale of LOCALES) {
    for (const channel of TEMPLATE_CHANNELS) {
      const folder = path.join(options.dir, locale, channel);
      for (const file of await readdir(folder).catch(() => [] as string[])) {
        const match = /^([a-z0-9-]+)\.(subject|text|html)\.hbs$/.exec(file);
        if (!match) continue;
        const source = await readFile(path.join(folder, file), 'utf8');
        const part = match[2] as Part;
        compiled.set(`${locale}/${channel}/${match[1]}.${part}`, compilePart(part, source));
        const id = `${locale}/${channel}/${match[1]}`;
        const entry = fileSources.get(id) ?? { key: match[1]!, channel, locale, parts: {} };
        entry.parts[part] = source.trimEnd();
        fileSources.set(id, entry);
      }
    }
  }

  const resolveLocale = (key: string, channel: TemplateChannel, locale?: string): Locale | null => {
    const wanted = normalizeLocale(locale) ?? fallback;
    for (const candidate of [wanted, fallback]) {
      const id = `${candidate}/${channel}/${key}.text`;
      if (overrides.has(id) || compiled.has(id)) return candidate;
    }
    return null;
  };

  return {
    has: (key, channel, locale) => resolveLocale(key, channel, locale) !== null,
    render({ key, channel, locale, data }) {
      const chosen = resolveLocale(key, channel, locale);
      if (!chosen)
        throw new AppError('NOT_FOUND', {
          message: `no template ${channel}/${key}`,
          userMessage: `No template "${key}" for ${channel}.`,
        });
      const renderPart = (part: Part): string | undefined => {
        const id = `${chosen}/${channel}/${key}.${part}`;
        const template = overrides.get(id) ?? compiled.get(id);
        if (!template) return undefined;
        try {
          return template(data);
        } catch (error) {
          throw new AppError('INVALID_INPUT', {
            message: `template ${chosen}/${channel}/${key}.${part}: ${(error as Error).message}`,
            userMessage: `Template "${key}" is missing data: ${(error as Error).message}`,
            cause: error,
          });
        }
      };
      const text = renderPart('text') ?? '';
      const html = renderPart('html');
      const subject = renderPart('subject');
      return {
        locale: chosen,
        text,
        ...(html === undefined ? {} : { html }),
        ...(subject === undefined ? {} : { subject }),
      };
    },
    files: () => [...fileSources.values()].map((entry) => ({ ...entry, parts: { ...entry.parts } })),
    partials: () => Object.keys(hbs.partials),
    setOverrides(list) {
      const next = new Map<string, Handlebars.TemplateDelegate>();
      const rejected: { override: TemplateOverride; error: string }[] = [];
      for (const override of list) {
        try {
          const parts: [string, Handlebars.TemplateDelegate][] = [];
          for (const part of TEMPLATE_PARTS) {
            const source = override.parts[part];
            if (source === undefined) continue;
            const template = compilePart(part, source);
            // Compilation is lazy in Handlebars: precompiling surfaces syntax errors now.
            hbs.precompile(source);
            parts.push([`${override.locale}/${override.channel}/${override.key}.${part}`, template]);
          }
          for (const [id, template] of parts) next.set(id, template);
        } catch (error) {
          rejected.push({ override, error: (error as Error).message });
        }
      }
      overrides = next;
      return { rejected };
    },
    renderSources({ sources, data, strict = true }) {
      const out: { text: string; html?: string; subject?: string } = { text: '' };
      for (const part of TEMPLATE_PARTS) {
        const source = sources[part];
        if (source === undefined) continue;
        try {
          out[part] = compilePart(part, source, strict)(data);
        } catch (error) {
          throw new AppError('INVALID_INPUT', {
            message: `template preview ${part}: ${(error as Error).message}`,
            userMessage: `The ${part} part does not render: ${(error as Error).message}`,
            cause: error,
          });
        }
      }
      return out;
    },
  };
}

/**
 * Data key that lets a render show `[name]` placeholders for values it lacks (canned responses rendered
 * for an agent to complete before sending); never set for automated customer messages.
 */
export const PLACEHOLDERS_ALLOWED = '__placeholdersAllowed';

function isPlaceholder(value: unknown, options: Handlebars.HelperOptions): value is string {
  const root = (options.data as { root?: Record<string, unknown> } | undefined)?.root;
  return root?.[PLACEHOLDERS_ALLOWED] === true && typeof value === 'string' && /^\[[A-Za-z]+\]$/.test(value);
}

function registerHelpers(hbs: typeof Handlebars): void {
  /** `{{formatDateTime dueAt zone="Asia/Shanghai" locale="zh-CN"}}` */
  hbs.registerHelper('formatDateTime', (value: unknown, options: Handlebars.HelperOptions) => {
    const hash = options.hash as { zone?: string; locale?: string };
    if (isPlaceholder(value, options)) return value;
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new Error(`formatDateTime: not a date: ${String(value)}`);
    return DateTime.fromJSDate(date, { zone: hash.zone ?? 'UTC' })
      .setLocale(hash.locale ?? 'en')
      .toLocaleString(DateTime.DATETIME_MED);
  });
  /** `{{formatDate birthday zone="Asia/Shanghai" locale="zh-CN"}}` (a date without the time). */
  hbs.registerHelper('formatDate', (value: unknown, options: Handlebars.HelperOptions) => {
    const hash = options.hash as { zone?: string; locale?: string };
    if (isPlaceholder(value, options)) return value;
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new Error(`formatDate: not a date: ${String(value)}`);
    return DateTime.fromJSDate(date, { zone: hash.zone ?? 'UTC' })
      .setLocale(hash.locale ?? 'en')
      .toLocaleString(DateTime.DATE_MED);
  });
  /** `{{ticket number}}` → `#10234` */
  hbs.registerHelper('ticket', (value: unknown) => `#${String(value)}`);
}
