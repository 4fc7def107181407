/**
 * Runs the hub as a real process (`server/main.ts`), the way a user or an operator does, for end-to-end
 * tests. The URL is read from the JSON log line the hub prints when it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface HubProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Every log line so far (JSON strings). */
  logs: string[];
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startHubProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<HubProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: repoRoot,
    // No fixed ports (the embedded default's SMTP listener would take 2525): test files run in parallel.
    env: { ...process.env, PORT: '0', SMTP_INBOUND_PORT: '0', LOG_PRETTY: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hub did not start in ${timeoutMs} ms:\n${logs.join('\n')}`)),
      timeoutMs,
    );
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        logs.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'Omnihub is listening' && entry.url) {
            clearTimeout(timer);
            resolve(entry.url.replace('localhost', '127.0.0.1'));
          }
        } catch {
          // not a JSON line (e.g. a warning printed by a dependency)
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with code ${code} before listening:\n${logs.join('\n')}`));
    });
  });
  return {
    child,
    baseUrl,
    logs,
    stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      child.kill(signal);
      return exited;
    },
  };
}
