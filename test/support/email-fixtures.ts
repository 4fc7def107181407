/**
 * The real-world mail corpus in ../shared/fixtures/mail (see its SOURCES.md): Zammad's `.box` mails with
 * their `.yml` expectations, and the `other/` set. Where the original charset bytes exist
 * (`restored_original_bytes/`), those are what a test parses.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

export const MAIL_FIXTURES_DIR = path.resolve(import.meta.dirname, '../../../shared/fixtures/mail');

export interface MailFixture {
  name: string;
  raw: Buffer;
  /** Zammad's expected parse, when the fixture has one. */
  expected?: { fromEmail?: string; subject?: string; body?: string; contentType?: string };
}

/** Zammad's `.yml` files are Ruby-tagged hashes; read them as plain mappings. */
const RUBY_SCHEMA = yaml.DEFAULT_SCHEMA.extend([
  new yaml.Type('!ruby/hash:ActiveSupport::HashWithIndifferentAccess', {
    kind: 'mapping',
    construct: (data: unknown) => data ?? {},
  }),
  new yaml.Type('!binary', { kind: 'scalar', construct: (data: unknown) => data }),
]);

function readExpected(file: string): MailFixture['expected'] {
  if (!existsSync(file)) return undefined;
  const doc = yaml.load(readFileSync(file, 'utf8'), { schema: RUBY_SCHEMA }) as Record<string, unknown>;
  const text = (key: string) => (typeof doc[key] === 'string' ? doc[key] : undefined);
  const fromEmail = text('from_email') ?? /<([^>]+)>/.exec(text('from') ?? '')?.[1] ?? text('from');
  return {
    ...(fromEmail ? { fromEmail } : {}),
    ...(text('subject') !== undefined ? { subject: text('subject') } : {}),
    ...(text('body') !== undefined ? { body: text('body') } : {}),
    ...(text('content_type') ? { contentType: text('content_type') } : {}),
  };
}

/** Every raw mail of the corpus, original bytes where they were restored. */
export function loadMailFixtures(): MailFixture[] {
  const fixtures: MailFixture[] = [];
  const zammad = path.join(MAIL_FIXTURES_DIR, 'zammad');
  for (const file of readdirSync(zammad)
    .filter((name) => name.endsWith('.box'))
    .sort()) {
    const restored = path.join(zammad, 'restored_original_bytes', file);
    const expected = readExpected(path.join(zammad, file.replace(/\.box$/, '.yml')));
    fixtures.push({
      name: `zammad/${file}`,
      raw: readFileSync(existsSync(restored) ? restored : path.join(zammad, file)),
      ...(expected ? { expected } : {}),
    });
  }
  const other = path.join(MAIL_FIXTURES_DIR, 'other', 'restored_original_bytes');
  for (const file of readdirSync(other).sort())
    fixtures.push({ name: `other/${file}`, raw: readFileSync(path.join(other, file)) });
  return fixtures;
}
