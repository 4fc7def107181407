import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How outgoing webhook deliveries are signed (the scheme Stripe made familiar). Each request carries
 *
 *   Omnihub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * A receiver recomputes the HMAC over the timestamp, a dot and the raw body bytes with the subscription's
 * secret, compares in constant time, and refuses a timestamp more than five minutes from its own clock (a
 * replayed request). `Omnihub-Event-Id` (also sent as `Idempotency-Key`) is the same for every delivery of
 * one event, redeliveries included, so a receiver dedupes on it.
 */
export const SIGNATURE_HEADER = 'omnihub-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signatureOf(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The header value for a delivery made at `timestamp` (unix seconds). */
export function signWebhook(input: { secret: string; timestamp: number; body: string | Buffer }): string {
  return `t=${input.timestamp},v1=${signatureOf(input.secret, input.timestamp, input.body)}`;
}

/** The receiver's side of the recipe (used by the tests, and what the README shows). */
export function verifyWebhookSignature(input: {
  secret: string;
  header: string | undefined;
  body: string | Buffer;
  nowSeconds: number;
  toleranceSeconds?: number;
}): boolean {
  if (!input.header) return false;
  const parts = new Map(
    input.header.split(',').map((part) => {
      const [key = '', ...rest] = part.trim().split('=');
      return [key, rest.join('=')] as const;
    }),
  );
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isSafeInteger(timestamp) || !/^[0-9a-f]{64}$/.test(given)) return false;
  if (Math.abs(input.nowSeconds - timestamp) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS))
    return false;
  const expected = Buffer.from(signatureOf(input.secret, timestamp, input.body), 'hex');
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}
