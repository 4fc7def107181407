import { createHmac } from 'node:crypto';
import { safeEqual } from '../social/secure-compare';

/** `sha256=<hex HMAC-SHA256 of the raw body with the app secret>`, as Meta signs X-Hub-Signature-256. */
export function signMetaBody(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** True when the header is the signature of these exact bytes (constant time). */
export function isValidMetaSignature(
  appSecret: string,
  rawBody: Buffer,
  header: string | undefined,
): boolean {
  if (!header?.startsWith('sha256=')) return false;
  return safeEqual(header.toLowerCase(), signMetaBody(appSecret, rawBody));
}
