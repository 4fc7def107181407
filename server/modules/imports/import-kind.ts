import type { z } from 'zod';
import type { SenderIdentity } from '../../../connectors/channel';

/** A valid row handed to an import kind, with where it came from. */
export interface ValidRow<T> {
  row: number;
  line: number | null;
  excerpt: string | null;
  value: T;
}

/** What became of one row: an outcome counted by name, or an error for the report. */
export type RowOutcome = { row: number; outcome: string } | { row: number; error: string; field?: string };

/** One run of an import kind; it may keep state across batches (what the run already touched). */
export interface ImportRun<T> {
  /** Writes one batch of valid rows (or, on a dry run, decides what it would write), in order. */
  applyBatch(rows: ValidRow<T>[]): Promise<RowOutcome[]>;
}

/**
 * What is imported (contacts, orders): the row schema and how a batch is applied. The shared machinery
 * (parsing, validation, batching, progress, the error report, dry runs) is the same for every kind.
 */
export interface ImportKind<T = unknown> {
  name: string;
  /** Validates (and normalizes) one row; failures become the row's error with the field's path. */
  rowSchema: z.ZodType<T>;
  /** The outcome names this kind counts, in display order (`failed` is added by the machinery). */
  outcomes: readonly string[];
  startRun(options: { importId: string; dryRun: boolean }): ImportRun<T>;
  /** After a real (not dry) run completed: e.g. recompute what depends on the imported data. */
  afterImport?(importId: string): Promise<void>;
}

/** The identity fields a row may give to find its contact. */
export interface ContactKeyFields {
  email?: string | undefined;
  phone?: string | undefined;
  channel?: string | undefined;
  externalId?: string | undefined;
  name?: string | undefined;
}

/**
 * The sender an imported row stands for, for the contacts module's resolution (the one ingest uses): its
 * channel identity when the row gives one, else the email as an email identity, else the phone as an SMS
 * identity, exactly what a first message from that address would have created.
 */
export function importSenderOf(fields: ContactKeyFields): { channel: string; sender: SenderIdentity } {
  const channel = fields.channel && fields.externalId ? fields.channel : fields.email ? 'email' : 'sms';
  const externalId =
    fields.channel && fields.externalId ? fields.externalId : (fields.email ?? fields.phone ?? '');
  return {
    channel,
    sender: {
      externalId,
      ...(fields.name ? { name: fields.name } : {}),
      ...(fields.email ? { email: fields.email } : {}),
      ...(fields.phone ? { phone: fields.phone } : {}),
    },
  };
}
