/**
 * The shared conformance suite (connectors/conformance/channel-conformance.ts) sets a subject up before
 * every test. Against a whole hub, starting a hub (and its provider stub, and a supervisor's login) per
 * test was most of those files' time. Here one hub serves every test of one harness (one channel kind), and
 * each subject sees only what happened since it was set up: the stored entries that were not there
 * before, the provider sends counted from its start. Tests stay as strict as on a fresh hub: a refused
 * request that stored anything, or a replay stored twice, is still seen.
 */
import type { ConformanceSubject, StoredEntry } from '../../connectors/conformance/channel-conformance';

export interface SharedHub<T> {
  /** The hub, started on first use. */
  get(): Promise<T>;
  /** Closes the hub if it was started (register it with mocha's `after`). */
  close(): Promise<void>;
}

export function sharedHub<T extends { close(): Promise<void> }>(start: () => Promise<T>): SharedHub<T> {
  let started: Promise<T> | undefined;
  return {
    get: () => (started ??= start()),
    async close() {
      const hub = started;
      started = undefined;
      if (hub) await (await hub).close();
    },
  };
}

const keyOf = (entry: StoredEntry) =>
  JSON.stringify([entry.channel, entry.externalId, entry.kind, entry.text ?? null]);

/**
 * The subject as if its hub were fresh: `stored()` leaves out the entries stored before (as a multiset:
 * an entry stored again counts), `providerSendCount()` counts from now. Its own `teardown` must leave the
 * shared hub running.
 */
export async function sinceNow(subject: ConformanceSubject): Promise<ConformanceSubject> {
  const before = new Map<string, number>();
  for (const entry of await subject.stored()) before.set(keyOf(entry), (before.get(keyOf(entry)) ?? 0) + 1);
  const sendsBefore = subject.providerSendCount();
  return {
    ...subject,
    async stored() {
      const left = new Map(before);
      return (await subject.stored()).filter((entry) => {
        const n = left.get(keyOf(entry)) ?? 0;
        if (n === 0) return true;
        left.set(keyOf(entry), n - 1);
        return false;
      });
    },
    providerSendCount: () => subject.providerSendCount() - sendsBefore,
  };
}
