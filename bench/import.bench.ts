/**
 * Contacts import benchmark (issue 18): rows/s of `POST /api/imports/contacts` from upload to the job's
 * end (csv-parse, zod per row, resolution by identity / email / phone as ingest does it, contacts written,
 * progress and the error report recorded), for a dry run and for the real import, beside baselines
 * measured in the same run on the same file: csv-parse alone, and csv-parse with the row schema's zod
 * validation (the machinery's fixed cost before any database work).
 *
 * The file has 5 % duplicates and 1 % bad rows, like the integration test. Default 3,000 rows
 * (BENCH_IMPORT_ROWS, or BENCH_SCALE). Run: `npx tsx bench/import.bench.ts`. Results:
 * bench/results/import.json and import.md.
 */
import { parse } from 'csv-parse';
import { ContactImportRowSchema } from '../server/modules/imports/contacts-import';
import { readImportRows } from '../server/modules/imports/import-source';
import {
  login,
  machineInfo,
  PASSWORD,
  ratio,
  sized,
  sleep,
  startBenchHub,
  writeResults,
} from './support/bench-stack';

const ROWS = sized('BENCH_IMPORT_ROWS', 3_000);

function contactsCsv(rows: number): string {
  const lines = ['name,email,phone,tags,tier'];
  for (let k = 1; k <= rows; k++) {
    if (k % 100 === 50) lines.push(`Bad ${k},not-an-email,,,`);
    else if (k % 20 === 0) lines.push(`Again,${`person${k - 1}@bench.example`.toUpperCase()},,returning,`);
    else
      lines.push(
        `Person ${k},person${k}@bench.example,+86139${String(k).padStart(8, '0')},${k % 7 === 0 ? 'imported,B' : ','}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

async function timeRows(
  run: () => Promise<number>,
): Promise<{ rows: number; seconds: number; perSecond: number }> {
  const start = performance.now();
  const rows = await run();
  const seconds = (performance.now() - start) / 1000;
  return { rows, seconds: Math.round(seconds * 100) / 100, perSecond: Math.round(rows / seconds) };
}

async function importThroughHub(baseUrl: string, token: string, csv: string, dryRun: boolean) {
  const response = await fetch(`${baseUrl}/api/imports/contacts?dryRun=${dryRun ? 1 : 0}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
    body: csv,
  });
  if (response.status !== 202)
    throw new Error(`import refused: HTTP ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  for (;;) {
    const job = (await (
      await fetch(`${baseUrl}/api/imports/${id}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      status: string;
      processedRows: number;
      counts: Record<string, number>;
      failure: string | null;
    };
    if (job.status === 'failed') throw new Error(`import failed: ${job.failure}`);
    if (job.status === 'completed') return job;
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const csv = contactsCsv(ROWS);
  const bytes = Buffer.from(csv);

  const csvOnly = await timeRows(async () => {
    let count = 0;
    for await (const record of parse(bytes, { bom: true, relax_column_count: true, skip_empty_lines: true }))
      if (record) count++;
    return count - 1;
  });
  const parseAndValidate = await timeRows(async () => {
    let count = 0;
    for await (const row of readImportRows(bytes, 'csv')) {
      if (row.values) ContactImportRowSchema.safeParse(row.values);
      count++;
    }
    return count;
  });

  const bench = await startBenchHub();
  let dry;
  let real;
  let counts: Record<string, number> = {};
  try {
    await bench.hub.agents.agents.createAgent(
      { email: 'admin@bench.example', name: 'admin', password: PASSWORD, role: 'admin' },
      null,
    );
    const token = await login(bench.baseUrl, 'admin@bench.example');
    dry = await timeRows(async () => (await importThroughHub(bench.baseUrl, token, csv, true)).processedRows);
    real = await timeRows(async () => {
      const job = await importThroughHub(bench.baseUrl, token, csv, false);
      counts = job.counts;
      return job.processedRows;
    });
  } finally {
    await bench.close();
  }

  const json = {
    machine: machineInfo(),
    engine: bench.engine,
    rows: ROWS,
    fileBytes: bytes.length,
    hubImport: { ...real, counts },
    hubDryRun: dry,
    baselineCsvParse: csvOnly,
    baselineParseAndValidate: parseAndValidate,
  };
  const markdown = `# Contacts import benchmark

${ROWS} CSV rows (${(bytes.length / 1024).toFixed(0)} KiB; 5 % duplicates, 1 % bad rows), one import job at a time, timed from upload to the job's end as a client polling it sees it. ${bench.engine}.

| target | rows/s | seconds |
|---|---|---|
| hub import (parse, zod, resolution as ingest, contacts written, progress and error report) | ${real.perSecond} | ${real.seconds} |
| hub dry run (parse, zod, resolution lookups, nothing written) | ${dry.perSecond} | ${dry.seconds} |
| baseline: csv-parse alone on the same file | ${csvOnly.perSecond} | ${csvOnly.seconds} |
| baseline: csv-parse + the row schema (zod), no database | ${parseAndValidate.perSecond} | ${parseAndValidate.seconds} |

csv-parse alone reads the file ${ratio(csvOnly.perSecond, real.perSecond)} faster than the hub imports it, and ${ratio(csvOnly.perSecond, parseAndValidate.perSecond)} faster than it is read and validated; the database work is the rest. Counts: ${JSON.stringify(counts)}. Rows are resolved one at a time in file order (two rows of one person must meet one contact), so the rate is bounded by four to six database round trips per row (lookups by identity, email and phone, the write, the contact.created outbox row).
Machine: ${String(json.machine.cpus)} CPUs (${String(json.machine.cpuModel)}), load at start ${JSON.stringify(json.machine.loadAverageAtStart)}; the machine is shared, so figures are indicative.
`;
  await writeResults('import', json, markdown);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
