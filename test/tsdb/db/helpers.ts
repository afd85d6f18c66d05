/** Test helpers for the durable TSDB suites: temp directories and opening with quiet logs. */
import { tempDir as makeTempDir } from '../../support/temp-dirs.ts';
import { openDB, type DB, type DBOptions } from '../../../shared/tsdb/db/index.ts';

/** tempDir makes a fresh directory for these tests; cleanup() removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  return makeTempDir('outpost-db-');
}

/** open opens a DB with warnings collected in `logs` instead of printed. */
export async function open(dir: string, options: DBOptions = {}, logs: string[] = []): Promise<DB> {
  return openDB(dir, { log: (m) => logs.push(m), ...options });
}
