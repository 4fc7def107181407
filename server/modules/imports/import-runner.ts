/**
 * Runs one import job: reads the stored file, validates every row with the kind's zod schema, applies the
 * valid rows in batches, and after each batch records its outcomes, its row errors and how far it got, in
 * that order. A job retried after a crash starts after the last recorded batch; the batch in flight is
 * applied again, which the kinds make harmless (resolution and order upserts are idempotent; row errors
 * have a unique key), though its created/updated split may then count a row as updated.
 */
import { trusted, Types } from 'mongoose';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { ImportKind, RowOutcome, ValidRow } from './import-kind';
import type { ImportJobRecord, ImportModels, ImportRowErrorRecord } from './import.models';
import { readImportRows, type SourceRow } from './import-source';

export const IMPORT_BATCH_SIZE = 500;

type NewRowError = Omit<ImportRowErrorRecord, '_id' | 'importId'>;

export interface ImportRunnerDeps {
  models: ImportModels;
  kinds: ReadonlyMap<string, ImportKind>;
  clock: Clock;
  logger: Logger;
  /** Told after each recorded batch (the bull job's progress, in percent). */
  onProgress?: (importId: string, percent: number) => Promise<void>;
}

/** The zod issue of a row as one error: the field's path and its message. */
function validationError(issues: readonly { path: PropertyKey[]; message: string }[]) {
  const first = issues[0];
  const field = first?.path.map(String).join('.') || null;
  const message = issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return { field, message: message.join('; ') };
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  const binary = value as { buffer?: Uint8Array };
  return Buffer.from(binary.buffer ?? new Uint8Array());
}

export function createImportRunner(deps: ImportRunnerDeps) {
  const { ImportJob, ImportRowError, ImportFileChunk } = deps.models;

  async function loadFile(importId: Types.ObjectId): Promise<Buffer> {
    const chunks = await ImportFileChunk.find({ importId }).sort({ n: 1 }).lean();
    // Lean reads give BSON Binary values, not Buffers.
    return Buffer.concat(chunks.map((chunk) => toBuffer(chunk.data as unknown)));
  }

  async function saveErrors(importId: Types.ObjectId, errors: NewRowError[]): Promise<void> {
    if (!errors.length) return;
    try {
      await ImportRowError.insertMany(
        errors.map((error) => ({ ...error, importId })),
        { ordered: false },
      );
    } catch (error) {
      // Errors of a batch redone after a crash are already there.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /** Applies one batch and records it: errors first, then the counts and the checkpoint in one update. */
  async function flush(
    job: ImportJobRecord,
    kindRun: ReturnType<ImportKind['startRun']>,
    batch: { valid: ValidRow<unknown>[]; errors: NewRowError[]; lastRow: number },
  ): Promise<void> {
    const outcomes: RowOutcome[] = batch.valid.length ? await kindRun.applyBatch(batch.valid) : [];
    const byRow = new Map(batch.valid.map((row) => [row.row, row]));
    const inc: Record<string, number> = {};
    const errors = [...batch.errors];
    for (const outcome of outcomes) {
      if ('error' in outcome) {
        const source = byRow.get(outcome.row);
        errors.push({
          row: outcome.row,
          line: source?.line ?? null,
          field: outcome.field ?? null,
          message: outcome.error,
          excerpt: source?.excerpt ?? null,
        });
      } else inc[`counts.${outcome.outcome}`] = (inc[`counts.${outcome.outcome}`] ?? 0) + 1;
    }
    if (errors.length) inc['counts.failed'] = errors.length;
    await saveErrors(job._id, errors);
    await ImportJob.updateOne(
      { _id: job._id, status: 'running' },
      { $inc: inc, $set: { processedRows: batch.lastRow } },
    );
    const percent = job.totalRows ? Math.floor((batch.lastRow / job.totalRows) * 100) : 100;
    await deps.onProgress?.(String(job._id), percent);
  }

  function toError(source: SourceRow, field: string | null, message: string): NewRowError {
    return { row: source.row, line: source.line, field, message, excerpt: source.excerpt };
  }

  /** Processes an import; a finished one is left alone (bull may deliver a job twice). */
  async function run(importId: string): Promise<void> {
    const _id = new Types.ObjectId(importId);
    const job = await ImportJob.findOneAndUpdate(
      { _id, status: trusted({ $in: ['queued', 'running'] }) },
      { $set: { status: 'running', startedAt: deps.clock.now() } },
      { returnDocument: 'after' },
    ).lean<ImportJobRecord>();
    if (!job) return;
    const kind = deps.kinds.get(job.kind);
    if (!kind) {
      await finish(_id, 'failed', `unknown import kind ${job.kind}`);
      return;
    }
    const kindRun = kind.startRun({ importId, dryRun: job.dryRun });
    let batch = { valid: [] as ValidRow<unknown>[], errors: [] as NewRowError[], lastRow: job.processedRows };
    for await (const source of readImportRows(await loadFile(_id), job.format)) {
      if (source.row <= job.processedRows) continue;
      if (!source.values) batch.errors.push(toError(source, null, source.error ?? 'not a record'));
      else {
        const parsed = kind.rowSchema.safeParse(source.values);
        if (parsed.success)
          batch.valid.push({
            row: source.row,
            line: source.line,
            excerpt: source.excerpt,
            value: parsed.data,
          });
        else {
          const { field, message } = validationError(parsed.error.issues);
          batch.errors.push(toError(source, field, message));
        }
      }
      batch.lastRow = source.row;
      if (batch.valid.length + batch.errors.length >= IMPORT_BATCH_SIZE) {
        await flush(job, kindRun, batch);
        batch = { valid: [], errors: [], lastRow: batch.lastRow };
      }
    }
    if (batch.valid.length || batch.errors.length) await flush(job, kindRun, batch);
    await finish(_id, 'completed', null);
    if (!job.dryRun) await kind.afterImport?.(importId);
  }

  async function finish(_id: Types.ObjectId, status: 'completed' | 'failed', failure: string | null) {
    await ImportJob.updateOne(
      { _id, status: trusted({ $in: ['queued', 'running'] }) },
      { $set: { status, failure, finishedAt: deps.clock.now() } },
    );
    // The upload is personal data: it is kept only until its import is over.
    await ImportFileChunk.deleteMany({ importId: _id });
  }

  return {
    run,
    /** Marks an import failed for good (its job ran out of attempts); logs why. */
    fail: async (importId: string, reason: string) => {
      deps.logger.error({ importId, reason }, 'import failed');
      await finish(new Types.ObjectId(importId), 'failed', reason);
    },
  };
}

export type ImportRunner = ReturnType<typeof createImportRunner>;
