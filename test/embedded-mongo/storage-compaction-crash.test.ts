import assert from 'node:assert/strict';
import type { CompactionStep } from '../../server/embedded-mongo/storage';
import {
  makeTempDir,
  numbers,
  openStore,
  range,
  recoverAll,
  removeTempDirs,
  reopenAndRecover,
  snapshotFiles,
  spawnFixture,
} from './storage-helpers';

/** Enough records (of ~230 bytes) for the snapshot to span several 1 MiB write chunks. */
const RECORDS = 10_000;

/** Each point a real process is SIGKILLed at, and whether the new snapshot must already be in place. */
const CRASH_POINTS: Array<[CompactionStep, boolean]> = [
  ['rotated', false],
  ['snapshot-chunk-written', false],
  ['snapshot-synced', false],
  ['snapshot-renamed', true],
  ['old-segment-deleted', true],
  ['done', true],
];

describe('embedded-mongo durable store: SIGKILL during compaction', () => {
  afterEach(removeTempDirs);

  for (const [step, snapshotInPlace] of CRASH_POINTS) {
    it(`recovers every acknowledged record when killed at "${step}"`, async () => {
      const dir = await makeTempDir();
      const child = spawnFixture('store-child.ts', ['compact-crash', dir, step, String(RECORDS)]);
      assert.equal(
        await child.exited,
        'SIGKILL',
        `the child should die at ${step}; stderr: ${child.stderr()}`,
      );
      assert.ok(child.lines.includes(`acked ${RECORDS}`), 'the child acknowledged its first batch');
      const racing = child.lines
        .filter((l) => l.startsWith('acked-one '))
        .map((l) => Number(l.split(' ')[1]));
      const acked = Math.max(RECORDS - 1, ...racing);

      const { snapshot, journal } = await reopenAndRecover(dir);
      assert.equal(snapshot.length > 0, snapshotInPlace, `snapshot in place after "${step}"`);
      const all = [...numbers(snapshot), ...numbers(journal)];
      // Everything recovered is a gap-free prefix of what was appended, holding every acknowledged record,
      // each once: the snapshot and the journal after it never overlap.
      assert.deepEqual(all, range(0, all.length));
      assert.ok(all.length > acked, `recovered ${all.length} records, acknowledged up to ${acked}`);
      assert.ok((await snapshotFiles(dir)).length <= 1, 'superseded snapshots are cleaned up');

      // And the directory is writable again: new appends follow the recovered ones.
      const store = await openStore(dir);
      await recoverAll(store);
      await store.append({ i: all.length });
      await store.close();
      const after = await reopenAndRecover(dir);
      assert.deepEqual([...numbers(after.snapshot), ...numbers(after.journal)], range(0, all.length + 1));
    });
  }
});
