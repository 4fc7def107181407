import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { DateTime } from 'luxon';
import { AppError } from '../../lib/app-error';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const TEMPLATE_CHANNELS = ['email', 'sms', 'chat', 'voice'] as const;
export type TemplateChannel = (typeof TEMPLATE_CHANNELS)[number];
type Part = 'subject' | 'text' | 'html';

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
  for (const locale of LOCALES) {
    for (const channel of TEMPLATE_CHANNELS) {
      const folder = path.join(options.dir, locale, channel);
      for (const file of await readdir(folder).catch(() => [] as string[])) {
        const match = /^([a-z0-9-]+)\.(subject|text|html)\.hbs$/.exec(file);
        if (!match) continue;
        const source = await readFile(path.join(folder, file), 'utf8');
        // Escaping is for HTML; plain text and subjects keep the customer's characters as they are.
        const noEscape = match[2] !== 'html';
        compiled.set(
          `${locale}/${channel}/${match[1]}.${match[2]}`,
          hbs.compile(source.trimEnd(), { strict: true, noEscape }),
        );
      }
    }
  }

  const resolveLocale = (key: string, channel: TemplateChannel, locale?: string): Locale | null => {
    const wanted = normalizeLocale(locale) ?? fallback;
    for (const candidate of [wanted, fallback]) {
      if (compiled.has(`${candidate}/${channel}/${key}.text`)) return candidate;
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
        const template = compiled.get(`${chosen}/${channel}/${key}.${part}`);
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
  };
}

function registerHelpers(hbs: typeof Handlebars): void {
  /** `{{formatDateTime dueAt zone="Asia/Shanghai" locale="zh-CN"}}` */
  hbs.registerHelper('formatDateTime', (value: unknown, options: Handlebars.HelperOptions) => {
    const hash = options.hash as { zone?: string; locale?: string };
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new Error(`formatDateTime: not a date: ${String(value)}`);
    return DateTime.fromJSDate(date, { zone: hash.zone ?? 'UTC' })
      .setLocale(hash.locale ?? 'en')
      .toLocaleString(DateTime.DATETIME_MED);
  });
  /** `{{ticket number}}` → `#10234` */
  hbs.registerHelper('ticket', (value: unknown) => `#${String(value)}`);
}
