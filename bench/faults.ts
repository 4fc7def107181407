/**
 * The fault suite (issue 17): each fault runs against real processes and reports one row — how many
 * webhooks were acknowledged (answered 200), how many of those are on the timeline afterwards, missing,
 * duplicated, and how long the hub took to serve again. Every row must show 0 missing and 0 duplicated; the
 * process exits non-zero otherwise. Results go to bench/results/faults.json (committed) and a table.
 *
 * Implemented faults:
 * - `hub-sigkill-during-ingest`: a hub process (`server/main.ts`, on an engine process in journaled mode
 *   and a Redis of their own) takes signed SMS webhooks at FAULTS_RATE per second from FAULTS_SENDERS
 *   concurrent senders; it is killed with SIGKILL mid-stream FAULTS_ROUNDS times and restarted on the same
 *   storage. Senders keep going through the outage (refused connections are not acknowledgements).
 *
 * Sizes: FAULTS_RATE (default 100/s), FAULTS_ROUND_SECONDS (default 8), FAULTS_ROUNDS (default 3).
 * Run: `npx tsx bench/faults.ts` (the lead wires it as `npm run faults`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import twilio from 'twilio';
import { startPrivateRedis } from '../server/infra/redis-server';
import { createLogger } from '../server/lib/logger';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PUBLIC_URL = 'http://hub.faults';
const TWILIO = {
  sid: 'AC33333333333333333333333333333333',
  token: 'faults-twilio-token',
  number: '+15005550006',
};
const RATE = Number(process.env.FAULTS_RATE ?? 100);
const ROUND_SECONDS = Number(process.env.FAULTS_ROUND_SECONDS ?? 8);
const ROUNDS = Number(process.env.FAULTS_ROUNDS ?? 3);
const SENDERS = Number(process.env.FAULTS_SENDERS ?? 20);

export interface FaultRow {
  fault: string;
  acknowledged: number;
  present: number;
  missing: number;
  duplicated: number;
  recoverySeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function startEngine(socketPath: string, dataDir: string): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', 'server/embedded-mongo/cli.ts', '--socket', socketPath, '--data', dataDir],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/** The hub's last output lines, shown when it does not come back. */
const hubOutput: string[] = [];

function startHub(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    hubOutput.push(...chunk.toString().split('\n').filter(Boolean));
    hubOutput.splice(0, Math.max(0, hubOutput.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

const isReady = async (baseUrl: string) => (await fetch(`${baseUrl}/readyz`)).status === 200;

/** How the webhooks were answered (status code, or `refused` when the hub was down). */
const answers = new Map<string, number>();
const count = (answer: string) => answers.set(answer, (answers.get(answer) ?? 0) + 1);

/** Posts one signed inbound SMS; true when the hub acknowledged it (200). */
async function postSms(baseUrl: string, sid: string, index: number): Promise<boolean> {
  const params = {
    AccountSid: TWILIO.sid,
    MessageSid: sid,
    From: `+86137${String(index % 1000).padStart(8, '0')}`,
    To: TWILIO.number,
    Body: `fault message ${index}`,
    NumMedia: '0',
  };
  const url = `${PUBLIC_URL}/webhooks/twilio/sms`;
  try {
    const res = await fetch(`${baseUrl}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO.token, url, params),
      },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    count(String(res.status));
    return res.status === 200;
  } catch {
    count('refused');
    return false; // refused or reset: not acknowledged, the provider would retry
  }
}

async function hubSigkillDuringIngest(): Promise<FaultRow> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-faults-'));
  const runDir = path.join(dir, 'run');
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  const socketPath = path.join(runDir, 'mongo.sock');
  const engine = startEngine(socketPath, path.join(dir, 'db'));
  const logger = createLogger({ level: 'error', pretty: false });
  const redis = await startPrivateRedis({ dataDir: path.join(dir, 'redis'), binary: 'redis-server', logger });
  let hub: ChildProcess | undefined;
  try {
    await until(async () => (await stat(socketPath)).isSocket(), 'the engine socket');
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      MONGODB_URI: `mongodb://${encodeURIComponent(socketPath)}/`,
      MONGODB_DB: 'faults',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: 'faults',
      DATA_DIR: path.join(dir, 'data'),
      CREDENTIALS_KEY: Buffer.alloc(32, 3).toString('base64'),
      PUBLIC_URL,
      SEED_DEMO: '0',
      LOG_LEVEL: 'error',
      LOG_PRETTY: '0',
      TWILIO_ACCOUNT_SID: TWILIO.sid,
      TWILIO_AUTH_TOKEN: TWILIO.token,
      TWILIO_PHONE_NUMBER: TWILIO.number,
    };
    hub = startHub(env);
    await until(() => isReady(baseUrl), 'the hub to start');

    const acknowledged: string[] = [];
    let index = 0;
    let sending = true;
    const interval = 1000 / RATE;
    let nextAt = Date.now();
    const senders = Array.from({ length: SENDERS }, async () => {
      while (sending) {
        const wait = nextAt - Date.now();
        nextAt = Math.max(nextAt, Date.now()) + interval;
        if (wait > 0) await sleep(wait);
        const i = index++;
        const sid = `SM${i.toString(16).padStart(32, '0')}`;
        if (await postSms(baseUrl, sid, i)) acknowledged.push(sid);
      }
    });

    const recoveries: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      await sleep(ROUND_SECONDS * 1000);
      const killedAt = Date.now();
      hub.kill('SIGKILL');
      await new Promise((resolve) => hub!.once('exit', resolve));
      hub = startHub(env);
      await until(() => isReady(baseUrl), 'the hub to restart', 300_000).catch((error: unknown) => {
        console.error(hubOutput.join('\n'));
        throw error;
      });
      recoveries.push((Date.now() - killedAt) / 1000);
    }
    await sleep(ROUND_SECONDS * 1000);
    sending = false;
    await Promise.all(senders);

    const client = await MongoClient.connect(env.MONGODB_URI);
    try {
      const counts = await client
        .db('faults')
        .collection('messages')
        .aggregate<{ _id: string; n: number }>([
          { $match: { channel: 'sms', direction: 'inbound' } },
          { $group: { _id: '$externalId', n: { $sum: 1 } } },
        ])
        .toArray();
      const stored = new Map(counts.map((c) => [c._id, c.n]));
      const present = acknowledged.filter((sid) => stored.has(sid)).length;
      return {
        fault: 'hub-sigkill-during-ingest',
        acknowledged: acknowledged.length,
        present,
        missing: acknowledged.length - present,
        duplicated: counts.filter((c) => c.n > 1).length,
        recoverySeconds: Math.round(Math.max(...recoveries) * 10) / 10,
      };
    } finally {
      await client.close();
    }
  } finally {
    hub?.kill('SIGTERM');
    await redis.stop();
    engine.kill('SIGTERM');
    await new Promise((resolve) => engine.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: FaultRow[] = [await hubSigkillDuringIngest()];
  const results = path.join(root, 'bench', 'results');
  await mkdir(results, { recursive: true });
  await writeFile(path.join(results, 'faults.json'), `${JSON.stringify(rows, null, 2)}\n`);
  console.table(rows);
  console.log('webhook answers:', Object.fromEntries(answers));
  const bad = rows.filter((row) => row.missing > 0 || row.duplicated > 0 || row.acknowledged === 0);
  if (bad.length) {
    console.error(`faults: ${bad.map((row) => row.fault).join(', ')} lost, doubled or acknowledged nothing`);
    process.exitCode = 1;
  }
}

await main();
