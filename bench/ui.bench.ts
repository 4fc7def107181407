/**
 * Agent workspace benchmark, in Debian's Chromium (playwright-core, headless):
 *
 * - Bundle: the built UI's JavaScript and CSS (agent-ui/dist/assets), raw and gzipped (zlib level 9, as a
 *   server would send it).
 * - Live row update: a supervisor's inbox "All" view holds BENCH_UI_ROWS conversations (default 1,000,
 *   loaded page by page as a user scrolling would; the list is virtualized, so only the rows in view are
 *   drawn); a `message:new` for a conversation near the bottom is
 *   published through the hub's realtime service (persisted, emitted over Socket.IO); the time is measured
 *   from just before publishing until the browser shows that row first in the list with the new preview
 *   (a MutationObserver reads the DOM). Baselines in the same run and browser: a bare page (plain DOM, no
 *   framework) holding the same number of rows, moved to the top by a `message:new` from a bare Socket.IO
 *   server (the floor: one socket hop and one DOM move, no persistence, no cache); and the app with a
 *   50-row list (what the list's length costs).
 *
 * Run: `npx tsx bench/ui.bench.ts` (builds the UI first when needed). Results: bench/results/ui.json, ui.md.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Types } from 'mongoose';
import { chromium, type Page } from 'playwright-core';
import { Server as SocketServer } from 'socket.io';
import { rooms } from '../server/realtime/socket-events';
import { PASSWORD, root, sized, startBenchHub, type BenchHub } from './support/bench-stack';

const ROWS = sized('BENCH_UI_ROWS', 1000, 60);
const BASELINE_ROWS = 50;
const RUNS = sized('BENCH_UI_RUNS', 30, 5);

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
  return {
    n: sorted.length,
    medianMs: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: sorted.at(-1) ?? null,
  };
}

function bundleSize() {
  const dir = path.join(root, 'agent-ui', 'dist', 'assets');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.css'));
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = readFileSync(path.join(dir, file));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { files, rawBytes: raw, gzipBytes: gzip };
}

async function seedConversations(bench: BenchHub, count: number, offset: number): Promise<string[]> {
  const now = Date.now();
  const docs = Array.from({ length: count }, (_, i) => ({
    _id: new Types.ObjectId(),
    number: 500_000 + offset + i,
    contactId: new Types.ObjectId().toHexString(),
    contactName: `客户 ${offset + i}`,
    channels: ['sms'],
    primaryChannel: 'sms',
    inboxId: 'bench',
    status: 'open',
    priority: 'normal',
    category: 'inquiry',
    tags: [],
    assigneeId: null,
    teamId: null,
    ownerId: null,
    routing: { state: 'unassigned' },
    sla: {},
    metrics: { reopenCount: 0, lastInboundAt: new Date(now - i * 60_000) },
    threadKeys: [],
    previousConversationId: null,
    lastSeq: 0,
    lastMessageAt: new Date(now - i * 60_000),
    createdAt: new Date(now - i * 60_000),
    updatedAt: new Date(now - i * 60_000),
  }));
  for (let i = 0; i < docs.length; i += 500)
    await bench.hub.connection.collection('conversations').insertMany(docs.slice(i, i + 500));
  return docs.map((d) => d._id.toHexString());
}

/** The number of conversations the list holds (loaded; the virtualized list draws only those in view). */
const loadedRows = (page: Page) =>
  page.evaluate(() =>
    Number(document.querySelector('[data-testid=conversation-list]')?.getAttribute('data-count') ?? 0),
  );

/** Opens the All view and loads pages until the list holds `rows` conversations. */
async function loadRows(page: Page, baseUrl: string, rows: number): Promise<void> {
  await page.goto(`${baseUrl}/app/inbox`);
  await page.getByRole('tab', { name: 'All' }).click();
  const list = page.locator('[data-testid=conversation-list][data-view=all] .row');
  await list.first().waitFor({ timeout: 60_000 });
  const loaded = () => loadedRows(page);
  for (let guard = 0; guard < 100 && (await loaded()) < rows; guard++) {
    const more = page.getByRole('button', { name: 'Load more' });
    if ((await more.count()) === 0) break;
    // Counted before the click: a page that arrives quickly must not be waited for a second time.
    const before = await loaded();
    await more.click();
    await page.waitForFunction(
      (n) =>
        Number(document.querySelector('[data-testid=conversation-list]')?.getAttribute('data-count') ?? 0) >
        n,
      before,
      { timeout: 60_000 },
    );
  }
}

/** Publishes `message:new` for a row and resolves with the ms until the browser shows it first with the text. */
async function measureOnce(
  publish: Publish,
  page: Page,
  conversationId: string,
  token: string,
): Promise<number> {
  // A string, not a function: tsx would wrap named inner functions in a helper the page does not have.
  await page.evaluate(`
    window.benchPending = new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error('row not updated within 60 s')), 60000);
      const id = ${JSON.stringify(conversationId)};
      const text = ${JSON.stringify(token)};
      const done = () => {
        const first = document.querySelector('[data-testid=conversation-list] .row');
        if (first && first.dataset.conversationId === id && first.textContent.includes(text)) {
          resolve(Date.now());
          return true;
        }
        return false;
      };
      if (done()) return;
      const observer = new MutationObserver(() => done() && observer.disconnect());
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    undefined; // evaluate must not wait for the promise (that happens after publishing)
  `);
  const startedAt = Date.now();
  await publish(message(conversationId, token));
  const shownAt = await page.evaluate(
    () => (window as unknown as { benchPending: Promise<number> }).benchPending,
  );
  return shownAt - startedAt;
}

function message(conversationId: string, token: string) {
  return {
    id: new Types.ObjectId().toHexString(),
    conversationId,
    seq: 1,
    direction: 'inbound' as const,
    kind: 'message' as const,
    channel: 'sms',
    text: token,
    occurredAt: new Date().toISOString(),
  };
}

type BenchMessage = ReturnType<typeof message>;
type Publish = (msg: BenchMessage) => Promise<unknown>;

/** The hub's way: persisted, then emitted over Socket.IO (through the Redis adapter) to the supervisors. */
const publishThroughHub =
  (bench: BenchHub): Publish =>
  (msg) =>
    bench.hub.realtime.publish({
      event: 'message:new',
      payload: { message: msg },
      rooms: [rooms.supervisors()],
    });

/**
 * The floor: a bare Socket.IO server and a plain page of `rows` rows (same markup hooks as the app) that
 * moves a row to the top with the new preview on `message:new`.
 */
async function startBareBaseline(
  rows: number,
): Promise<{ url: string; ids: string[]; publish: Publish; close(): Promise<void> }> {
  const ids = Array.from({ length: rows }, () => new Types.ObjectId().toHexString());
  const page = `<!doctype html><meta charset="utf-8"><title>bare</title>
<ul data-testid="conversation-list">${ids
    .map(
      (id, i) =>
        `<li class="row" data-conversation-id="${id}"><b>客户 ${i}</b> <span class="preview">…</span></li>`,
    )
    .join('')}</ul>
<script src="/socket.io/socket.io.js"></script>
<script>
  const list = document.querySelector('[data-testid=conversation-list]');
  const socket = io({ transports: ['websocket'] });
  socket.on('connect', () => { window.benchConnected = true; });
  socket.on('message:new', ({ message }) => {
    const row = list.querySelector('[data-conversation-id="' + message.conversationId + '"]');
    if (!row) return;
    row.querySelector('.preview').textContent = message.text;
    list.prepend(row);
  });
</script>`;
  const http: HttpServer = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  const io = new SocketServer(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    ids,
    publish: (msg) => Promise.resolve(io.emit('message:new', { eventId: '0', message: msg })),
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}

async function measure(publish: Publish, page: Page, ids: string[], runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    // A row near the bottom each time (the worst case: it moves the furthest).
    const id = ids[ids.length - 1 - run]!;
    samples.push(
      await measureOnce(publish, page, id, `新消息 ${run} ${Math.random().toString(36).slice(2, 8)}`),
    );
  }
  return samples;
}

async function main() {
  execFileSync('npm', ['run', '--silent', 'build:ui'], { cwd: root, stdio: 'ignore' });
  const bundle = bundleSize();
  const bench = await startBenchHub();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const results: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    loadAverageStart: os.loadavg(),
    engine: bench.engine,
    rows: ROWS,
    baselineRows: BASELINE_ROWS,
    runs: RUNS,
    bundle,
  };
  try {
    await bench.hub.agents.agents.createAgent(
      {
        email: 'bench.sup@bench.omnihub',
        name: 'bench',
        password: PASSWORD,
        role: 'supervisor',
        teamIds: [],
      },
      null,
    );
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${bench.baseUrl}/app/login`);
    await page.locator('input[name=email]').fill('bench.sup@bench.omnihub');
    await page.locator('input[name=password]').fill(PASSWORD);
    await page.locator('form.login button[type=submit]').click();
    await page.locator('[data-testid=connection].up').waitFor({ timeout: 60_000 });

    // Baseline 1, the floor: a bare page with the same number of rows and a bare Socket.IO server.
    const bare = await startBareBaseline(ROWS);
    try {
      const barePage = await context.newPage();
      await barePage.goto(bare.url);
      await barePage.waitForFunction(
        () => (window as unknown as { benchConnected?: boolean }).benchConnected,
      );
      results.bare = summary(await measure(bare.publish, barePage, bare.ids, RUNS));
      await barePage.close();
    } finally {
      await bare.close();
    }

    // Baseline 2: the app with a short list.
    const publish = publishThroughHub(bench);
    const baselineIds = await seedConversations(bench, BASELINE_ROWS, 0);
    await loadRows(page, bench.baseUrl, BASELINE_ROWS);
    results.baseline = summary(await measure(publish, page, baselineIds, RUNS));

    // The same with the long list (the new conversations are older, so they load after the first ones).
    const moreIds = await seedConversations(bench, ROWS - BASELINE_ROWS, BASELINE_ROWS);
    await loadRows(page, bench.baseUrl, ROWS);
    results.rowsLoaded = await loadedRows(page);
    results.rowsInDom = await page.locator('[data-testid=conversation-list] .row').count();
    results.longList = summary(await measure(publish, page, [...baselineIds, ...moreIds], RUNS));
    results.loadAverageEnd = os.loadavg();
    await context.close();
  } finally {
    await browser.close();
    await bench.close();
  }

  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const row = (name: string, s: unknown) => {
    const v = s as ReturnType<typeof summary>;
    return `| ${name} | ${v.n} | ${v.medianMs} | ${v.p90Ms} | ${v.maxMs} |`;
  };
  const md = [
    '# UI benchmark',
    '',
    `Run ${String(results.startedAt)} on ${String(results.cpus)} CPUs (${String(results.cpuModel)}), Node ${process.version}, load average ${(results.loadAverageStart as number[]).map((n) => n.toFixed(1)).join(' / ')} at start.`,
    '',
    `Bundle (agent-ui/dist/assets, JS + CSS): ${kb(bundle.rawBytes)} raw, **${kb(bundle.gzipBytes)} gzipped**.`,
    '',
    '`message:new` published → row shown first with the new preview (ms):',
    '',
    '| list | samples | median | p90 | max |',
    '|---|---|---|---|---|',
    row(`bare page + bare Socket.IO, ${ROWS} rows (baseline: the floor)`, results.bare),
    row(`app, ${BASELINE_ROWS} rows (baseline: a short list)`, results.baseline),
    row(`app, ${String(results.rowsLoaded)} rows`, results.longList),
    '',
    `The app's list is virtualized: of the ${String(results.rowsLoaded)} conversations loaded, ${String(results.rowsInDom)} rows were in the DOM.`,
    '',
    "The app's time includes what the hub does before the event leaves: the event is persisted (for replay",
    'after a reconnect) and goes through the Redis adapter; the bare server only emits.',
    '',
  ].join('\n');
  await mkdir(path.join(root, 'bench', 'results'), { recursive: true });
  await writeFile(path.join(root, 'bench', 'results', 'ui.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(root, 'bench', 'results', 'ui.md'), md);
  console.log(md);
}

// Exits once the results are written, as the other benches do: a handle left open after the hub and the
// browser are closed kept the process alive, so scripts/bench.sh never reached the next bench.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
