import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir, openStore, recoverAll, removeTempDirs, spawnFixture } from './storage-helpers';

const LOCK = 'store.lock';

async function lockPid(dir: string): Promise<number> {
  return Number((await readFile(path.join(dir, LOCK), 'utf8')).split('\n')[0]);
}

/** The pid of a process that has exited (so it is certainly not running any more). */
function deadPid(): number {
  const done = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(done.stdout.toString());
}

describe('embedded-mongo durable store: data directory lock', () => {
  afterEach(removeTempDirs);

  it('refuses a second open of one directory in the same process, until the first closes', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    assert.equal(await lockPid(dir), process.pid);
    await assert.rejects(openStore(dir), /already open in this process/);
    // Another spelling of the same directory (relative, through a symlink) is the same directory.
    await assert.rejects(openStore(path.relative(process.cwd(), dir)), /already open/);
    const link = path.join(await makeTempDir(), 'link');
    await symlink(dir, link);
    await assert.rejects(openStore(link), /already open/);
    await store.close();
    const again = await openStore(dir);
    await again.close();
  });

  it('refuses a directory held by another live process, naming its pid', async () => {
    const dir = await makeTempDir();
    const holder = spawnFixture('store-child.ts', ['hold', dir]);
    try {
      const line = await holder.waitForLine((l) => l.startsWith('locked '));
      const pid = line.split(' ')[1]!;
      await assert.rejects(openStore(dir), new RegExp(`locked by process ${pid}`));
    } finally {
      holder.process.stdin.end();
      assert.equal(await holder.exited, 0);
    }
    // The child released the lock on its way out.
    const store = await openStore(dir);
    await store.close();
  });

  it('is refused to a child process while this process holds it', async () => {
    const dir = await makeTempDir();
    const store = await openStore(dir);
    const child = spawnFixture('store-child.ts', ['open', dir]);
    const line = await child.waitForLine((l) => l.startsWith('error ') || l === 'opened');
    assert.match(line, new RegExp(`^error .*locked by process ${process.pid}`));
    await child.exited;
    await store.close();
  });

  it('takes over the lock of a process killed with SIGKILL', async () => {
    const dir = await makeTempDir();
    const holder = spawnFixture('store-child.ts', ['hold', dir]);
    await holder.waitForLine((l) => l.startsWith('locked '));
    holder.process.kill('SIGKILL');
    assert.equal(await holder.exited, 'SIGKILL');
    const store = await openStore(dir);
    assert.equal(await lockPid(dir), process.pid);
    await recoverAll(store);
    await store.close();
  });

  it('takes over a lock whose pid is dead, or is its own pid from an earlier incarnation', async () => {
    for (const pid of [deadPid(), process.pid]) {
      const dir = await makeTempDir();
      await writeFile(path.join(dir, LOCK), `${pid}\n`);
      const store = await openStore(dir);
      await store.close();
    }
  });

  it('takes over a live pid whose boot id or start time differ (the pid was reused)', async () => {
    // The hub runs on Linux: the lock's process identity is read from /proc, which must be there.
    const bootId = await readFile('/proc/sys/kernel/random/boot_id', 'utf8');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const pid = other.pid!;
      for (const content of [`${pid}\nanother-boot\n\n`, `${pid}\n${bootId.trim()}\n1\n`]) {
        const dir = await makeTempDir();
        await writeFile(path.join(dir, LOCK), content);
        const store = await openStore(dir);
        await store.close();
      }
      // With only a pid recorded (nothing proves otherwise), the live process keeps its lock.
      const dir = await makeTempDir();
      await writeFile(path.join(dir, LOCK), `${pid}\n`);
      await assert.rejects(openStore(dir), new RegExp(`locked by process ${pid}`));
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('waits out an empty lock file briefly (a process between create and write), then takes it over', async () => {
    const dir = await makeTempDir();
    const lockPath = path.join(dir, LOCK);
    await writeFile(lockPath, '');
    await assert.rejects(openStore(dir), /locked by process \(unknown\)/);
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(lockPath, longAgo, longAgo);
    const store = await openStore(dir);
    await store.close();
  });
});
