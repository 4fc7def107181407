/**
 * Import jobs: an accepted upload is counted (a broken or oversized file is refused while the request is
 * open), stored in chunks with its job record, and handed to the `imports` bull queue; the worker
 * (import-runner.ts) records progress on the job, which clients poll, and each bad row in the error report.
 */
import { trusted, Types } from 'mongoose';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { PermanentJobError, type QueueFactory } from '../../infra/queues';
import type { ImportKind } from './import-kind';
import { createImportRunner } from './import-runner';
import { countImportRows } from './import-source';
import type { ImportFormat, ImportJobRecord, ImportModels, ImportRowErrorRecord } from './import.models';

export const IMPORTS_QUEUE = 'imports';
const CHUNK_BYTES = 4 * 1024 * 1024;
const JOB_ATTEMPTS = 3;

export interface ImportView {
  id: string;
  kind: string;
  format: ImportFormat;
  dryRun: boolean;
  status: ImportJobRecord['status'];
  filename: string | null;
  sizeBytes: number;
  totalRows: number;
  processedRows: number;
  /** Percent of rows processed. */
  progress: number;
  counts: Record<string, number>;
  failure: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ImportRowErrorView {
  row: number;
  line: number | null;
  field: string | null;
  message: string;
  excerpt: string | null;
}

function toImportView(doc: ImportJobRecord, outcomes: readonly string[]): ImportView {
  const counts: Record<string, number> = {};
  for (const name of [...outcomes, 'failed']) counts[name] = doc.counts[name] ?? 0;
  return {
    id: String(doc._id),
    kind: doc.kind,
    format: doc.format,
    dryRun: doc.dryRun,
    status: doc.status,
    filename: doc.filename,
    sizeBytes: doc.sizeBytes,
    totalRows: doc.totalRows,
    processedRows: doc.processedRows,
    progress: doc.totalRows ? Math.floor((doc.processedRows / doc.totalRows) * 100) : 100,
    counts,
    failure: doc.failure,
    createdAt: doc.createdAt.toISOString(),
    startedAt: doc.startedAt?.toISOString() ?? null,
    finishedAt: doc.finishedAt?.toISOString() ?? null,
  };
}

const toErrorView = (doc: ImportRowErrorRecord): ImportRowErrorView => ({
  row: doc.row,
  line: doc.line,
  field: doc.field,
  message: doc.message,
  excerpt: doc.excerpt,
});

export function createImportsService(deps: {
  models: ImportModels;
  kinds: ReadonlyMap<string, ImportKind>;
  queues: QueueFactory;
  clock: Clock;
  logger: Logger;
  maxRows: number;
}) {
  const { ImportJob, ImportRowError, ImportFileChunk } = deps.models;
  const queue = () => deps.queues.queue<{ importId: string }>(IMPORTS_QUEUE);
  const runner = createImportRunner({
    models: deps.models,
    kinds: deps.kinds,
    clock: deps.clock,
    logger: deps.logger,
    onProgress: async (importId, percent) => {
      await (await queue().getJob(importId))?.progress(percent);
    },
  });

  function kindOf(name: string): ImportKind {
    const kind = deps.kinds.get(name);
    if (!kind) throw new AppError('NOT_FOUND', { userMessage: `No import of ${name}.` });
    return kind;
  }

  async function getRecord(id: string): Promise<ImportJobRecord> {
    const doc = Types.ObjectId.isValid(id)
      ? await ImportJob.findById(new Types.ObjectId(id)).lean<ImportJobRecord>()
      : null;
    if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such import.' });
    return doc;
  }

  const view = (doc: ImportJobRecord) => toImportView(doc, deps.kinds.get(doc.kind)?.outcomes ?? []);

  return {
    /** Accepts a file for import (or a dry run); 400 when it cannot be read, 413 over the row limit. */
    async start(input: {
      kind: string;
      format: ImportFormat;
      dryRun: boolean;
      bytes: Buffer;
      filename: string | null;
      actorId: string | null;
    }): Promise<ImportView> {
      kindOf(input.kind);
      const totalRows = await countImportRows(input.bytes, input.format, deps.maxRows);
      if (totalRows === 0) throw new AppError('INVALID_INPUT', { userMessage: 'The file has no rows.' });
      const _id = new Types.ObjectId();
      const chunks = [];
      for (let offset = 0, n = 0; offset < input.bytes.length; offset += CHUNK_BYTES, n++)
        chunks.push({ importId: _id, n, data: input.bytes.subarray(offset, offset + CHUNK_BYTES) });
      // The file before the job: a job never exists without its file.
      await ImportFileChunk.insertMany(chunks);
      const doc = await ImportJob.create({
        _id,
        kind: input.kind,
        format: input.format,
        dryRun: input.dryRun,
        status: 'queued',
        actorId: input.actorId,
        filename: input.filename,
        sizeBytes: input.bytes.length,
        totalRows,
        processedRows: 0,
        counts: {},
        createdAt: deps.clock.now(),
      });
      try {
        await queue().add(
          { importId: String(_id) },
          { jobId: String(_id), attempts: JOB_ATTEMPTS, backoff: { type: 'exponential', delay: 2_000 } },
        );
      } catch (error) {
        await runner.fail(String(_id), 'the import queue is unavailable');
        throw new AppError('UNAVAILABLE', {
          cause: error,
          userMessage: 'Imports are unavailable; try again.',
        });
      }
      return view(doc.toObject<ImportJobRecord>());
    },

    async get(id: string): Promise<ImportView> {
      return view(await getRecord(id));
    },

    /** The latest imports, newest first. */
    async list(limit: number): Promise<ImportView[]> {
      const docs = await ImportJob.find({}).sort({ createdAt: -1 }).limit(limit).lean<ImportJobRecord[]>();
      return docs.map(view);
    },

    /** One page of an import's row errors in row order; `afterRow` is the previous page's last row. */
    async listErrors(
      id: string,
      page: { afterRow: number; limit: number },
    ): Promise<{ items: ImportRowErrorView[]; nextAfterRow: number | null }> {
      const job = await getRecord(id);
      const docs = await ImportRowError.find({ importId: job._id, row: trusted({ $gt: page.afterRow }) })
        .sort({ row: 1 })
        .limit(page.limit + 1)
        .lean<ImportRowErrorRecord[]>();
      const items = docs.slice(0, page.limit).map(toErrorView);
      return { items, nextAfterRow: docs.length > page.limit ? (items.at(-1)?.row ?? null) : null };
    },

    /** Every row error of an import, in row order, read by cursor (the CSV report). */
    async *streamErrors(id: string): AsyncGenerator<ImportRowErrorView> {
      const job = await getRecord(id);
      const cursor = ImportRowError.find({ importId: job._id }).sort({ row: 1 }).lean().cursor();
      for await (const doc of cursor) yield toErrorView(doc);
    },

    /** Makes this process a worker of the imports queue (one import at a time per process). */
    startWorkers(): void {
      deps.queues.process<{ importId: string }>(IMPORTS_QUEUE, { concurrency: 1 }, async (job) => {
        const importId = job.data?.importId;
        if (typeof importId !== 'string' || !Types.ObjectId.isValid(importId))
          throw new PermanentJobError('import job without an import id');
        try {
          await runner.run(importId);
        } catch (error) {
          if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
            await runner.fail(importId, error instanceof Error ? error.message : String(error));
          throw error;
        }
      });
    },
  };
}

export type ImportsService = ReturnType<typeof createImportsService>;
