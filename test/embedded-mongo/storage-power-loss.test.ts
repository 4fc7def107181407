import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, numbers, openStore, range, removeTempDirs, reopenAndRecover } from './storage-helpers';

/**
 * A SIGKILL keeps the page cache, so it cannot show that an acknowledgement waited for its fdatasync. This
 * test can: it records what every fdatasync covered and, at a random moment, copies only those bytes to
 * another directory (what a power cut would leave), then recovers that copy.
 */
const TOTAL = 1000;

describe('embedded-mongo durable store: simulated power loss', () => {
  afterEach(removeTempDirs);

  for (let trial = 1; trial <= 5; trial++) {
    it(`keeps every acknowledged record when only fdatasynced bytes survive (trial ${trial})`, async () => {
      const dir = await makeTempDir();
      const image = await makeTempDir();
      const durable = new Map<string, number>();
      const store = await openStore(dir, {
        hooks: {
          // Random sync latency, so that appends pile up behind syncs in flight in varied patterns.
          beforeDatasync: () => new Promise((resolve) => setTimeout(resolve, Math.random() * 8)),
          afterDatasync: (file, bytes) => durable.set(file, Math.max(durable.get(file) ?? 0, bytes)),
        },
      });
      const acked: number[] = [];
      let next = 0;
      const writer = async () => {
        for (;;) {
          const i = next++;
          if (i >= TOTAL) return;
          await store.append({ i });
          acked.push(i);
          if (Math.random() < 0.3) await new Promise((resolve) => setImmediate(resolve));
        }
      };
      const writers = Promise.all(range(0, 8).map(writer));

      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 200));
      // The power cut: synchronously, so that nothing is acknowledged or synced in between.
      const ackedAtCut = [...acked];
      for (const [file, bytes] of durable)
        writeFileSync(path.join(image, path.basename(file)), readFileSync(file).subarray(0, bytes));
      await writers;
      await store.close();

      const { journal } = await reopenAndRecover(image);
      const recovered = numbers(journal);
      assert.deepEqual(recovered, range(0, recovered.length), 'a gap-free prefix, in order');
      const lost = ackedAtCut.filter((i) => i >= recovered.length);
      assert.deepEqual(lost, [], `acknowledged but not durable (recovered ${recovered.length} records)`);
      assert.ok(
        ackedAtCut.length > 0 && ackedAtCut.length < TOTAL,
        'the cut came in the middle of the writes',
      );
    });
  }
});
