/**
 * The child process of lock.test.ts: tries to open the DB in argv[2] and prints "opened" or the
 * refusal's class and message, then closes and exits.
 */
import { openDB } from '../../../shared/tsdb/db/index.ts';

try {
  const db = await openDB(process.argv[2], { log: () => undefined });
  process.stdout.write('opened\n');
  await db.close();
} catch (err) {
  process.stdout.write(`${(err as Error).name}: ${(err as Error).message}\n`);
}
