import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadCore, type Core } from '../../../core-wasm/host/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { timeBucketMs } from '../../../shared/tsdb/block/format.ts';
import { CorruptionError, openBlock, writeBlock, type BlockEncoding, type ChunkSeries, type ColumnSeries } from '../../../shared/tsdb/block/index.ts';
import { decodeIndex, encodeIndex, newChunkTable, type ChunkTable } from '../../../shared/tsdb/block/index-file.ts';
import { sameColumns, slice, tempDir } from './helpers.ts';

const H = 3600_000;
const DAY = 24 * H;
const T0 = 1795132800000; // a multiple of 2 h (and of a day)
let core: Core;
let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  core = loadCore();
});
afterEach(() => tmp?.cleanup());

/** daySeries: n series over one day from T0 at `stepMs`, counters and gauges. */
function daySeries(n: number, stepMs: number, from = T0, name = 'm'): ColumnSeries[] {
  const out: ColumnSeries[] = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor((T0 + DAY - from) / stepMs);
    const timestamps = Float64Array.from({ length: k }, (_, j) => from + j * stepMs);
    const values = Float64Array.from({ length: k }, (_, j) => (i % 2 ? j * (i + 3) : Math.round(Math.sin(j / 50 + i) * 1e4) / 100));
    out.push({ labels: Labels.from({ __name__: name, i: String(i).padStart(4, '0') }), timestamps, values });
  }
  return out;
}

const asSeries = (list: ColumnSeries[]) => list.map((s) => ({ ts: s.timestamps, vs: s.values }));

describe('timeBucketMs', () => {
  const check = (range: number | undefined, perSeries: number | undefined, want: number) =>
    expect(timeBucketMs(range, perSeries), `range ${range} ms, ${perSeries} samples a series`).toBe(want);
  it('picks the smallest 2 h·3^k leaving at most 16 buckets with enough samples in each', () => {
    check(undefined, undefined, 2 * H);
    check(2 * H, 480, 2 * H);
    check(DAY, undefined, 2 * H);
    check(DAY, 5760, 2 * H); // 15 s scrapes: 480 samples a bucket
    check(DAY, 1440, 6 * H); // 60 s: 120 at 2 h, 360 at 6 h
    check(DAY, 10, 54 * H); // sparse: as long as the range allows
    check(54 * H, undefined, 6 * H);
    check(31 * DAY, 31 * 5760, 54 * H);
  });
});

/** asChunks: a series as XOR chunks of 120 samples each (each with its encoding byte), as a head exports them. */
function asChunks(s: ColumnSeries): ChunkSeries {
  const parts: Uint8Array[] = [], mint: number[] = [], maxt: number[] = [];
  for (let from = 0; from < s.timestamps.length; from += 120) {
    const to = Math.min(s.timestamps.length, from + 120);
    parts.push(core.encodeChunk(s.timestamps.subarray(from, to), s.values.subarray(from, to)));
    mint.push(s.timestamps[from]);
    maxt.push(s.timestamps[to - 1]);
  }
  const chunkOffsets = new Uint32Array(parts.length);
  let bytes = 0;
  parts.forEach((p, i) => ((chunkOffsets[i] = bytes), (bytes += p.length)));
  const chunks = new Uint8Array(bytes);
  parts.forEach((p, i) => chunks.set(p, chunkOffsets[i]));
  return { labels: s.labels, chunks, chunkOffsets, mint: Float64Array.from(mint), maxt: Float64Array.from(maxt) };
}

// Dense blocks cut a bucket into one chunk (up to 8,192 samples); XOR blocks into chunks of 120,
// from sample columns or as given (chunks of a head).
describe.each<{ encoding: BlockEncoding; input: 'columns' | 'chunks'; perBucket: number }>([
  { encoding: 'dense', input: 'columns', perBucket: 1 },
  { encoding: 'xor', input: 'columns', perBucket: 4 },
  { encoding: 'xor', input: 'chunks', perBucket: 4 },
])('time-bucketed $encoding blocks from $input', ({ encoding, input, perBucket }) => {
  const source = (list: ColumnSeries[]) => (input === 'chunks' ? list.map(asChunks) : list);

  it('cut series into chunks at bucket boundaries and read back bit for bit', async () => {
    tmp = tempDir();
    const list = [...daySeries(30, 15_000), ...daySeries(3, 60_000, T0 + 5 * H + 7, 'late')].sort((a, b) => a.labels.compare(b.labels));
    const meta = (await writeBlock(tmp.dir, source(list), { core, encoding, bucketMs: 2 * H, pageBytes: 8192 }))!;
    // 30 series over 12 buckets (480 samples each), 3 from 5 h on over 10 (the 4 h – 6 h bucket
    // included; 120 samples or fewer each).
    expect(meta.stats.numChunks).toBe(30 * 12 * perBucket + 3 * 10);
    expect(meta.version).toBe(2);
    const b = await openBlock(join(tmp.dir, meta.ulid), { core });
    try {
      const ids = Uint32Array.from({ length: list.length }, (_, i) => i + 1);
      const all = b.load(ids);
      expect(sameColumns(all, asSeries(list))).toBe('');
      all.release();
      for (const [lo, hi] of [[T0 + 2 * H - 30_000, T0 + 2 * H + 30_000], [T0 + 5 * H, T0 + 9 * H + 1], [T0 + DAY - 300_000, T0 + DAY]]) {
        expect(sameColumns(b.readColumns(ids, lo, hi), asSeries(list).map((s) => slice(s, lo, hi)))).toBe('');
      }
    } finally {
      b.close();
    }
  });

  it('let a query of the last minutes read only the last bucket’s pages', async () => {
    tmp = tempDir();
    const list = daySeries(200, 15_000);
    const meta = (await writeBlock(tmp.dir, source(list), { core, encoding, pageBytes: 16384 }))!; // default bucket: 2 h
    const b = await openBlock(join(tmp.dir, meta.ulid), { core, pageCacheBytes: 0 });
    try {
      const ids = Uint32Array.from({ length: list.length }, (_, i) => i + 1);
      const [lo, hi] = [T0 + DAY - 300_000, T0 + DAY];
      const batch = b.load(ids, lo, hi);
      expect(sameColumns(batch, asSeries(list).map((s) => slice(s, lo, hi)))).toBe('');
      batch.release();
      expect(meta.stats.numPages).toBeGreaterThan(24);
      expect(b.pagesRead).toBeGreaterThan(0);
      expect(b.pagesRead).toBeLessThanOrEqual(Math.ceil(meta.stats.numPages / 12) + 1);
    } finally {
      b.close();
    }
  });
});

describe('time-bucketed dense blocks', () => {
  it('read each page once for a whole-range read, even without a page cache', async () => {
    tmp = tempDir();
    const list = daySeries(100, 15_000);
    const meta = (await writeBlock(tmp.dir, list, { core, pageBytes: 16384 }))!;
    const b = await openBlock(join(tmp.dir, meta.ulid), { core, pageCacheBytes: 0 });
    try {
      const ids = Uint32Array.from({ length: list.length }, (_, i) => i + 1);
      const batch = b.load(ids);
      expect(sameColumns(batch, asSeries(list))).toBe('');
      batch.release();
      expect(b.pagesRead).toBe(meta.stats.numPages);
      expect(sameColumns(b.readColumns(ids), asSeries(list))).toBe('');
      expect(b.pagesRead).toBe(2 * meta.stats.numPages);
    } finally {
      b.close();
    }
  });

  it('split a bucket of more than 8,192 samples into equal chunks', async () => {
    tmp = tempDir();
    const list = daySeries(2, 1000, T0 + DAY - 6 * H); // 21,600 samples in one 6 h bucket
    const meta = (await writeBlock(tmp.dir, list, { core, bucketMs: 6 * H }))!;
    expect(meta.stats.numChunks).toBe(2 * 3);
    const b = await openBlock(join(tmp.dir, meta.ulid), { core });
    try {
      expect(sameColumns(b.readColumns([1, 2]), asSeries(list))).toBe('');
    } finally {
      b.close();
    }
  });

  it('with one bucket (Infinity) lay each series out whole, as format 1 did', async () => {
    tmp = tempDir();
    const list = daySeries(5, 15_000);
    const meta = (await writeBlock(tmp.dir, list, { core, bucketMs: Infinity }))!;
    expect(meta.stats.numChunks).toBe(5);
    const b = await openBlock(join(tmp.dir, meta.ulid), { core });
    try {
      expect(sameColumns(b.readColumns([1, 2, 3, 4, 5]), asSeries(list))).toBe('');
    } finally {
      b.close();
    }
  });

  it('refuse a bucket that is not a positive integer', async () => {
    tmp = tempDir();
    for (const bucketMs of [0, -5, 1.5, NaN]) {
      await expect(writeBlock(tmp.dir, daySeries(1, 15_000), { core, bucketMs })).rejects.toThrow(/bucketMs .* is not a positive integer/);
    }
  });
});

describe('the format-2 index', () => {
  const labels = [Labels.from({ __name__: 'a' }), Labels.from({ __name__: 'b' })];
  // Two series, two buckets: page 0 holds both series' first chunks, page 1 their second.
  const table = (lengths: number[]): ChunkTable => {
    const t = newChunkTable(2, 4);
    t.seriesStart.set([0, 2, 4]);
    t.mint.set([T0, T0 + 2 * H, T0, T0 + 2 * H]);
    t.maxt.set([T0 + H, T0 + 3 * H, T0 + H, T0 + 3 * H]);
    t.samples.set([10, 10, 10, 10]);
    t.page.set([0, 1, 0, 1]);
    t.length.set(lengths);
    return t;
  };
  const pages = { fileOffset: new Float64Array(2), stored: Uint32Array.of(50, 60), raw: Uint32Array.of(100, 120) };

  it('gives chunks offsets back to back in index order, page by page', () => {
    const got = decodeIndex(encodeIndex({ labels, chunks: table([40, 70, 60, 50]), pages }, T0), 'index', T0, T0 + DAY);
    expect(Array.from(got.chunks.page)).toEqual([0, 1, 0, 1]);
    expect(Array.from(got.chunks.offset)).toEqual([0, 0, 40, 70]);
    expect(Array.from(got.chunks.length)).toEqual([40, 70, 60, 50]);
  });

  it('refuses chunks that leave a gap in a page or run past it', () => {
    for (const lengths of [[40, 70, 50, 50], [40, 70, 61, 50]]) {
      expect(() => decodeIndex(encodeIndex({ labels, chunks: table(lengths), pages }, T0), 'index', T0, T0 + DAY)).toThrow(CorruptionError);
    }
  });
});
