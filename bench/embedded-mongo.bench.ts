/**
 * Benchmark of the embedded MongoDB-wire engine on a realistic contact-center timeline, each figure next
 * to the same operation on an in-process Map-based baseline measured in the same run.
 *
 *   npx tsx bench/embedded-mongo.bench.ts            # 100k conversations, 1M messages
 *   BENCH_SCALE=0.05 npx tsx bench/embedded-mongo.bench.ts   # smaller
 *
 * The engine runs as its own process (`server/embedded-mongo/cli.ts`, journaled durability, data in a
 * temporary directory), as `npm run db` would, and is driven through the official `mongodb` driver.
 * The collections carry the hub's real indexes (created from the hub's own mongoose schemas: partial,
 * multikey and compound alike) and the point reads are the queries the webhook path runs (the dedupe by
 * provider id, the opening-key lookup, the contact lookup by identity); each one's plan is recorded, so a
 * planner regression shows as a COLLSCAN in the results as well as in the rates.
 * Writes bench/results/embedded-mongo.json and bench/results/embedded-mongo.md. Not a test: nothing here
 * asserts on time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient, ObjectId, type Collection, type Document } from 'mongodb';
import mongoose from 'mongoose';
import { contactModel } from '../server/modules/contacts/contact.model';
import { defineConversationModels } from '../server/modules/conversations/conversation.model';
import { defineMessageModels } from '../server/modules/conversations/message.model';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const CONVERSATIONS = Math.max(100, Math.round(100_000 * SCALE));
const MESSAGES_PER_CONVERSATION = 10;
const WRITERS = 32;
const SINGLE_INSERTS = Math.max(2_000, Math.round(50_000 * SCALE));
const POINT_READS = Math.max(2_000, Math.round(50_000 * SCALE));
const TEAMS = 20;
const CHANNELS = ['sms', 'email', 'whatsapp', 'chat', 'voice', 'wechat'];
const STATUSES = ['new', 'open', 'pending', 'snoozed', 'resolved', 'closed'];
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const SPAN_DAYS = 90;

interface Conversation extends Document {
  _id: ObjectId;
  number: number;
  channel: string;
  status: string;
  team: string;
  createdAt: Date;
  updatedAt: Date;
  resolutionMinutes: number;
  /** Hub fields the webhook path and the report query. */
  openingKey: string;
  contactId: string;
  metrics: { firstInboundAt: Date };
}

interface Contact extends Document {
  _id: ObjectId;
  name: string;
  phones: string[];
  identities: { channel: string; externalId: string }[];
}

interface Message extends Document {
  _id: ObjectId;
  conversationId: ObjectId;
  seq: number;
  channel: string;
  externalId: string;
  direction: string;
  text: string;
  occurredAt: Date;
}

/** Deterministic pseudo-random numbers, so runs are comparable. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeConversation(i: number, rand: () => number): Conversation {
  const createdAt = new Date(T0 + Math.floor(rand() * SPAN_DAYS * DAY));
  return {
    _id: new ObjectId(),
    number: 10_001 + i,
    channel: CHANNELS[i % CHANNELS.length]!,
    status: STATUSES[Math.floor(rand() * STATUSES.length)]!,
    team: `team-${i % TEAMS}`,
    createdAt,
    updatedAt: new Date(createdAt.getTime() + Math.floor(rand() * DAY)),
    resolutionMinutes: Math.floor(rand() * 600),
    openingKey: `sms:SM${10_001 + i}`,
    contactId: `contact-${i}`,
    metrics: { firstInboundAt: createdAt },
  };
}

function makeContact(i: number): Contact {
  const phone = `+1555${String(i).padStart(7, '0')}`;
  return {
    _id: new ObjectId(),
    name: `Contact ${i}`,
    phones: [phone],
    // Two identities each: the identities index is multikey, as in production.
    identities: [
      { channel: 'sms', externalId: phone },
      { channel: 'whatsapp', externalId: phone },
    ],
  };
}

/** The hub's own indexes on conversations, messages and contacts, from its mongoose schemas. */
async function createHubIndexes(uri: string): Promise<void> {
  const connection = await mongoose.createConnection(uri, { dbName: 'bench', autoIndex: false }).asPromise();
  try {
    const { Conversation } = defineConversationModels(connection);
    const { Message } = defineMessageModels(connection);
    await Promise.all([
      Conversation.createIndexes(),
      Message.createIndexes(),
      contactModel(connection).createIndexes(),
    ]);
  } finally {
    await connection.close();
  }
}

/** `'IXSCAN <index>'`, `'IDHACK'` or `'COLLSCAN'`, and the documents examined, from explain. */
async function planOf(
  coll: Collection<Document>,
  filter: Document,
): Promise<{ plan: string; examined: number }> {
  const ex = await coll.find(filter).explain('executionStats');
  const winning = (ex.queryPlanner as Document).winningPlan as Document;
  const stage = (winning.inputStage ?? winning) as Document;
  return {
    plan: stage.indexName ? `${String(stage.stage)} ${String(stage.indexName)}` : String(stage.stage),
    examined: Number((ex.executionStats as Document).totalDocsExamined),
  };
}

function makeMessage(conv: Conversation, seq: number): Message {
  return {
    _id: new ObjectId(),
    conversationId: conv._id,
    seq,
    channel: conv.channel,
    externalId: `${conv.channel}-${conv.number}-${seq}`,
    direction: seq % 2 === 0 ? 'outbound' : 'inbound',
    text: `Message ${seq} of conversation #${conv.number}: hello, I have a question about my order.`,
    occurredAt: new Date(conv.createdAt.getTime() + seq * 60_000),
  };
}

/** Runs `total` operations with `concurrency` workers; returns operations per second. */
async function concurrently(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) await op(i);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

/** The engine as its own process (like `npm run db`), journaled, on a free port. */
async function startEngineProcess(dataDir: string): Promise<{ uri: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'server/embedded-mongo/cli.ts'), '--port', '0', '--data', dataDir],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const uri = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (mongodb:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`engine exited with ${code}: ${out}`)));
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 || signal !== null)
      console.error(`engine process exited: code ${String(code)}, signal ${String(signal)}`);
  });
  return { uri, child };
}

/** The baseline: the same data in Maps, with the same unique keys checked on insert. */
class MapBaseline {
  readonly conversations = new Map<string, Conversation>();
  readonly messages = new Map<string, Message>();
  private readonly byConvSeq = new Map<string, string>();
  private readonly byExternal = new Map<string, string>();

  insertMessage(m: Message): void {
    const id = m._id.toHexString();
    const k1 = `${m.conversationId.toHexString()}|${m.seq}`;
    const k2 = `${m.channel}|${m.externalId}`;
    if (this.messages.has(id) || this.byConvSeq.has(k1) || this.byExternal.has(k2))
      throw new Error('duplicate');
    this.messages.set(id, m);
    this.byConvSeq.set(k1, id);
    this.byExternal.set(k2, id);
  }

  findMessage(conversationId: ObjectId, seq: number): Message | undefined {
    const id = this.byConvSeq.get(`${conversationId.toHexString()}|${seq}`);
    return id === undefined ? undefined : this.messages.get(id);
  }

  teamReport(from: Date, to: Date): Array<{ _id: string; n: number; avg: number }> {
    const groups = new Map<string, { n: number; sum: number }>();
    for (const c of this.conversations.values()) {
      if (c.createdAt < from || c.createdAt >= to) continue;
      const g = groups.get(c.team) ?? { n: 0, sum: 0 };
      g.n += 1;
      g.sum += c.resolutionMinutes;
      groups.set(c.team, g);
    }
    return [...groups]
      .map(([team, g]) => ({ _id: team, n: g.n, avg: g.sum / g.n }))
      .sort((a, b) => a._id.localeCompare(b._id));
  }
}

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function main(): Promise<void> {
  const rand = rng(42);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-bench-'));
  const { uri, child } = await startEngineProcess(dataDir);
  const client = await MongoClient.connect(uri, { maxPoolSize: WRITERS + 4 });
  const baseline = new MapBaseline();
  const results: Record<string, unknown> = {
    scale: SCALE,
    conversations: CONVERSATIONS,
    messages: CONVERSATIONS * MESSAGES_PER_CONVERSATION,
    writers: WRITERS,
    durability: 'journaled',
    node: process.version,
    cpus: os.cpus().length,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(1))),
    date: new Date().toISOString(),
    ...(process.env.BENCH_NOTE ? { note: process.env.BENCH_NOTE } : {}),
  };
  try {
    const db = client.db('bench');
    const conversations: Collection<Conversation> = db.collection('conversations');
    const messages: Collection<Message> = db.collection('messages');
    const contacts: Collection<Contact> = db.collection('contacts');
    await createHubIndexes(uri);
    results.indexes = {
      conversations: (await conversations.indexes()).map((i) => i.name),
      messages: (await messages.indexes()).map((i) => i.name),
      contacts: (await contacts.indexes()).map((i) => i.name),
    };

    console.log(
      `generating ${CONVERSATIONS} conversations / ${CONVERSATIONS * MESSAGES_PER_CONVERSATION} messages`,
    );
    const convs = Array.from({ length: CONVERSATIONS }, (_, i) => makeConversation(i, rand));
    for (const c of convs) baseline.conversations.set(c._id.toHexString(), c);

    // 1. Bulk load: conversations then messages, batches of 1000 from 32 concurrent writers.
    const convBatches = Math.ceil(convs.length / 1000);
    const convRate =
      (await concurrently(convBatches, WRITERS, (b) =>
        conversations.insertMany(convs.slice(b * 1000, (b + 1) * 1000)),
      )) * 1000;
    console.log(`bulk conversations: ${Math.round(convRate)} docs/s`);
    await concurrently(convBatches, WRITERS, (b) =>
      contacts.insertMany(
        Array.from({ length: Math.min(1000, CONVERSATIONS - b * 1000) }, (_, k) => makeContact(b * 1000 + k)),
      ),
    );
    const bulkMessages = CONVERSATIONS * MESSAGES_PER_CONVERSATION - SINGLE_INSERTS;
    const perBatch = 1000;
    const batchCount = Math.ceil(bulkMessages / perBatch);
    const messageOf = (n: number): Message =>
      makeMessage(convs[Math.floor(n / MESSAGES_PER_CONVERSATION)]!, n % MESSAGES_PER_CONVERSATION);
    const bulkStarted = performance.now();
    await concurrently(batchCount, WRITERS, async (b) => {
      const batch: Message[] = [];
      for (let n = b * perBatch; n < Math.min(bulkMessages, (b + 1) * perBatch); n++)
        batch.push(messageOf(n));
      await messages.insertMany(batch, { ordered: false });
    });
    const bulkRate = bulkMessages / ((performance.now() - bulkStarted) / 1000);
    console.log(`bulk messages: ${Math.round(bulkRate)} docs/s`);

    // 2. Single acknowledged inserts (the ingest pattern): 32 concurrent writers, one insertOne each.
    const singleRate = await concurrently(SINGLE_INSERTS, WRITERS, (i) =>
      messages.insertOne(messageOf(bulkMessages + i)),
    );
    console.log(`insertOne x${WRITERS}: ${Math.round(singleRate)} ops/s`);
    const baselineAll = Array.from({ length: CONVERSATIONS * MESSAGES_PER_CONVERSATION }, (_, n) =>
      messageOf(n),
    );
    const baseInsert = timed(() => {
      for (const m of baselineAll) baseline.insertMessage(m);
    });
    const baselineInsertRate = baselineAll.length / (baseInsert.ms / 1000);
    results.inserts = {
      engineBulkInsertManyDocsPerSec: Math.round(bulkRate),
      engineBulkConversationsDocsPerSec: Math.round(convRate),
      engineInsertOneOpsPerSec: Math.round(singleRate),
      baselineMapInsertsPerSec: Math.round(baselineInsertRate),
    };

    // Reference: the round-trip floor (a `ping` does no engine work), to read the other figures against.
    const pingRate = await concurrently(POINT_READS, WRITERS, () => db.command({ ping: 1 }));
    console.log(`ping x${WRITERS}: ${Math.round(pingRate)}/s`);
    results.pingPerSec = Math.round(pingRate);

    // 3. Indexed point reads: {conversationId, seq} (unique compound) from 32 concurrent readers.
    const total = CONVERSATIONS * MESSAGES_PER_CONVERSATION;
    const picks = Array.from({ length: POINT_READS }, () => Math.floor(rand() * total));
    let found = 0;
    const readRate = await concurrently(POINT_READS, WRITERS, async (i) => {
      const n = picks[i]!;
      const doc = await messages.findOne({
        conversationId: convs[Math.floor(n / MESSAGES_PER_CONVERSATION)]!._id,
        seq: n % MESSAGES_PER_CONVERSATION,
      });
      if (doc) found += 1;
    });
    const externalRate = await concurrently(POINT_READS, WRITERS, async (i) => {
      const n = picks[i]!;
      const conv = convs[Math.floor(n / MESSAGES_PER_CONVERSATION)]!;
      await messages.findOne({
        channel: conv.channel,
        externalId: `${conv.channel}-${conv.number}-${n % MESSAGES_PER_CONVERSATION}`,
      });
    });
    // The webhook path's lookups: opening key (partial unique) and contact by identity ($elemMatch on the
    // multikey, partial identities index).
    const openingRate = await concurrently(POINT_READS, WRITERS, async (i) => {
      const n = picks[i]! % CONVERSATIONS;
      await conversations.findOne({ openingKey: `sms:SM${10_001 + n}` });
    });
    const identityOf = (n: number): Document => {
      const phone = `+1555${String(n).padStart(7, '0')}`;
      return {
        'identities.channel': 'sms',
        identities: { $elemMatch: { channel: 'sms', externalId: phone } },
      };
    };
    const contactRate = await concurrently(POINT_READS, WRITERS, async (i) => {
      await contacts.findOne(identityOf(picks[i]! % CONVERSATIONS));
    });
    const sample = convs[7]!;
    results.plans = {
      dedupeByChannelExternalId: await planOf(messages as unknown as Collection<Document>, {
        channel: sample.channel,
        externalId: `${sample.channel}-${sample.number}-3`,
      }),
      conversationByOpeningKey: await planOf(conversations as unknown as Collection<Document>, {
        openingKey: sample.openingKey,
      }),
      contactByIdentity: await planOf(contacts as unknown as Collection<Document>, identityOf(7)),
      messageByConversationSeq: await planOf(messages as unknown as Collection<Document>, {
        conversationId: sample._id,
        seq: 3,
      }),
    };
    console.log(`plans: ${JSON.stringify(results.plans)}`);
    const baseRead = timed(() => {
      let hits = 0;
      for (const n of picks)
        if (
          baseline.findMessage(
            convs[Math.floor(n / MESSAGES_PER_CONVERSATION)]!._id,
            n % MESSAGES_PER_CONVERSATION,
          )
        )
          hits += 1;
      return hits;
    });
    console.log(
      `point reads: ${Math.round(readRate)}/s (found ${found}/${POINT_READS}), by externalId ${Math.round(externalRate)}/s`,
    );
    results.pointReads = {
      engineFindOneByConversationSeqPerSec: Math.round(readRate),
      engineFindOneByChannelExternalIdPerSec: Math.round(externalRate),
      engineFindOneConversationByOpeningKeyPerSec: Math.round(openingRate),
      engineFindOneContactByIdentityPerSec: Math.round(contactRate),
      found,
      baselineMapGetPerSec: Math.round(POINT_READS / (baseRead.ms / 1000)),
    };

    // 4. A conversation list page: newest activity first among open conversations (index-provided sort).
    const pageRate = await concurrently(2_000, WRITERS, () =>
      conversations.find({ status: 'open' }).sort({ updatedAt: -1 }).limit(50).toArray(),
    );
    results.listPage = { engineOpenConversationsPagePerSec: Math.round(pageRate) };
    console.log(`list page (50 newest open): ${Math.round(pageRate)}/s`);

    // 5. Supervisor report: last 7 days by team, count and average resolution.
    const from = new Date(T0 + (SPAN_DAYS - 7) * DAY);
    const to = new Date(T0 + SPAN_DAYS * DAY);
    const pipeline = [
      { $match: { 'metrics.firstInboundAt': { $gte: from, $lt: to } } },
      { $group: { _id: '$team', n: { $sum: 1 }, avg: { $avg: '$resolutionMinutes' } } },
      { $sort: { _id: 1 } },
    ];
    const engineRows = await conversations.aggregate(pipeline).toArray();
    const engineAggMs = await median(5, () => conversations.aggregate(pipeline).toArray());
    const baseRows = baseline.teamReport(from, to);
    const baseAgg = timed(() => baseline.teamReport(from, to));
    const sameAnswer =
      JSON.stringify(engineRows.map((r) => [r._id, r.n])) ===
      JSON.stringify(baseRows.map((r) => [r._id, r.n]));
    console.log(
      `team report: ${engineAggMs.toFixed(1)} ms (baseline ${baseAgg.ms.toFixed(1)} ms), same answer: ${sameAnswer}`,
    );
    results.aggregation = {
      description:
        "$match metrics.firstInboundAt (the hub's index) in the last 7 of 90 days + $group by team {count, avg resolution} + $sort",
      matched: baseRows.reduce((n, r) => n + r.n, 0),
      engineMedianMs: Number(engineAggMs.toFixed(2)),
      baselineMs: Number(baseAgg.ms.toFixed(2)),
      sameAnswer,
    };
  } finally {
    await client.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
  await writeResults(results);
}

async function writeResults(results: Record<string, unknown>): Promise<void> {
  const dir = path.join(root, 'bench/results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'embedded-mongo.json'), `${JSON.stringify(results, null, 2)}\n`);
  const r = results as {
    inserts: Record<string, number>;
    pointReads: Record<string, number>;
    listPage: Record<string, number>;
    aggregation: Record<string, number | string | boolean>;
  };
  const md = [
    '# Embedded MongoDB engine benchmark',
    '',
    `${String(results.date)} · Node ${String(results.node)} · ${String(results.cpus)} CPUs · scale ${String(results.scale)}: ` +
      `${String(results.conversations)} conversations, ${String(results.messages)} messages · journaled durability · ${WRITERS} concurrent clients.`,
    'The engine runs as its own process and is driven through the `mongodb` driver; the baseline is the same operation on in-process Maps.',
    '',
    `Load average at start: ${(results.loadAverageAtStart as number[]).join(' ')} (figures scale with how busy the machine is; compare within one run).` +
      (typeof results.note === 'string' ? ` Note: ${results.note}` : ''),
    '',
    '| operation | engine | Map baseline |',
    '|---|---|---|',
    `| bulk insertMany (1000/batch), messages | ${r.inserts.engineBulkInsertManyDocsPerSec} docs/s | ${r.inserts.baselineMapInsertsPerSec} docs/s |`,
    `| insertOne, ${WRITERS} writers, each acknowledged after fdatasync | ${r.inserts.engineInsertOneOpsPerSec} ops/s | ${r.inserts.baselineMapInsertsPerSec} docs/s |`,
    `| ping (round-trip floor, no engine work) | ${String(results.pingPerSec)} /s | — |`,
    `| findOne {conversationId, seq} (unique index) | ${r.pointReads.engineFindOneByConversationSeqPerSec} /s | ${r.pointReads.baselineMapGetPerSec} /s |`,
    `| findOne {channel, externalId} (the ingest dedupe; partial unique index) | ${r.pointReads.engineFindOneByChannelExternalIdPerSec} /s | — |`,
    `| findOne {openingKey} (partial unique index) | ${r.pointReads.engineFindOneConversationByOpeningKeyPerSec} /s | — |`,
    `| findOne contact by identity ($elemMatch, multikey partial index) | ${r.pointReads.engineFindOneContactByIdentityPerSec} /s | — |`,
    `| 50 newest open conversations (index sort) | ${r.listPage.engineOpenConversationsPagePerSec} /s | — |`,
    `| team report aggregation (${String(r.aggregation.matched)} matched) | ${String(r.aggregation.engineMedianMs)} ms | ${String(r.aggregation.baselineMs)} ms |`,
    '',
    "Plans of the webhook path's lookups (explain): " +
      Object.entries(results.plans as Record<string, { plan: string; examined: number }>)
        .map(([name, p]) => `${name}: ${p.plan} (${p.examined} examined)`)
        .join('; ') +
      '.',
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'embedded-mongo.md'), md);
  console.log(md);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
