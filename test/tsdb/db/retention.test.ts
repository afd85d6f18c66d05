import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../support/temp-dirs.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import type { BlockMeta } from '../../../shared/tsdb/block/index.ts';
import { beyondRetention, type DB } from '../../../shared/tsdb/db/index.ts';
import { read } from '../../storage/suite.ts';
import { open } from './helpers.ts';

const dir = tempDirs('outpost-db-');

const RANGE = 60_000;
const ALL = [new Matcher('=~', '__name__', '.+')];

function meta(id: string, minTime: number, maxTime: number, bytes: number): BlockMeta {
  return {
    ulid: id, minTime, maxTime, version: 1, encoding: 'dense',
    stats: { numSeries: 1, numSamples: 1, numChunks: 1, numPages: 1, indexBytes: bytes / 2, chunkBytes: bytes / 2 },
    compaction: { level: 1, sources: [id], parents: [] },
  };
}

describe('beyondRetention', () => {
  const blocks = [meta('c', 120, 180, 100), meta('a', 0, 60, 100), meta('b', 60, 120, 100)];
  // retentionMs, retentionBytes, newestT, otherBytes, want
  const cases: [number, number, number, number, string[]][] = [
    [0, 0, 1000, 0, []],
    [100, 0, 200, 0, ['a']], // a ends at 60 ≤ 200 − 100; b ends at 120 > 100
    [80, 0, 200, 0, ['a', 'b']],
    [10, 0, 200, 0, ['a', 'b', 'c']],
    [0, 300, 200, 0, []],
    [0, 250, 200, 0, ['a']],
    [0, 250, 200, 60, ['a', 'b']], // the WAL counts toward the size bound
    [150, 150, 200, 0, ['a', 'b']], // whichever bound bites first
    [100, 10, 200, 0, ['a', 'b', 'c']],
  ];
  for (const [ms, bytes, newest, other, want] of cases) {
    it(`time ${ms} size ${bytes} newest ${newest} other ${other}`, () => {
      expect(beyondRetention(blocks, { retentionMs: ms, retentionBytes: bytes, newestT: newest, otherBytes: other })).toEqual(want);
    });
  }
});

async function scrapes(db: DB, from: number, to: number): Promise<void> {
  let ref = 0;
  for (let t = from; t < to; t += 5000) {
    const app = db.appender();
    ref = app.append(ref, Labels.from({ __name__: 'm' }), t, t);
    await app.commit().durable;
  }
}

describe('retention in the DB', () => {
  it('deletes whole blocks older than retentionMs, keeping the head', async () => {
    const d = dir();
    const db = await open(d, { blockRangeMs: RANGE, background: false, retentionMs: 150_000 });
    await scrapes(db, 0, 300_000);
    await db.cutHead(); // cuts [0, 60), [60, 120), [120, 180), [180, 240); newest 295 s → keep blocks ending after 145 s
    expect(db.blocks().map((b) => b.minTime)).toEqual([120_000, 180_000]);
    expect(db.stats().maintenance.blocksDeleted).toBe(2);
    const got = read(db.querier(0, 1e9), ALL)[0].samples;
    expect(got[0][0]).toBe(120_000);
    expect(got.at(-1)![0]).toBe(295_000);
    await db.close();
  });

  it('deletes the oldest blocks while blocks and WAL exceed retentionBytes; a restart keeps the result', async () => {
    const d = dir();
    let db = await open(d, { blockRangeMs: RANGE, background: false, retentionMs: 0 });
    await scrapes(db, 0, 300_000);
    await db.cutHead();
    const metas = db.blocks();
    expect(metas).toHaveLength(4);
    await db.close();
    // A bound that fits only the newest block (and the WAL, which is small here).
    const newest = metas.at(-1)!;
    const bound = newest.stats.indexBytes + newest.stats.chunkBytes + treeBytes(join(d, 'wal'));
    db = await open(d, { blockRangeMs: RANGE, background: false, retentionMs: 0, retentionBytes: bound });
    const deleted = await db.applyRetention();
    expect(deleted).toEqual(metas.slice(0, 3).map((m) => m.ulid));
    for (const id of deleted) expect(existsSync(join(d, id))).toBe(false);
    expect(db.blocks().map((b) => b.ulid)).toEqual([newest.ulid]);
    await db.close();
    db = await open(d, { blockRangeMs: RANGE, background: false, retentionMs: 0 });
    expect(read(db.querier(0, 1e9), ALL)[0].samples[0][0]).toBe(180_000);
    await db.close();
  });

  it('a querier open across a cut and a deletion reads what it selected; the cut waits for it', async () => {
    const d = dir();
    const db = await open(d, { blockRangeMs: RANGE, background: false, retentionMs: 100_000 });
    await scrapes(db, 0, 150_000);
    await db.cutHead(); // [0, 60); newest 145 s: nothing is beyond retention yet
    expect(db.blocks().map((b) => b.minTime)).toEqual([0]);
    const q = db.querier(0, 1e9);
    const set = q.select(ALL);
    await scrapes(db, 150_000, 300_000);
    let cutDone = false;
    const cut = db.cutHead().then(() => (cutDone = true));
    for (let i = 0; i < 50 && db.blocks().length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    // The new blocks are written, but the head is not freed (nor retention applied) while q is open.
    expect(db.blocks().map((b) => b.minTime)).toEqual([0, 60_000, 120_000, 180_000]);
    expect(cutDone).toBe(false);
    const batch = set.load(0, 149_999);
    expect(batch.sampleCount).toBe(30);
    expect(Array.from(batch.timestamps().subarray(0, 3))).toEqual([0, 5000, 10_000]);
    batch.release();
    q.close();
    await cut;
    expect(db.blocks().map((b) => b.minTime)).toEqual([180_000]);
    // A new querier no longer sees the deleted time, not even from the head's memory.
    expect(read(db.querier(0, 1e9), ALL)[0].samples[0][0]).toBe(180_000);
    await db.close();
  });

  it('a querier never closed delays a cut by readerWaitMs once, and is reported', async () => {
    const d = dir();
    const logs: string[] = [];
    const db = await open(d, { blockRangeMs: RANGE, background: false, readerWaitMs: 50 }, logs);
    await scrapes(db, 0, 150_000);
    db.querier(0, 1e9).select(ALL); // leaked
    await db.cutHead();
    expect(logs.join('\n')).toMatch(/freeing the head with 1 queriers open for over 50 ms/);
    await scrapes(db, 150_000, 300_000);
    const t = performance.now();
    await db.cutHead();
    expect(performance.now() - t).toBeLessThan(1000);
    await db.close();
  });
});

/** treeBytes: the bytes of the files under `p`. */
function treeBytes(p: string): number {
  return readdirSync(p, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? treeBytes(join(p, e.name)) : statSync(join(p, e.name)).size), 0);
}
