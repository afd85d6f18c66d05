import { describe, expect, it } from 'vitest';
import type { BlockMeta } from '../../../shared/tsdb/block/index.ts';
import { beyondBytes, beyondTime, compactionRanges, plan, superseded } from '../../../shared/tsdb/compact/index.ts';

const H = 3_600_000;
const D = 24 * H;
let n = 0;
/** meta: a block over [minH, maxH) hours, with a made-up sortable id. */
function meta(minH: number, maxH: number, bytes = 100, parents: string[] = []): BlockMeta {
  const ulid = `01H${String(n++).padStart(23, '0')}`;
  return {
    ulid,
    minTime: minH * H,
    maxTime: maxH * H,
    stats: { numSeries: 1, numSamples: 1, numChunks: 1, numPages: 1, indexBytes: bytes / 2, chunkBytes: bytes / 2 },
    compaction: { level: 1, sources: [ulid], parents },
    encoding: 'dense',
    version: 1,
  };
}
const hours = (g: BlockMeta[]) => g.map((m) => [m.minTime / H, m.maxTime / H]);

describe('compactionRanges', () => {
  it('grows by the factor up to 31 d or 10 % of retention', () => {
    expect(compactionRanges()).toEqual([2 * H, 6 * H, 18 * H, 54 * H, 162 * H, 486 * H]);
    expect(compactionRanges(15 * D)).toEqual([2 * H, 6 * H, 18 * H]);
    expect(compactionRanges(H)).toEqual([2 * H]);
  });
});

describe('plan', () => {
  const ranges = [2 * H, 6 * H, 18 * H];
  const cases: { name: string; blocks: [number, number][]; want: [number, number][] }[] = [
    { name: 'nothing with one block', blocks: [[0, 2]], want: [] },
    { name: 'three 2 h blocks and a newer one', blocks: [[0, 2], [2, 4], [4, 6], [6, 8]], want: [[0, 2], [2, 4], [4, 6]] },
    { name: 'an unfinished window waits', blocks: [[0, 2], [2, 4]], want: [] },
    { name: 'the newest block is left out of a complete window', blocks: [[6, 8], [8, 10], [10, 12]], want: [[6, 8], [8, 10]] },
    { name: 'a finished window of two blocks', blocks: [[6, 8], [8, 10], [12, 14]], want: [[6, 8], [8, 10]] },
    { name: 'overlapping blocks first', blocks: [[0, 2], [2, 4], [4, 6], [6, 8], [7, 9]], want: [[6, 8], [7, 9]] },
    { name: 'larger windows once smaller ones are done', blocks: [[0, 6], [6, 12], [12, 18], [18, 20]], want: [[0, 6], [6, 12], [12, 18]] },
    { name: 'blocks straddling a window are not grouped in it', blocks: [[4, 8], [8, 10], [12, 14]], want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(hours(plan(c.blocks.map(([a, b]) => meta(a, b)), ranges))).toEqual(c.want);
    });
  }
});

describe('retention', () => {
  it('beyondTime keeps blocks with any sample at or after t', () => {
    expect(hours(beyondTime([meta(0, 2), meta(2, 4), meta(4, 6)], 4 * H))).toEqual([[0, 2], [2, 4]]);
  });
  it('beyondBytes drops the oldest past the budget', () => {
    const list = [meta(4, 6, 100), meta(0, 2, 100), meta(2, 4, 100)];
    expect(hours(beyondBytes(list, 250))).toEqual([[0, 2]]);
    expect(hours(beyondBytes(list, 99))).toEqual([[4, 6], [2, 4], [0, 2]]);
    expect(beyondBytes(list, 0)).toEqual([]);
  });
  it('superseded finds parents of a present block', () => {
    const a = meta(0, 2), b = meta(2, 4), c = meta(0, 4, 100, [a.ulid, b.ulid]);
    expect(superseded([a, b, c])).toEqual([a, b]);
    expect(superseded([a, b])).toEqual([]);
  });
});
