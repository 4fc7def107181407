/**
 * The key stored provider credentials are encrypted with: `CREDENTIALS_KEY` (32 bytes, base64) when set,
 * else a key generated once into `DATA_DIR/credentials.key` (mode 0600) and read from there after. Hub
 * processes that share one database must share the key: set CREDENTIALS_KEY for them (or one DATA_DIR).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../lib/logger';

export const CREDENTIALS_KEY_FILE = 'credentials.key';

export async function loadCredentialsKey(input: {
  configured: string | undefined;
  dataDir: string;
  sharedDatabase: boolean;
  logger: Logger;
}): Promise<Buffer> {
  if (input.configured) return Buffer.from(input.configured, 'base64');
  const file = path.join(input.dataDir, CREDENTIALS_KEY_FILE);
  await mkdir(input.dataDir, { recursive: true });
  // Written whole to a temporary file, then linked into place: of two processes starting on one DATA_DIR,
  // one installs its key and the other reads that one; nobody ever reads a half-written file.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const wrote = await link(temporary, file).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false;
      throw error;
    },
  );
  await unlink(temporary);
  if (wrote && input.sharedDatabase)
    input.logger.warn(
      { file },
      'generated a credentials key in DATA_DIR; hub processes sharing this database must share it: set CREDENTIALS_KEY',
    );
  const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return key;
}
