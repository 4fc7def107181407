import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { isAppError } from '../../server/lib/app-error';
import { createDiskAttachmentStore, type AttachmentStore } from '../../server/modules/attachments';

describe('disk attachment store', () => {
  let dir: string;
  let store: AttachmentStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-attachments-'));
    store = createDiskAttachmentStore({ dir, maxBytes: 1024 });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const rejectsWith = (code: string) => (error: unknown) => isAppError(error) && error.code === code;

  /** Files left under the store, the temporary folder excepted. */
  const storedFiles = async () =>
    (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name));

  it('stores bytes under a generated key with their size and sha256, and gives them back', async () => {
    const stored = await store.put(Buffer.from('hello 你好'), {
      filename: '../note.txt',
      contentType: 'text/plain',
    });
    assert.match(stored.storageKey, /^[0-9a-f]{32}$/);
    assert.equal(stored.size, Buffer.byteLength('hello 你好'));
    assert.equal(stored.sha256, createHash('sha256').update('hello 你好').digest('hex'));
    assert.equal(stored.filename, 'note.txt');
    assert.equal(await text(await store.get(stored.storageKey)), 'hello 你好');
    assert.deepEqual(await store.stat(stored.storageKey), stored);
  });

  it('accepts a stream up to the size limit', async () => {
    const stored = await store.put(Readable.from([Buffer.alloc(512, 1), Buffer.alloc(512, 2)]), {
      contentType: 'application/pdf',
    });
    assert.equal(stored.size, 1024);
  });

  it('refuses a stream over the size limit and keeps nothing of it', async () => {
    await assert.rejects(
      store.put(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), { contentType: 'image/png' }),
      rejectsWith('PAYLOAD_TOO_LARGE'),
    );
    await assert.rejects(
      store.put(Buffer.alloc(2000), { contentType: 'image/png' }),
      rejectsWith('PAYLOAD_TOO_LARGE'),
    );
    assert.deepEqual(await storedFiles(), []);
  });

  it('refuses content types outside the allowlist', async () => {
    for (const contentType of ['text/html', 'application/x-msdownload', 'image/svg+xml']) {
      await assert.rejects(
        store.put(Buffer.from('x'), { contentType }),
        rejectsWith('UNSUPPORTED_MEDIA_TYPE'),
      );
    }
  });

  it('refuses an executable disguised as an image', async () => {
    await assert.rejects(
      store.put(Buffer.from('MZ\x90\x00\x03\x00\x00\x00'), { contentType: 'image/jpeg' }),
      rejectsWith('UNSUPPORTED_MEDIA_TYPE'),
    );
    assert.deepEqual(await storedFiles(), []);
  });

  it('never resolves a key that is not one of its own', async () => {
    assert.equal(await store.stat('../../etc/passwd'), null);
    await assert.rejects(store.get('../../etc/passwd'), rejectsWith('NOT_FOUND'));
    await store.delete('../x');
  });

  it('deletes what it stored', async () => {
    const stored = await store.put(Buffer.from('bye'), { contentType: 'text/plain' });
    await store.delete(stored.storageKey);
    assert.equal(await store.stat(stored.storageKey), null);
    assert.deepEqual(await storedFiles(), []);
  });
});
