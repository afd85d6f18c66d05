// Hostile and odd input at the host boundary: corrupted chunks must raise ChunkCorruptionError
// (never a WebAssembly trap, never a hang), malformed offsets and refs raise CoreInputError, and
// the core stays usable afterwards. Also: empty and inverted ranges, repeated refs in a scrape,
// overlapping chunks merged first-wins, and two cores that do not share state.
import { describe, expect, test } from 'vitest';
import { loadCore, ChunkCorruptionError, CoreInputError, AppendStatus } from '../../core-wasm/host/index.ts';
import { encodeXor, bitsOf } from './oracle/xor-oracle.ts';
import { xorshiftRng as rng } from './helpers.ts';

function framed(chunk: Uint8Array): Uint8Array {
  const out = new Uint8Array(chunk.length + 1);
  out[0] = 1;
  out.set(chunk, 1);
  return out;
}

const core = loadCore();
const T0 = 1_700_000_000_000;
const valid = framed(encodeXor(Array.from({ length: 120 }, (_, i) => ({ t: T0 + i * 15_000 + (i % 3) * 7, bits: bitsOf(Math.sin(i) * 1e3) }))));

describe('corrupted chunks', () => {
  test('2000 random mutations decode or raise ChunkCorruptionError, and the core stays usable', () => {
    const r = rng(99);
    let corrupt = 0;
    for (let k = 0; k < 2000; k++) {
      const bytes = valid.slice(0, 1 + Math.max(2, Math.floor(r() * valid.length)));
      const flips = 1 + Math.floor(r() * 4);
      for (let f = 0; f < flips; f++) bytes[1 + Math.floor(r() * (bytes.length - 1))] ^= 1 << Math.floor(r() * 8);
      try {
        core.decodeChunks(bytes, new Uint32Array([0]), new Uint32Array([0]), -Infinity, Infinity).release();
      } catch (err) {
        if (!(err instanceof ChunkCorruptionError)) throw err;
        corrupt++;
      }
    }
    expect(corrupt).toBeGreaterThan(0);
    const batch = core.decodeChunks(valid, new Uint32Array([0]), new Uint32Array([0]), -Infinity, Infinity);
    expect(batch.sampleCount).toBe(120);
    batch.release();
  });

  interface BadCase {
    name: string;
    data: Uint8Array;
    offsets: number[];
    starts: number[];
    error: typeof ChunkCorruptionError | typeof CoreInputError;
  }
  const cases: BadCase[] = [
    { name: 'unknown encoding byte', data: Uint8Array.of(2, ...valid.subarray(1)), offsets: [0], starts: [0], error: ChunkCorruptionError },
    { name: 'header claims 65535 samples', data: Uint8Array.of(1, 0xff, 0xff, ...valid.subarray(3)), offsets: [0], starts: [0], error: ChunkCorruptionError },
    { name: 'header only', data: Uint8Array.of(1, 0, 5), offsets: [0], starts: [0], error: ChunkCorruptionError },
    { name: 'offset past the data', data: valid, offsets: [0, valid.length + 10], starts: [0], error: CoreInputError },
    { name: 'offsets out of order', data: Uint8Array.of(...valid, ...valid), offsets: [valid.length, 0], starts: [0], error: CoreInputError },
    { name: 'series start past the chunks', data: valid, offsets: [0], starts: [0, 5], error: CoreInputError },
    { name: 'series starts out of order', data: Uint8Array.of(...valid, ...valid), offsets: [0, valid.length], starts: [1, 0], error: CoreInputError },
  ];
  test.each(cases)('$name', ({ data, offsets, starts, error }) => {
    expect(() => core.decodeChunks(data, Uint32Array.from(offsets), Uint32Array.from(starts), -Infinity, Infinity).release()).toThrow(error);
  });
});

describe('ranges and merges', () => {
  test('chunks of one series that overlap in time merge sorted, the first of equal timestamps kept', () => {
    const a = framed(encodeXor([0, 2, 4, 6].map((t) => ({ t, bits: bitsOf(t) }))));
    const b = framed(encodeXor([1, 2, 3, 7].map((t) => ({ t, bits: bitsOf(-t) }))));
    const data = Uint8Array.of(...a, ...b, ...a);
    const batch = core.decodeChunks(data, Uint32Array.of(0, a.length, a.length + b.length), Uint32Array.of(0, 2), -Infinity, Infinity);
    const off = Array.from(batch.offsets());
    expect(off).toEqual([0, 7, 11]);
    expect(Array.from(batch.timestamps())).toEqual([0, 1, 2, 3, 4, 6, 7, 0, 2, 4, 6]);
    expect(Array.from(batch.values()).map((v) => Object.is(v, -0) ? '-0' : v)).toEqual([0, -1, 2, -3, 4, 6, -7, 0, 2, 4, 6]);
    batch.release();
  });

  test('an inverted or empty range selects nothing', () => {
    const batch = core.decodeChunks(valid, Uint32Array.of(0), Uint32Array.of(0), T0 + 10, T0 + 5);
    expect(batch.sampleCount).toBe(0);
    expect(Array.from(batch.offsets())).toEqual([0, 0]);
    batch.release();
    const none = core.decode(new Uint32Array(0), -Infinity, Infinity);
    expect(none.seriesCount).toBe(0);
    expect(Array.from(none.offsets())).toEqual([0]);
    none.release();
  });

  test('a ref twice in one scrape: the second sample is a duplicate or a conflict', () => {
    const c = loadCore();
    const ref = c.newSeries(2);
    const status = c.appendScrape(T0, Uint32Array.of(ref, ref, ref + 1, ref), Float64Array.of(1, 1, 5, 2));
    expect(Array.from(status)).toEqual([AppendStatus.APPENDED, AppendStatus.DUPLICATE, AppendStatus.APPENDED, AppendStatus.CONFLICT]);
  });

  test('bad refs and timestamps throw CoreInputError and store nothing', () => {
    const c = loadCore();
    const ref = c.newSeries(1);
    expect(() => c.appendScrape(T0, Uint32Array.of(ref, 0), Float64Array.of(1, 2))).toThrow(CoreInputError);
    expect(() => c.appendScrape(T0, Uint32Array.of(ref, ref + 1), Float64Array.of(1, 2))).toThrow(CoreInputError);
    expect(() => c.appendSamples(Uint32Array.of(ref, ref), Float64Array.of(T0, T0 + 0.5), Float64Array.of(1, 2))).toThrow(CoreInputError);
    expect(() => c.appendSamples(Uint32Array.of(ref), Float64Array.of(NaN), Float64Array.of(1))).toThrow(CoreInputError);
    expect(() => c.appendScrape(T0 + 0.5, Uint32Array.of(ref), Float64Array.of(1))).toThrow(CoreInputError);
    expect(() => c.decode(Uint32Array.of(7), -Infinity, Infinity)).toThrow(CoreInputError);
    const batch = c.decode(Uint32Array.of(ref), -Infinity, Infinity);
    expect(batch.sampleCount).toBe(0);
    batch.release();
  });
});

describe('independent cores', () => {
  test('two cores in one process share nothing', () => {
    const a = loadCore();
    const b = loadCore({ outOfOrderWindowMs: 60_000 });
    const ra = a.newSeries(3);
    const rb = b.newSeries(1);
    expect(ra).toBe(1);
    expect(rb).toBe(1);
    a.appendScrape(T0, Uint32Array.of(1), Float64Array.of(10));
    b.appendScrape(T0, Uint32Array.of(1), Float64Array.of(20));
    // Out-of-order: refused by a (window 0), accepted by b.
    expect(Array.from(a.appendScrape(T0 - 1000, Uint32Array.of(1), Float64Array.of(1)))).toEqual([AppendStatus.OUT_OF_BOUNDS]);
    expect(Array.from(b.appendScrape(T0 - 1000, Uint32Array.of(1), Float64Array.of(1)))).toEqual([AppendStatus.APPENDED]);
    const ba = a.decode(Uint32Array.of(1), -Infinity, Infinity);
    const bb = b.decode(Uint32Array.of(1), -Infinity, Infinity);
    expect(Array.from(ba.values())).toEqual([10]);
    expect(Array.from(bb.values())).toEqual([1, 20]);
    ba.release();
    bb.release();
    expect(a.seriesCount()).toBe(3);
    expect(b.seriesCount()).toBe(1);
  });
});
