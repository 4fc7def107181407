/**
 * A circuit breaker per provider endpoint (one channel inbox), kept in each worker process's memory. After
 * `failureThreshold` transient failures in a row the circuit opens: sends to that provider wait `openMs`
 * without calling it. Then one send is let through as a probe (half-open): its success closes the circuit,
 * its failure opens it for another `openMs`. A permanent refusal (an invalid number) proves the provider is
 * up, so it counts as a success. A probe that never reports back frees the slot after `openMs`.
 */
export interface CircuitBreakerOptions {
  failureThreshold?: number;
  openMs?: number;
  /** Milliseconds since the epoch (tests inject their own). */
  now?: () => number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/** Whether a call may go out now; when not, how long until it is worth asking again. */
export type CircuitDecision = { allowed: true } | { allowed: false; retryInMs: number };

export interface CircuitBreaker {
  allow(key: string): CircuitDecision;
  success(key: string): void;
  failure(key: string): void;
  state(key: string): CircuitState;
}

interface Circuit {
  failures: number;
  /** Set while open: no call before this moment. */
  openUntil?: number;
  /** Set while a half-open probe is out: when it went. */
  probeSince?: number;
}

export const DEFAULT_CIRCUIT_FAILURE_THRESHOLD = 5;
export const DEFAULT_CIRCUIT_OPEN_MS = 10_000;

export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const threshold = options.failureThreshold ?? DEFAULT_CIRCUIT_FAILURE_THRESHOLD;
  const openMs = options.openMs ?? DEFAULT_CIRCUIT_OPEN_MS;
  const now = options.now ?? Date.now;
  const circuits = new Map<string, Circuit>();

  const stateOf = (circuit: Circuit | undefined, at: number): CircuitState => {
    if (circuit?.openUntil === undefined) return 'closed';
    return at < circuit.openUntil ? 'open' : 'half-open';
  };

  return {
    allow(key) {
      const circuit = circuits.get(key);
      const at = now();
      const state = stateOf(circuit, at);
      if (state === 'closed') return { allowed: true };
      if (state === 'open') return { allowed: false, retryInMs: circuit!.openUntil! - at };
      // Half-open: one probe at a time; a probe silent for a whole open period no longer holds the slot.
      if (circuit!.probeSince !== undefined && at - circuit!.probeSince < openMs)
        return { allowed: false, retryInMs: openMs - (at - circuit!.probeSince) };
      circuit!.probeSince = at;
      return { allowed: true };
    },
    success(key) {
      circuits.delete(key);
    },
    failure(key) {
      const circuit = circuits.get(key) ?? { failures: 0 };
      circuit.failures += 1;
      const wasProbe = circuit.probeSince !== undefined;
      delete circuit.probeSince;
      if (wasProbe || circuit.openUntil !== undefined || circuit.failures >= threshold)
        circuit.openUntil = now() + openMs;
      circuits.set(key, circuit);
    },
    state: (key) => stateOf(circuits.get(key), now()),
  };
}
