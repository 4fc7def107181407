import { readFile } from 'node:fs/promises';

/**
 * What tells a process apart beyond its pid, which the kernel reuses: the boot it runs in and its start
 * time. A lock left by a process before a reboot, or by a dead process whose pid now belongs to another
 * program, is then recognised as stale instead of refusing to start until someone deletes it by hand.
 * Linux only (from /proc); elsewhere both are undefined and only the pid is compared.
 */
export interface ProcessIdentity {
  bootId: string | undefined;
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  startTime: string | undefined;
}

export async function readProcessIdentity(pid: number): Promise<ProcessIdentity> {
  return { bootId: await readBootId(), startTime: await readStartTime(pid) };
}

async function readBootId(): Promise<string | undefined> {
  return readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
    (text) => text.trim() || undefined,
    () => undefined,
  );
}

async function readStartTime(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

/**
 * True when the recorded identity proves the live process `pid` is not the one that wrote the lock. Any
 * unknown part (non-Linux, an old lock file holding only a pid) proves nothing.
 */
export async function isDifferentProcess(pid: number, recorded: ProcessIdentity): Promise<boolean> {
  const now = await readProcessIdentity(pid);
  if (recorded.bootId && now.bootId && recorded.bootId !== now.bootId) return true;
  return Boolean(recorded.startTime && now.startTime && recorded.startTime !== now.startTime);
}
