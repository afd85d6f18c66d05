import { afterAll } from 'vitest';
import type { Storage } from '../../../shared/storage/interface.ts';
import type { DB } from '../../../shared/tsdb/db/index.ts';
import { storageSuite } from '../../storage/suite.ts';
import { open, tempDir } from './helpers.ts';

const dirs: (() => void)[] = [];
afterAll(() => dirs.forEach((c) => c()));

for (const sync of ['always', 'never'] as const) {
  storageSuite(
    `durable TSDB (sync ${sync})`,
    async (options) => {
      const t = tempDir();
      dirs.push(t.cleanup);
      return open(t.dir, { sync, ...options });
    },
    async (s: Storage, options) => {
      const dir = (s as DB).dir;
      await s.close();
      return open(dir, { sync, ...options });
    },
  );
}
