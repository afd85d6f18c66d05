import { describe, expect, it, afterEach } from 'vitest';
import { tempDirs } from '../../support/temp-dirs.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { WALWriteError, type DB } from '../../../shared/tsdb/db/index.ts';
import { read } from '../../storage/suite.ts';
import { FaultyFS } from '../wal/helpers.ts';
import { open } from './helpers.ts';

const dir = tempDirs('outpost-db-');

const ALL = [new Matcher('=~', '__name__', '.+')];

/** snapshotOf reads everything the DB holds over [0, 1e9], plus label names and values. */
function snapshotOf(db: DB): unknown {
  const q = db.querier(0, 1e9);
  try {
    return { series: read(q, ALL), names: q.labelNames(), jobs: q.labelValues('job') };
  } finally {
    q.close();
  }
}

/** fill writes `scrapes` scrapes of `n` series (15 s apart), a few scattered samples and new series between. */
async function fill(db: DB, n: number, scrapes: number, from = 0): Promise<void> {
  const refs = new Array<number>(n + scrapes).fill(0);
  for (let s = from; s < from + scrapes; s++) {
    const app = db.appender();
    const t = 1_000_000 + s * 15_000;
    for (let i = 0; i < n; i++) refs[i] = app.append(refs[i], Labels.from({ __name__: 'm', job: `j${i % 3}`, i: String(i) }), t, s * n + i);
    app.append(0, Labels.from({ __name__: 'born', job: 'late', at: String(s) }), t + 7, -s); // a new series each scrape
    const res = app.commit();
    expect(res.errors).toEqual([]);
    await res.durable;
  }
}

describe('durability', () => {
  it('returns exactly the same data after a restart, under every sync policy', async () => {
    for (const sync of ['always', 'batch', 'never'] as const) {
      const d = dir();
      let db = await open(d, { sync, walSegmentSize: 4096 });
      await fill(db, 50, 20);
      const before = snapshotOf(db);
      await db.close();
      db = await open(d, { sync });
      expect(db.replay.corruptions).toEqual([]);
      expect(db.replay.series).toBe(50 + 20);
      expect(snapshotOf(db)).toEqual(before);
      // Appending continues the same series, and a second restart still agrees.
      await fill(db, 50, 5, 20);
      const after = snapshotOf(db);
      await db.close();
      db = await open(d, { sync });
      expect(snapshotOf(db)).toEqual(after);
      await db.close();
    }
  });

  it('logs only accepted samples: refused ones do not come back on replay', async () => {
    const d = dir();
    let db = await open(d);
    const a = Labels.from({ __name__: 'a' });
    let app = db.appender();
    app.append(0, a, 10_000, 1);
    await app.commit().durable;
    app = db.appender();
    app.append(0, a, 9_000, 2); // out of bounds
    app.append(0, a, 10_000, 5); // conflicting duplicate
    app.append(0, a, 10_000, 1); // exact duplicate: accepted
    app.append(0, a, 11_000, 3);
    const res = app.commit();
    expect(res.errors.map((e) => e.reason)).toEqual(['out_of_bounds', 'duplicate_timestamp']);
    await res.durable;
    await db.close();
    db = await open(d);
    expect(db.replay.refused).toBe(0);
    expect(read(db.querier(0, 1e9), ALL)[0].samples).toEqual([[10_000, 1], [11_000, 3]]);
    await db.close();
  });

  it('logs each commit as it was while commits that follow it reuse the appenders\' columns', async () => {
    // Commits are not awaited: each samples record is written while later appenders buffer.
    const d = dir();
    let db = await open(d);
    const refs = new Array<number>(100).fill(0);
    const durables: Promise<void>[] = [];
    for (let s = 0; s < 10; s++) {
      const app = db.appender();
      for (let i = 0; i < 100; i++) refs[i] = app.append(refs[i], Labels.from({ __name__: 'm', i: String(i) }), 1000 * (s + 1), s * 1000 + i);
      if (s % 3 === 2) app.append(refs[0], Labels.from({ __name__: 'm', i: '0' }), 1000 * s, -1); // refused: a duplicate timestamp
      const res = app.commit();
      expect(res.errors.length).toBe(s % 3 === 2 ? 1 : 0);
      durables.push(res.durable);
    }
    await Promise.all(durables);
    const before = snapshotOf(db);
    await db.close();
    db = await open(d);
    expect(db.replay.refused).toBe(0);
    expect(snapshotOf(db)).toEqual(before);
    const m7 = read(db.querier(0, 1e9), [new Matcher('=', 'i', '7')])[0].samples;
    expect(m7).toEqual(Array.from({ length: 10 }, (_, s) => [1000 * (s + 1), s * 1000 + 7]));
    await db.close();
  });

  it('keeps the last position per name across restarts', async () => {
    const d = dir();
    let db = await open(d);
    await db.logPosition('uplink', 5, new Uint8Array([1, 2]));
    await db.logPosition('uplink', 7);
    expect(db.position('uplink')).toEqual({ seq: 7, data: undefined });
    await db.close();
    db = await open(d);
    expect(db.position('uplink')?.seq).toBe(7);
    expect(db.position('other')).toBeUndefined();
    await db.close();
  });

  it('flush waits for every commit so far', async () => {
    const d = dir();
    const db = await open(d, { sync: 'always' });
    let settled = 0;
    for (let k = 0; k < 20; k++) {
      const app = db.appender();
      app.append(0, Labels.from({ __name__: 'f', k: String(k % 4) }), k * 1000, k);
      app.commit().durable.then(() => settled++);
    }
    await db.flush();
    await Promise.resolve();
    expect(settled).toBe(20);
    await db.close();
  });
});

describe('WAL faults', () => {
  const faults: [string, (fs: FaultyFS) => void, RegExp][] = [
    ['disk full', (fs) => (fs.failWrite = { code: 'ENOSPC', partial: 5 }), /commit is not durable: write WAL segment \d+: ENOSPC/],
    ['permission denied', (fs) => (fs.failCreate = 'EACCES'), /commit is not durable: create WAL segment \d+: EACCES/],
    ['failed fsync', (fs) => (fs.failSync = 'EIO'), /commit is not durable: fsync WAL segment \d+: EIO/],
  ];
  for (const [name, inject, want] of faults) {
    it(`${name}: durable rejects clearly, reads go on, nothing corrupt, the failed batch is written before the next`, async () => {
      const d = dir();
      const fs = new FaultyFS();
      let db = await open(d, { sync: 'always', walFS: fs, walSegmentSize: 64 });
      const a = Labels.from({ __name__: 'a' });
      let app = db.appender();
      app.append(0, a, 1000, 1);
      await app.commit().durable;
      inject(fs);
      // A new series and a sample of it fail together; a second commit in flight depends on it.
      app = db.appender();
      app.append(0, Labels.from({ __name__: 'b' }), 2000, 2);
      const failed = app.commit();
      app = db.appender();
      app.append(0, Labels.from({ __name__: 'b' }), 3000, 3);
      const dependent = app.commit();
      const err = await failed.durable.then(() => undefined, (e: Error) => e);
      expect(err).toBeInstanceOf(WALWriteError);
      expect(err!.message).toMatch(want);
      await expect(dependent.durable).rejects.toThrow(WALWriteError);
      await expect(db.flush()).rejects.toThrow(WALWriteError);
      expect(db.stats().walFailures).toBeGreaterThan(0);
      // Reads still work, and see what the head accepted.
      expect(read(db.querier(0, 1e9), ALL).map((x) => x.samples.length)).toEqual([1, 2]);
      fs.failWrite = fs.failCreate = fs.failSync = undefined;
      // The next commit writes the failed batches first, in order, then its own.
      app = db.appender();
      app.append(0, Labels.from({ __name__: 'b' }), 4000, 4);
      await app.commit().durable;
      await db.close();
      db = await open(d);
      expect(db.replay.corruptions).toEqual([]);
      expect(db.replay.skippedUnknownSeries).toBe(0);
      expect(read(db.querier(0, 1e9), ALL)).toEqual([
        { labels: 'a', samples: [[1000, 1]] },
        { labels: 'b', samples: [[2000, 2], [3000, 3], [4000, 4]] },
      ]);
      await db.close();
    });
  }
});
