import { cpSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../support/temp-dirs.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import type { DB } from '../../../shared/tsdb/db/index.ts';
import { planCut } from '../../../shared/tsdb/db/index.ts';
import { isULID } from '../../../shared/tsdb/block/index.ts';
import { bitsOf, read, readBits, STALE_NAN_BITS, staleNaN } from '../../storage/suite.ts';
import { open } from './helpers.ts';

const dir = tempDirs('outpost-db-');

const RANGE = 60_000; // a 1-minute block range keeps the tests small
const ALL = [new Matcher('=~', '__name__', '.+')];

/** scrapes writes samples every 5 s in [from, to) for `n` series (value = t / 1000 + i) and a staleness marker at the end. */
async function scrapes(db: DB, n: number, from: number, to: number): Promise<void> {
  const refs = new Array<number>(n).fill(0);
  for (let t = from; t < to; t += 5000) {
    const app = db.appender();
    for (let i = 0; i < n; i++) refs[i] = app.append(refs[i], Labels.from({ __name__: 'm', i: String(i) }), t, t / 1000 + i);
    const res = app.commit();
    expect(res.errors).toEqual([]);
    await res.durable;
  }
}

/** readAll reads every series over [mint, maxt] and closes the querier. */
function readAll(db: DB, mint: number, maxt: number): ReturnType<typeof read> {
  const q = db.querier(mint, maxt);
  try {
    return read(q, ALL);
  } finally {
    q.close();
  }
}

function expected(n: number, from: number, to: number): { labels: string; samples: [number, number][] }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const samples: [number, number][] = [];
    for (let t = from; t < to; t += 5000) samples.push([t, t / 1000 + i]);
    out.push({ labels: `m{i="${i}"}`, samples });
  }
  return out.sort((a, b) => (a.labels < b.labels ? -1 : 1));
}

describe('planCut', () => {
  const has = (points: number[]) => (mint: number, maxt: number) => points.some((p) => p >= mint && p <= maxt);
  // minT, maxT, data points, want
  const cases: [number, number, number[], { starts: number[]; end: number } | undefined][] = [
    [0, 89_999, [0, 89_999], undefined],
    [0, 90_000, [0, 90_000], { starts: [0], end: 60_000 }],
    [10_000, 100_000, [10_000, 100_000], { starts: [0], end: 60_000 }],
    [0, 300_000, [0, 70_000, 300_000], { starts: [0, 60_000], end: 240_000 }],
    [0, 300_000, [0, 200_000, 300_000], { starts: [0, 180_000], end: 240_000 }], // empty ranges skipped
    [-120_000, -10_000, [-120_000, -10_000], { starts: [-120_000], end: -60_000 }],
    [Infinity, -Infinity, [], undefined],
  ];
  for (const [minT, maxT, points, want] of cases) {
    it(`[${minT}, ${maxT}] with data at ${points.join(', ')}`, () => {
      expect(planCut(minT, maxT, RANGE, has(points))).toEqual(want);
    });
  }

  it('finds the populated ranges of a sparse head in a few lookups', () => {
    let calls = 0;
    const plan = planCut(0, 1e12, RANGE, (mint, maxt) => {
      calls++;
      return [0, 5e11, 1e12].some((p) => p >= mint && p <= maxt);
    });
    expect(plan?.starts).toEqual([0, 5e11 - (5e11 % RANGE)]);
    expect(calls).toBeLessThan(100);
  });
});

describe('head → blocks', () => {
  it('cuts completed ranges into blocks, frees the head, and queries span both seamlessly', async () => {
    const d = dir();
    const db = await open(d, { blockRangeMs: RANGE, background: false, walSegmentSize: 2048 });
    await scrapes(db, 5, 0, 200_000);
    const before = readAll(db, 0, 1e9);
    expect(before).toEqual(expected(5, 0, 200_000));
    expect(await db.cutHead()).toBe(2); // [0, 60 s) and [60 s, 120 s); the head keeps the rest
    expect(db.blocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, 60_000], [60_000, 120_000]]);
    expect(db.stats().minValidTime).toBe(120_000);
    expect(readdirSync(d).filter(isULID)).toHaveLength(2);
    expect(readdirSync(join(d, 'wal')).some((f) => f.startsWith('checkpoint.'))).toBe(true);
    // Every range reads the same as before: block only, head only, across the boundary.
    expect(readAll(db, 0, 1e9)).toEqual(before);
    for (const [mint, maxt] of [[0, 59_999], [30_000, 90_000], [100_000, 150_000], [125_000, 199_999]]) {
      expect(readAll(db, mint, maxt)).toEqual(expected(5, mint, maxt + 1).map((s) => ({ ...s, samples: s.samples.filter(([t]) => t >= mint) })));
    }
    const q = db.querier(0, 1e9);
    expect(q.labelValues('i')).toEqual(['0', '1', '2', '3', '4']);
    expect(q.labelNames()).toEqual(['__name__', 'i']);
    // Series refs are head refs: appending with them continues the series.
    const sel = q.select([new Matcher('=', 'i', '3')]);
    expect(sel.series[0].ref).toBeGreaterThan(0);
    q.close();
    // Samples older than the persisted time are refused as out of bounds.
    const app = db.appender();
    app.append(0, Labels.from({ __name__: 'm', i: '0' }), 119_999, 1);
    app.append(0, Labels.from({ __name__: 'new' }), 100_000, 1);
    expect(app.commit().errors.map((e) => [e.reason, e.t])).toEqual([['out_of_bounds', 119_999], ['out_of_bounds', 100_000]]);
    await db.close();
  });

  it('queries made while a cut writes its blocks see the range being cut', async () => {
    const d = dir();
    const db = await open(d, { blockRangeMs: RANGE, background: false });
    await scrapes(db, 5, 0, 200_000);
    const want = expected(5, 0, 200_000);
    const cut = db.cutHead();
    let settled = false;
    void cut.finally(() => (settled = true));
    // Between the cut's first step (appends before 120 s are refused from here on) and the
    // blocks joining the set, a query reads that time from the head.
    let reads = 0;
    do {
      await new Promise((resolve) => setImmediate(resolve));
      expect(readAll(db, 0, 1e9), `read ${reads} during the cut`).toEqual(want);
      reads++;
    } while (!settled);
    expect(await cut).toBe(2);
    expect(reads).toBeGreaterThan(1);
    expect(readAll(db, 0, 1e9)).toEqual(want);
    await db.close();
  });

  it('a head replayed past its cut point reads whole while the cut at open runs', async () => {
    const d = dir();
    let db = await open(d, { blockRangeMs: RANGE, background: false });
    await scrapes(db, 5, 0, 200_000);
    await db.close();
    // Opened with background work, the DB cuts at once; a query made right away sees it all.
    db = await open(d, { blockRangeMs: RANGE });
    expect(readAll(db, 0, 1e9)).toEqual(expected(5, 0, 200_000));
    await db.close();
    db = await open(d, { blockRangeMs: RANGE, background: false });
    expect(db.blocks().length).toBe(2);
    expect(readAll(db, 0, 1e9)).toEqual(expected(5, 0, 200_000));
    await db.close();
  });

  it('returns exactly the same after a restart with blocks, a checkpoint and WAL segments', async () => {
    const d = dir();
    let db = await open(d, { blockRangeMs: RANGE, background: false, walSegmentSize: 2048 });
    await scrapes(db, 5, 0, 200_000);
    await db.cutHead();
    await scrapes(db, 5, 200_000, 230_000);
    const stale = db.appender();
    stale.append(0, Labels.from({ __name__: 'm', i: '0' }), 230_000, staleNaN());
    await stale.commit().durable;
    const before = readAll(db, 0, 1e9);
    await db.close();
    db = await open(d, { blockRangeMs: RANGE, background: false });
    expect(db.replay.corruptions).toEqual([]);
    expect(db.blocks()).toHaveLength(2);
    expect(readAll(db, 0, 1e9)).toEqual(before);
    const q = db.querier(224_000, 1e9);
    expect(readBits(q, [new Matcher('=', 'i', '0')])).toEqual([[bitsOf(225), STALE_NAN_BITS]]);
    q.close();
    await db.close();
  });

  it('cuts in the background after commits and skips WAL samples a block already holds', async () => {
    const d = dir();
    let db = await open(d, { blockRangeMs: RANGE, walSegmentSize: 2048 });
    await scrapes(db, 3, 0, 100_000);
    await db.flush();
    // Give the background cut a moment: it is queued after the commit that made it due.
    for (let i = 0; i < 50 && db.blocks().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(db.blocks().map((b) => [b.minTime, b.maxTime])).toEqual([[0, 60_000]]);
    const before = readAll(db, 0, 1e9);
    await db.close();
    db = await open(d, { blockRangeMs: RANGE, background: false });
    expect(readAll(db, 0, 1e9)).toEqual(before);
    expect(db.replay.samples).toBe(3 * 8); // the checkpoint dropped what the block holds: t < 60 s
    await db.close();
  });

  it('after a crash between writing a block and checkpointing, replay skips what the block holds', async () => {
    const d = dir();
    let db = await open(d, { blockRangeMs: RANGE, background: false });
    await scrapes(db, 3, 0, 100_000);
    await db.close();
    cpSync(join(d, 'wal'), join(d, 'wal-before-cut'), { recursive: true });
    db = await open(d, { blockRangeMs: RANGE, background: false });
    const before = readAll(db, 0, 1e9);
    expect(await db.cutHead()).toBe(1);
    await db.close();
    // Put the WAL back as it was before the checkpoint: the block and the WAL both hold [0, 60 s).
    rmSync(join(d, 'wal'), { recursive: true });
    renameSync(join(d, 'wal-before-cut'), join(d, 'wal'));
    db = await open(d, { blockRangeMs: RANGE, background: false });
    expect(db.replay.skippedPersisted).toBe(3 * 12);
    expect(db.replay.samples).toBe(3 * 8);
    expect(readAll(db, 0, 1e9)).toEqual(before);
    await db.close();
  });
});

describe('compaction and snapshots', () => {
  it('compacts cut blocks into larger ones; queries and restarts read the same', async () => {
    const d = dir();
    let db = await open(d, { blockRangeMs: RANGE, background: false, retentionMs: 0 });
    await scrapes(db, 4, 0, 600_000);
    await db.cutHead();
    expect(db.blocks()).toHaveLength(9); // [0, 540 s) in 1-minute blocks
    // Blocks cut from the head keep their pages uncompressed; compaction compresses them.
    const pageCompression = (id: string) => readFileSync(join(d, id, 'chunks'))[8];
    expect(db.blocks().map((b) => pageCompression(b.ulid))).toEqual(new Array(9).fill(0));
    const before = readAll(db, 0, 1e9);
    expect(await db.compact()).toBeGreaterThan(0);
    expect(db.blocks().filter((b) => b.compaction.level > 1).map((b) => pageCompression(b.ulid))).toContain(1);
    const ranges = db.blocks().map((b) => [b.minTime, b.maxTime]);
    expect(ranges.length).toBeLessThan(9);
    expect(ranges[0][0]).toBe(0);
    expect(ranges[0][1]).toBeGreaterThanOrEqual(180_000); // 1-minute blocks merged into 3-minute ones and up
    expect(db.stats().maintenance.blocksMerged).toBeGreaterThanOrEqual(3);
    expect(readAll(db, 0, 1e9)).toEqual(before);
    expect(readAll(db, 170_000, 190_000)).toEqual(expected(4, 170_000, 190_001));
    // Loading a slice of a set merged from blocks and the head.
    const q = db.querier(0, 1e9);
    const set = q.select(ALL);
    const b = set.load(500_000, 1e9, 1, 3);
    expect(b.seriesCount).toBe(2);
    expect([...b.offsets()]).toEqual([0, 20, 40]);
    expect(b.timestamps()[0]).toBe(500_000);
    expect(b.values()[20]).toBe(500 + 2);
    b.release();
    q.close();
    await db.close();
    db = await open(d, { blockRangeMs: RANGE, background: false, retentionMs: 0 });
    expect(db.blocks().map((b) => [b.minTime, b.maxTime])).toEqual(ranges);
    expect(readAll(db, 0, 1e9)).toEqual(before);
    await db.close();
  });

  it('snapshot: hard-linked blocks plus the head as a block, openable as a DB with the same data', async () => {
    const d = dir();
    const db = await open(d, { blockRangeMs: RANGE, background: false });
    await scrapes(db, 3, 0, 200_000);
    await db.cutHead();
    const before = readAll(db, 0, 1e9);
    const target = join(dir(), 'snap');
    const res = await db.snapshot(target);
    expect(res.linked).toBe(2);
    expect(res.headBlock).not.toBeNull();
    for (const b of db.blocks()) expect(statSync(join(target, b.ulid, 'chunks')).ino).toBe(statSync(join(d, b.ulid, 'chunks')).ino);
    // Writes after the snapshot are not in it.
    await scrapes(db, 3, 200_000, 210_000);
    await expect(db.snapshot(target)).rejects.toThrow(/is not empty/);
    await db.close();
    const copy = await open(target, { blockRangeMs: RANGE, background: false });
    expect(copy.blocks()).toHaveLength(3);
    expect(readAll(copy, 0, 1e9)).toEqual(before);
    await copy.close();
  });
});
