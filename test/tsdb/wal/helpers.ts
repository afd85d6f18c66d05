/**
 * Test helpers for the WAL suites: temp directories, record builders with exact value bits,
 * collecting a replay, and comparing records bit for bit.
 */
import { readdirSync } from 'node:fs';
import { tempDir as makeTempDir } from '../../support/temp-dirs.ts';
import { expect } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import type { SamplesRecord, WALRecord } from '../../../shared/tsdb/wal/record.ts';
import { WAL, type WALOptions } from '../../../shared/tsdb/wal/wal.ts';
import type { ReplayResult } from '../../../shared/tsdb/wal/replay.ts';
import { nodeFS, type WalFile, type WalFS } from '../../../shared/tsdb/wal/fs.ts';

/** tempDir makes a fresh directory for these tests; cleanup() removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  return makeTempDir('outpost-wal-');
}

/** bitsToFloat: a Float64Array whose elements have exactly the given 64-bit patterns. */
export function fromBits(bits: readonly bigint[]): Float64Array {
  return new Float64Array(new BigUint64Array(bits).buffer);
}

/** bitsOf: the exact 64-bit patterns of a Float64Array. */
export function bitsOf(values: Float64Array): bigint[] {
  return [...new BigUint64Array(values.buffer, values.byteOffset, values.length)];
}

export const STALE_NAN = 0x7ff0000000000002n;

export function series(ref: number, obj: Record<string, string>): WALRecord {
  return { type: 'series', series: [{ ref, labels: Labels.from(obj) }] };
}

export function samples(t: number, refs: number[], values: number[] | Float64Array): SamplesRecord {
  return { type: 'samples', t, refs, values: values instanceof Float64Array ? values : Float64Array.from(values) };
}

/** plain turns records into comparable data: typed arrays to arrays, values to bit patterns. */
export function plain(rec: WALRecord): unknown {
  switch (rec.type) {
    case 'series':
      return { type: 'series', series: rec.series.map((s) => ({ ref: s.ref, labels: s.labels.flat })) };
    case 'samples':
      return {
        type: 'samples',
        t: typeof rec.t === 'number' ? rec.t : Array.from(rec.t),
        refs: Array.from(rec.refs),
        values: bitsOf(rec.values).map((b) => b.toString(16)),
      };
    case 'position':
      return { type: 'position', name: rec.name, seq: rec.seq, data: Array.from(rec.data ?? []) };
  }
}

/** expectSame compares record lists bit for bit. */
export function expectSame(got: readonly WALRecord[], want: readonly WALRecord[]): void {
  expect(got.map(plain)).toEqual(want.map(plain));
}

/** openReplay opens `dir` and replays it, returning the WAL, its records and the summary. */
export async function openReplay(dir: string, opts: WALOptions = {}): Promise<{ wal: WAL; records: WALRecord[]; result: ReplayResult }> {
  const wal = await WAL.open(dir, { log: () => undefined, ...opts });
  const records: WALRecord[] = [];
  const result = await wal.replay((r) => records.push(r));
  return { wal, records, result };
}

/**
 * FaultyFS wraps the real file system and counts operations; `failWrite`, `failCreate` and
 * `failSync` make the next matching calls fail with the given errno code. A failing write first
 * writes `partial` bytes of its data, as a disk filling mid-write does.
 */
export class FaultyFS implements WalFS {
  writes = 0;
  /** The largest single write so far, bytes. */
  maxWrite = 0;
  syncs = 0;
  creates = 0;
  failWrite: { code: string; partial: number } | undefined;
  failCreate: string | undefined;
  failSync: string | undefined;

  create = async (path: string): Promise<WalFile> => {
    this.creates++;
    if (this.failCreate) throw errno(this.failCreate, 'open', path);
    const inner = await nodeFS.create(path);
    return {
      write: async (data, position) => {
        this.writes++;
        this.maxWrite = Math.max(this.maxWrite, data.length);
        const f = this.failWrite;
        if (f) {
          await inner.write(data.subarray(0, Math.min(f.partial, data.length)), position);
          throw errno(f.code, 'write', path);
        }
        return inner.write(data, position);
      },
      sync: async () => {
        this.syncs++;
        if (this.failSync) throw errno(this.failSync, 'fsync', path);
        return inner.sync();
      },
      truncate: (n) => inner.truncate(n),
      close: () => inner.close(),
    };
  };
  readFile = nodeFS.readFile;
  truncate = nodeFS.truncate;
  readdir = nodeFS.readdir;
  mkdir = nodeFS.mkdir;
  rename = nodeFS.rename;
  remove = nodeFS.remove;
  syncDir = nodeFS.syncDir;
}

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = { ENOSPC: 'no space left on device', EACCES: 'permission denied', EIO: 'i/o error' };
  const err: NodeJS.ErrnoException = new Error(`${code}: ${messages[code] ?? 'failed'}, ${syscall} '${path}'`);
  err.code = code;
  err.syscall = syscall;
  return err;
}

/** segmentFiles lists the numbered segment files of a directory, sorted. */
export function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^\d{8}$/.test(n)).sort();
}
