import { createContext, useContext, useEffect, useRef } from 'react';
import type { AnyEventHandler } from './realtime';

/** Fan-out of live events to whichever components are mounted. */
export interface LiveBus {
  subscribe(handler: AnyEventHandler): () => void;
  publish: AnyEventHandler;
}

export function createLiveBus(): LiveBus {
  const handlers = new Set<AnyEventHandler>();
  return {
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    publish: (name, payload) => handlers.forEach((h) => h(name, payload)),
  };
}

export const LiveContext = createContext<LiveBus | null>(null);

/** Calls `handler` for every live event while the component is mounted (always the latest handler). */
export function useLiveEvents(handler: AnyEventHandler): void {
  const bus = useContext(LiveContext);
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => bus?.subscribe((name, payload) => ref.current(name, payload)), [bus]);
}
