import { FileDurableStore } from './file-durable-store';
import { MemoryDurableStore } from './memory-store';
import { openDataDir } from './open-data-dir';
import type { DurableStoreHandle, OpenDurableStoreOptions } from './store-options';

/**
 * Opens the durable store of an embedded engine. In `journaled` and `relaxed` modes it takes the data
 * directory's lock (throwing if another live process holds it), validates the newest snapshot and the
 * journal, and truncates a torn journal tail, before resolving; the engine then calls `recover()` once to
 * rebuild its state, and `append` for every write. In `memory` mode it touches nothing.
 */
export async function openDurableStore(options: OpenDurableStoreOptions): Promise<DurableStoreHandle> {
  const { mode } = options;
  if (mode === 'memory') return new MemoryDurableStore();
  if (mode !== 'journaled' && mode !== 'relaxed') throw new Error(`unknown durability mode: ${String(mode)}`);
  const opened = await openDataDir(options.dir, {
    keepPreviousSnapshot: options.keepPreviousSnapshot ?? false,
    warn: options.onWarning ?? (() => undefined),
  });
  return new FileDurableStore({ ...options, mode }, opened);
}
