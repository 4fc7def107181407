import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const IMPORT_FORMATS = ['csv', 'json', 'jsonl'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
export const IMPORT_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** One import run: what was uploaded, how far the worker got, and what it counted. */
export interface ImportJobRecord {
  _id: Types.ObjectId;
  kind: string;
  format: ImportFormat;
  dryRun: boolean;
  status: ImportStatus;
  actorId: string | null;
  filename: string | null;
  sizeBytes: number;
  /** Data rows in the file (counted when it was accepted). */
  totalRows: number;
  /** The last row whose outcome is recorded: a retried job resumes after it. */
  processedRows: number;
  /** Outcomes by name (`created`, `updated`, `duplicates`, `failed`, …). */
  counts: Record<string, number>;
  failure: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const importJobSchema = new Schema<ImportJobRecord>(
  {
    kind: { type: String, required: true },
    format: { type: String, enum: IMPORT_FORMATS, required: true },
    dryRun: { type: Boolean, required: true },
    status: { type: String, enum: IMPORT_STATUSES, required: true },
    actorId: { type: String, default: null },
    filename: { type: String, default: null },
    sizeBytes: { type: Number, required: true },
    totalRows: { type: Number, required: true },
    processedRows: { type: Number, default: 0 },
    counts: { type: Schema.Types.Mixed, default: {} },
    failure: { type: String, default: null },
    createdAt: { type: Date, required: true },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
  },
  { collection: 'imports', versionKey: false, minimize: false },
);
importJobSchema.index({ createdAt: -1 });

/** A row the import could not take, with why (the per-row error report). */
export interface ImportRowErrorRecord {
  _id: Types.ObjectId;
  importId: Types.ObjectId;
  /** Data row number, 1-based (a CSV header is row 0). */
  row: number;
  /** Where the row starts in the file (CSV and JSONL); null for a JSON array. */
  line: number | null;
  field: string | null;
  message: string;
  /** The start of the row as given, to find it again (at most 300 characters). */
  excerpt: string | null;
}

const importRowErrorSchema = new Schema<ImportRowErrorRecord>(
  {
    importId: { type: Schema.Types.ObjectId, required: true },
    row: { type: Number, required: true },
    line: { type: Number, default: null },
    field: { type: String, default: null },
    message: { type: String, required: true },
    excerpt: { type: String, default: null },
  },
  { collection: 'import_row_errors', versionKey: false },
);
// One error per row: a batch redone after a crash writes the same errors again without doubling them.
importRowErrorSchema.index({ importId: 1, row: 1 }, { unique: true });

/** The uploaded file, in chunks below the document size limit, until its import finished. */
export interface ImportFileChunkRecord {
  _id: Types.ObjectId;
  importId: Types.ObjectId;
  n: number;
  data: Buffer;
}

const importFileChunkSchema = new Schema<ImportFileChunkRecord>(
  {
    importId: { type: Schema.Types.ObjectId, required: true },
    n: { type: Number, required: true },
    data: { type: Buffer, required: true },
  },
  { collection: 'import_file_chunks', versionKey: false },
);
importFileChunkSchema.index({ importId: 1, n: 1 }, { unique: true });

function model<T>(connection: Connection, name: string, schema: Schema<T>): Model<T> {
  return (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
}

export function defineImportModels(connection: Connection) {
  return {
    ImportJob: model(connection, 'ImportJob', importJobSchema),
    ImportRowError: model(connection, 'ImportRowError', importRowErrorSchema),
    ImportFileChunk: model(connection, 'ImportFileChunk', importFileChunkSchema),
  };
}

export type ImportModels = ReturnType<typeof defineImportModels>;
