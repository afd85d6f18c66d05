import { appendFileSync, cpSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptionError } from '../../../shared/tsdb/wal/errors.ts';
import { readFrame, SEGMENT_HEADER_SIZE, type Frame } from '../../../shared/tsdb/wal/frame.ts';
import type { WALRecord } from '../../../shared/tsdb/wal/record.ts';
import { expectSame, openReplay, samples, segmentFiles, series, tempDir } from './helpers.ts';

/** frameOffsets: where each frame of a segment file starts. */
function frameOffsets(path: string): number[] {
  const buf = readFileSync(path);
  const out: number[] = [];
  const f: Frame = { type: 0, start: 0, end: 0 };
  for (let off = SEGMENT_HEADER_SIZE; off < buf.length; off = f.end) {
    expect(readFrame(buf, off, f)).toBe('');
    out.push(off);
  }
  return out;
}

const batch = (k: number): WALRecord[] => [
  { type: 'position', name: 'acked', seq: k },
  samples(1000 * k, [1, 2, 3], [k, k * 0.5, -k]),
];

let root: { dir: string; cleanup: () => void };
let pristine: string;
let written: WALRecord[];

beforeAll(async () => {
  // Three segments: 00000000 and 00000001 full of batches, 00000002 the tail under test.
  root = tempDir();
  pristine = join(root.dir, 'pristine');
  written = [series(1, { __name__: 'a' }), series(2, { __name__: 'b' }), series(3, { __name__: 'c' })];
  const { wal } = await openReplay(pristine, { sync: 'never' });
  await wal.log(written);
  for (let k = 0; k < 30; k++) {
    await wal.log(batch(k));
    written.push(...batch(k));
    if (k % 10 === 9) await wal.cut();
  }
  await wal.close();
  expect(segmentFiles(pristine)).toEqual(['00000000', '00000001', '00000002']);
});
afterAll(() => root.cleanup());

let copies = 0;
function copy(): string {
  const d = join(root.dir, `copy${copies++}`);
  cpSync(pristine, d, { recursive: true });
  return d;
}

/** recordsBefore: the records of `written` that precede frame `index` of segment `seg`. */
function recordsBefore(seg: number, index: number): WALRecord[] {
  let n = 0;
  for (let s = 0; s < seg; s++) n += frameOffsets(join(pristine, segmentFiles(pristine)[s])).length;
  return written.slice(0, n + index);
}

describe('torn tail', () => {
  it('truncating the last record at every byte offset keeps all earlier records and names segment and offset', async () => {
    const last = join(pristine, '00000002');
    const offs = frameOffsets(last);
    const start = offs.at(-1)!;
    const size = statSync(last).size;
    const want = written.slice(0, -1);
    for (let cut = start; cut < size; cut++) {
      const d = copy();
      truncateSync(join(d, '00000002'), cut);
      const { wal, records, result } = await openReplay(d);
      expectSame(records, want);
      if (cut === start) {
        expect(result.corruptions).toEqual([]);
      } else {
        expect(result.corruptions).toHaveLength(1);
        const c = result.corruptions[0];
        expect(c).toBeInstanceOf(CorruptionError);
        expect([c.segment, c.offset]).toEqual([2, start]);
        expect(c.message).toMatch(/segment 2 .*00000002\) at byte offset \d+: torn/);
      }
      expect(statSync(join(d, '00000002')).size).toBe(start);
      // The repaired log takes new writes and replays cleanly.
      await wal.log(batch(99));
      await wal.close();
      const again = await openReplay(d);
      expect(again.result.corruptions).toEqual([]);
      expectSame(again.records, [...want, ...batch(99)]);
      await again.wal.close();
      rmSync(d, { recursive: true });
    }
  });

  it('a zero-filled tail is reported at its first byte and cut away', async () => {
    const d = copy();
    const path = join(d, '00000002');
    const size = statSync(path).size;
    appendFileSync(path, new Uint8Array(4096));
    const { wal, records, result } = await openReplay(d);
    expectSame(records, written);
    expect(result.corruptions.map((c) => [c.segment, c.offset, c.reason])).toEqual([[2, size, 'record type 0 (zeroed or unwritten space)']]);
    expect(statSync(path).size).toBe(size);
    await wal.close();
  });
});

describe('damage in the middle', () => {
  const cases: [string, (offs: number[]) => number, (offs: number[]) => { index: number; offset: number }][] = [
    ['payload byte of the 5th record', (o) => o[4] + 12, (o) => ({ index: 4, offset: o[4] })],
    ['length byte of the 7th record', (o) => o[6] + 2, (o) => ({ index: 6, offset: o[6] })],
    ['checksum byte of the first record', (o) => o[0] + 6, (o) => ({ index: 0, offset: o[0] })],
    ['segment header magic', () => 1, () => ({ index: 0, offset: 0 })],
  ];
  for (const [name, where, expected] of cases) {
    it(`${name} of segment 1: earlier records kept, later segments removed, damage reported`, async () => {
      const d = copy();
      const path = join(d, '00000001');
      const offs = frameOffsets(path);
      const buf = readFileSync(path);
      buf[where(offs)] ^= 0x5a;
      writeFileSync(path, buf);
      const { wal, records, result } = await openReplay(d);
      const { index, offset } = expected(offs);
      expectSame(records, recordsBefore(1, index));
      expect(result.corruptions.map((c) => [c.segment, c.offset])).toEqual([[1, offset]]);
      expect(segmentFiles(d)).toEqual(offset === 0 ? ['00000000'] : ['00000000', '00000001']);
      await wal.log(batch(77));
      await wal.close();
      const again = await openReplay(d);
      expect(again.result.corruptions).toEqual([]);
      expectSame(again.records, [...recordsBefore(1, index), ...batch(77)]);
      await again.wal.close();
    });
  }
});
