import { SendError } from '../channel';
import { classifyHttpFailure, fetchProvider } from '../social/provider-errors';
import { GraphErrorSchema } from './meta-payloads';

export const DEFAULT_GRAPH_BASE = 'https://graph.facebook.com/v21.0';

/**
 * Graph API error codes that are throttling or Meta-side trouble whatever the HTTP status: 1/2 (unknown /
 * service), 4/17/32/613/80007 (rate limits), 130429 (WhatsApp throughput), 131016 (service unavailable),
 * 131048 (spam rate limit), 133004 (server temporarily unavailable).
 */
const TRANSIENT_CODES = new Set([
  '1',
  '2',
  '4',
  '17',
  '32',
  '613',
  '80007',
  '130429',
  '131016',
  '131048',
  '133004',
]);

/** A bearer-authenticated Graph API call; failures become classified SendErrors. */
export async function callGraph(input: {
  base: string;
  path: string;
  token: string;
  method?: 'GET' | 'POST';
  body?: Record<string, unknown> | FormData;
  timeoutMs?: number;
}): Promise<Record<string, unknown>> {
  const isForm = input.body instanceof FormData;
  const response = await fetchProvider('Meta Graph API', `${input.base.replace(/\/+$/, '')}${input.path}`, {
    method: input.method ?? 'POST',
    headers: {
      authorization: `Bearer ${input.token}`,
      ...(input.body && !isForm ? { 'content-type': 'application/json' } : {}),
    },
    ...(input.body ? { body: isForm ? (input.body as FormData) : JSON.stringify(input.body) } : {}),
    timeoutMs: input.timeoutMs ?? 10_000,
  });
  const json = (await response.json().catch(() => null)) as unknown;
  if (response.ok && json && typeof json === 'object') return json as Record<string, unknown>;
  const error = GraphErrorSchema.safeParse(json);
  if (response.ok)
    throw new SendError('Meta Graph API answered without a body', {
      permanent: false,
      providerCode: 'BAD_ANSWER',
    });
  throw classifyHttpFailure({
    provider: 'Meta Graph API',
    status: response.status,
    code: error.success ? error.data.error.code : undefined,
    message: error.success ? error.data.error.message : undefined,
    transientCodes: TRANSIENT_CODES,
  });
}
