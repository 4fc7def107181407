import { SendError } from '../channel';

/**
 * Provider HTTP failures → SendError (pure), shared by the Meta, Telegram and WeChat connectors.
 * Transient: rate limits (429), server errors (5xx), timeouts (408) and network failures. Permanent: any
 * other 4xx (the request is wrong for this recipient or account; retrying cannot help).
 */
export function classifyHttpFailure(input: {
  provider: string;
  status: number;
  code?: string | number | undefined;
  message?: string | undefined;
  /** Provider codes that are transient whatever the HTTP status (throttling reported as 400). */
  transientCodes?: ReadonlySet<string>;
}): SendError {
  const code = input.code === undefined ? `HTTP ${input.status}` : String(input.code);
  const transient =
    input.status === 429 ||
    input.status === 408 ||
    input.status >= 500 ||
    (input.transientCodes?.has(code) ?? false);
  return new SendError(`${input.provider}: ${input.message ?? `answered ${input.status}`}`.slice(0, 500), {
    permanent: !transient,
    providerCode: code,
  });
}

/** A request that never got an HTTP answer (refused, reset, DNS, timeout): always transient. */
export function networkFailure(provider: string, error: unknown): SendError {
  const reason = error instanceof Error ? error.message : String(error);
  return new SendError(`${provider} unreachable: ${reason}`.slice(0, 500), {
    permanent: false,
    providerCode: 'NETWORK',
    cause: error,
  });
}

/** `fetch` with a timeout whose failures (no answer) become transient SendErrors. */
export async function fetchProvider(
  provider: string,
  url: string,
  init: RequestInit & { timeoutMs?: number },
): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) });
  } catch (error) {
    throw networkFailure(provider, error);
  }
}
