/**
 * The data directory's lock file: one process at a time may open a TSDB directory. The lock is a
 * file named `lock` holding the owner's PID. A second opener is refused with a DirectoryLockedError
 * naming that PID; a lock left by a process that no longer exists is taken over. (Prometheus
 * uses flock on `lock`; a PID file works the same without native bindings and says who holds it.)
 */
import { link, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = 'lock';

/** DirectoryLockedError: another live process holds the data directory. */
export class DirectoryLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`data directory ${dir} is locked by process ${pid} (lock file ${join(dir, LOCK_FILE)}); stop it or use another directory`);
    this.name = 'DirectoryLockedError';
  }
}

/** DirLock: a held lock; release() removes the lock file if it is still ours. */
export interface DirLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * lockDir takes the lock of `dir` (which must exist) for this process. It writes the PID to a
 * temporary file and hard-links it to `lock`, which fails atomically when a lock exists. An
 * existing lock of a live process (this one included: a directory opened twice in one process)
 * throws DirectoryLockedError; one of a dead process, or an unreadable one, is replaced once.
 */
export async function lockDir(dir: string): Promise<DirLock> {
  const path = join(dir, LOCK_FILE);
  const tmp = join(dir, `${LOCK_FILE}.${process.pid}.new`);
  await writeFile(tmp, `${process.pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`lock data directory ${dir}: ${(err as Error).message}`, { cause: err });
      }
      const holder = await readHolder(path);
      if (holder !== undefined && isAlive(holder)) throw new DirectoryLockedError(dir, holder);
      if (attempt > 0) throw new Error(`lock data directory ${dir}: the stale lock file ${path} came back after removal (another process is taking it over)`);
      await rm(path, { force: true }); // stale: its process is gone
    }
  } finally {
    await rm(tmp, { force: true });
  }
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      if ((await readHolder(path)) === process.pid) await unlink(path).catch(() => undefined);
    },
  };
}

/** readHolder returns the PID in the lock file, or undefined when it is missing or unreadable. */
async function readHolder(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** isAlive: whether a process with this PID exists (EPERM: it exists but belongs to another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
