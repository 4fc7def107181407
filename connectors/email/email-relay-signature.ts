/**
 * The relay endpoint's signature (pure): `X-Omnihub-Signature: v1=<hex>` where hex is
 * HMAC-SHA256(secret, `<timestamp>.` + raw body) and `X-Omnihub-Timestamp` is Unix seconds. A request
 * outside the replay window is refused even when its signature is right; compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const RELAY_SIGNATURE_HEADER = 'x-omnihub-signature';
export const RELAY_TIMESTAMP_HEADER = 'x-omnihub-timestamp';
/** Optional: the envelope recipients (comma-separated), when the relay knows them. */
export const RELAY_RECIPIENT_HEADER = 'x-omnihub-recipient';

export function signRelayBody(secret: string, timestamp: number, body: Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `v1=${mac}`;
}

export function verifyRelaySignature(input: {
  secret: string;
  signature: string | undefined;
  timestamp: string | undefined;
  body: Buffer;
  now: Date;
  toleranceSeconds: number;
}): boolean {
  if (!input.signature || !input.timestamp || !/^\d{1,12}$/.test(input.timestamp)) return false;
  const timestamp = Number(input.timestamp);
  if (Math.abs(input.now.getTime() / 1000 - timestamp) > input.toleranceSeconds) return false;
  const expected = Buffer.from(signRelayBody(input.secret, timestamp, input.body));
  const given = Buffer.from(input.signature.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
