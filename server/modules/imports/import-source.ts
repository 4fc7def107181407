/**
 * Reads the rows of an uploaded file: CSV (csv-parse; the first record names the columns), a JSON array
 * of objects, or JSON Lines. A row that cannot be a record (wrong field count, a JSON line that does not
 * parse, a non-object) comes out with an error, so it lands in the per-row report; a file whose structure
 * is broken (an unclosed quote swallows the rest of a CSV, a JSON array that does not parse) is refused
 * whole, before anything is written.
 */
import { parse } from 'csv-parse';
import { AppError } from '../../lib/app-error';
import type { ImportFormat } from './import.models';

export interface SourceRow {
  /** 1-based data row number. */
  row: number;
  line: number | null;
  values: Record<string, unknown> | null;
  /** Why the row is not a record (`values` is null then). */
  error?: string;
  excerpt: string | null;
}

const EXCERPT_CHARS = 300;
const excerptOf = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? null : text.slice(0, EXCERPT_CHARS);
};

function fileError(message: string, line?: number): AppError {
  return new AppError('INVALID_INPUT', {
    userMessage: line
      ? `The file cannot be read (line ${line}): ${message}`
      : `The file cannot be read: ${message}`,
    details: line ? { line } : undefined,
  });
}

async function* readCsv(bytes: Buffer): AsyncGenerator<SourceRow> {
  const parser = parse(bytes, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  let header: string[] | null = null;
  let row = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (!header) {
        header = record.map((name) => name.trim());
        const named = header.filter(Boolean);
        if (named.length !== header.length) throw fileError('a column has no name', info.lines);
        if (new Set(named).size !== named.length)
          throw fileError('two columns have the same name', info.lines);
        continue;
      }
      row++;
      const excerpt = excerptOf(record.join(','));
      if (record.length !== header.length) {
        const error = `expected ${header.length} fields, found ${record.length}`;
        yield { row, line: info.lines, values: null, error, excerpt };
        continue;
      }
      const values: Record<string, unknown> = {};
      header.forEach((name, index) => {
        const value = record[index]?.trim();
        // An empty cell is an absent value: optional columns may be left blank.
        if (value) values[name] = value;
      });
      yield { row, line: info.lines, values, excerpt };
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const csv = error as { message?: string; lines?: number };
    throw fileError(csv.message ?? 'not CSV', csv.lines);
  }
  if (!header) throw fileError('it is empty (a CSV file starts with a header row)');
}

function* readJsonArray(bytes: Buffer): Generator<SourceRow> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw fileError((error as Error).message);
  }
  if (!Array.isArray(parsed)) throw fileError('a JSON import is an array of objects');
  let row = 0;
  for (const item of parsed as unknown[]) {
    row++;
    const isObject = typeof item === 'object' && item !== null && !Array.isArray(item);
    yield isObject
      ? { row, line: null, values: item as Record<string, unknown>, excerpt: excerptOf(item) }
      : { row, line: null, values: null, error: 'not an object', excerpt: excerptOf(item) };
  }
}

function* readJsonLines(bytes: Buffer): Generator<SourceRow> {
  const lines = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split('\n');
  let row = 0;
  for (const [index, raw] of lines.entries()) {
    const text = raw.trim();
    if (!text) continue;
    row++;
    const line = index + 1;
    try {
      const item: unknown = JSON.parse(text);
      if (typeof item === 'object' && item !== null && !Array.isArray(item))
        yield { row, line, values: item as Record<string, unknown>, excerpt: excerptOf(text) };
      else yield { row, line, values: null, error: 'not a JSON object', excerpt: excerptOf(text) };
    } catch {
      yield { row, line, values: null, error: 'not valid JSON', excerpt: excerptOf(text) };
    }
  }
}

/** The rows of a file, in order. Throws a 400 AppError when the file's structure is broken. */
export async function* readImportRows(bytes: Buffer, format: ImportFormat): AsyncGenerator<SourceRow> {
  if (format === 'csv') yield* readCsv(bytes);
  else if (format === 'json') yield* readJsonArray(bytes);
  else yield* readJsonLines(bytes);
}

/**
 * Counts the data rows of a file, reading it the way the import will: a broken file is refused here (400),
 * and one over `maxRows` too (413), while the upload request is still open.
 */
export async function countImportRows(bytes: Buffer, format: ImportFormat, maxRows: number): Promise<number> {
  let count = 0;
  for await (const row of readImportRows(bytes, format)) {
    count = row.row;
    if (count > maxRows)
      throw new AppError('PAYLOAD_TOO_LARGE', {
        userMessage: `The file has more than ${maxRows} rows; split it into smaller files.`,
      });
  }
  return count;
}

/** The format a request's Content-Type names, or null. */
export function formatOfContentType(contentType: string | undefined): ImportFormat | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv' || type === 'application/csv') return 'csv';
  if (type === 'application/json') return 'json';
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/x-jsonlines')
    return 'jsonl';
  return null;
}
