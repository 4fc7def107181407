import { z } from 'zod';
import { itemList, NullableTimestamp, Timestamp } from '../../http/openapi';
import { IMPORT_FORMATS, IMPORT_STATUSES } from './import.models';

export const ImportKindParams = z.object({
  kind: z.string().regex(/^[a-z][a-z-]{0,30}$/, 'must be an import kind'),
});
export const ImportIdParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/i, 'must be an import id') });
export const StartImportQuery = z.object({
  dryRun: z.enum(['1', '0', 'true', 'false']).default('false'),
  filename: z.string().trim().min(1).max(200).optional(),
});
export const ImportErrorsQuery = z.object({
  afterRow: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const ListImportsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

export const ImportSchema = z.object({
  id: z.string(),
  kind: z.string(),
  format: z.enum(IMPORT_FORMATS),
  dryRun: z.boolean(),
  status: z.enum(IMPORT_STATUSES),
  filename: z.string().nullable(),
  sizeBytes: z.number().int(),
  totalRows: z.number().int(),
  processedRows: z.number().int(),
  progress: z.number().int().min(0).max(100),
  counts: z.record(z.string(), z.number().int()),
  failure: z.string().nullable(),
  createdAt: Timestamp,
  startedAt: NullableTimestamp,
  finishedAt: NullableTimestamp,
});
export const ImportListSchema = itemList(ImportSchema);
export const ImportErrorsPageSchema = z.object({
  items: z.array(
    z.object({
      row: z.number().int(),
      line: z.number().int().nullable(),
      field: z.string().nullable(),
      message: z.string(),
      excerpt: z.string().nullable(),
    }),
  ),
  nextAfterRow: z.number().int().nullable(),
});
