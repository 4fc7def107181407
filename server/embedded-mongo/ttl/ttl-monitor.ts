/**
 * The TTL monitor: periodically deletes documents whose indexed date is older than the index's
 * `expireAfterSeconds` (like mongod's, which runs every 60 seconds). It reads expired entries straight
 * from the TTL index's date range, so a pass costs O(expired), not O(collection).
 */
import type { Catalog } from '../catalog/catalog';
import { toNumber } from '../commands/args';
import { idKeyOfEntry } from '../indexes/index-state';
import { TYPE, encodeDouble } from '../indexes/key-encoding';

/** Deletes expired documents now; returns how many were deleted. */
export function deleteExpired(catalog: Catalog, now: number): number {
  let deleted = 0;
  for (const coll of catalog.allCollections()) {
    for (const index of [...coll.indexes.values()]) {
      if (!index.isTtl) continue;
      const seconds = toNumber(index.spec.expireAfterSeconds);
      if (seconds === undefined || !Number.isFinite(seconds)) continue;
      const cutoff = now - seconds * 1000;
      const expired = new Set<string>();
      for (const entry of index.entries.range(TYPE.date, TYPE.date + encodeDouble(cutoff)))
        expired.add(idKeyOfEntry(entry));
      for (const idKey of expired) if (coll.remove(idKey)) deleted += 1;
    }
  }
  return deleted;
}

/**
 * Starts the periodic pass. `runWrite` runs the deletion as an internal write command (journaled like
 * any other).
 */
export function startTtlMonitor(opts: {
  catalog: Catalog;
  intervalMs: number;
  runWrite: (fn: () => void) => Promise<void>;
  onError: (err: unknown) => void;
}): { stop(): void } {
  const timer = setInterval(() => {
    opts.runWrite(() => void deleteExpired(opts.catalog, Date.now())).catch(opts.onError);
  }, opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
