/**
 * The fault suite (issue 17): each fault (bench/faults/*.ts) runs against real processes and reports one
 * row — how many writes the hub acknowledged, how many of those are stored afterwards, missing, duplicated,
 * and how long the hub took to serve again. Every row must show 0 missing and 0 duplicated; the process
 * exits non-zero otherwise (or when a fault acknowledged nothing, which would prove nothing). Results go to
 * bench/results/faults.json (committed) and a table.
 *
 * `npm run faults` runs them all; `npm run faults -- engine redis` only those whose name contains a word.
 * `npm run test:faults` (FAULTS_SIZE=ci) is the same suite sized for CI (scripts/test.sh runs it): shorter
 * rounds and outages; its rows go to $TMPDIR/omnihub-faults-ci.json, never over the committed results.
 * Sizes (full / ci): FAULTS_RATE (webhooks per second, 100), FAULTS_ROUND_SECONDS (8 / 3), FAULTS_ROUNDS
 * (3 / 2), FAULTS_DEAD_SECONDS (30 / 12), FAULTS_DEAD_SENDS (8 / 6), FAULTS_PARTITION_SECONDS (10 / 3).
 * The last line is "N passed, N failed", one per fault row; the exit status is non-zero on any failure.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { engineSigkill } from './faults/engine-sigkill';
import { hubSigkill } from './faults/hub-sigkill';
import { networkFaults } from './faults/network-proxy';
import { providerFailures } from './faults/provider-failures';
import { redisFlush } from './faults/redis-flush';
import { CI_SIZE, root, type Fault, type FaultRow } from './faults/support';

const FAULTS: Fault[] = [hubSigkill, engineSigkill, redisFlush, providerFailures, networkFaults];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const selected = FAULTS.filter((fault) => !only.length || only.some((word) => fault.name.includes(word)));
  const rows: FaultRow[] = [];
  const started = Date.now();
  for (const fault of selected) {
    const faultStarted = Date.now();
    console.log(`fault ${fault.name}…`);
    // A fault that could not finish (the hub never served again, a step timed out) is a failed row, and
    // the next fault still runs.
    const row = await fault.run().catch((error: unknown): FaultRow => ({
      fault: fault.name,
      acknowledged: 0,
      present: 0,
      missing: 0,
      duplicated: 0,
      recoverySeconds: -1,
      error: error instanceof Error ? error.message : String(error),
    }));
    rows.push(row);
    console.log(
      `  ${row.error ? `FAILED: ${row.error}` : 'done'} in ${Math.round((Date.now() - faultStarted) / 1000)} s`,
    );
  }
  if (CI_SIZE) {
    const file = path.join(os.tmpdir(), 'omnihub-faults-ci.json');
    await writeFile(file, `${JSON.stringify(rows, null, 2)}\n`);
    console.log(`rows written to ${file}`);
  } else if (!only.length) {
    const results = path.join(root, 'bench', 'results');
    await mkdir(results, { recursive: true });
    await writeFile(path.join(results, 'faults.json'), `${JSON.stringify(rows, null, 2)}\n`);
  }
  console.table(rows);
  console.log(`fault suite${CI_SIZE ? ' (ci size)' : ''}: ${Math.round((Date.now() - started) / 1000)} s`);
  const bad = rows.filter(
    (row) =>
      row.error || row.missing > 0 || row.duplicated > 0 || row.acknowledged === 0 || row.recoverySeconds < 0,
  );
  if (bad.length) {
    console.error(
      `faults: ${bad.map((row) => row.fault).join(', ')} failed, lost, doubled or acknowledged nothing`,
    );
    process.exitCode = 1;
  }
  console.log(`${rows.length - bad.length} passed, ${bad.length} failed`);
}

await main();
// A fault that failed half-way can leave a socket or timer behind; the verdict is in, so do not hang on it.
process.exit(process.exitCode ?? 0);
