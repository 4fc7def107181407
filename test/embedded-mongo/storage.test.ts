import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { Binary, BSONRegExp, Decimal128, Double, Int32, Long, ObjectId, serialize } from 'bson';
import { crc32c } from '../../server/embedded-mongo/storage';
import {
  journalFiles,
  makeTempDir,
  numbers,
  openStore,
  range,
  recoverAll,
  removeTempDirs,
  reopenAndRecover,
} from './storage-helpers';

/** Appends {i} for every i in `values`, all at once (they are still written in call order). */
async function appendAll(dir: string, values: number[]): Promise<void> {
  const store = await openStore(dir);
  await recoverAll(store);
  await Promise.all(values.map((i) => store.append({ i })));
  await store.close();
}

async function onlySegment(dir: string): Promise<string> {
  const files = await journalFiles(dir);
  assert.equal(files.length, 1);
  return path.join(dir, files[0]!);
}

describe('embedded-mongo durable store: journal', () => {
  afterEach(removeTempDirs);

  it('computes CRC-32C (Castagnoli) with the standard check value, also across split buffers', () => {
    const bytes = Buffer.from('123456789');
    assert.equal(crc32c(bytes), 0xe3069283);
    assert.equal(crc32c(bytes.subarray(5), crc32c(bytes.subarray(0, 5))), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  it('recovers appended payloads byte for byte, keeping every BSON type', async () => {
    const dir = await makeTempDir();
    const doc = {
      _id: new ObjectId(),
      int: new Int32(7),
      double: new Double(1),
      long: Long.fromString('9007199254740993'),
      dec: Decimal128.fromString('0.1'),
      bin: new Binary(Buffer.from('abc'), 4),
      re: new BSONRegExp('^a', 'i'),
      date: new Date(0),
      nested: { arr: [new Int32(1), 'two', null] },
    };
    const store = await openStore(dir);
    assert.deepEqual(await recoverAll(store), { snapshot: [], journal: [] });
    await store.append(doc);
    await store.close();

    const { journal } = await reopenAndRecover(dir);
    assert.equal(journal.length, 1);
    assert.ok(journal[0]!.double instanceof Double, 'a double stays a double, not a JS number');
    assert.deepEqual(Buffer.from(serialize(journal[0]!)), Buffer.from(serialize(doc)));
  });

  it('replays records in append order across concurrent appends and restarts', async () => {
    const dir = await makeTempDir();
    await appendAll(dir, range(0, 500));
    await appendAll(dir, range(500, 700));
    const { journal } = await reopenAndRecover(dir);
    assert.deepEqual(numbers(journal), range(0, 700));
  });

  it('stops at a torn record, truncates it, and appends after the last good record', async () => {
    const dir = await makeTempDir();
    await appendAll(dir, range(0, 10));
    const segment = await onlySegment(dir);
    const { size } = await stat(segment);
    const recordBytes = size / 10; // every {i} record has the same size
    await truncate(segment, size - Math.floor(recordBytes / 2)); // cut the last record in half

    const warnings: string[] = [];
    const store = await openStore(dir, { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(numbers((await recoverAll(store)).journal), range(0, 9));
    assert.match(warnings.join('\n'), /torn record/);
    assert.equal((await stat(segment)).size, recordBytes * 9, 'the torn tail is cut off');
    await store.append({ i: 100 });
    await store.close();

    assert.deepEqual(numbers((await reopenAndRecover(dir)).journal), [...range(0, 9), 100]);
  });

  for (const [where, offsetInRecord] of [
    ['payload', 20],
    ['sequence', 9],
    ['length', 0],
  ] as const) {
    it(`stops at a record whose ${where} bytes were flipped, discarding everything after it`, async () => {
      const dir = await makeTempDir();
      await appendAll(dir, range(0, 10));
      const segment = await onlySegment(dir);
      const recordBytes = (await stat(segment)).size / 10;
      const handle = await open(segment, 'r+');
      const at = recordBytes * 6 + offsetInRecord;
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, at);
      byte[0] = byte[0]! ^ 0x40;
      await handle.write(byte, 0, 1, at);
      await handle.close();

      const first = await reopenAndRecover(dir);
      assert.deepEqual(numbers(first.journal), range(0, 6));
      assert.match(first.warnings.join('\n'), /corrupt record at offset/);
      await appendAll(dir, [42]);
      assert.deepEqual(numbers((await reopenAndRecover(dir)).journal), [...range(0, 6), 42]);
    });
  }

  it('treats zero bytes after the last record (a preallocated or unwritten tail) as the end', async () => {
    const dir = await makeTempDir();
    await appendAll(dir, range(0, 3));
    const segment = await onlySegment(dir);
    const { size } = await stat(segment);
    await truncate(segment, size + 4096);
    assert.deepEqual(numbers((await reopenAndRecover(dir)).journal), range(0, 3));
    assert.equal((await stat(segment)).size, size);
  });

  it('counts journal bytes since the snapshot, across a restart', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    assert.equal(store.journalBytes(), 0);
    await store.append({ i: 1 });
    const one = store.journalBytes();
    assert.ok(one > 0);
    await store.append({ i: 2 });
    assert.equal(store.journalBytes(), 2 * one);
    await store.close();
    const again = await openStore(dir);
    assert.equal(again.journalBytes(), 2 * one);
    await again.close();
  });

  it('rejects appends after close, and a payload BSON cannot encode without losing a sequence', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    await store.append({ i: 0 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await assert.rejects(store.append(circular), /circular/i);
    await store.append({ i: 1 });
    await store.close();
    await assert.rejects(store.append({ i: 2 }), /closed/);
    assert.deepEqual(numbers((await reopenAndRecover(dir)).journal), [0, 1]);
  });
});

describe('embedded-mongo durable store: commit modes', () => {
  afterEach(removeTempDirs);

  it('shares one fdatasync among concurrent appends (group commit)', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    await Promise.all(range(0, 1000).map((i) => store.append({ i })));
    const { appends, syncs } = store.stats();
    assert.equal(appends, 1000);
    assert.ok(syncs >= 1 && syncs <= 5, `expected a handful of fdatasyncs for 1000 appends, got ${syncs}`);
    await store.close();
  });

  it('writes records arriving during an fdatasync at once, and acknowledges them after the next one', async () => {
    const dir = await makeTempDir();
    const gates: Array<() => void> = [];
    const store = await openStore(dir, {
      hooks: { beforeDatasync: () => new Promise<void>((resolve) => gates.push(resolve)) },
    });
    const settled: number[] = [];
    const track = (i: number) => store.append({ i }).then(() => settled.push(i));
    const first = track(0);
    await waitFor(() => gates.length === 1); // the first sync is in flight
    const later = [track(1), track(2), track(3)];
    await waitFor(() => store.stats().writes === 2); // written while the sync is held
    assert.deepEqual(settled, [], 'nothing is acknowledged before its fdatasync');
    gates.shift()!();
    await first;
    assert.deepEqual(settled, [0], 'the first sync covers only what was written before it');
    await waitFor(() => gates.length === 1);
    gates.shift()!();
    await Promise.all(later);
    assert.deepEqual(settled, [0, 1, 2, 3]);
    assert.equal(store.stats().syncs, 2);
    await store.close();
  });

  it('in relaxed mode acknowledges after the write and fdatasyncs shortly after', async () => {
    const dir = await makeTempDir();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const store = await openStore(dir, {
      mode: 'relaxed',
      relaxedSyncDelayMs: 10,
      hooks: { beforeDatasync: () => held },
    });
    await store.append({ i: 0 }); // resolves although every fdatasync is held
    assert.equal(store.stats().syncs, 0);
    release();
    await waitFor(() => store.stats().syncs === 1);
    await store.append({ i: 1 });
    await waitFor(() => store.stats().syncs === 2); // every later write is synced on its own timer too
    await store.append({ i: 2 });
    await store.close(); // close flushes the pending sync
    assert.equal(store.stats().syncs, 3);
    assert.deepEqual(numbers((await reopenAndRecover(dir)).journal), [0, 1, 2]);
  });

  it('in journaled mode does not acknowledge before the fdatasync', async () => {
    const dir = await makeTempDir();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const store = await openStore(dir, { hooks: { beforeDatasync: () => held } });
    let acked = false;
    const append = store.append({ i: 0 }).then(() => (acked = true));
    await waitFor(() => store.stats().writes === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(acked, false);
    release();
    await append;
    await store.close();
  });

  it('refuses every later append once an fdatasync failed (no retry can be trusted)', async () => {
    const dir = await makeTempDir();
    let fail = true;
    const store = await openStore(dir, {
      hooks: {
        beforeDatasync: () => (fail ? Promise.reject(new Error('EIO: simulated')) : Promise.resolve()),
      },
    });
    await assert.rejects(store.append({ i: 0 }), /restart required: EIO: simulated/);
    fail = false;
    await assert.rejects(store.append({ i: 1 }), /restart required/);
    await assert.rejects(store.close(), /restart required/);
    // The lock is released all the same, and a restart recovers what reached the disk.
    const again = await openStore(dir);
    await recoverAll(again);
    await again.close();
  });

  it('in memory mode touches no disk and recovers nothing', async () => {
    const dir = path.join(await makeTempDir(), 'never-created');
    const store = await openStore(dir, { mode: 'memory' });
    await store.append({ i: 0 });
    await store.compact(() => [{ i: 0 }]);
    assert.equal(store.journalBytes(), 0);
    assert.deepEqual(await recoverAll(store), { snapshot: [], journal: [] });
    await store.close();
    assert.equal(existsSync(dir), false);
    const again = await openStore(dir, { mode: 'memory' });
    assert.deepEqual(await recoverAll(again), { snapshot: [], journal: [] });
    await again.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
