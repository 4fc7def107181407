import { open, readFile, realpath, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { LOCK_FILE, fsyncDir, isErrno } from './data-files';
import { isDifferentProcess, readProcessIdentity } from './process-identity';

/** A held data-directory lock. */
export interface DirLock {
  readonly path: string;
  /** Deletes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/**
 * Lock paths held by this process. The pid in a lock file cannot tell "this process, opened twice" from
 * "a previous process that had the same pid" (common in containers, where the server is often pid 1
 * after every restart), so the process remembers what it holds itself.
 */
const heldByThisProcess = new Set<string>();

/** An empty lock file younger than this may be a live process between its create and its write. */
const EMPTY_LOCK_GRACE_MS = 5_000;

/**
 * Takes the data directory's lock: an exclusive create of `store.lock` holding our pid (plus boot id and
 * start time). A lock whose pid is dead, belongs to another boot or to a process started at another time,
 * or is our own pid left by an earlier incarnation, is stale and taken over; a live one is refused with an
 * error naming the holder, so an operator knows which process to stop.
 */
export async function acquireDirLock(dir: string): Promise<DirLock> {
  // The real path, so that two spellings of one directory (relative, symlinked) meet in heldByThisProcess:
  // otherwise our own pid in the lock would look like an earlier incarnation's and be taken over.
  const lockPath = path.join(await realpath(dir), LOCK_FILE);
  if (heldByThisProcess.has(lockPath)) {
    throw new Error(`data directory ${dir} is already open in this process (lock ${lockPath})`);
  }
  // Reserve before the first await so two concurrent opens in this process cannot both proceed.
  heldByThisProcess.add(lockPath);
  try {
    // Two attempts: the second follows the removal of a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await tryCreateLock(lockPath)) {
        await fsyncDir(dir);
        return makeLock(lockPath);
      }
      const holder = await inspectHolder(lockPath);
      if (holder.live) {
        throw new Error(
          `data directory ${dir} is locked by process ${holder.pid ?? '(unknown)'}; ` +
            `stop that process, or delete ${lockPath} if it is not running`,
        );
      }
      await unlink(lockPath).catch((error: unknown) => {
        if (!isErrno(error, 'ENOENT')) throw error;
      });
    }
    throw new Error(
      `data directory ${dir}: another process took the lock ${lockPath} while a stale one was cleared`,
    );
  } catch (error) {
    heldByThisProcess.delete(lockPath);
    throw error;
  }
}

async function tryCreateLock(lockPath: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx');
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  }
  try {
    // The pid first (what an operator reads), then what tells this process apart from a later one
    // reusing the pid: the boot id and our start time.
    const { bootId, startTime } = await readProcessIdentity(process.pid);
    await handle.writeFile(`${process.pid}\n${bootId ?? ''}\n${startTime ?? ''}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function inspectHolder(lockPath: string): Promise<{ pid: number | undefined; live: boolean }> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { pid: undefined, live: false };
    throw error;
  }
  const [pidLine = '', bootId, startTime] = text.split('\n');
  const pid = Number.parseInt(pidLine.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    // Empty or garbled: a crash between create and write, or a live process in that window right now.
    const age = await stat(lockPath).then(
      (s) => Date.now() - s.mtimeMs,
      () => Infinity,
    );
    return { pid: undefined, live: age < EMPTY_LOCK_GRACE_MS };
  }
  // Our own pid, but not in heldByThisProcess: left by an earlier process that had the same pid.
  if (pid === process.pid) return { pid, live: false };
  if (!isProcessAlive(pid)) return { pid, live: false };
  // Alive, but perhaps only a later process that got the same pid (after a reboot, or pid wrap-around).
  return {
    pid,
    live: !(await isDifferentProcess(pid, {
      bootId: bootId || undefined,
      startTime: startTime || undefined,
    })),
  };
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user; it is alive.
    return !isErrno(error, 'ESRCH');
  }
}

function makeLock(lockPath: string): DirLock {
  let released = false;
  return {
    path: lockPath,
    async release() {
      if (released) return;
      released = true;
      try {
        const text = await readFile(lockPath, 'utf8');
        // Never delete a lock another process took over (e.g. after an operator removed ours by hand).
        if (Number.parseInt(text.split('\n')[0] ?? '', 10) === process.pid) await unlink(lockPath);
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) throw error;
      } finally {
        heldByThisProcess.delete(lockPath);
      }
    },
  };
}
