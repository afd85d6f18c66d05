// Differential test of the two dense chunk decoders: shared/tsdb/block/dense-decode.ts (TypeScript)
// against core-wasm/assembly/dense-decode.ts (through Core.decodeChunks). On chunks from the
// encoder, on hand-made chunks that push the f64 arithmetic past 2^53, and on every truncation and
// byte flip of a few chunks, both must agree: the same timestamps and value bits, or both refuse
// (DecodeError in TypeScript, ChunkCorruptionError in WebAssembly).
import { beforeAll, describe, expect, it } from 'vitest';
import { ChunkCorruptionError, loadCore, type Core } from '../../../core-wasm/host/index.ts';
import { ByteReader, ByteWriter } from '../../../shared/tsdb/block/bytes.ts';
import { decodeDense } from '../../../shared/tsdb/block/dense-decode.ts';
import { DENSE_MAX_SAMPLES, DenseEncoder, ENC_DENSE } from '../../../shared/tsdb/block/dense-encode.ts';
import { DecodeError } from '../../../shared/tsdb/block/errors.ts';
import { mulberryRng } from '../../core-wasm/helpers.ts';
import { EDGE_VALUES, bitsOf, fromBits } from './helpers.ts';

const T0 = 1_700_000_000_000;
const STALE = fromBits(0x7ff00000, 2)[0];
let core: Core;
beforeAll(() => {
  core = loadCore();
});

/** Decoded: timestamps and value bits (hex), or null when the decoder refused the chunk. */
type Decoded = { ts: number[]; bits: string[] } | null;

/** viaTs decodes with the TypeScript decoder; `expect` defaults to the count the chunk states. */
function viaTs(chunk: Uint8Array, expect?: number): Decoded {
  try {
    const n = expect ?? statedCount(chunk);
    const ts = new Float64Array(n), vs = new Float64Array(n);
    decodeDense(new ByteReader(chunk), n, ts, vs, new Uint32Array(vs.buffer), 0);
    return { ts: Array.from(ts), bits: Array.from(vs, bitsOf) };
  } catch (err) {
    if (err instanceof DecodeError) return null;
    throw err;
  }
}

/** viaWasm decodes with the core; with `expect`, the core checks the count as a block's index would. */
function viaWasm(chunk: Uint8Array, expect?: number): Decoded {
  let batch;
  try {
    batch = core.decodeChunks(chunk, Uint32Array.of(0), Uint32Array.of(0), -Infinity, Infinity, expect === undefined ? undefined : Uint32Array.of(expect));
  } catch (err) {
    if (err instanceof ChunkCorruptionError) return null;
    throw err;
  }
  try {
    return { ts: Array.from(batch.timestamps()), bits: Array.from(batch.values(), bitsOf) };
  } finally {
    batch.release();
  }
}

/** statedCount: the sample count after the encoding byte (a DecodeError if unreadable, or too big to try). */
function statedCount(chunk: Uint8Array): number {
  const r = new ByteReader(chunk, 1);
  const n = r.uvarint();
  if (n > DENSE_MAX_SAMPLES) throw new DecodeError(1, 'too many samples to allocate for');
  return n;
}

/** agree checks both decoders on a chunk (at least 3 bytes), with and without the expected count; returns TS's result. */
function agree(chunk: Uint8Array, expect?: number): Decoded {
  const want = viaTs(chunk, expect);
  const got = viaWasm(chunk, expect);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`decoders differ on ${Buffer.from(chunk).toString('hex')} (expect ${expect}): TS ${JSON.stringify(want)?.slice(0, 300)}, wasm ${JSON.stringify(got)?.slice(0, 300)}`);
  }
  return want;
}

const enc = new DenseEncoder();
function encode(ts: Float64Array, vs: Float64Array): Uint8Array {
  const w = new ByteWriter(64);
  enc.encode(w, ts, vs, 0, ts.length);
  return w.view().slice();
}

const rnd = mulberryRng(4242);
const pick = <T>(xs: ArrayLike<T>): T => xs[Math.floor(rnd() * xs.length)];
const regular = (n: number, step = 15_000, jitter = 0) => Float64Array.from({ length: n }, (_, i) => T0 + i * step + (jitter ? Math.floor(rnd() * jitter) : 0));

/** Value generators: each returns n values of one shape. */
const shapes: Record<string, (n: number) => Float64Array> = {
  counter: (n) => {
    let x = Math.floor(rnd() * 1e9);
    return Float64Array.from({ length: n }, () => (x += rnd() < 0.2 ? Math.floor(rnd() * 5000) : 0));
  },
  'steady counter': (n) => Float64Array.from({ length: n }, (_, i) => 1e6 + i * 37),
  'decimal gauge': (n) => {
    const e = 1 + Math.floor(rnd() * 4);
    return Float64Array.from({ length: n }, () => Math.round((rnd() - 0.5) * 10 ** (e + 3)) / 10 ** e);
  },
  'fine decimals (scale 15)': (n) => Float64Array.from({ length: n }, (_, i) => (i % 7) * 1e-15),
  'float bits': (n) => Float64Array.from({ length: n }, () => (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20)),
  'slow float': (n) => {
    let x = rnd() * 100;
    return Float64Array.from({ length: n }, () => (x += (rnd() - 0.5) / 3));
  },
  'with stale markers': (n) => Float64Array.from(shapes.counter(n), (v) => (rnd() < 0.03 ? STALE : v)),
  'with exceptions': (n) => Float64Array.from(shapes['decimal gauge'](n), (v) => (rnd() < 0.04 ? pick(EDGE_VALUES) : v)),
  'edge values': (n) => Float64Array.from({ length: n }, () => pick(EDGE_VALUES)),
  'near 2^50': (n) => Float64Array.from({ length: n }, () => Math.floor((rnd() - 0.5) * 2 ** 51)),
  constant: (n) => new Float64Array(n).fill(rnd() < 0.5 ? 0 : 7.25),
};

describe('dense chunks: TypeScript and WebAssembly decoders agree', () => {
  for (const [name, gen] of Object.entries(shapes)) {
    it(`on encoder output: ${name}`, () => {
      for (const n of [1, 2, 3, 17, 120, 1000, DENSE_MAX_SAMPLES]) {
        const step = pick([1, 15_000, 60_000]);
        const ts = regular(n, step, Math.min(step, pick([0, 0, 3, 1000])));
        const vs = gen(n);
        const chunk = encode(ts, vs);
        const got = agree(chunk, n);
        expect(got?.ts).toEqual(Array.from(ts));
        expect(got?.bits).toEqual(Array.from(vs, bitsOf));
        agree(chunk);
      }
    });
  }

  it('on negative and extreme timestamps', () => {
    for (const ts of [[-(2 ** 50) + 1, 0, 2 ** 50 - 1], [-5000, -10, 0, 7], [2 ** 50 - 3, 2 ** 50 - 2, 2 ** 50 - 1]]) {
      const t = Float64Array.from(ts);
      expect(agree(encode(t, shapes.counter(t.length)), t.length)?.ts).toEqual(ts);
    }
  });

  // Hand-made chunks: raw varint bytes, so that values pass 2^53 and f64 sums round.
  const uv = (x: bigint): number[] => {
    const out: number[] = [];
    while (x >= 128n) {
      out.push(Number(x & 127n) | 128);
      x >>= 7n;
    }
    out.push(Number(x));
    return out;
  };
  const zz = (x: bigint): number[] => uv(x < 0n ? -2n * x - 1n : 2n * x);
  const ts3 = [2, 3, ...zz(1000n), ...zz(15n), 0, 0]; // 3 samples: 1000, 1015, 1030
  const handMade: { name: string; bytes: number[]; ok: boolean }[] = [
    { name: 'ints past 2^53 (rounding sums)', bytes: [...ts3, 0x01, 0, ...uv(2n ** 55n + 1n), ...zz(2n ** 54n + 3n), 0, 0], ok: true },
    { name: 'odd 8-byte varints, scale 7, delta of delta', bytes: [...ts3, 0x72, 0, ...uv(2n ** 56n - 1n), ...uv(2n ** 55n + 3n), ...zz(-12345n)], ok: true },
    { name: 'exception then ints', bytes: [...ts3, 0x11, 1, 1, 2, 0, 0, 0, 0, 0, 0xf0, 0x7f, ...zz(5n), ...zz(-3n)], ok: true },
    { name: 'float bits with bits past 64 in the 10th byte', bytes: [...ts3, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 1], ok: true },
    { name: 'timestamp past 2^50', bytes: [2, 1, ...zz(2n ** 50n), 0x01, 0, 0], ok: false },
    { name: 'timestamp at -2^50', bytes: [2, 1, ...zz(-(2n ** 50n)), 0x01, 0, 0], ok: false },
    { name: 'interval that overflows 2^50', bytes: [2, 2, ...zz(0n), ...zz(2n ** 51n), 0x01, 0, 0, 2], ok: false },
    { name: 'timestamps that do not increase', bytes: [2, 3, ...zz(1000n), ...zz(15n), ...zz(-15n), 0x01, 0, 0, 0, 0], ok: false },
    { name: 'a zero run before any interval', bytes: [2, 3, ...zz(1000n), 0, 1, 0x01, 0, 0, 0, 0], ok: false },
    // Eight one-byte tokens read at once, the interval falling to zero among them.
    { name: 'an interval that falls to zero among eight one-byte tokens', bytes: [2, 10, ...zz(1000n), ...zz(15n), ...zz(-15n), ...zz(15n), ...zz(1n), ...zz(1n), ...zz(1n), ...zz(1n), ...zz(1n), ...zz(1n), 0x01, 0, 0, 0, ...uv(8n)], ok: false },
    { name: 'eight one-byte interval tokens', bytes: [2, 10, ...zz(1000n), ...zz(15n), ...zz(1n), ...zz(-1n), ...zz(1n), ...zz(1n), ...zz(1n), ...zz(1n), ...zz(1n), ...zz(1n), 0x01, 0, 0, 0, ...uv(8n)], ok: true },
    { name: 'a timestamp run past n', bytes: [2, 3, ...zz(1000n), ...zz(15n), 0, 1, 0x01, 0, 0, 0, 0], ok: false },
    { name: 'a value run past the samples', bytes: [...ts3, 0x01, 0, 0, 0, 2], ok: false },
    { name: 'unknown value kind', bytes: [...ts3, 0x04, 0, 0, 0, 0], ok: false },
    { name: 'float bits with a scale', bytes: [...ts3, 0x13, 0, 2], ok: false },
    { name: 'more exceptions than samples', bytes: [...ts3, 0x01, 4, 0, 0, 0], ok: false },
    { name: 'exception past the samples', bytes: [...ts3, 0x01, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], ok: false },
    { name: 'exception bits cut short', bytes: [...ts3, 0x01, 1, 0, 0, 0, 0, 0], ok: false },
    { name: 'bytes after the chunk', bytes: [...ts3, 0x01, 0, 0, 0, 1, 0], ok: false },
    { name: 'a 9-byte varint', bytes: [...ts3, 0x01, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 1], ok: false },
    { name: 'an 11-byte float varint', bytes: [...ts3, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0], ok: false },
    { name: 'no samples', bytes: [2, 0, 0, 0x01, 0], ok: false },
    { name: 'more samples than a chunk holds', bytes: [2, ...uv(8193n), 0, 0, 0, ...uv(8190n), 0x01, 0, 0, 0, ...uv(8190n)], ok: false },
    { name: 'a varint cut by the end', bytes: [...ts3, 0x01, 0, 0x80], ok: false },
  ];
  for (const c of handMade) {
    it(`on a hand-made chunk: ${c.name}`, () => {
      const chunk = Uint8Array.from(c.bytes);
      expect(agree(chunk) !== null).toBe(c.ok);
      const n = new ByteReader(chunk, 1).uvarint();
      expect(agree(chunk, n) !== null).toBe(c.ok);
    });
  }

  it('on 3000 random token streams', () => {
    // Valid framing, random content: large varints, zero runs, random kinds, scales and exceptions.
    const rvar = (): number[] => {
      const len = 1 + Math.floor(rnd() * (rnd() < 0.8 ? 2 : 8));
      const out = Array.from({ length: len }, (_, i) => Math.floor(rnd() * 128) | (i < len - 1 ? 128 : 0));
      return out;
    };
    let ok = 0;
    for (let k = 0; k < 3000; k++) {
      const n = 1 + Math.floor(rnd() * 12);
      const b: number[] = [ENC_DENSE, n, ...zz(BigInt(T0)), ...zz(15000n)];
      for (let i = 2; i < n; i++) b.push(...(rnd() < 0.3 ? [0, Math.floor(rnd() * 3)] : zz(BigInt(Math.floor(rnd() * 7) - 3))));
      const vk = pick([1, 2, 3, 3, 1, 5]);
      b.push(vk === 3 ? 3 : (Math.floor(rnd() * 16) << 4) | vk);
      if (vk !== 3) {
        const exc = rnd() < 0.3 ? 1 : 0;
        b.push(exc);
        if (exc) b.push(Math.floor(rnd() * n), ...Array.from({ length: 8 }, () => Math.floor(rnd() * 256)));
      }
      for (let i = 0; i < n; i++) b.push(...(rnd() < 0.2 ? [0, Math.floor(rnd() * 3)] : rvar()));
      const chunk = Uint8Array.from(b.slice(0, b.length - (rnd() < 0.5 ? Math.floor(rnd() * 3) : 0)));
      if (agree(chunk, n) !== null) ok++;
      agree(chunk);
    }
    expect(ok).toBeGreaterThan(100); // enough of them decode for the values to be compared
  });

  it('on long streams of small tokens, around the bounds of integer sums', () => {
    // The core reads integer streams of small numbers with i64 sums, eight one-byte
    // tokens at a time, and falls back to f64 sums from a first varint of 2^53 or a token of 2^24:
    // runs of one-byte tokens broken by zero runs, two- and three-byte tokens, and first values
    // and tokens on either side of those bounds, as deltas and as deltas of deltas.
    const firsts = [0n, 1n, -7n, 2n ** 52n - 1n, -(2n ** 52n) + 1n, 2n ** 52n, -(2n ** 52n), 2n ** 53n - 1n];
    const bigTokens = [2n ** 24n - 1n, 2n ** 24n, -(2n ** 24n), 2n ** 45n];
    let decoded = 0;
    for (let k = 0; k < 400; k++) {
      const n = 20 + Math.floor(rnd() * 300);
      const b: number[] = [ENC_DENSE, ...uv(BigInt(n)), ...zz(BigInt(T0)), ...zz(15000n), 0, ...uv(BigInt(n - 3))];
      b.push(((k % 3) << 4) | (k % 2 === 0 ? 1 : 2), 0, ...zz(pick(firsts)));
      for (let i = 1; i < n; ) {
        const r = rnd();
        if (r < 0.06 && i + 2 < n) {
          const run = 1 + Math.floor(rnd() * 3);
          b.push(0, run - 1);
          i += run;
          continue;
        }
        b.push(...zz(r < 0.85 ? BigInt(Math.floor(rnd() * 120) - 60 || 1) : r < 0.95 ? BigInt(Math.floor((rnd() - 0.5) * 16000)) : pick(bigTokens)));
        i++;
      }
      if (agree(Uint8Array.from(b), n) !== null) decoded++;
    }
    expect(decoded).toBeGreaterThan(300);
  });

  it('on every truncation and byte flip of a few chunks', () => {
    const chunks = [
      encode(regular(200, 15_000, 5), shapes['with stale markers'](200)),
      encode(regular(50), shapes['with exceptions'](50)),
      encode(regular(40, 1000, 100), shapes['float bits'](40)),
      encode(regular(1), Float64Array.of(STALE)),
      encode(regular(300), shapes['steady counter'](300)),
    ];
    let refused = 0;
    for (const chunk of chunks) {
      const n = new ByteReader(chunk, 1).uvarint();
      for (let cut = 3; cut < chunk.length; cut++) {
        expect(agree(chunk.subarray(0, cut), n)).toBeNull();
        agree(chunk.subarray(0, cut));
      }
      for (let at = 0; at < chunk.length; at++) {
        for (const mask of [0x01, 0x02, 0x10, 0x80, 0xff]) {
          const bad = chunk.slice();
          bad[at] ^= mask;
          if (agree(bad, n) === null) refused++;
          agree(bad);
        }
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});

describe('decodeChunks with dense chunks', () => {
  it('mixes XOR and dense chunks, keeps [mint, maxt], sorts and de-duplicates overlaps', () => {
    const ts = regular(500, 1000), vs = shapes['with exceptions'](500);
    const a = encode(ts.subarray(0, 300), vs.subarray(0, 300));
    const vb = Float64Array.from({ length: 150 }, (_, i) => i * 0.5);
    const b = core.encodeChunk(ts.slice(250, 400), vb); // overlaps a
    const c = encode(ts.subarray(400), vs.subarray(400));
    const data = Uint8Array.from([...a, ...b, ...c]);
    const offsets = Uint32Array.of(0, a.length, a.length + b.length);
    for (const [mint, maxt] of [[-Infinity, Infinity], [ts[10], ts[450]], [ts[299] + 0.5, ts[420]], [ts[499] + 1, Infinity], [ts[5], ts[5]]]) {
      const batch = core.decodeChunks(data, offsets, Uint32Array.of(0), mint, maxt, Uint32Array.of(300, 150, 100));
      // a wins where it overlaps b: it comes first.
      const want = Array.from(ts.keys()).filter((i) => ts[i] >= Math.trunc(mint) && ts[i] <= maxt);
      expect(Array.from(batch.timestamps())).toEqual(want.map((i) => ts[i]));
      expect(Array.from(batch.values(), bitsOf)).toEqual(want.map((i) => bitsOf(i < 300 || i >= 400 ? vs[i] : vb[i - 250])));
      batch.release();
    }
  });

  it('reports a chunk whose sample count is not the one given', () => {
    const chunk = encode(regular(10), shapes.counter(10));
    const call = () => core.decodeChunks(Uint8Array.from([...chunk, ...chunk]), Uint32Array.of(0, chunk.length), Uint32Array.of(0, 1), 0, Infinity, Uint32Array.of(10, 11));
    expect(call).toThrow(ChunkCorruptionError);
    expect(call).toThrow(/chunk 1 .* does not hold the 11 samples/);
  });
});
