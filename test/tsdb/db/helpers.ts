/** Test helpers for the durable TSDB suites: temp directories and opening with quiet logs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDB, type DB, type DBOptions } from '../../../shared/tsdb/db/index.ts';

/** tempDir makes a fresh directory; cleanup() removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-db-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** open opens a DB with warnings collected in `logs` instead of printed. */
export async function open(dir: string, options: DBOptions = {}, logs: string[] = []): Promise<DB> {
  return openDB(dir, { log: (m) => logs.push(m), ...options });
}
