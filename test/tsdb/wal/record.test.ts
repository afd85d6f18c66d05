import { describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { ByteWriter, DecodeError } from '../../../shared/tsdb/wal/bytes.ts';
import { FRAME_HEADER_SIZE, readFrame, type Frame } from '../../../shared/tsdb/wal/frame.ts';
import { decodeRecord } from '../../../shared/tsdb/wal/record-decode.ts';
import { checkRecord, encodeRecord, type ValueEncoding } from '../../../shared/tsdb/wal/record-encode.ts';
import type { WALRecord } from '../../../shared/tsdb/wal/record.ts';
import { XorState } from '../../../shared/tsdb/wal/xor-state.ts';
import { expectSame, fromBits, samples, STALE_NAN } from './helpers.ts';

/** roundTrip encodes records into one buffer and decodes them back with fresh XOR states. */
function roundTrip(recs: WALRecord[], mode: ValueEncoding): { out: WALRecord[]; bytes: number } {
  const w = new ByteWriter(16);
  const enc = new XorState();
  for (const r of recs) encodeRecord(w, r, enc, mode);
  const buf = w.buf.slice(0, w.len);
  const dec = new XorState();
  const out: WALRecord[] = [];
  const f: Frame = { type: 0, start: 0, end: 0 };
  for (let off = 0; off < buf.length; off = f.end) {
    expect(readFrame(buf, off, f)).toBe('');
    out.push(decodeRecord(f.type, buf, f.start, f.end, dec));
  }
  return { out, bytes: buf.length };
}

const specials = fromBits([
  STALE_NAN, // Prometheus staleness marker
  0x7ff8000000000000n, // canonical quiet NaN
  0xfff8000000000001n, // negative NaN with payload
  0x8000000000000000n, // -0
  0x0000000000000000n, // +0
  0x7ff0000000000000n, // +Inf
  0xfff0000000000000n, // -Inf
  0x0000000000000001n, // smallest subnormal
  0x7fefffffffffffffn, // max finite
]);

const cases: [string, WALRecord[]][] = [
  ['series with unicode and empty set', [
    { type: 'series', series: [
      { ref: 1, labels: Labels.from({ __name__: 'up', job: 'node', instance: 'h:9100' }) },
      { ref: 7, labels: Labels.from({ __name__: 'température', ville: 'Zürich ☃', long: 'x'.repeat(300) }) },
      { ref: 3, labels: Labels.EMPTY },
      { ref: 2 ** 52 - 1, labels: Labels.from({ a: 'b' }) },
    ] },
  ]],
  ['special value bits, twice (XOR against itself)', [
    samples(1_700_000_000_000, [0, 1, 2, 3, 4, 5, 6, 7, 8], specials),
    samples(1_700_000_015_000, [0, 1, 2, 3, 4, 5, 6, 7, 8], specials),
    samples(1_700_000_030_000, [8, 7, 6, 5, 4, 3, 2, 1, 0], specials),
  ]],
  ['counters and gauges over scrapes', Array.from({ length: 20 }, (_, k) =>
    samples(1000 * k, [10, 11, 12, 500, 40_000_000], [k * 3, 1e9 + k, 0.5 * Math.sin(k), 42, -k])),
  ],
  ['per-sample timestamps, negative and unsorted', [
    { type: 'samples', t: [5, -1_000, 1_700_000_000_000, 5, 0], refs: [9, 3, 2 ** 40, 0, 9], values: Float64Array.from([1, 2, 3, 4, 5]) },
  ]],
  ['Uint32Array refs (the DB appender\'s), deltas wide and narrow over the whole 32-bit range', [
    { type: 'samples', t: 1_700_000_000_000, refs: Uint32Array.from([0, 1, 2 ** 30 - 1, 2 ** 30, 2 ** 31, 2 ** 32 - 1, 5, 2 ** 30 + 5, 4, 4, 1, 2 ** 30 - 2]), values: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) },
    { type: 'samples', t: [1, 2], refs: new Uint32Array([7, 3, 9]).subarray(1), values: Float64Array.from([0.5, NaN]) },
  ]],
  ['empty samples records', [samples(0, [], []), { type: 'samples', t: [], refs: [], values: new Float64Array(0) }]],
  ['positions', [
    { type: 'position', name: 'uplink.acked', seq: 0 },
    { type: 'position', name: 'uplink.acked', seq: 2 ** 53 - 1, data: Uint8Array.from([0, 255, 7]) },
    { type: 'position', name: '', seq: 12 },
  ]],
];

describe('record round trip', () => {
  for (const mode of ['xor', 'raw'] as const) {
    for (const [name, recs] of cases) {
      it(`${mode}: ${name}`, () => {
        for (const r of recs) checkRecord(r);
        expectSame(roundTrip(recs, mode).out, recs);
      });
    }
  }

  it('XOR coding of a steady scrape is compact', () => {
    const recs = Array.from({ length: 100 }, (_, k) =>
      samples(1_700_000_000_000 + k * 15_000, Array.from({ length: 1000 }, (_, i) => i), Array.from({ length: 1000 }, (_, i) => (i % 2 ? 1000 + k * i : 7))));
    const xor = roundTrip(recs, 'xor').bytes / 100_000;
    const raw = roundTrip(recs, 'raw').bytes / 100_000;
    expect(raw).toBeGreaterThan(9);
    expect(xor).toBeLessThan(4);
  });
});

describe('record validation and decoding errors', () => {
  const bad: [string, WALRecord, RegExp][] = [
    ['negative ref', samples(0, [-1], [1]), /BUG: .*ref -1/],
    ['fractional time', samples(1.5, [1], [1]), /BUG: .*timestamp 1.5/],
    ['huge ref', samples(0, [2 ** 52], [1]), /BUG: .*ref 4503599627370496/],
    ['length mismatch', { type: 'samples', t: 0, refs: [1, 2], values: new Float64Array(1) }, /BUG: .*2 refs but 1 values/],
    ['plain array values', { type: 'samples', t: 0, refs: [1], values: [1] as unknown as Float64Array }, /BUG: .*Float64Array/],
    ['seq', { type: 'position', name: 'x', seq: -3 }, /BUG: .*seq -3/],
  ];
  for (const [name, rec, want] of bad) it(name, () => expect(() => checkRecord(rec)).toThrow(want));

  it('truncated payloads throw DecodeError, never read past the end', () => {
    const w = new ByteWriter();
    encodeRecord(w, samples(1000, [1, 2, 3], [1.5, 2.5, 3.5]), new XorState(), 'xor');
    const payload = w.buf.slice(FRAME_HEADER_SIZE, w.len);
    for (let n = 0; n < payload.length; n++) {
      expect(() => decodeRecord(2, payload, 0, n, new XorState())).toThrow(DecodeError);
    }
    expect(() => decodeRecord(9, payload, 0, payload.length, new XorState())).toThrow(/unknown record type 9/);
  });
});

describe('ByteWriter.shrink', () => {
  it('empties the buffer and gives back memory grown past the bound, keeping a buffer within it', () => {
    const w = new ByteWriter(16);
    w.bytes(new Uint8Array(100));
    const grownBuf = w.buf;
    expect(grownBuf.length).toBeGreaterThanOrEqual(100);
    w.shrink(1024);
    expect(w.len).toBe(0);
    expect(w.buf).toBe(grownBuf);
    w.bytes(new Uint8Array(5000));
    w.shrink(1024);
    expect([w.len, w.buf.length]).toEqual([0, 16]);
    w.u32(7);
    expect([...w.buf.subarray(0, w.len)]).toEqual([7, 0, 0, 0]);
  });
});

describe('XorState', () => {
  it('gives each ref its previous bits until a reset, across growth, for dense and huge refs', () => {
    const x = new XorState();
    const out = new Uint32Array(2);
    const refs = [1, 31, 32, 5000, 1 << 24];
    for (const r of refs) {
      x.swap(r, r, r + 1, out);
      expect([...out]).toEqual([0, 0]);
    }
    for (const r of refs) {
      x.swap(r, 7, 8, out);
      expect([...out]).toEqual([r, r + 1]);
    }
    x.apply(5000, 1, 1, out);
    expect([...out]).toEqual([6, 9]);
    x.reset();
    for (const r of refs) {
      x.swap(r, 1, 2, out);
      expect([...out]).toEqual([0, 0]);
    }
    x.apply(31, 3, 3, out);
    expect([...out]).toEqual([2, 1]);
  });
});
