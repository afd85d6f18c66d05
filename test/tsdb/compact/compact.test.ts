import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadCore, type Core } from '../../../core-wasm/host/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { openBlock, scanBlockDirs, writeBlock, type BlockEncoding, type BlockMeta } from '../../../shared/tsdb/block/index.ts';
import { compact, compactOnce, compactionRanges, mergeParts } from '../../../shared/tsdb/compact/index.ts';
import { EDGE_VALUES, bitsOf, sameColumns, tempDir, type Series } from '../block/helpers.ts';

const H = 3_600_000;
const T0 = 1_700_006_400_000; // a multiple of 2 h
let core: Core;
let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  core = loadCore();
});
afterEach(() => tmp?.cleanup());

const lbl = (i: number) => Labels.from({ __name__: 'm', i: String(i).padStart(3, '0') });

/** block writes series i in `ids` with samples every `step` ms over [from, to), value f(i, t). */
async function block(ids: number[], from: number, to: number, step: number, f: (i: number, t: number) => number, encoding: BlockEncoding = 'dense'): Promise<BlockMeta> {
  const series = ids.map((i) => {
    const ts = Float64Array.from({ length: Math.ceil((to - from) / step) }, (_, k) => from + k * step);
    return { labels: lbl(i), timestamps: ts, values: Float64Array.from(ts, (t) => f(i, t)) };
  });
  return (await writeBlock(tmp.dir, series, { encoding, core, minTime: from, maxTime: to, quality: 5 }))!;
}

describe('mergeParts', () => {
  it('merges by time and keeps the first part for equal timestamps, bits exact', () => {
    const a = { ts: Float64Array.of(1, 3, 5), vs: Float64Array.of(EDGE_VALUES[0], 3, 5) };
    const b = { ts: Float64Array.of(1, 2, 5, 6), vs: Float64Array.of(10, 2, 50, -0) };
    const m = mergeParts([a, b]);
    expect(Array.from(m.ts)).toEqual([1, 2, 3, 5, 6]);
    expect(Array.from(m.vs, bitsOf)).toEqual([EDGE_VALUES[0], 2, 3, 5, -0].map(bitsOf));
    expect(mergeParts([]).ts.length).toBe(0);
  });
});

describe('compact', () => {
  it('merges overlapping XOR and dense blocks into one dense block, deduplicating timestamps', async () => {
    tmp = tempDir();
    const a = await block([1, 2, 3], T0, T0 + 2 * H, 15_000, (i, t) => i * 1000 + (t - T0) / 15_000, 'xor');
    // Overlaps a's second hour with other values at the same timestamps (a must win), adds series 4.
    const b = await block([2, 3, 4], T0 + H, T0 + 3 * H, 15_000, (i, t) => (i === 3 ? EDGE_VALUES[(t / 15_000) % 5] : -i), 'dense');
    const blocks = [await openBlock(join(tmp.dir, a.ulid), { core }), await openBlock(join(tmp.dir, b.ulid), { core })];
    const meta = (await compact(blocks, tmp.dir, { core, batchSeries: 2 }))!;
    blocks.forEach((x) => x.close());
    expect(meta.minTime).toBe(T0);
    expect(meta.maxTime).toBe(T0 + 3 * H);
    expect(meta.encoding).toBe('dense');
    expect(meta.compaction).toEqual({ level: 2, sources: [a.ulid, b.ulid].sort(), parents: [a.ulid, b.ulid].sort() });
    const want: Series[] = [1, 2, 3, 4].map((i) => {
      const ts: number[] = [], vs: number[] = [];
      for (let t = T0; t < T0 + 3 * H; t += 15_000) {
        const inA = i <= 3 && t < T0 + 2 * H, inB = i >= 2 && t >= T0 + H;
        if (inA) ts.push(t), vs.push(i * 1000 + (t - T0) / 15_000);
        else if (inB) ts.push(t), vs.push(i === 3 ? EDGE_VALUES[(t / 15_000) % 5] : -i);
      }
      return { ts: Float64Array.from(ts), vs: Float64Array.from(vs) };
    });
    expect(meta.stats.numSamples).toBe(want.reduce((s, x) => s + x.ts.length, 0));
    const out = await openBlock(join(tmp.dir, meta.ulid), { core });
    expect(sameColumns(out.readColumns([1, 2, 3, 4]), want)).toBe('');
    out.close();
  });
});

describe('compactOnce', () => {
  it('merges three 2 h blocks into a 6 h block, deletes the sources, leaves the newest alone', async () => {
    tmp = tempDir();
    const f = (i: number, t: number) => i + t / 1000;
    const metas = [];
    for (let k = 0; k < 4; k++) metas.push(await block([1, 2], T0 + k * 2 * H, T0 + (k + 1) * 2 * H, 60_000, f));
    const ranges = compactionRanges(0, 2 * H, 3, 54 * H);
    expect(ranges).toEqual([2 * H, 6 * H, 18 * H, 54 * H]);
    // T0 is 2 h-aligned; find which 6 h window holds the first three.
    const r1 = await compactOnce(tmp.dir, { ranges, core, quality: 5 });
    expect(r1.created).not.toBeNull();
    const c = r1.created!;
    expect(c.maxTime - c.minTime).toBeLessThanOrEqual(6 * H);
    expect(c.minTime % (6 * H)).toBe(0);
    expect(r1.deleted.length).toBeGreaterThanOrEqual(2);
    const left = await scanBlockDirs(tmp.dir);
    expect(left).toContain(c.ulid);
    expect(left).toContain(metas[3].ulid);
    for (const id of r1.deleted) expect(left).not.toContain(id);
    const b = await openBlock(join(tmp.dir, c.ulid), { core });
    const cols = b.readColumns([1]);
    expect(cols.timestamps[0]).toBe(c.minTime);
    expect(cols.values[0]).toBe(f(1, c.minTime));
    expect(cols.timestamps.length).toBe((c.maxTime - c.minTime) / 60_000);
    b.close();
  });

  it('deletes parents that survived a crash after their compacted block became durable', async () => {
    tmp = tempDir();
    const a = await block([1], T0, T0 + 2 * H, 60_000, () => 1);
    const b = await block([1], T0 + 2 * H, T0 + 4 * H, 60_000, () => 2);
    const ba = await openBlock(join(tmp.dir, a.ulid)), bb = await openBlock(join(tmp.dir, b.ulid));
    const merged = (await compact([ba, bb], tmp.dir))!;
    ba.close();
    bb.close();
    // The crash: sources were not deleted. The next step removes them and plans nothing else.
    const r = await compactOnce(tmp.dir, { ranges: [2 * H, 6 * H] });
    expect(r.deleted.sort()).toEqual([a.ulid, b.ulid].sort());
    expect(r.created).toBeNull();
    expect(await scanBlockDirs(tmp.dir)).toEqual([merged.ulid]);
  });
});
