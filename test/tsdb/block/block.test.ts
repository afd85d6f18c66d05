import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore, type Core } from '../../../core-wasm/host/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { openBlock, scanBlockDirs, seriesFromExport, writeBlock, type BlockEncoding, type ColumnSeries } from '../../../shared/tsdb/block/index.ts';
import { EDGE_VALUES, sameColumns, slice, tempDir, type Series } from './helpers.ts';

const T0 = 1_700_000_000_000;
let core: Core;
let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  core = loadCore();
});
afterEach(() => tmp?.cleanup());

function lbl(i: number, extra: Record<string, string> = {}): Labels {
  return Labels.from({ __name__: `m${String(i % 7).padStart(2, '0')}`, i: String(i).padStart(5, '0'), ...extra });
}

/** makeSeries builds n series of varied shapes, sorted by labels. */
function makeSeries(n: number, samples: (i: number) => number): { labels: Labels; s: Series }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = samples(i);
    const ts = Float64Array.from({ length: k }, (_, j) => T0 + j * 15_000 + (i % 3 === 0 ? j % 2 : 0));
    const vs = Float64Array.from({ length: k }, (_, j) =>
      i % 4 === 0 ? j * (i + 1) : i % 4 === 1 ? Math.sin(i + j) : i % 4 === 2 ? EDGE_VALUES[(i + j) % EDGE_VALUES.length] : Math.round(j * 0.37 * 100) / 100,
    );
    out.push({ labels: lbl(i), s: { ts, vs } });
  }
  return out.sort((a, b) => a.labels.compare(b.labels));
}

const columns = (list: { labels: Labels; s: Series }[]): ColumnSeries[] => list.map((x) => ({ labels: x.labels, timestamps: x.s.ts, values: x.s.vs }));

describe.each<BlockEncoding>(['dense', 'xor'])('block round trip (%s)', (encoding) => {
  it('reads back what was written, whole and by time range', async () => {
    tmp = tempDir();
    const list = makeSeries(300, (i) => (i % 50 === 0 ? 1 : 10 + (i % 10) * 100));
    const meta = await writeBlock(tmp.dir, columns(list), { encoding, core, pageBytes: 8192 });
    expect(meta).not.toBeNull();
    expect(meta!.stats.numSeries).toBe(300);
    expect(meta!.stats.numSamples).toBe(list.reduce((s, x) => s + x.s.ts.length, 0));
    expect(meta!.minTime).toBe(T0);
    const b = await openBlock(join(tmp.dir, meta!.ulid), { core });
    try {
      expect(b.seriesCount).toBe(300);
      const ids = Uint32Array.from({ length: 300 }, (_, i) => i + 1);
      list.forEach((x, i) => expect(b.labels(i + 1).equals(x.labels)).toBe(true));
      const batch = b.load(ids);
      expect(sameColumns(batch, list.map((x) => x.s))).toBe('');
      batch.release();
      for (const [lo, hi] of [[T0 + 30_000, T0 + 200_000], [T0 + 1, T0 + 1], [T0 - 10, T0], [T0 + 1e9, T0 + 2e9]]) {
        const pick = Uint32Array.of(300, 1, 77, 150);
        const got = b.readColumns(pick, lo, hi);
        expect(sameColumns(got, Array.from(pick, (id) => slice(list[id - 1].s, lo, hi)))).toBe('');
      }
    } finally {
      b.close();
    }
  });

  it('selects by matchers and time, and serves as a Querier', async () => {
    tmp = tempDir();
    const list = makeSeries(100, (i) => (i < 50 ? 10 : 400));
    const meta = await writeBlock(tmp.dir, columns(list), { encoding, core });
    const b = await openBlock(join(tmp.dir, meta!.ulid), { core });
    try {
      const ids = b.select([new Matcher('=', '__name__', 'm03')]);
      expect(Array.from(ids, (id) => b.labels(id).get('__name__'))).toEqual(new Array(ids.length).fill('m03'));
      expect(ids.length).toBe(list.filter((x) => x.labels.get('__name__') === 'm03').length);
      // Only the long series reach past 10 samples.
      const late = b.select([new Matcher('=~', '__name__', 'm.*')], T0 + 20 * 15_000, Infinity);
      expect(late.length).toBe(50);
      const q = b.querier(T0, T0 + 60_000);
      const set = q.select([new Matcher('=', '__name__', 'm01')]);
      const batch = set.load();
      expect(sameColumns(batch, set.series.map((x) => slice(list[x.ref - 1].s, T0, T0 + 60_000)))).toBe('');
      batch.release();
      expect(q.labelValues('__name__')).toEqual(['m00', 'm01', 'm02', 'm03', 'm04', 'm05', 'm06']);
      expect(q.labelNames()).toEqual(['__name__', 'i']);
      q.close();
    } finally {
      b.close();
    }
  });
});

describe('writeBlock', () => {
  it('takes XOR chunks exported from the head, into dense and XOR blocks', async () => {
    tmp = tempDir();
    const head = loadCore({ chunkRangeMs: 3_600_000 });
    const n = 50;
    const first = head.newSeries(n);
    const refs = Uint32Array.from({ length: n }, (_, i) => first + i);
    const want: Series[] = Array.from({ length: n }, () => ({ ts: new Float64Array(600), vs: new Float64Array(600) }));
    const vals = new Float64Array(n);
    for (let k = 0; k < 600; k++) {
      for (let i = 0; i < n; i++) {
        vals[i] = i === 3 && k % 100 === 0 ? EDGE_VALUES[0] : i % 2 ? k * i : Math.cos(k + i);
        want[i].ts[k] = T0 + k * 15_000;
        want[i].vs[k] = vals[i];
      }
      head.appendScrape(T0 + k * 15_000, refs, vals);
    }
    const labels = Array.from({ length: n }, (_, i) => lbl(i, { z: 'x' }));
    const order = labels.map((_, i) => i).sort((a, b) => labels[a].compare(labels[b]));
    const exp = head.exportChunks(Uint32Array.from(order, (i) => refs[i]), { includeOpen: true });
    for (const encoding of ['dense', 'xor'] as const) {
      const meta = await writeBlock(tmp.dir, seriesFromExport(exp, order.map((i) => labels[i])), { encoding, core, minTime: T0, maxTime: T0 + 86_400_000 });
      expect(meta!.stats.numSamples).toBe(n * 600);
      expect(meta!.encoding).toBe(encoding);
      const b = await openBlock(join(tmp.dir, meta!.ulid), { core });
      const got = b.readColumns(Uint32Array.from({ length: n }, (_, i) => i + 1));
      expect(sameColumns(got, order.map((i) => want[i]))).toBe('');
      b.close();
    }
  });

  it('leaves series without samples out and writes nothing for an empty source', async () => {
    tmp = tempDir();
    expect(await writeBlock(tmp.dir, [{ labels: lbl(1), timestamps: new Float64Array(0), values: new Float64Array(0) }])).toBeNull();
    expect(readdirSync(tmp.dir)).toEqual([]);
    const meta = await writeBlock(tmp.dir, [
      { labels: lbl(1), timestamps: new Float64Array(0), values: new Float64Array(0) },
      { labels: lbl(2), timestamps: Float64Array.of(T0), values: Float64Array.of(-0) },
    ]);
    expect(meta!.stats.numSeries).toBe(1);
    expect(meta!.maxTime).toBe(T0 + 1);
  });

  it('refuses series out of label order and samples outside the range, leaving nothing behind', async () => {
    tmp = tempDir();
    const one = (i: number, t = T0) => ({ labels: lbl(i), timestamps: Float64Array.of(t), values: Float64Array.of(1) });
    await expect(writeBlock(tmp.dir, [one(2), one(1)])).rejects.toThrow(/not in label order/);
    await expect(writeBlock(tmp.dir, [one(1, T0 + 10)], { minTime: T0, maxTime: T0 + 10 })).rejects.toThrow(/timestamp/);
    await expect(writeBlock(tmp.dir, [{ labels: lbl(1), timestamps: Float64Array.of(T0, T0), values: Float64Array.of(1, 2) }])).rejects.toThrow(/increasing/);
    expect(readdirSync(tmp.dir)).toEqual([]);
  });

  it('gives blocks unique ids sorted by creation', async () => {
    tmp = tempDir();
    const ids: string[] = [];
    for (let k = 0; k < 5; k++) {
      const meta = await writeBlock(tmp.dir, [{ labels: lbl(k), timestamps: Float64Array.of(T0), values: Float64Array.of(k) }], { now: 1_700_000_000_000 });
      ids.push(meta!.ulid);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(5);
    expect(await scanBlockDirs(tmp.dir)).toEqual(ids);
  });

  it('scans past leftovers of a crash and removes them', async () => {
    tmp = tempDir();
    const meta = await writeBlock(tmp.dir, [{ labels: lbl(1), timestamps: Float64Array.of(T0), values: Float64Array.of(1) }]);
    mkdirSync(join(tmp.dir, '01HZZZZZZZZZZZZZZZZZZZZZZZ.tmp-create'));
    mkdirSync(join(tmp.dir, `${meta!.ulid}.tmp-delete`));
    mkdirSync(join(tmp.dir, 'not-a-block'));
    expect(await scanBlockDirs(tmp.dir)).toEqual([meta!.ulid]);
    expect(existsSync(join(tmp.dir, '01HZZZZZZZZZZZZZZZZZZZZZZZ.tmp-create'))).toBe(false);
    expect(existsSync(join(tmp.dir, 'not-a-block'))).toBe(true);
  });

  it('round-trips many series across many pages', async () => {
    tmp = tempDir();
    const list = makeSeries(3000, (i) => 1 + (i % 120));
    const meta = await writeBlock(tmp.dir, columns(list), { quality: 5, pageBytes: 16 << 10 });
    expect(meta!.stats.numPages).toBeGreaterThan(3);
    const b = await openBlock(join(tmp.dir, meta!.ulid), { pageCacheBytes: 64 << 10 });
    const ids = Uint32Array.from({ length: 3000 }, (_, i) => 3000 - i);
    expect(sameColumns(b.readColumns(ids), Array.from(ids, (id) => list[id - 1].s))).toBe('');
    b.close();
  });
});
