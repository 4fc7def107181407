import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { MongoClient, MongoServerError } from 'mongodb';
import { startEmbeddedMongo } from '../../server/embedded-mongo';
import { makeTempDir, removeTempDirs, spawnFixture } from './storage-helpers';

const ROUNDS = 5;

/** What the writers had acknowledged before they died, over every round so far. */
interface Acknowledged {
  ids: Set<string>;
  /** Highest acknowledged increment count per document. */
  incs: Map<string, number>;
}

/** Reads a dead writer's stdout; a line cut by the SIGKILL (no trailing newline) is not counted. */
function collect(lines: string[], into: Acknowledged): void {
  for (const line of lines) {
    const [kind, id, n] = line.split(' ');
    if (kind === 'ins' && id) into.ids.add(id);
    if (kind === 'inc' && id && n) into.incs.set(id, Math.max(into.incs.get(id) ?? 0, Number(n)));
  }
}

async function verifyAfterRestart(dataDir: string, acked: Acknowledged, round: number): Promise<void> {
  const engine = await startEmbeddedMongo({ port: 0, dataDir, durability: 'journaled' });
  const client = await MongoClient.connect(engine.uri);
  try {
    const items = client.db('crash').collection<{ _id: string; key: string; n: number }>('items');
    const docs = await items.find({}, { projection: { pad: 0 } }).toArray();
    const present = new Map(docs.map((d) => [d._id, d]));
    assert.equal(present.size, docs.length, 'no duplicate _id');
    const missing = [...acked.ids].filter((id) => !present.has(id));
    assert.deepEqual(missing, [], `round ${round}: acknowledged inserts lost`);
    for (const [id, n] of acked.incs) {
      // Exactly the acknowledged increments, plus at most the one in flight when the writer died.
      const stored = present.get(id)?.n ?? -1;
      assert.ok(stored === n || stored === n + 1, `round ${round}: ${id} has n=${stored}, acknowledged ${n}`);
    }
    // The unique index survived recovery and still refuses duplicates.
    const indexes = await items.listIndexes().toArray();
    assert.ok(
      indexes.some((ix) => ix.name === 'key_1' && ix.unique === true),
      'unique index key_1 is back',
    );
    const keys = new Set(docs.map((d) => d.key));
    assert.equal(keys.size, docs.length, 'no duplicate key values');
    const someKey = docs[0]?.key;
    if (someKey) {
      await assert.rejects(
        items.insertOne({ _id: `dup-${round}`, key: someKey, n: 0 }),
        (err: unknown) => err instanceof MongoServerError && err.code === 11000,
      );
    }
    // And it takes new writes, which become part of what must survive the next rounds.
    const fresh = `parent-${round}`;
    await items.insertOne({ _id: fresh, key: `key-${fresh}`, n: 0 });
    assert.equal((await items.findOne({ _id: fresh }))?.key, `key-${fresh}`);
    acked.ids.add(fresh);
  } finally {
    await client.close();
    await engine.stop();
  }
}

describe('embedded-mongo crash safety (SIGKILL during acknowledged writes)', function () {
  this.timeout(180_000);
  afterEach(removeTempDirs);

  it(`keeps every acknowledged write across ${ROUNDS} kill -9 rounds on one data directory`, async () => {
    const dataDir = await makeTempDir('omnihub-crash-');
    const acked: Acknowledged = { ids: new Set(), incs: new Map() };
    for (let round = 1; round <= ROUNDS; round++) {
      // Odd rounds compact every ~20 KB of journal (a few dozen writes), so kills also land in the middle
      // of a compaction; even rounds keep the default and only append.
      const threshold = round % 2 === 1 ? ['20000'] : [];
      const writer = spawnFixture('crash-writer.ts', [dataDir, String(round), ...threshold]);
      // The random moment is counted from the first acknowledgement, so that even a slow start (a loaded
      // machine) leaves the writer time to acknowledge something before it dies.
      await writer.waitForLine((l) => l.startsWith('ins '));
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 1200));
      writer.process.kill('SIGKILL');
      assert.equal(
        await writer.exited,
        'SIGKILL',
        `the writer was still writing; stderr: ${writer.stderr()}`,
      );
      const before = acked.ids.size;
      collect(writer.lines, acked);
      assert.ok(acked.ids.size > before, `round ${round}: the writer acknowledged some inserts before dying`);
      await verifyAfterRestart(dataDir, acked, round);
    }
    assert.ok(
      (await readdir(dataDir)).some((n) => n.startsWith('snapshot-')),
      'the engine compacted at least once',
    );
  });
});
