// Shared helpers of the storage tests: temporary data directories, draining recovery, child processes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Document } from 'bson';
import {
  openDurableStore,
  type DurableStoreHandle,
  type OpenDurableStoreOptions,
} from '../../server/embedded-mongo/storage';

const here = path.dirname(fileURLToPath(import.meta.url));
const createdDirs: string[] = [];

/** A fresh directory under the OS temp dir, removed by `removeTempDirs`. */
export async function makeTempDir(prefix = 'omnihub-store-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  createdDirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of createdDirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** Opens a journaled store on `dir` unless told otherwise. */
export function openStore(
  dir: string,
  extra: Partial<OpenDurableStoreOptions> = {},
): Promise<DurableStoreHandle> {
  return openDurableStore({ dir, mode: 'journaled', ...extra });
}

export interface Recovered {
  snapshot: Document[];
  journal: Document[];
}

export async function recoverAll(store: DurableStoreHandle): Promise<Recovered> {
  const out: Recovered = { snapshot: [], journal: [] };
  for await (const { kind, doc } of store.recover()) out[kind].push(doc);
  return out;
}

/** Opens, recovers and closes: what a restart would see. */
export async function reopenAndRecover(
  dir: string,
  extra: Partial<OpenDurableStoreOptions> = {},
): Promise<Recovered & { warnings: string[] }> {
  const warnings: string[] = [];
  const store = await openStore(dir, { onWarning: (m) => warnings.push(m), ...extra });
  try {
    return { ...(await recoverAll(store)), warnings };
  } finally {
    await store.close();
  }
}

/** Plain numbers out of `{i}` documents (decoded with promoteValues: false, so `i` is an Int32). */
export function numbers(docs: Document[], field = 'i'): number[] {
  return docs.map((d) => Number(d[field]));
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

export async function journalFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.startsWith('journal-')).sort();
}

export async function snapshotFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.startsWith('snapshot-')).sort();
}

/** A child process running a fixture script with tsx, with its stdout split into lines. */
export interface Child {
  process: ChildProcessWithoutNullStreams;
  lines: string[];
  /** Resolves with the first stdout line matching `test` (rejects if the child exits first). */
  waitForLine(test: (line: string) => boolean): Promise<string>;
  /** Resolves with the exit code (or signal name) once the child has exited and its output is read. */
  exited: Promise<number | string>;
  stderr(): string;
}

export function spawnFixture(script: string, args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', script), ...args], {
    cwd: path.join(here, '..', '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const listeners = new Set<() => void>();
  // Only complete lines count: a line cut short by a SIGKILL must not pass for an acknowledgement.
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const listener of listeners) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': only then has all of stdout been read, including the last acknowledgements.
  const exited = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const waitForLine = (test: (line: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = lines.find(test);
        if (line === undefined) return;
        listeners.delete(check);
        resolve(line);
      };
      listeners.add(check);
      check();
      void exited.then((code) => {
        if (!listeners.has(check)) return;
        listeners.delete(check);
        reject(new Error(`child exited (${code}) before the expected line; stderr: ${stderr}`));
      });
    });
  return { process: child, lines, waitForLine, exited, stderr: () => stderr };
}
