/**
 * Encryption of stored secrets (inbox credentials) with AES-256-GCM from node:crypto: a random 96-bit IV per
 * value, the authentication tag checked on every open, and a context string (e.g. the credential's name)
 * bound as additional data, so a sealed value copied into another field does not open there.
 *
 * Sealed form: `enc:v1:<iv>:<tag>:<ciphertext>` (base64url parts). Anything else is a value stored before
 * encryption existed: `isSealed` tells them apart so they can be sealed on the next write.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

export interface SecretBox {
  seal(plain: string, context: string): string;
  /** Throws when the value was tampered with, sealed under another key or for another context. */
  open(sealed: string, context: string): string;
}

export const isSealed = (value: string): boolean => value.startsWith(PREFIX);

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), data].map((part) => part.toString('base64url'));
      return `${PREFIX}${parts.join(':')}`;
    },
    open(sealed, context) {
      const [iv, tag, data] = sealed.slice(PREFIX.length).split(':');
      if (!isSealed(sealed) || iv === undefined || tag === undefined || data === undefined)
        throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}
