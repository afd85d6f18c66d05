import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../support/temp-dirs.ts';
import type { WALRecord } from '../../../shared/tsdb/wal/record.ts';
import { expectSame, FaultyFS, openReplay, samples, segmentFiles, series } from './helpers.ts';

const dir = tempDirs('outpost-wal-');

const batch = (k: number): WALRecord[] => [samples(k * 1000, [1, 2], [k, k + 0.5])];

describe('write faults leave the WAL consistent', () => {
  // [name, fault, expected error, segment size, cut to a fresh segment before the fault]
  const cases: [string, (fs: FaultyFS) => void, RegExp, number, boolean][] = [
    ['disk full mid-write', (fs) => (fs.failWrite = { code: 'ENOSPC', partial: 7 }), /^write WAL segment 0000000[01]: ENOSPC: no space left on device/, 1 << 20, false],
    ['disk full in a new segment', (fs) => (fs.failWrite = { code: 'ENOSPC', partial: 9 }), /^write WAL segment 0000000[12]: ENOSPC/, 1 << 20, true],
    ['disk full across a segment cut', (fs) => (fs.failWrite = { code: 'ENOSPC', partial: 3 }), /^write WAL segment 0000000\d: ENOSPC/, 96, false],
    ['permission denied creating a segment', (fs) => (fs.failCreate = 'EACCES'), /^create WAL segment 0000000[12]: EACCES: permission denied/, 1 << 20, true],
    ['fsync failure', (fs) => (fs.failSync = 'EIO'), /^fsync WAL segment 0000000[01]: EIO/, 1 << 20, false],
  ];
  for (const [name, inject, want, segmentSize, cutFirst] of cases) {
    it(`${name}: the caller gets a clear error, nothing is half-written, later writes succeed`, async () => {
      const d = dir();
      const fs = new FaultyFS();
      const { wal } = await openReplay(d, { fs, sync: 'always', segmentSize });
      const ok: WALRecord[] = [series(1, { __name__: 'a' }), series(2, { __name__: 'b' })];
      await wal.log(ok);
      for (let k = 0; k < 3; k++) {
        await wal.log(batch(k));
        ok.push(...batch(k));
      }
      if (cutFirst) await wal.cut();
      inject(fs);
      // A failing group: two concurrent callers, enough bytes to cross a segment boundary.
      const failing = [wal.log([...batch(100), ...batch(101)]), wal.log(batch(102))];
      const errs = await Promise.all(failing.map((p) => p.then(() => new Error('resolved'), (e: Error) => e)));
      for (const err of errs) expect(err.message).toMatch(want);
      const err = errs[0];
      expect((err as Error).cause).toMatchObject({ code: expect.stringMatching(/ENOSPC|EACCES|EIO/) });
      fs.failWrite = fs.failCreate = fs.failSync = undefined;
      for (let k = 3; k < 6; k++) {
        await wal.log(batch(k));
        ok.push(...batch(k));
      }
      await wal.close();
      const again = await openReplay(d);
      expect(again.result.corruptions).toEqual([]);
      expectSame(again.records, ok);
      await again.wal.close();
    });
  }

  it('a read-only directory refuses the first write with EACCES (skipped as root)', async () => {
    if (process.getuid?.() === 0) return; // root ignores directory permissions; covered by injection above
    const d = join(dir(), 'ro');
    mkdirSync(d);
    chmodSync(d, 0o555);
    try {
      const { wal } = await openReplay(d);
      await expect(wal.log(batch(1))).rejects.toThrow(/create WAL segment 00000000: EACCES/);
      await wal.close();
      expect(segmentFiles(d)).toEqual([]);
    } finally {
      chmodSync(d, 0o755);
    }
  });
});
