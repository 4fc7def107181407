import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { safeEqual } from '../social/secure-compare';

/**
 * WeChat Official Account signatures and safe mode (pure). Plain signature: sha1 of the sorted
 * [token, timestamp, nonce] joined; safe mode adds the Encrypt field to the sorted list (msg_signature).
 * Safe mode body: AES-256-CBC with key = base64(EncodingAESKey + "="), IV = its first 16 bytes, PKCS#7
 * padding to 32-byte blocks, over 16 random bytes + 4-byte big-endian length + message + AppId.
 */
export function wechatSignature(parts: readonly string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

export function isValidWechatSignature(parts: readonly string[], signature: string | undefined): boolean {
  return safeEqual(signature?.toLowerCase(), wechatSignature(parts));
}

function aesKeyOf(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey must decode to 32 bytes');
  return key;
}

const BLOCK = 32;

export function encryptWechatMessage(input: {
  encodingAesKey: string;
  appId: string;
  xml: string;
  random?: Buffer;
}): string {
  const key = aesKeyOf(input.encodingAesKey);
  const message = Buffer.from(input.xml, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(message.length, 0);
  const plain = Buffer.concat([
    input.random ?? randomBytes(16),
    length,
    message,
    Buffer.from(input.appId, 'utf8'),
  ]);
  const pad = BLOCK - (plain.length % BLOCK);
  const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

/** Decrypts an Encrypt field; throws on a bad key, padding or length (the request is then refused). */
export function decryptWechatMessage(input: { encodingAesKey: string; encrypted: string }): {
  xml: string;
  appId: string;
} {
  const key = aesKeyOf(input.encodingAesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(Buffer.from(input.encrypted, 'base64')), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK || padded.length < 20 + pad) throw new Error('bad PKCS#7 padding');
  const plain = padded.subarray(0, padded.length - pad);
  const length = plain.readUInt32BE(16);
  if (20 + length > plain.length) throw new Error('bad message length');
  return {
    xml: plain.subarray(20, 20 + length).toString('utf8'),
    appId: plain.subarray(20 + length).toString('utf8'),
  };
}
