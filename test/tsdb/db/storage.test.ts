import { afterAll, describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
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

describe('durable TSDB appendRef', () => {
  it('refuses a ref whose series was dropped from the head, logging nothing for it; append re-creates the series', async () => {
    const t = tempDir();
    dirs.push(t.cleanup);
    const db = await open(t.dir);
    const a = Labels.from({ __name__: 'gone', job: 'a' });
    const first = db.appender();
    const ref = first.append(0, a, 1000, 1);
    await first.commit().durable;
    db.head.mem.index.remove([ref]); // what dropping a series without samples does
    const app = db.appender();
    expect(app.appendRef(ref, 2000, 2)).toBe(false);
    const none = app.commit();
    expect(none).toEqual({ appended: 0, errors: [] });
    await none.durable;
    const again = db.appender();
    const fresh = again.append(ref, a, 3000, 3);
    expect(fresh).not.toBe(ref);
    await again.commit().durable;
    await db.close(); // the WAL holds both series records, one label set: replay joins them
    const db2 = await open(t.dir);
    const q = db2.querier(0, 10_000);
    const set = q.select([new Matcher('=', '__name__', 'gone')]);
    const b = set.load();
    expect(set.series.map((x) => x.labels.toString())).toEqual(['gone{job="a"}']);
    expect(Array.from(b.timestamps())).toEqual([1000, 3000]);
    b.release();
    q.close();
    await db2.close();
  });
});
