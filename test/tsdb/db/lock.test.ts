import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../support/temp-dirs.ts';
import { DirectoryLockedError, LOCK_FILE } from '../../../shared/tsdb/db/index.ts';
import { open } from './helpers.ts';

const dir = tempDirs('outpost-db-');

/** deadPid returns the PID of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  return pid;
}

const here = dirname(fileURLToPath(import.meta.url));

/** openInChild runs lock-child.ts on `d` and returns what it printed. */
function openInChild(d: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', join(here, 'lock-child.ts'), d], { encoding: 'utf8' }).trim();
}

describe('data directory lock', () => {
  it('refuses a second process at start, naming the PID that holds the directory', async () => {
    const d = dir();
    const db = await open(d);
    expect(openInChild(d)).toBe(`DirectoryLockedError: data directory ${d} is locked by process ${process.pid} (lock file ${join(d, LOCK_FILE)}); stop it or use another directory`);
    await db.close();
    expect(openInChild(d)).toBe('opened');
  }, 30_000);

  it('refuses a second opener, naming the PID that holds the lock, and frees it on close', async () => {
    const d = dir();
    const db = await open(d);
    expect(readFileSync(join(d, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    const err = await open(d).then(() => undefined, (e: Error) => e);
    expect(err).toBeInstanceOf(DirectoryLockedError);
    expect(err!.message).toContain(`locked by process ${process.pid}`);
    expect((err as DirectoryLockedError).pid).toBe(process.pid);
    await db.close();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    const again = await open(d);
    await again.close();
  });

  it('refuses a directory locked by another live process', async () => {
    const d = dir();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(d, LOCK_FILE), `${other.pid}\n`);
      const err = await open(d).then(() => undefined, (e: Error) => e);
      expect(err).toBeInstanceOf(DirectoryLockedError);
      expect(err!.message).toContain(`locked by process ${other.pid}`);
      expect(readFileSync(join(d, LOCK_FILE), 'utf8').trim()).toBe(String(other.pid)); // untouched
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a stale lock left by a dead process, and an unreadable one', async () => {
    for (const content of [`${await deadPid()}\n`, 'garbage']) {
      const d = dir();
      writeFileSync(join(d, LOCK_FILE), content);
      const db = await open(d);
      expect(readFileSync(join(d, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
      await db.close();
    }
  });
});
