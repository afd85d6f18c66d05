// The head through the host: chunk cutting as Prometheus' head cuts, appends' statuses
// (duplicates, out of bounds, conflicts, out-of-order window), merge on read, overlap filtering,
// export/decode round trips, memory growth between views, and refused input.
import { describe, expect, test } from 'vitest';
import { loadCore, AppendStatus, CoreInputError, type Core, type CoreBatch } from '../../core-wasm/host/index.ts';
import type { SampleBatch } from '../../shared/storage/interface.ts';
import { bitsOf, chunkCounts, f64FromBits, seriesOf } from './helpers.ts';

const RANGE = 7_200_000;
const T0 = 236_112 * RANGE; // a chunk-range boundary, in 2023
const { APPENDED, DUPLICATE, OUT_OF_BOUNDS, CONFLICT } = AppendStatus;

function oneSeries(core: Core): Uint32Array {
  return new Uint32Array([core.newSeries(1)]);
}

function scrapes(core: Core, ref: Uint32Array, ts: number[], v: (i: number) => number = (i) => i): void {
  ts.forEach((t, i) => expect(core.appendScrape(t, ref, new Float64Array([v(i)]))[0]).toBe(APPENDED));
}

function chunkShape(core: Core, ref: Uint32Array): { counts: number[]; mint: number[]; maxt: number[] } {
  const ex = core.exportChunks(ref, { includeOpen: true });
  return { counts: chunkCounts(ex.chunks, ex.chunkOffsets), mint: Array.from(ex.mint), maxt: Array.from(ex.maxt) };
}

const every = (n: number, start: number, step: number): number[] => Array.from({ length: n }, (_, i) => start + i * step);

describe('chunk cutting', () => {
  test.each([
    { name: '15 s scrapes from a boundary: 120 per chunk', ts: every(480, T0, 15_000), counts: [120, 120, 120, 120] },
    { name: '1 ms apart: 120 per chunk', ts: every(360, T0, 1), counts: [120, 120, 120] },
    { name: 'rate rises after the prediction: cut at 240', ts: [...every(31, T0, 60_000), ...every(300, T0 + 31 * 60_000, 10)], counts: [240, 91] },
    { name: 'start mid-range: chunks spread evenly to the boundary', ts: every(240, T0 + RANGE - 240 * 15_000, 15_000), counts: [120, 120] },
    { name: 'one sample before a boundary makes a one-sample chunk', ts: [T0 - 1, T0, T0 + 1], counts: [1, 2] },
  ])('$name', ({ ts, counts }) => {
    const core = loadCore();
    const ref = oneSeries(core);
    scrapes(core, ref, ts);
    const shape = chunkShape(core, ref);
    expect(shape.counts).toEqual(counts);
    // No chunk crosses a multiple of the chunk range.
    shape.mint.forEach((m, i) => expect(Math.floor(m / RANGE)).toBe(Math.floor(shape.maxt[i] / RANGE)));
  });

  test('chunks never cross a 2 h boundary, including before 1970', () => {
    const core = loadCore();
    const ref = oneSeries(core);
    scrapes(core, ref, every(1000, -RANGE - 3_000_000, 10_000));
    const shape = chunkShape(core, ref);
    expect(shape.counts.reduce((a, b) => a + b)).toBe(1000);
    shape.mint.forEach((m, i) => expect(Math.floor(m / RANGE)).toBe(Math.floor(shape.maxt[i] / RANGE)));
  });

  test('a chunk of random values is cut at Prometheus\' 1 KiB size limit', () => {
    const core = loadCore();
    const ref = oneSeries(core);
    scrapes(core, ref, every(120, T0, 1000), (i) => Math.sin(i) * 1e9 + i / 3);
    const ex = core.exportChunks(ref, { includeOpen: true });
    expect(ex.chunkOffsets.length).toBe(2);
    expect(ex.chunkOffsets[1] - 1).toBeLessThanOrEqual(1024);
  });

  test('samplesPerChunk is configurable', () => {
    const core = loadCore({ samplesPerChunk: 8 });
    const ref = oneSeries(core);
    scrapes(core, ref, every(24, T0, 1));
    expect(chunkShape(core, ref).counts).toEqual([8, 8, 8]);
  });
});

interface AppendCase {
  name: string;
  window: number;
  /** Samples appended in order, each [t, v, expected status]. */
  steps: [number, number, number][];
  /** The series afterwards, in time order. */
  want: [number, number][];
}

const appendCases: AppendCase[] = [
  { name: 'in order', window: 0, steps: [[10, 1, APPENDED], [20, 2, APPENDED]], want: [[10, 1], [20, 2]] },
  { name: 'exact duplicate of the newest', window: 0, steps: [[10, 1, APPENDED], [10, 1, DUPLICATE]], want: [[10, 1]] },
  { name: 'same time, other value', window: 0, steps: [[10, 1, APPENDED], [10, 2, CONFLICT]], want: [[10, 1]] },
  { name: 'older, no window', window: 0, steps: [[10, 1, APPENDED], [20, 2, APPENDED], [15, 3, OUT_OF_BOUNDS]], want: [[10, 1], [20, 2]] },
  { name: 'older duplicate, no window', window: 0, steps: [[10, 1, APPENDED], [20, 2, APPENDED], [10, 1, OUT_OF_BOUNDS]], want: [[10, 1], [20, 2]] },
  { name: 'inside the window', window: 100, steps: [[10, 1, APPENDED], [50, 5, APPENDED], [30, 3, APPENDED], [20, 2, APPENDED]], want: [[10, 1], [20, 2], [30, 3], [50, 5]] },
  { name: 'at the window edge', window: 100, steps: [[200, 2, APPENDED], [100, 1, APPENDED], [99, 0, OUT_OF_BOUNDS]], want: [[100, 1], [200, 2]] },
  { name: 'out-of-order duplicate of an in-order sample', window: 100, steps: [[10, 1, APPENDED], [20, 2, APPENDED], [10, 1, DUPLICATE], [10, 9, CONFLICT]], want: [[10, 1], [20, 2]] },
  { name: 'out-of-order duplicate of an out-of-order sample', window: 100, steps: [[50, 5, APPENDED], [30, 3, APPENDED], [30, 3, DUPLICATE], [30, 4, CONFLICT]], want: [[30, 3], [50, 5]] },
  { name: 'new sample after out-of-order ones', window: 100, steps: [[50, 5, APPENDED], [30, 3, APPENDED], [60, 6, APPENDED], [40, 4, APPENDED]], want: [[30, 3], [40, 4], [50, 5], [60, 6]] },
];

describe('append statuses', () => {
  test.each(appendCases)('$name', ({ window, steps, want }) => {
    const core = loadCore({ outOfOrderWindowMs: window });
    const ref = oneSeries(core);
    const got = steps.map(([t, v]) => core.appendSamples(ref, new Float64Array([t]), new Float64Array([v]))[0]);
    expect(got).toEqual(steps.map((s) => s[2]));
    const b = core.decode(ref, -Infinity, Infinity);
    expect(Array.from(b.timestamps())).toEqual(want.map((w) => w[0]));
    expect(Array.from(b.values())).toEqual(want.map((w) => w[1]));
    b.release();
  });

  test('statuses of one scrape over many series, including a ref given twice', () => {
    const core = loadCore();
    const first = core.newSeries(3);
    const refs = new Uint32Array([first, first + 1, first + 2]);
    core.appendScrape(1000, refs, new Float64Array([1, 2, 3]));
    const again = new Uint32Array([first, first + 1, first + 2, first + 2]);
    expect(Array.from(core.appendScrape(1000, again, new Float64Array([1, 9, 3, 3])))).toEqual([DUPLICATE, CONFLICT, DUPLICATE, DUPLICATE]);
    expect(Array.from(core.appendScrape(2000, again, new Float64Array([1, 2, 3, 4])))).toEqual([APPENDED, APPENDED, APPENDED, CONFLICT]);
  });

  test('duplicates compare value bits: NaN payloads and -0 count', () => {
    const core = loadCore();
    const ref = oneSeries(core);
    core.appendScrape(10, ref, f64FromBits(0x7ff0000000000002n));
    expect(core.appendScrape(10, ref, f64FromBits(0x7ff0000000000002n))[0]).toBe(DUPLICATE);
    expect(core.appendScrape(10, ref, f64FromBits(0x7ff8000000000000n))[0]).toBe(CONFLICT);
    core.appendScrape(20, ref, new Float64Array([0]));
    expect(core.appendScrape(20, ref, new Float64Array([-0]))[0]).toBe(CONFLICT);
  });
});

describe('out-of-order merge on read', () => {
  test('many shuffled samples across chunks read back sorted and unique', () => {
    const core = loadCore({ outOfOrderWindowMs: 3_600_000 });
    const first = core.newSeries(2);
    const refs = new Uint32Array([first, first + 1]);
    const ts = every(600, T0, 5_000);
    // Series 1 in order; series 2 shuffled in windows of 40 samples, each sample sent twice.
    const order: number[] = [];
    for (let w = 0; w < 600; w += 40) order.push(...ts.slice(w, w + 40).reverse());
    scrapes(core, refs.subarray(0, 1), ts, (i) => i * 2);
    const dupTs = order.flatMap((t) => [t, t]);
    const statuses = core.appendSamples(new Uint32Array(dupTs.length).fill(first + 1), Float64Array.from(dupTs), Float64Array.from(dupTs, (t) => (t - T0) / 2500));
    expect(statuses.filter((s) => s === APPENDED).length).toBe(600);
    expect(statuses.filter((s) => s === DUPLICATE).length).toBe(600);
    expect(core.stats().oooSamples).toBeGreaterThan(0);

    const b = core.decode(refs, T0 + 100_000, T0 + 2_000_000);
    const want = ts.filter((t) => t >= T0 + 100_000 && t <= T0 + 2_000_000);
    for (const i of [0, 1]) {
      const s = seriesOf(b, i);
      expect(s.ts).toEqual(want);
      expect(s.bits).toEqual(bitsOf(Float64Array.from(want, (t) => (t - T0) / 2500)));
    }
    b.release();

    // Exported with out-of-order chunks, the data decodes to the same samples.
    const ex = core.exportChunks(refs, { includeOpen: true, includeOutOfOrder: true });
    const d = core.decodeChunks(ex.chunks, ex.chunkOffsets, ex.seriesChunkStarts, -Infinity, Infinity);
    expect(seriesOf(d, 1).ts).toEqual(ts);
    expect(seriesOf(d, 0).ts).toEqual(ts);
    d.release();
  });
});

describe('reads', () => {
  test('overlapping keeps refs with a sample in the range, even inside a chunk\'s span', () => {
    const core = loadCore();
    const first = core.newSeries(4);
    // a: samples at 0 and 1000 (one chunk spanning 100..200 without a sample there); b: at 150;
    // c: none; d: at 0 and 150 then 5000.
    core.appendSamples(new Uint32Array([first, first, first + 1, first + 3, first + 3, first + 3]),
      new Float64Array([0, 1000, 150, 0, 150, 5000]), new Float64Array(6));
    const refs = new Uint32Array([first, first + 1, first + 2, first + 3]);
    expect(Array.from(core.overlapping(refs, 100, 200))).toEqual([first + 1, first + 3]);
    expect(Array.from(core.overlapping(refs, 1000, 1000))).toEqual([first]);
    expect(Array.from(core.overlapping(refs, -Infinity, Infinity))).toEqual([first, first + 1, first + 3]);
  });

  test('a CoreBatch is a SampleBatch', () => {
    const asSampleBatch = (b: CoreBatch): SampleBatch => b;
    const core = loadCore();
    const ref = oneSeries(core);
    core.appendScrape(5, ref, new Float64Array([7]));
    const b = asSampleBatch(core.decode(ref, 0, 10));
    expect([b.seriesCount, b.sampleCount, b.offsets()[1], b.timestamps()[0], b.values()[0]]).toEqual([1, 1, 1, 5, 7]);
    expect(b.valuesPtr % 8).toBe(0);
    b.release();
  });

  test('decode of an empty range or an empty series gives empty series', () => {
    const core = loadCore();
    const first = core.newSeries(2);
    core.appendScrape(100, new Uint32Array([first]), new Float64Array([1]));
    const b = core.decode(new Uint32Array([first, first + 1]), 200, 100);
    expect(b.sampleCount).toBe(0);
    expect(Array.from(b.offsets())).toEqual([0, 0, 0]);
    b.release();
    expect(() => b.values()).toThrow(/after release/);
  });

  test('closed chunks export and decode back exactly', () => {
    const core = loadCore();
    const first = core.newSeries(3);
    const refs = new Uint32Array([first, first + 1, first + 2]);
    const ts = every(500, T0 + 7_000, 15_000);
    for (const [i, t] of ts.entries()) core.appendScrape(t, refs, new Float64Array([i, Math.cos(i), i % 5 === 0 ? NaN : 1]));
    const closed = core.exportChunks(refs);
    const all = core.exportChunks(refs, { includeOpen: true });
    expect(closed.chunkOffsets.length).toBeLessThan(all.chunkOffsets.length);
    const fromHead = core.decode(refs, -Infinity, Infinity);
    const fromChunks = core.decodeChunks(all.chunks, all.chunkOffsets, all.seriesChunkStarts, -Infinity, Infinity);
    for (const i of [0, 1, 2]) expect(seriesOf(fromChunks, i)).toEqual(seriesOf(fromHead, i));
    fromHead.release();
    fromChunks.release();
  });
});

describe('truncation', () => {
  test('truncateBefore frees chunks wholly before t and keeps the rest readable', () => {
    const core = loadCore({ outOfOrderWindowMs: 3_600_000 });
    const ref = oneSeries(core);
    scrapes(core, ref, every(480, T0, 15_000));
    const cut = T0 + 240 * 15_000; // the first two chunks end before it
    // Two late samples inside the window: one before the cut (dropped with it), one after.
    const late = core.appendSamples(new Uint32Array([ref[0], ref[0]]), new Float64Array([cut - 10_001, cut + 1]), new Float64Array([1, 2]));
    expect(Array.from(late)).toEqual([APPENDED, APPENDED]);
    expect(chunkShape(core, ref).counts).toEqual([120, 120, 120, 120]);
    expect(core.truncateBefore(cut)).toBe(2);
    const b = core.decode(ref, -Infinity, Infinity);
    const ts = Array.from(b.timestamps());
    expect(ts[0]).toBe(cut);
    expect(ts.length).toBe(241); // 240 in-order samples and the late one after cut
    b.release();
    expect(core.stats().oooSamples).toBe(1);
  });
});

describe('memory growth', () => {
  test('views taken before memory grows are replaced, and results stay right', () => {
    const core = loadCore();
    const n = 20_000;
    const first = core.newSeries(n);
    const refs = Uint32Array.from({ length: n }, (_, i) => first + i);
    core.appendScrape(T0, refs, Float64Array.from(refs, (r) => r));
    const b = core.decode(refs, -Infinity, Infinity);
    const before = b.values();
    const memBefore = core.stats().memoryBytes;
    for (let s = 1; s <= 150; s++) core.appendScrape(T0 + s * 15_000, refs, Float64Array.from(refs, (r) => r * s));
    expect(core.stats().memoryBytes).toBeGreaterThan(memBefore);
    expect(before.length).toBe(0); // the old view was detached by memory.grow
    const after = b.values();
    expect(after.length).toBe(n);
    expect(after[123]).toBe(first + 123);
    b.release();
    const c = core.decode(refs.subarray(5000, 5002), T0 + 150 * 15_000, Infinity);
    expect(Array.from(c.values())).toEqual([(first + 5000) * 150, (first + 5001) * 150]);
    c.release();
  });
});

describe('refused input', () => {
  test.each([
    { name: 'ref 0', call: (c: Core) => c.appendScrape(1, new Uint32Array([0]), new Float64Array([1])), msg: /refs\[0\] = 0 names no series/ },
    { name: 'unknown ref', call: (c: Core) => c.decode(new Uint32Array([1, 99]), 0, 1), msg: /refs\[1\] = 99/ },
    { name: 'fractional scrape time', call: (c: Core) => c.appendScrape(1.5, new Uint32Array([1]), new Float64Array([1])), msg: /timestamp must be an integer/ },
    { name: 'NaN sample time', call: (c: Core) => c.appendSamples(new Uint32Array([1, 1]), new Float64Array([1, NaN]), new Float64Array([1, 1])), msg: /ts\[1\] = NaN/ },
    { name: 'n past the columns', call: (c: Core) => c.appendScrape(1, new Uint32Array([1]), new Float64Array([1]), 2), msg: /n = 2/ },
    { name: 'NaN range', call: (c: Core) => c.overlapping(new Uint32Array([1]), NaN, 1), msg: /NaN/ },
    { name: 'bad option', call: () => loadCore({ chunkRangeMs: 0 }), msg: /chunkRangeMs/ },
  ])('$name', ({ call, msg }) => {
    const core = loadCore();
    core.newSeries(1);
    expect(() => call(core)).toThrow(CoreInputError);
    expect(() => call(core)).toThrow(msg);
  });

  test('a refused batch stores nothing', () => {
    const core = loadCore();
    const first = core.newSeries(1);
    expect(() => core.appendScrape(5, new Uint32Array([first, 7]), new Float64Array([1, 2]))).toThrow(CoreInputError);
    const b = core.decode(new Uint32Array([first]), -Infinity, Infinity);
    expect(b.sampleCount).toBe(0);
    b.release();
  });
});
