import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../lib/app-error';
import {
  isAllowedContentType,
  looksDangerous,
  normalizeContentType,
  sanitizeFilename,
} from './attachment-policy';
import type { AttachmentStore, StoredAttachment } from './attachment-store';

const KEY_PATTERN = /^[0-9a-f]{32}$/;
const SNIFF_BYTES = 512;

/** Counts, hashes and checks bytes on their way to disk; fails the stream as soon as a limit is crossed. */
class GuardStream extends Transform {
  size = 0;
  private readonly hash = createHash('sha256');
  private head = Buffer.alloc(0);
  private sniffed = false;

  constructor(private readonly maxBytes: number) {
    super();
  }

  get sha256(): string {
    return this.hash.digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(tooLarge(this.maxBytes));
      return;
    }
    if (!this.sniffed) {
      this.head = Buffer.concat([this.head, chunk]).subarray(0, SNIFF_BYTES);
      if (this.head.length >= SNIFF_BYTES) {
        this.sniffed = true;
        if (looksDangerous(this.head)) return callback(dangerous());
      }
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.sniffed && looksDangerous(this.head)) return callback(dangerous());
    callback();
  }
}

const tooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', { userMessage: `The attachment is larger than ${maxBytes} bytes.` });
const dangerous = () =>
  new AppError('UNSUPPORTED_MEDIA_TYPE', { userMessage: 'This kind of file cannot be stored.' });

/**
 * Attachments on the local disk under `dir` (DATA_DIR/attachments): bytes at `<2 hex>/<key>`, metadata
 * beside them at `<key>.json`. Keys are random (not content addresses): deleting one message's attachment
 * never removes bytes another message shares. Writes go to a temporary file renamed into place, so a
 * crash never leaves a half-written attachment under a key.
 */
export function createDiskAttachmentStore(options: { dir: string; maxBytes: number }): AttachmentStore {
  const { dir, maxBytes } = options;
  const tmpDir = path.join(dir, 'tmp');
  const locate = (key: string) => {
    const folder = path.join(dir, key.slice(0, 2));
    return { folder, data: path.join(folder, key), meta: path.join(folder, `${key}.json`) };
  };

  const stat = async (storageKey: string): Promise<StoredAttachment | null> => {
    if (!KEY_PATTERN.test(storageKey)) return null;
    try {
      return JSON.parse(await readFile(locate(storageKey).meta, 'utf8')) as StoredAttachment;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  };

  return {
    async put(content, meta) {
      const contentType = normalizeContentType(meta.contentType);
      if (!contentType || !isAllowedContentType(contentType)) {
        // A refused stream is closed here: left open, its source (an HTTP body) would error later, unheard.
        if (!Buffer.isBuffer(content)) content.destroy();
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
          userMessage: `Attachments of type ${contentType ?? 'unknown'} are not accepted.`,
        });
      }
      if (Buffer.isBuffer(content) && content.length > maxBytes) throw tooLarge(maxBytes);
      await mkdir(tmpDir, { recursive: true });
      const storageKey = randomBytes(16).toString('hex');
      const tmpPath = path.join(tmpDir, `${storageKey}.part`);
      const guard = new GuardStream(maxBytes);
      try {
        const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
        await pipeline(source, guard, createWriteStream(tmpPath, { flags: 'wx' }));
        const stored: StoredAttachment = {
          storageKey,
          size: guard.size,
          sha256: guard.sha256,
          contentType,
          filename: sanitizeFilename(meta.filename),
        };
        const target = locate(storageKey);
        await mkdir(target.folder, { recursive: true });
        // The metadata file is the commit marker: written last, so a key is visible only once complete.
        await rename(tmpPath, target.data);
        await writeFile(target.meta, JSON.stringify(stored), { flag: 'wx' });
        return stored;
      } catch (error) {
        await rm(tmpPath, { force: true });
        await rm(locate(storageKey).data, { force: true });
        throw error;
      }
    },

    stat,

    async get(storageKey) {
      const stored = await stat(storageKey);
      if (!stored) throw new AppError('NOT_FOUND', { userMessage: 'No such attachment.' });
      return createReadStream(locate(storageKey).data);
    },

    async delete(storageKey) {
      if (!KEY_PATTERN.test(storageKey)) return;
      const target = locate(storageKey);
      await rm(target.data, { force: true });
      await rm(target.meta, { force: true });
    },
  };
}
