import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../support/temp-dirs.ts';
import type { WALRecord } from '../../../shared/tsdb/wal/record.ts';
import { WAL, type SyncPolicy } from '../../../shared/tsdb/wal/wal.ts';
import { expectSame, FaultyFS, fromBits, openReplay, samples, segmentFiles, series, STALE_NAN } from './helpers.ts';

const dir = tempDirs('outpost-wal-');

/** scrape builds a series record (first time) and a samples record for `n` series at step k. */
function scrape(k: number, n: number): WALRecord[] {
  const refs = Array.from({ length: n }, (_, i) => i + 1);
  const out: WALRecord[] = [];
  if (k === 0) out.push(...refs.map((r) => series(r, { __name__: 'm', i: String(r) })));
  out.push(samples(1_700_000_000_000 + k * 15_000, refs, refs.map((r) => (r % 3 === 0 ? k * r : r + 0.25))));
  return out;
}

describe('WAL log and replay', () => {
  for (const policy of ['always', 'batch', 'never'] as SyncPolicy[]) {
    it(`round trips every record type under sync=${policy}`, async () => {
      const d = dir();
      const { wal, records: none } = await openReplay(d, { sync: policy, syncIntervalMs: 5 });
      expect(none).toEqual([]);
      const recs: WALRecord[] = [
        ...scrape(0, 5),
        samples(1, [1, 2, 3], fromBits([STALE_NAN, 0x8000000000000000n, 0x7ff0000000000000n])),
        { type: 'position', name: 'acked', seq: 17, data: Uint8Array.from([1, 2]) },
        ...scrape(1, 5),
      ];
      await wal.log(recs.slice(0, 3));
      await wal.log(recs.slice(3));
      await wal.close();
      const again = await openReplay(d);
      expectSame(again.records, recs);
      expect(again.result.corruptions).toEqual([]);
      await again.wal.close();
    });
  }

  it('cuts many bounded segments and replays them in order across reopenings', async () => {
    const d = dir();
    const want: WALRecord[] = [];
    for (let round = 0; round < 3; round++) {
      const { wal, records } = await openReplay(d, { segmentSize: 512, sync: 'never' });
      expectSame(records, want);
      for (let k = 0; k < 40; k++) {
        const recs = scrape(round * 40 + k, 30).filter((r) => r.type === 'samples' || round === 0);
        want.push(...recs);
        await wal.log(recs);
      }
      await wal.close();
    }
    const files = segmentFiles(d);
    expect(files.length).toBeGreaterThan(20);
    // Every segment but the one holding a lone oversized record respects the bound.
    for (const f of files) expect(statSync(join(d, f)).size).toBeLessThanOrEqual(512);
    const { wal, records } = await openReplay(d);
    expectSame(records, want);
    await wal.close();
  });

  it('puts a record larger than a segment in a segment of its own', async () => {
    const d = dir();
    const { wal } = await openReplay(d, { segmentSize: 256, sync: 'never' });
    const big = samples(5, Array.from({ length: 200 }, (_, i) => i), Array.from({ length: 200 }, (_, i) => i * 1.5));
    const recs = [samples(1, [1], [1]), big, samples(9, [1], [2])];
    await wal.log(recs);
    await wal.close();
    expect(segmentFiles(d).length).toBe(3);
    const again = await openReplay(d);
    expectSame(again.records, recs);
    await again.wal.close();
  });

  it('group-commits concurrent callers into fewer writes and fsyncs, in call order', async () => {
    const d = dir();
    const fs = new FaultyFS();
    const { wal } = await openReplay(d, { fs, sync: 'always' });
    const batches = Array.from({ length: 50 }, (_, k) => scrape(k + 1, 10));
    await Promise.all(batches.map((b) => wal.log(b)));
    await wal.close();
    expect(fs.writes).toBeLessThan(10);
    expect(fs.syncs).toBeLessThan(10);
    const again = await openReplay(d);
    expectSame(again.records, batches.flat());
    await again.wal.close();
  });

  it('batch policy fsyncs in the background within the interval', async () => {
    const d = dir();
    const fs = new FaultyFS();
    const { wal } = await openReplay(d, { fs, sync: 'batch', syncIntervalMs: 20 });
    await wal.log(scrape(0, 3));
    expect(fs.syncs).toBe(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(fs.syncs).toBe(1);
    await wal.close();
  });

  it('log before replay reads the log through first; replay twice is a bug', async () => {
    const d = dir();
    const a = await openReplay(d, { sync: 'never' });
    await a.wal.log(scrape(0, 2));
    await a.wal.close();
    const b = await WAL.open(d, { sync: 'never', log: () => undefined });
    await b.log(scrape(1, 2));
    await expect(b.replay(() => undefined)).rejects.toThrow(/BUG: .*replayed twice/);
    await b.close();
    await expect(b.log(scrape(2, 2))).rejects.toThrow(/WAL is closed/);
    const c = await openReplay(d);
    expectSame(c.records, [...scrape(0, 2), ...scrape(1, 2)]);
    await c.wal.close();
  });

  it('refuses a malformed record without disturbing concurrent callers', async () => {
    const d = dir();
    const { wal } = await openReplay(d, { sync: 'never' });
    const good = wal.log(scrape(0, 2));
    await expect(wal.log([samples(1.5, [1], [1])])).rejects.toThrow(/BUG: .*timestamp/);
    await good;
    await wal.close();
    const again = await openReplay(d);
    expectSame(again.records, scrape(0, 2));
    await again.wal.close();
  });

  it('refuses to open a WAL whose segments have a gap', async () => {
    const d = dir();
    const { wal } = await openReplay(d, { sync: 'never' });
    for (let k = 0; k < 4; k++) {
      await wal.log(scrape(k, 3));
      expect(await wal.cut()).toBe(k + 1);
    }
    await wal.close();
    expect(segmentFiles(d)).toEqual(['00000000', '00000001', '00000002', '00000003']);
    const { rmSync } = await import('node:fs');
    rmSync(join(d, '00000001'));
    await expect(WAL.open(d)).rejects.toThrow(/open WAL .*not contiguous: 00000000 is followed by 00000002/);
  });
});
