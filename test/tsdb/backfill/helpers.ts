/** Test helpers for the backfill suites: temp directories, OpenMetrics files, reading a data directory back. */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir as makeTempDir } from '../../support/temp-dirs.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { isULID } from '../../../shared/tsdb/block/index.ts';
import { openDB } from '../../../shared/tsdb/db/index.ts';
import { read } from '../../storage/suite.ts';

/** tempDir makes a fresh directory for these tests; cleanup() removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  return makeTempDir('outpost-backfill-');
}

/** writeOM writes `lines` (joined by newlines, with a final newline) to `dir/name` and returns the path. */
export function writeOM(dir: string, name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** blockDirs lists the block directories (ULID names) in `dir`. */
export function blockDirs(dir: string): string[] {
  return readdirSync(dir).filter(isULID).sort();
}

/** readBack opens `dir` as a hub would (openDB) and returns every series' samples, label order. */
export async function readBack(dir: string): Promise<{ labels: string; samples: [number, number][] }[]> {
  const db = await openDB(dir, { background: false, log: () => undefined });
  try {
    const q = db.querier(-1e15, 1e15);
    try {
      return read(q, [new Matcher('=~', '__name__', '.+')]);
    } finally {
      q.close();
    }
  } finally {
    await db.close();
  }
}
