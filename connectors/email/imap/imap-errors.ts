/**
 * Whose fault a failed hand-over is. A failure of the hub's own storage (MongoDB or Redis unreachable, a
 * timeout, 503) is not the message's: it is retried with backoff for as long as the outage lasts and never
 * counts towards quarantine, so an outage of any length loses nothing. Anything else (the parser threw, ingest
 * refused the event, an unexpected error) is charged to the message. Pure.
 */
const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoWriteConcernError',
  'MaxRetriesPerRequestError',
]);
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UNAVAILABLE',
]);

/** True when the failure is an infrastructure outage rather than something about the message. */
export function isTransientFailure(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    if (typeof current !== 'object') return false;
    const { name, code, status, message } = current as {
      name?: unknown;
      code?: unknown;
      status?: unknown;
      message?: unknown;
    };
    if (typeof name === 'string' && TRANSIENT_NAMES.has(name)) return true;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    if (status === 503) return true;
    if (
      typeof message === 'string' &&
      /buffering timed out|Connection is closed|client is closed/i.test(message)
    )
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** A short, secret-free description of an error for logs and the quarantine list. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 2000);
  return String(error).slice(0, 2000);
}
