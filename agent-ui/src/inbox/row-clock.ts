/**
 * One shared clock for the inbox's waiting times and SLA countdowns. Each row subscribes for itself and
 * reads a derived value (a label, a state); React re-renders a row only when that value changes, so the
 * clock's tick re-renders neither the page nor the rows whose labels stay the same (a "2h 5m" changes once
 * a minute). One timer runs while any row is mounted.
 */
import { useSyncExternalStore } from 'react';

const TICK_MS = 1000;
const listeners = new Set<() => void>();
let current = Date.now();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    current = Date.now();
    timer = setInterval(() => {
      current = Date.now();
      listeners.forEach((l) => l());
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** The clock's time: while it ticks, the last tick; idle, the time of reading. */
function read(): number {
  if (!timer) current = Date.now();
  return current;
}

/**
 * A value derived from the current time, re-rendering the caller only when it changes. `derive` must
 * return a primitive (string, number, boolean or null) so equal values compare equal.
 */
export function useClockValue<T extends string | number | boolean | null>(derive: (now: number) => T): T {
  return useSyncExternalStore(subscribe, () => derive(read()));
}
