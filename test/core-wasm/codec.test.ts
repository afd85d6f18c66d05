// The XOR codec through the host: edge-case round trips, and byte-for-byte agreement with the
// independent TypeScript reference in both directions.
import { describe, expect, test } from 'vitest';
import { loadCore, ChunkCorruptionError, CoreInputError } from '../../core-wasm/host/index.ts';
import { encodeXorReference, decodeXorReference } from '../support/xor-reference.ts';
import { bitsOf, decodeOne, f64FromBits, mulberryRng as rng } from './helpers.ts';

const core = loadCore();
const T0 = 1_700_000_000_000;
const STALE_NAN = 0x7ff0000000000002n;

function range(n: number, f: (i: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

interface Case {
  name: string;
  ts: number[];
  values: Float64Array;
}

const r = rng(42);
const cases: Case[] = [
  { name: 'one sample', ts: [T0], values: new Float64Array([1.5]) },
  { name: 'two samples', ts: [T0, T0 + 15_000], values: new Float64Array([1, 2]) },
  { name: 'constant', ts: range(120, (i) => T0 + i * 15_000), values: new Float64Array(120).fill(42) },
  { name: 'counter', ts: range(120, (i) => T0 + i * 15_000), values: Float64Array.from(range(120, (i) => i * 17 + 3)) },
  { name: 'gauge random', ts: range(120, (i) => T0 + i * 15_000), values: Float64Array.from(range(120, () => r() * 1e6 - 5e5)) },
  { name: 'jittered timestamps', ts: range(120, (i) => T0 + i * 15_000 + Math.floor(r() * 400) - 200), values: Float64Array.from(range(120, (i) => i % 7)) },
  {
    name: 'every dod bucket and huge gaps',
    ts: [T0, T0 + 1, T0 + 2, T0 + 8_200, T0 + 70_000, T0 + 600_000, T0 + 600_001, T0 + 10 ** 12, T0 + 2 * 10 ** 12, T0 + 2 * 10 ** 12 + 5],
    values: Float64Array.from(range(10, (i) => i)),
  },
  { name: 'bucket edges', ts: [0, 0, 8192, 8192 + 8192 - 8191 + 8192, 20_000, 20_000 + 2 * (20_000 - 8192) + 65536], values: new Float64Array(6) },
  { name: 'negative timestamps', ts: [-5_000_000_000, -4_000_000_000, -3_999_999_000, -1, 0, 1], values: new Float64Array([1, -1, 0.5, -0.5, 3, 4]) },
  {
    name: 'special values',
    ts: range(10, (i) => T0 + i * 1000),
    values: f64FromBits(
      0x7ff8000000000001n, // Go's NaN
      STALE_NAN,
      0x7ff0000000000000n, // +Inf
      0xfff0000000000000n, // -Inf
      0x8000000000000000n, // -0
      0x0000000000000000n,
      0x7ff8000000000000n, // JS NaN
      0xfff8dead0000beefn, // negative NaN with a payload
      0x0000000000000001n, // smallest subnormal
      STALE_NAN,
    ),
  },
  { name: 'all bits flip', ts: range(6, (i) => i * 10), values: f64FromBits(0n, 0xffffffffffffffffn, 0n, 0x8000000000000001n, 0x7ffffffffffffffen, 1n) },
  { name: 'max samples window reuse', ts: range(1000, (i) => T0 + i * 15_000), values: Float64Array.from(range(1000, (i) => Math.round(Math.sin(i / 10) * 1000) / 8)) },
];

describe('XOR codec', () => {
  test.each(cases)('$name: wasm and reference encode the same bytes and both decode them exactly', ({ ts, values }) => {
    const wasm = core.encodeChunk(Float64Array.from(ts), values);
    expect(wasm[0]).toBe(1); // the encoding byte: XOR
    const ref = encodeXorReference(ts, values);
    expect(Buffer.from(wasm.subarray(1)).toString('hex')).toBe(Buffer.from(ref).toString('hex'));

    const byWasm = decodeOne(core, wasm);
    expect(byWasm.ts).toEqual(ts);
    expect(byWasm.bits).toEqual(bitsOf(values));

    const byRef = decodeXorReference(wasm.subarray(1));
    expect(byRef.ts).toEqual(ts);
    expect(bitsOf(byRef.values)).toEqual(bitsOf(values));
  });

  test('random chunks agree with the reference', () => {
    const rand = rng(7);
    for (let k = 0; k < 200; k++) {
      const n = 1 + Math.floor(rand() * 240);
      let t = Math.floor(rand() * 2e12) - 1e12;
      const ts: number[] = [];
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        ts.push(t);
        t += [0, 1, 15_000, Math.floor(rand() * 1e7), Math.floor(rand() * 1e11)][Math.floor(rand() * 5)];
        values[i] = [0, i, rand(), rand() * 1e300, -rand(), Math.floor(rand() * 100)][Math.floor(rand() * 6)];
      }
      const wasm = core.encodeChunk(Float64Array.from(ts), values);
      expect(Buffer.from(wasm.subarray(1)).equals(Buffer.from(encodeXorReference(ts, values)))).toBe(true);
      expect(decodeOne(core, wasm).ts).toEqual(ts);
    }
  });

  test('decoding keeps only the requested range', () => {
    const ts = range(50, (i) => 1000 + i * 10);
    const chunk = core.encodeChunk(Float64Array.from(ts), Float64Array.from(ts));
    const b = core.decodeChunks(chunk, new Uint32Array([0]), new Uint32Array([0]), 1095, 1200);
    expect(Array.from(b.timestamps())).toEqual(range(11, (i) => 1100 + i * 10));
    b.release();
  });

  test.each([
    { name: 'truncated', mutate: (c: Uint8Array) => c.subarray(0, c.length - 6) },
    { name: 'count too high', mutate: (c: Uint8Array) => Uint8Array.from([...c.subarray(0, 1), 0xff, 0xff, ...c.subarray(3)]) },
    { name: 'endless varint', mutate: (c: Uint8Array) => Uint8Array.from([1, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) },
  ])('a $name chunk raises ChunkCorruptionError', ({ mutate }) => {
    const good = core.encodeChunk(Float64Array.from(range(30, (i) => i * 1000)), Float64Array.from(range(30, (i) => i * 1.1)));
    const bad = mutate(good);
    const call = () => core.decodeChunks(bad, new Uint32Array([0]), new Uint32Array([0]), -Infinity, Infinity);
    expect(call).toThrow(ChunkCorruptionError);
    expect(call).toThrow(/chunk 0/);
  });

  test('an unknown encoding byte is refused', () => {
    const chunk = core.encodeChunk(new Float64Array([1]), new Float64Array([1]));
    chunk[0] = 3;
    expect(() => core.decodeChunks(chunk, new Uint32Array([0]), new Uint32Array([0]), 0, 10)).toThrow(/encoding 3, want 1 \(XOR\) or 2 \(dense\)/);
  });

  test.each([
    { name: 'offset past the data', offsets: [0, 99], starts: [0], arg: 'chunkOffsets' },
    { name: 'offsets out of order', offsets: [5, 0], starts: [0], arg: 'chunkOffsets' },
    { name: 'series start past the chunks', offsets: [0], starts: [0, 2], arg: 'seriesChunkStarts' },
    { name: 'series starts out of order', offsets: [0], starts: [1, 0], arg: 'seriesChunkStarts' },
  ])('decodeChunks refuses $name', ({ offsets, starts, arg }) => {
    const chunk = core.encodeChunk(new Float64Array([1, 2]), new Float64Array([1, 2]));
    try {
      core.decodeChunks(chunk, Uint32Array.from(offsets), Uint32Array.from(starts), 0, 10);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CoreInputError);
      expect((err as CoreInputError).argument).toBe(arg);
    }
  });

  test('encodeChunk refuses non-integer timestamps', () => {
    expect(() => core.encodeChunk(new Float64Array([1.5]), new Float64Array([1]))).toThrow(/ts\[0\] = 1.5/);
  });
});
