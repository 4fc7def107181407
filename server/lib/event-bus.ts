import type { Logger } from './logger';

type Listener<P> = (payload: P) => void | Promise<void>;

/**
 * A typed in-process domain event bus. Services emit after their write succeeded; listeners (realtime,
 * routing, SLA, automations) react. A failing listener is logged and never breaks the emitter or other
 * listeners: the write already happened, and each listener owns its own retries (usually a bull job).
 */
export interface EventBus<Events extends object> {
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void;
  /** Runs every listener; resolves when all have settled. */
  emit<K extends keyof Events>(name: K, payload: Events[K]): Promise<void>;
}

export function createEventBus<Events extends object>(logger: Logger): EventBus<Events> {
  const listeners = new Map<keyof Events, Set<Listener<never>>>();
  return {
    on(name, listener) {
      const set = listeners.get(name) ?? new Set();
      set.add(listener);
      listeners.set(name, set);
      return () => {
        set.delete(listener);
      };
    },
    async emit(name, payload) {
      const set = listeners.get(name);
      if (!set) return;
      await Promise.all(
        [...set].map(async (listener) => {
          try {
            await (listener as Listener<typeof payload>)(payload);
          } catch (error) {
            logger.error({ err: error, event: String(name) }, 'domain event listener failed');
          }
        }),
      );
    },
  };
}
