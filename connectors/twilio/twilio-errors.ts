import { SendError } from '../channel';
import { twilioErrorHint } from './twilio-mapping';

/**
 * Twilio REST errors → SendError (pure). Permanent: the request itself is wrong for this recipient or
 * account (invalid or unsubscribed number, outside the WhatsApp window, bad credentials): retrying cannot
 * help. Transient: rate limits (429 / 20429), server errors (5xx) and network failures (no HTTP status).
 */

/** Twilio error codes that look transient even on a 4xx status. */
const TRANSIENT_CODES = new Set([20429, 20500, 20503, 30001, 30008]);

interface TwilioLikeError {
  status?: unknown;
  code?: unknown;
  message?: unknown;
  moreInfo?: unknown;
}

/** True for socket/DNS/timeout failures (axios and Node error codes). */
function isNetworkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ECONNABORTED|EPIPE|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ERR_NETWORK|ERR_SOCKET|UND_ERR)/.test(
      code,
    )
  );
}

export function classifyTwilioError(error: unknown): SendError {
  if (error instanceof SendError) return error;
  const shaped = (typeof error === 'object' && error !== null ? error : {}) as TwilioLikeError;
  const status = typeof shaped.status === 'number' ? shaped.status : undefined;
  const code = typeof shaped.code === 'number' ? shaped.code : undefined;
  const providerCode =
    code !== undefined ? String(code) : status !== undefined ? `HTTP ${status}` : undefined;
  const message =
    typeof shaped.message === 'string' && shaped.message
      ? shaped.message
      : code !== undefined
        ? twilioErrorHint(String(code))
        : 'Twilio request failed';
  if (status === undefined || isNetworkError(error))
    return new SendError(`Twilio unreachable: ${message}`, { permanent: false, providerCode, cause: error });
  const transient = status === 429 || status >= 500 || (code !== undefined && TRANSIENT_CODES.has(code));
  return new SendError(message, {
    permanent: !transient && status >= 400 && status < 500,
    ...(providerCode === undefined ? {} : { providerCode }),
    cause: error,
  });
}
