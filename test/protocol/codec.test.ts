import { describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import { BatchKind, MAX_TIMESTAMP_MS } from '../../shared/protocol/frames.ts';
import { CloseCode, ProtocolError } from '../../shared/protocol/errors.ts';
import { Pair, column, hexColumn, rng, series } from './helpers.ts';
import { packFrame, unpackFrame } from '../../shared/protocol/msgpack.ts';

const STALE_NAN = '7ff0000000000002'; // Prometheus' staleness marker, a signalling NaN

// Values that must survive bit for bit, in sequence on one series, each coded against the previous.
const EDGE_VALUES = column([
  0, -0, 0, 1, -1, STALE_NAN, 5, NaN, 'fff8000000000001', '7ff4000000000000', STALE_NAN, STALE_NAN, '7ff8000000000000',
  'ffffffffffffffff', '7fffffffffffffff', '8000000000000001', '0000000000000001',
  Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** 53, -(2 ** 53),
  2 ** 53 - 1, 1 - 2 ** 53, 2 ** 52, -(2 ** 52), 2 ** 60, 0.1, 0.2, 0.30000000000000004, 1e-300, 1e300, -0, 7, 7, -0,
  Number.EPSILON, 123456789.123, 4503599627370495.5, 0,
]);
const EDGE_HEX = hexColumn(EDGE_VALUES);

describe('value coding', () => {
  it('keeps exact bits through every edge case, on one series and interleaved', () => {
    const p = new Pair();
    const ls = series(2);
    const n = EDGE_VALUES.length;
    for (let i = 0; i < n; i++) {
      const pair = new Float64Array(2);
      pair.set(EDGE_VALUES.subarray(i, i + 1), 0);
      pair.set(EDGE_VALUES.subarray(n - 1 - i, n - i), 1);
      const got = p.scrape(1000 * (i + 1), ls, pair);
      expect(hexColumn(got.values)).toEqual([EDGE_HEX[i], EDGE_HEX[n - 1 - i]]);
    }
  });

  it('round-trips every ordered pair of edge values', () => {
    const p = new Pair();
    const ls = series(1);
    let t = 0;
    const n = EDGE_VALUES.length;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        for (const k of [a, b]) {
          const got = p.scrape((t += 1000), ls, EDGE_VALUES.subarray(k, k + 1));
          expect(hexColumn(got.values)[0]).toBe(EDGE_HEX[k]);
        }
      }
    }
  });

  it('round-trips many batches of evolving counters, gauges and random bit patterns', () => {
    const rand = rng(42);
    const n = 300;
    const ls = series(n);
    const values = new Float64Array(n);
    const bits = new DataView(values.buffer);
    const stale = column([STALE_NAN]);
    const p = new Pair();
    for (let s = 0; s < 60; s++) {
      for (let i = 0; i < n; i++) {
        switch (i % 6) {
          case 0: values[i] += Math.floor(rand() * 100); break; // counter
          case 1: values[i] += rand() < 0.5 ? 0 : Math.floor(rand() * 1e7); break; // bursty counter
          case 2: values[i] = rand(); break; // ratio gauge
          case 3: values[i] += (rand() - 0.5) * 1e-3; break; // float random walk
          case 4: // any bit pattern at all, NaNs included
            bits.setUint32(8 * i, (rand() * 2 ** 32) >>> 0);
            bits.setUint32(8 * i + 4, (rand() * 2 ** 32) >>> 0);
            break;
          default: // staleness markers and sign flips
            if (s % 10 === 0 && rand() < 0.5) values.set(stale, i);
            else if (s % 10 === 0) values[i] = -values[i];
        }
      }
      const got = p.scrape(1_700_000_000_000 + s * 15_000, ls, values);
      expect(got.seq).toBe(s + 1);
      expect(got.kind).toBe(BatchKind.SCRAPE);
      expect(hexColumn(got.values)).toEqual(hexColumn(values));
      expect(Array.from(got.timestamps)).toEqual(new Array(n).fill(1_700_000_000_000 + s * 15_000));
    }
    expect(p.labelsOf(p.scrape(1_800_000_000_000, ls, values))).toEqual(ls.map(String));
  });

  it('codes a steady scrape of slowly moving counters in under 2 bytes a sample', () => {
    const n = 1000;
    const ls = series(n);
    const values = new Float64Array(n).map((_, i) => i * 1000);
    const p = new Pair();
    p.scrape(0, ls, values);
    const before = p.wireBytes;
    for (let s = 1; s <= 20; s++) {
      for (let i = 0; i < n; i++) values[i] += (i * s) % 50;
      p.scrape(s * 15_000, ls, values);
    }
    expect((p.wireBytes - before) / (20 * n)).toBeLessThan(2);
  });
});

describe('backfill batches', () => {
  // [name, timestamps]: one series per sample index modulo 3.
  const cases: [string, number[]][] = [
    ['regular', [0, 15_000, 30_000, 45_000, 60_000, 75_000]],
    ['jitter', [1_000, 16_003, 30_998, 46_001, 61_000, 75_999]],
    ['gaps and reversals', [5e11, 5e11 + 60, 4e11, 4e11 + 8191 * 2, 4e11 + 2 ** 23, -(2 ** 40)]],
    ['extremes', [MAX_TIMESTAMP_MS, -MAX_TIMESTAMP_MS, 0, MAX_TIMESTAMP_MS, MAX_TIMESTAMP_MS - 1, -1]],
    ['repeated', [7, 7, 7, 7, 7, 7]],
  ];
  for (const [name, ts] of cases) {
    it(`round-trips per-sample timestamps: ${name}`, () => {
      const p = new Pair();
      const ls = series(3);
      const sampleSeries = ts.map((_, i) => ls[i % 3]);
      const values = ts.map((_, i) => i * 1.5 - 2);
      const got = p.backfill(sampleSeries, ts, values);
      expect(got.kind).toBe(BatchKind.BACKFILL);
      expect(Array.from(got.timestamps)).toEqual(ts);
      expect(Array.from(got.values)).toEqual(values);
      expect(got.t).toBe(ts[0]);
      // A scrape after the backfill still decodes against the right previous values.
      const after = p.scrape(1e12, ls, [1, 2, 3]);
      expect(Array.from(after.values)).toEqual([1, 2, 3]);
    });
  }
});

describe('series and lists', () => {
  it('defines labels once, then reuses the series list by id', () => {
    const p = new Pair();
    const ls = series(50);
    const first = p.enc.encodeScrape(1, 0, ls, new Float64Array(50));
    expect(first.length).toBe(2); // SERIES, BATCH
    p.deliver(first);
    p.seq = 1;
    const second = p.enc.encodeScrape(2, 15_000, ls, new Float64Array(50));
    expect(second.length).toBe(1);
    expect(second[0].length).toBeLessThan(30); // 50 unchanged samples: header plus 7 bytes of bits
    const got = p.deliver(second)[0];
    expect(p.labelsOf(got)).toEqual(ls.map(String));
  });

  it('handles overlapping targets, new series mid-stream and list slot recycling', () => {
    const p = new Pair({ enc: { limits: { maxLists: 3 } }, dec: { limits: { maxLists: 3 } } });
    const all = series(40);
    const rand = rng(7);
    for (let s = 0; s < 200; s++) {
      const start = Math.floor(rand() * 30);
      const len = 1 + Math.floor(rand() * 10);
      const ls = all.slice(start, start + len);
      const vals = ls.map(() => Math.floor(rand() * 1000));
      const got = p.scrape(s * 1000, ls, vals);
      expect(p.labelsOf(got)).toEqual(ls.map(String));
      expect(Array.from(got.values)).toEqual(vals);
    }
    expect(p.dec.seriesCount).toBe(p.enc.seriesCount);
  });

  it('splits a large first scrape into several SERIES frames', () => {
    const p = new Pair();
    const ls = series(20_000);
    const frames = p.enc.encodeScrape(1, 0, ls, new Float64Array(20_000).fill(1));
    expect(frames.length).toBe(4); // 8192 + 8192 + 3616 series, then the batch
    p.seq = 1;
    const got = p.deliver(frames)[0];
    expect(got.values.length).toBe(20_000);
    expect(p.defined[19_999].toString()).toBe(ls[19_999].toString());
  });

  it('hands over each SERIES frame\'s defs words and the connection\'s string table, which rebuild its label sets', () => {
    const p = new Pair();
    const ls = series(30);
    const defined: { labels: string[]; defs: Uint32Array; strings: readonly string[] }[] = [];
    for (const part of [ls.slice(0, 10), ls.slice(5, 30)]) {
      for (const f of p.enc.encodeScrape(++p.seq, 1000 * p.seq, part, part.map(() => 1))) {
        const r = p.dec.decode(f);
        if (r.type === 'series') defined.push({ labels: r.labels.map(String), defs: r.defs, strings: r.strings });
      }
    }
    expect(defined.length).toBe(2);
    expect(defined[1].strings).toBe(defined[0].strings); // one table for the connection
    for (const d of defined) {
      const rebuilt: string[] = [];
      for (let q = 0; q < d.defs.length; ) {
        const n = d.defs[q++];
        const flat = Array.from(d.defs.subarray(q, q + 2 * n), (id) => d.strings[id]);
        rebuilt.push(Labels.fromSortedFlat(flat).toString());
        q += 2 * n;
      }
      expect(rebuilt).toEqual(d.labels);
    }
    expect(defined.flatMap((d) => d.labels)).toEqual(ls.map(String));
  });

  it('hands over hub refs from the resolver', () => {
    const seen: string[] = [];
    const p = new Pair({ dec: { resolveSeries: (l, ref) => (seen.push(l.toString()), 1000 + ref * 2) } });
    const ls = series(5);
    const got = p.scrape(0, [ls[3], ls[1], ls[3]], [1, 2, 3]);
    expect(Array.from(got.hubRefs!)).toEqual([1000, 1002, 1000]);
    expect(seen).toEqual([ls[3].toString(), ls[1].toString()]);
  });

  it('applies WELCOME: limits, and the hub\'s acked position', () => {
    const p = new Pair();
    p.enc.welcome({ acked: 9, limits: { ...p.enc.limits, maxSeries: 2 } });
    expect(p.enc.nextSeq).toBe(10);
    expect(() => p.enc.encodeScrape(9, 0, series(1), [1])).toThrow(/BUG: sequence 9 does not follow resume position 9/);
    expect(() => p.enc.encodeScrape(10, 0, series(3), [1, 2, 3])).toThrow(/maxSeries 2/);
    p.seq = 9;
    expect(p.scrape(0, series(2), [1, 2]).seq).toBe(10);
    expect(p.enc.nextSeq).toBe(11);
  });

  it('resets both sides on a new connection', () => {
    const p = new Pair();
    const ls = series(3);
    p.scrape(1000, ls, [1, 2, 3]);
    p.dec.reset();
    p.dec.decode(p.enc.hello({ edge: 'edge-1', token: 'secret', externalLabels: [], resume: 1 }));
    expect(p.enc.seriesCount).toBe(0);
    const frames = p.enc.encodeScrape(2, 2000, ls, [4, 5, 6]);
    expect(frames.length).toBe(2);
    p.seq = 2;
    expect(Array.from(p.deliver(frames)[0].values)).toEqual([4, 5, 6]);
  });
});

describe('encoder limits and caller errors', () => {
  const ls = series(4);
  const cases: [string, (p: Pair) => unknown, RegExp][] = [
    ['non-integer timestamp', (p) => p.enc.encodeScrape(1, 1.5, ls, [1, 2, 3, 4]), /BUG: timestamp 1.5/],
    ['NaN timestamp', (p) => p.enc.encodeScrape(1, NaN, ls, [1, 2, 3, 4]), /BUG: timestamp NaN/],
    ['length mismatch', (p) => p.enc.encodeScrape(1, 0, ls, [1]), /BUG: batch has 4 series but 1 values/],
    ['empty batch', (p) => p.enc.encodeScrape(1, 0, [], []), /BUG: empty batch/],
    ['sequence gap', (p) => (p.enc.encodeScrape(1, 0, ls, [1, 2, 3, 4]), p.enc.encodeScrape(3, 0, ls, [1, 2, 3, 4])), /BUG: sequence 3 does not follow 1/],
    ['backfill lengths', (p) => p.enc.encodeBackfill(1, ls, [1, 2], [1, 2, 3, 4]), /BUG: encodeBackfill got 4 series but 2 timestamps/],
    ['empty label set', (p) => p.enc.encodeScrape(1, 0, [Labels.EMPTY], [1]), /BUG: series 0 has 0 labels/],
  ];
  for (const [name, fn, want] of cases) {
    it(name, () => {
      const p = new Pair();
      expect(() => fn(p)).toThrow(want);
    });
  }

  it('reports a full series table as ProtocolError(LIMIT) and changes nothing', () => {
    const p = new Pair({ enc: { limits: { maxSeries: 3 } } });
    p.scrape(0, ls.slice(0, 2), [1, 2]);
    let err: unknown;
    try {
      p.enc.encodeScrape(2, 1000, ls, [1, 2, 3, 4]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(CloseCode.LIMIT);
    expect(p.enc.seriesCount).toBe(2);
    expect(Array.from(p.scrape(2000, ls.slice(0, 3), [5, 6, 7]).values)).toEqual([5, 6, 7]);
  });
});

describe('packFrame', () => {
  it('packs the frames after a large one into a small buffer again, each frame intact', () => {
    const big = [1, 'x'.repeat(400_000)];
    const a = packFrame(big);
    expect(a.buffer.byteLength).toBeGreaterThan(1 << 20); // msgpackr's buffer: four times the frame
    const small = Array.from({ length: 50 }, (_, i) => packFrame([2, i, 'y'.repeat(100)]));
    for (const f of small) expect(f.buffer.byteLength).toBeLessThanOrEqual(64 << 10);
    expect(unpackFrame(a, 1 << 24)).toEqual(big);
    small.forEach((f, i) => expect(unpackFrame(f, 1 << 24)).toEqual([2, i, 'y'.repeat(100)]));
  });
});
