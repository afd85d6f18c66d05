import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from '../../../shared/tsdb/block/bytes.ts';
import { decodeDense } from '../../../shared/tsdb/block/dense-decode.ts';
import { DENSE_MAX_SAMPLES, DenseEncoder, VK_FLOAT_BITS, VK_INT_DELTA, VK_INT_DOD } from '../../../shared/tsdb/block/dense-encode.ts';
import { DecodeError } from '../../../shared/tsdb/block/errors.ts';
import { EDGE_VALUES, bitsOf } from './helpers.ts';

const T0 = 1_700_000_000_000;
const enc = new DenseEncoder();

/** roundTrip encodes, decodes, compares bits; returns the bytes and the value-kind byte. */
function check(ts: number[] | Float64Array, vs: Float64Array): { bytes: Uint8Array; kind: number } {
  const t = Float64Array.from(ts);
  const w = new ByteWriter(16);
  enc.encode(w, t, vs, 0, t.length);
  const bytes = w.view().slice();
  const gotT = new Float64Array(t.length), gotV = new Float64Array(t.length + 2).subarray(1, t.length + 1);
  const r = new ByteReader(bytes);
  decodeDense(r, t.length, gotT, gotV, new Uint32Array(gotV.buffer, gotV.byteOffset, gotV.length * 2), 0);
  expect(r.pos).toBe(bytes.length);
  expect(Array.from(gotT)).toEqual(Array.from(t));
  expect(Array.from(gotV, bitsOf)).toEqual(Array.from(vs, bitsOf));
  // The kind byte follows the header and timestamps; find it by re-reading the header.
  const h = new ByteReader(bytes, 1);
  const n = h.uvarint();
  h.varint();
  let i = 1;
  while (i < n) {
    const x = h.varint();
    i += x === 0 ? h.uvarint() + 1 : 1;
  }
  return { bytes, kind: h.u8() & 15 };
}

/** counter: a counter bumped now and then (deltas beat deltas of deltas, which pay each bump twice). */
function counter(n: number): Float64Array {
  let x = 1e6, seed = 7;
  return Float64Array.from({ length: n }, () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (x += (seed >>> 0) % 10 === 0 ? (seed >>> 8) % 1000 : 0);
  });
}

const regular = (n: number, step = 15_000) => Float64Array.from({ length: n }, (_, i) => T0 + i * step);

describe('dense chunk codec', () => {
  const cases: { name: string; ts: Float64Array | number[]; vs: Float64Array; kind?: number }[] = [
    { name: 'one sample', ts: [T0], vs: Float64Array.of(42) },
    { name: 'one stale marker', ts: [T0], vs: EDGE_VALUES.slice(0, 1) },
    { name: 'every edge value', ts: regular(EDGE_VALUES.length), vs: EDGE_VALUES.slice(), kind: VK_FLOAT_BITS },
    { name: 'counter', ts: regular(1000), vs: counter(1000), kind: VK_INT_DELTA },
    { name: 'linear counter prefers delta of delta', ts: regular(1000), vs: Float64Array.from({ length: 1000 }, (_, i) => i * 1234567), kind: VK_INT_DOD },
    { name: 'constant', ts: regular(500), vs: new Float64Array(500).fill(7) },
    { name: 'decimal gauge', ts: regular(300), vs: Float64Array.from({ length: 300 }, (_, i) => Math.round(Math.sin(i) * 1000) / 100) },
    { name: 'negative decimals', ts: regular(300), vs: Float64Array.from({ length: 300 }, (_, i) => -0.001 * i - 0.5) },
    { name: 'random floats', ts: regular(300), vs: Float64Array.from({ length: 300 }, () => Math.random() * 1e9 - 5e8), kind: VK_FLOAT_BITS },
    { name: 'sign-changing floats', ts: regular(300), vs: Float64Array.from({ length: 300 }, (_, i) => Math.sin(i) / 3) },
    { name: 'ints with stale markers as exceptions', ts: regular(200), vs: Float64Array.from(counter(200), (v, i) => (i % 50 === 49 ? EDGE_VALUES[0] : v)), kind: VK_INT_DELTA },
    { name: 'exception first and last', ts: regular(100), vs: Float64Array.from({ length: 100 }, (_, i) => (i === 0 || i === 99 ? -0 : i * 2)) },
    { name: 'all stale', ts: regular(100), vs: new Float64Array(100).fill(EDGE_VALUES[0]) },
    { name: 'irregular timestamps', ts: [T0, T0 + 1, T0 + 1000, T0 + 1001, T0 + 86_400_000, T0 + 86_400_015], vs: Float64Array.of(1, 2, 3, 4, 5, 6) },
    { name: 'negative timestamps', ts: [-5000, -10 + 0, 0, 7], vs: Float64Array.of(1, 1, 1, 1) },
    { name: 'big integers near the limit', ts: regular(4), vs: Float64Array.of(2 ** 50 - 1, -(2 ** 50) + 1, 2 ** 50 - 1, 0) },
    { name: 'integers beyond 2^50 go float', ts: regular(4), vs: Float64Array.of(2 ** 52, 2 ** 53, -(2 ** 53), 2 ** 60) },
    { name: 'max samples', ts: regular(DENSE_MAX_SAMPLES, 10), vs: Float64Array.from({ length: DENSE_MAX_SAMPLES }, (_, i) => i % 3) },
  ];
  for (const c of cases) {
    it(`round-trips: ${c.name}`, () => {
      const { kind } = check(c.ts, c.vs);
      if (c.kind !== undefined) expect(kind).toBe(c.kind);
    });
  }

  it('compresses regular timestamps to a few bytes', () => {
    const { bytes } = check(regular(5000), new Float64Array(5000).fill(1));
    expect(bytes.length).toBeLessThan(30);
  });

  it('refuses every truncation of a chunk with DecodeError', () => {
    const vs = Float64Array.from({ length: 50 }, (_, i) => (i % 10 === 0 ? EDGE_VALUES[0] : i * 1.5));
    const { bytes } = check(regular(50), vs);
    for (let cut = 0; cut < bytes.length; cut++) {
      const out = new Float64Array(50);
      expect(() => decodeDense(new ByteReader(bytes.subarray(0, cut)), 50, new Float64Array(50), out, new Uint32Array(out.buffer), 0)).toThrow(DecodeError);
    }
  });

  it('refuses a sample count other than the expected one', () => {
    const { bytes } = check([T0, T0 + 1], Float64Array.of(1, 2));
    const out = new Float64Array(3);
    expect(() => decodeDense(new ByteReader(bytes), 3, new Float64Array(3), out, new Uint32Array(out.buffer), 0)).toThrow(/index says 3/);
  });
});
