/**
 * Unread marks, per agent and browser: the newest activity time the agent has seen per conversation.
 * A row is unread while the customer wrote after that.
 */
import { useSyncExternalStore } from 'react';
import { storedValue, storeValue } from './session';

type Seen = Record<string, string>;
const listeners = new Set<() => void>();
let cache: Seen | null = null;

function read(): Seen {
  cache ??= storedValue<Seen>('seen', {});
  return cache;
}

export function markSeen(conversationId: string, at: string | undefined): void {
  if (!at) return;
  const seen = read();
  if ((seen[conversationId] ?? '') >= at) return;
  const entries = Object.entries({ ...seen, [conversationId]: at });
  // Keep the newest 2,000 marks: enough for any inbox, bounded for localStorage.
  entries.sort((a, b) => (a[1] < b[1] ? 1 : -1));
  cache = Object.fromEntries(entries.slice(0, 2000));
  storeValue('seen', cache);
  listeners.forEach((l) => l());
}

export function useSeen(): Seen {
  return useSyncExternalStore((listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, read);
}
