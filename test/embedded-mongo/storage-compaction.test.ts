import assert from 'node:assert/strict';
import { copyFile, open, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Document } from 'bson';
import type { CompactionStep } from '../../server/embedded-mongo/storage';
import {
  journalFiles,
  makeTempDir,
  numbers,
  openStore,
  range,
  recoverAll,
  removeTempDirs,
  reopenAndRecover,
  snapshotFiles,
} from './storage-helpers';

const docs = (values: number[]): Document[] => values.map((i) => ({ i }));

/** Store with `before` records, compacted to a snapshot of them, then `after` more records. */
async function compactedDir(before: number, after: number, extra = {}): Promise<string> {
  const dir = await makeTempDir();
  const store = await openStore(dir, extra);
  await Promise.all(range(0, before).map((i) => store.append({ i })));
  await store.compact(() => docs(range(0, before)));
  await Promise.all(range(before, before + after).map((i) => store.append({ i })));
  await store.close();
  return dir;
}

describe('embedded-mongo durable store: compaction', () => {
  afterEach(removeTempDirs);

  it('recovers the snapshot then only the journal records written after it', async () => {
    const dir = await compactedDir(100, 50);
    const { snapshot, journal } = await reopenAndRecover(dir);
    assert.deepEqual(numbers(snapshot), range(0, 100));
    assert.deepEqual(numbers(journal), range(100, 150));
    assert.deepEqual(await snapshotFiles(dir), ['snapshot-0000000000000100.bson']);
    assert.deepEqual(await journalFiles(dir), ['journal-0000000000000101.wal'], 'old segments are deleted');
  });

  it('resets journalBytes at compaction and counts what follows', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    await Promise.all(range(0, 10).map((i) => store.append({ i })));
    const before = store.journalBytes();
    await store.compact(() => docs(range(0, 10)));
    assert.equal(store.journalBytes(), 0);
    await store.append({ i: 10 });
    assert.equal(store.journalBytes(), before / 10);
    await store.close();
  });

  it('captures the state synchronously: appends made while the snapshot is written follow it', async () => {
    const dir = await makeTempDir();
    const state: Document[] = [];
    const store = await openStore(dir);
    const append = (i: number) => {
      state.push({ i });
      return store.append({ i });
    };
    await Promise.all(range(0, 20).map(append));
    const compaction = store.compact(() => state.slice());
    const during = Promise.all(range(20, 40).map(append));
    await Promise.all([compaction, during]);
    await store.close();
    const { snapshot, journal } = await reopenAndRecover(dir);
    assert.deepEqual(numbers(snapshot), range(0, 20));
    assert.deepEqual(numbers(journal), range(20, 40));
  });

  it('runs overlapping compactions one after the other, and compacts an unchanged store again', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    await store.append({ i: 0 });
    await Promise.all([store.compact(() => docs([0])), store.compact(() => docs([0]))]);
    await store.compact(() => docs([0]));
    await store.append({ i: 1 });
    await store.close();
    const { snapshot, journal } = await reopenAndRecover(dir);
    assert.deepEqual(numbers(snapshot), [0]);
    assert.deepEqual(numbers(journal), [1]);
    assert.equal((await snapshotFiles(dir)).length, 1);
  });

  it('streams the snapshot: documents are pulled while earlier ones are already on disk', async () => {
    const dir = await makeTempDir();
    const total = 100_000;
    let pulled = 0;
    let pulledAtFirstChunk: number | undefined;
    const store = await openStore(dir, {
      hooks: {
        onCompactionStep: (step: CompactionStep) =>
          void (step === 'snapshot-chunk-written' && (pulledAtFirstChunk ??= pulled)),
      },
    });
    await store.append({ i: 0 });
    await store.compact(function* () {
      for (let i = 0; i < total; i++) {
        pulled++;
        yield { i, pad: 'x'.repeat(40) };
      }
    });
    await store.close();
    assert.ok(
      pulledAtFirstChunk !== undefined && pulledAtFirstChunk < total / 4,
      `first chunk after ${pulledAtFirstChunk}`,
    );
    const store2 = await openStore(dir);
    let count = 0;
    let last = -1;
    for await (const { kind, doc } of store2.recover()) {
      assert.equal(kind, 'snapshot');
      assert.equal(Number(doc.i), last + 1);
      last = Number(doc.i);
      count++;
    }
    await store2.close();
    assert.equal(count, total);
  });

  it('keeps the journal intact when writing the snapshot fails', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    await Promise.all(range(0, 5).map((i) => store.append({ i })));
    await assert.rejects(
      store.compact(function* () {
        yield { i: 0 };
        throw new Error('engine failed while iterating');
      }),
      /engine failed/,
    );
    await store.append({ i: 5 });
    await store.close();
    const { snapshot, journal } = await reopenAndRecover(dir);
    assert.deepEqual(snapshot, []);
    assert.deepEqual(numbers(journal), range(0, 6));
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });
});

describe('embedded-mongo durable store: what a crash during compaction leaves', () => {
  afterEach(removeTempDirs);

  it('ignores and deletes a half-written temporary snapshot', async () => {
    const dir = await compactedDir(10, 5);
    const tmp = path.join(dir, 'snapshot-0000000000000015.bson.tmp');
    await writeFile(tmp, Buffer.alloc(100, 1));
    const { snapshot, journal } = await reopenAndRecover(dir);
    assert.deepEqual(numbers(snapshot), range(0, 10));
    assert.deepEqual(numbers(journal), range(10, 15));
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });

  it('recovers when the snapshot was renamed but the old snapshot and segments were not yet deleted', async () => {
    const dir = await makeTempDir();
    const keep = await makeTempDir();
    const store = await openStore(dir);
    await Promise.all(range(0, 10).map((i) => store.append({ i })));
    await store.compact(() => docs(range(0, 10)));
    await Promise.all(range(10, 20).map((i) => store.append({ i })));
    await store.close();
    for (const name of await readdir(dir))
      if (name !== 'store.lock') await copyFile(path.join(dir, name), path.join(keep, name));

    const again = await openStore(dir);
    await recoverAll(again);
    await Promise.all(range(20, 30).map((i) => again.append({ i })));
    await again.compact(() => docs(range(0, 30)));
    await again.append({ i: 30 });
    await again.close();
    // Put back what that compaction deleted: the state just after its rename.
    for (const name of await readdir(keep))
      await copyFile(path.join(keep, name), path.join(dir, name)).catch(() => undefined);

    const { snapshot, journal } = await reopenAndRecover(dir);
    assert.deepEqual(numbers(snapshot), range(0, 30));
    assert.deepEqual(numbers(journal), [30], 'records the snapshot covers are not replayed twice');
    assert.deepEqual(await snapshotFiles(dir), ['snapshot-0000000000000030.bson']);
    assert.deepEqual(await journalFiles(dir), ['journal-0000000000000031.wal']);
  });

  it('ends the log at a corrupt record in an older segment, dropping the newer segment after it', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    await Promise.all(range(0, 10).map((i) => store.append({ i })));
    // A snapshotDocs that throws changes nothing; an iteration failing after the rotation leaves two
    // segments and no snapshot.
    await assert.rejects(
      store.compact(() => {
        throw new Error('no state today');
      }),
    );
    await assert.rejects(
      store.compact(function* () {
        yield* [];
        throw new Error('no state today');
      }),
    );
    await Promise.all(range(10, 15).map((i) => store.append({ i })));
    await store.close();
    const segments = await journalFiles(dir);
    assert.deepEqual(segments, ['journal-0000000000000001.wal', 'journal-0000000000000011.wal']);
    const recordBytes = (await stat(path.join(dir, segments[0]!))).size / 10;
    await flipByte(path.join(dir, segments[0]!), recordBytes * 7 + 20);

    const { journal, warnings } = await reopenAndRecover(dir);
    assert.deepEqual(numbers(journal), range(0, 7));
    assert.match(warnings.join('\n'), /journal-0000000000000011\.wal follows the end of the valid log/);
    assert.deepEqual(await journalFiles(dir), ['journal-0000000000000001.wal']);
    await appendOne(dir, 100);
    assert.deepEqual(numbers((await reopenAndRecover(dir)).journal), [...range(0, 7), 100]);
  });

  it('refuses to start when journal records right after the snapshot are missing', async () => {
    const dir = await compactedDir(10, 5);
    await rename(
      path.join(dir, 'journal-0000000000000011.wal'),
      path.join(dir, 'journal-0000000000000013.wal'),
    );
    await assert.rejects(openStore(dir), /journal records 11\.\.12 after snapshot 10 are missing/);
  });

  it('refuses clearly to start from a corrupt snapshot when no older one is kept', async () => {
    const dir = await compactedDir(10, 2);
    await flipByte(path.join(dir, 'snapshot-0000000000000010.bson'), 100);
    await assert.rejects(
      openStore(dir),
      /snapshot-0000000000000010\.bson is corrupt and no older valid snapshot/,
    );
  });

  it('falls back to the previous snapshot and its journal when the newest is corrupt', async () => {
    const dir = await makeTempDir();
    const options = { keepPreviousSnapshot: true };
    const store = await openStore(dir, options);
    await Promise.all(range(0, 10).map((i) => store.append({ i })));
    await store.compact(() => docs(range(0, 10)));
    await Promise.all(range(10, 20).map((i) => store.append({ i })));
    await store.compact(() => docs(range(0, 20)));
    await Promise.all(range(20, 25).map((i) => store.append({ i })));
    await store.close();
    assert.equal((await snapshotFiles(dir)).length, 2);
    await flipByte(path.join(dir, 'snapshot-0000000000000020.bson'), 60);

    const { snapshot, journal, warnings } = await reopenAndRecover(dir, options);
    assert.deepEqual(numbers(snapshot), range(0, 10));
    assert.deepEqual(numbers(journal), range(10, 25));
    assert.match(warnings.join('\n'), /snapshot-0000000000000020\.bson is corrupt/);
  });

  it('rejects a truncated snapshot file (it must end with its trailer)', async () => {
    const dir = await compactedDir(10, 0);
    const file = path.join(dir, 'snapshot-0000000000000010.bson');
    const handle = await open(file, 'r+');
    await handle.truncate((await stat(file)).size - 1);
    await handle.close();
    await assert.rejects(openStore(dir), /corrupt/);
    // The damaged file was set aside, not deleted.
    assert.ok((await readdir(dir)).includes('snapshot-0000000000000010.bson.corrupt'));
    await rename(`${file}.corrupt`, file);
  });
});

async function appendOne(dir: string, i: number): Promise<void> {
  const store = await openStore(dir);
  await recoverAll(store);
  await store.append({ i });
  await store.close();
}

async function flipByte(file: string, at: number): Promise<void> {
  const handle = await open(file, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, at);
  byte[0] = byte[0]! ^ 0xff;
  await handle.write(byte, 0, 1, at);
  await handle.close();
}
