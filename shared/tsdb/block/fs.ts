/**
 * File-system helpers for blocks: durable writes (fsync of files and directories), the atomic
 * publish of a finished temporary directory, crash-safe deletion (rename to a temporary name,
 * then remove), and the scan of a directory of blocks that clears what a crash left behind.
 */
import { constants as C } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { TMP_SUFFIX } from './format.ts';
import { isULID } from './ulid.ts';

/** syncDir makes creations, renames and removals inside `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, C.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** writeFileDurable writes `data` to a new file and fsyncs it. */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await fsp.open(path, C.O_CREAT | C.O_EXCL | C.O_WRONLY, 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * deleteBlockDir removes a block directory crash-safely: it is first renamed to a temporary name
 * (atomic, and made durable), so a crash mid-removal leaves only something scans clear away.
 * A missing directory is not an error.
 */
export async function deleteBlockDir(parent: string, id: string): Promise<void> {
  const from = join(parent, id);
  const to = join(parent, `${id}${TMP_SUFFIX}-delete`);
  try {
    await fsp.rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`delete block ${from}: ${(err as Error).message}`, { cause: err });
  }
  await syncDir(parent);
  await fsp.rm(to, { recursive: true, force: true });
}

/**
 * scanBlockDirs lists the block ids in `parent` (directories named by a ULID), sorted, after
 * removing what interrupted writes and deletions left (entries ending in ".tmp…"). A missing
 * parent gives an empty list.
 */
export async function scanBlockDirs(parent: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fsp.readdir(parent, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`list blocks in ${parent}: ${(err as Error).message}`, { cause: err });
  }
  const ids: string[] = [];
  for (const e of entries) {
    if (e.name.includes(TMP_SUFFIX)) {
      await fsp.rm(join(parent, e.name), { recursive: true, force: true });
    } else if (e.isDirectory() && isULID(e.name)) {
      ids.push(e.name);
    }
  }
  return ids.sort();
}
