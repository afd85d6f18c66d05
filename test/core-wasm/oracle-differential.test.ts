// Differential checks of the WebAssembly XOR codec and head against an independently written
// oracle (oracle/xor-oracle.ts): seeded random sample streams that hit every delta-of-delta bucket
// at and just past its edges and every kind of value bit pattern, compared byte for byte
// (encodings) and bit for bit (decoded samples), plus the head's chunk cutting rules.
import { describe, expect, test } from 'vitest';
import { loadCore } from '../../core-wasm/host/index.ts';
import { encodeXor, decodeXor, bitsOf, floatOf, type OracleSample } from './oracle/xor-oracle.ts';
import { xorshiftRng as rng } from './helpers.ts';

// Delta-of-delta values on both sides of every bucket edge (Prometheus: -(2^(n-1)-1)..2^(n-1)).
const EDGE_DODS = [0, 1, -1, 8191, 8192, 8193, -8191, -8192, -8193, 65535, 65536, 65537, -65535, -65536, -65537,
  524287, 524288, 524289, -524287, -524288, -524289, 1e9, -1e9 + 1];

const SPECIAL_BITS = [0x7ff0000000000002n, 0x7ff8000000000001n, 0x7ff8000000000000n, 0xfff8dead0000beefn,
  0x7ff0000000000000n, 0xfff0000000000000n, 0x8000000000000000n, 0n, 1n, 0x7fefffffffffffffn];

/** stream builds n samples with strictly increasing timestamps and assorted values. */
function stream(seed: number, n: number): OracleSample[] {
  const r = rng(seed);
  const out: OracleSample[] = [];
  let t = Math.floor(r() * 2e12) - 1e12;
  let delta = 1 + Math.floor(r() * 60_000);
  let v = r() * 1000;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      const pick = r();
      const dod = pick < 0.4 ? 0 : pick < 0.8 ? EDGE_DODS[Math.floor(r() * EDGE_DODS.length)] : Math.floor(r() * 2000) - 1000;
      delta = Math.max(1, delta + dod);
      t += delta;
    }
    const kind = r();
    let bits: bigint;
    if (kind < 0.2) bits = SPECIAL_BITS[Math.floor(r() * SPECIAL_BITS.length)];
    else if (kind < 0.4) bits = bitsOf(v); // repeat
    else if (kind < 0.6) bits = bitsOf((v += Math.floor(r() * 100))); // counter-like
    else if (kind < 0.8) bits = bitsOf((v = r() * 1e6 - 5e5)); // gauge-like
    else bits = (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32)); // any pattern
    out.push({ t, bits });
  }
  return out;
}

function columns(samples: readonly OracleSample[]): { ts: Float64Array; values: Float64Array } {
  const ts = Float64Array.from(samples, (s) => s.t);
  const words = BigUint64Array.from(samples, (s) => s.bits);
  return { ts, values: new Float64Array(words.buffer) };
}

function samplesOf(ts: Float64Array, values: Float64Array): OracleSample[] {
  const words = new BigUint64Array(values.buffer, values.byteOffset, values.length);
  return Array.from(ts, (t, i) => ({ t, bits: words[i] }));
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

const core = loadCore();

describe('XOR codec against the independent oracle', () => {
  const seeds = Array.from({ length: 40 }, (_, i) => 1000 + i);

  test.each(seeds)('stream %i: wasm and oracle write the same bytes and read each other', (seed) => {
    const samples = stream(seed, 1 + (seed % 7) * 40);
    const { ts, values } = columns(samples);
    const expected = encodeXor(samples);
    const wasm = core.encodeChunk(ts, values);
    expect(wasm[0]).toBe(1); // EncXOR
    expect(hex(wasm.subarray(1))).toBe(hex(expected));
    // The oracle reads what the wasm wrote, the wasm reads what the oracle wrote.
    expect(decodeXor(wasm.subarray(1))).toEqual(samples);
    const framed = new Uint8Array(expected.length + 1);
    framed[0] = 1;
    framed.set(expected, 1);
    const batch = core.decodeChunks(framed, new Uint32Array([0]), new Uint32Array([0]), -Infinity, Infinity);
    try {
      expect(samplesOf(batch.timestamps(), batch.values())).toEqual(samples);
    } finally {
      batch.release();
    }
  });

  test('the oracle round-trips special values bit for bit', () => {
    const samples = SPECIAL_BITS.map((bits, i) => ({ t: i * 1000, bits }));
    expect(decodeXor(encodeXor(samples))).toEqual(samples);
    expect(bitsOf(floatOf(0x7ff0000000000002n))).toBe(0x7ff0000000000002n);
  });
});

describe('head chunks against the oracle', () => {
  test('every exported head chunk is the oracle encoding of its samples, and together they are the input', () => {
    const c = loadCore();
    const n = 8;
    const first = c.newSeries(n);
    const refs = Uint32Array.from({ length: n }, (_, i) => first + i);
    const streams = Array.from({ length: n }, (_, i) => stream(77 + i, 700));
    const sent: OracleSample[][] = Array.from({ length: n }, () => []);
    // Interleave: one appendSamples call per round carrying one sample of every series.
    for (let k = 0; k < 700; k++) {
      const ts = Float64Array.from(streams, (s) => s[k].t);
      const words = BigUint64Array.from(streams, (s) => s[k].bits);
      const status = c.appendSamples(refs, ts, new Float64Array(words.buffer));
      status.forEach((st, i) => {
        expect(st).toBe(0);
        sent[i].push(streams[i][k]);
      });
    }
    const ex = c.exportChunks(refs, { includeOpen: true });
    for (let s = 0; s < n; s++) {
      const from = ex.seriesChunkStarts[s];
      const to = s + 1 < n ? ex.seriesChunkStarts[s + 1] : ex.chunkOffsets.length;
      const got: OracleSample[] = [];
      for (let k = from; k < to; k++) {
        const end = k + 1 < ex.chunkOffsets.length ? ex.chunkOffsets[k + 1] : ex.chunks.length;
        const chunk = ex.chunks.subarray(ex.chunkOffsets[k] + 1, end);
        expect(ex.chunks[ex.chunkOffsets[k]]).toBe(1);
        const decoded = decodeXor(chunk);
        expect(hex(chunk)).toBe(hex(encodeXor(decoded)));
        expect(ex.mint[k]).toBe(decoded[0].t);
        expect(ex.maxt[k]).toBe(decoded[decoded.length - 1].t);
        got.push(...decoded);
      }
      expect(got).toEqual(sent[s]);
    }
  });
});

describe('chunk cutting', () => {
  const RANGE = 7_200_000;
  interface CutCase {
    name: string;
    intervalMs: number;
    samples: number;
    start: number;
    check(counts: number[], mints: number[], maxts: number[]): void;
  }
  const floorDiv = (a: number, b: number) => Math.floor(a / b);
  const cases: CutCase[] = [
    {
      name: '15 s scrapes aligned to the range: chunks of 120',
      intervalMs: 15_000, samples: 960, start: 1_700_006_400_000,
      check: (counts) => expect(counts).toEqual(Array(8).fill(120)),
    },
    {
      name: '1 s scrapes: never more than 120 per chunk',
      intervalMs: 1000, samples: 3000, start: 1_700_000_000_000,
      check: (counts) => expect(Math.max(...counts)).toBeLessThanOrEqual(120),
    },
    {
      name: '60 s scrapes starting mid-range: the first chunk ends at the range boundary',
      intervalMs: 60_000, samples: 300, start: 1_700_006_400_000 + 3_600_000,
      check: (_counts, mints, maxts) => expect(maxts[0]).toBeLessThan(1_700_006_400_000 + RANGE),
    },
    {
      name: 'negative timestamps: no chunk crosses a range boundary',
      intervalMs: 30_000, samples: 800, start: -RANGE * 2 - 45_000,
      check: () => undefined,
    },
  ];

  test.each(cases)('$name', ({ intervalMs, samples, start, check }) => {
    const c = loadCore();
    const ref = c.newSeries(1);
    const refs = new Uint32Array([ref]);
    for (let i = 0; i < samples; i++) c.appendScrape(start + i * intervalMs, refs, new Float64Array([i]));
    const ex = c.exportChunks(refs, { includeOpen: true });
    const counts = Array.from(ex.chunkOffsets, (o) => (ex.chunks[o + 1] << 8) | ex.chunks[o + 2]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(samples);
    for (let k = 0; k < counts.length; k++) {
      // No chunk crosses a multiple of the chunk range (floor division, negative times included).
      expect(floorDiv(ex.mint[k], RANGE)).toBe(floorDiv(ex.maxt[k], RANGE));
    }
    check(counts, Array.from(ex.mint), Array.from(ex.maxt));
  });
});
