/**
 * Replay: reads a WAL directory's records in order — the newest checkpoint's segments first, then
 * the segments after it — and repairs damage as it finds it. Damage in a segment truncates that
 * segment at its last intact record and removes every later segment; damage in a checkpoint
 * truncates the checkpoint there and replay goes on with the segments. Each damage is reported
 * as a CorruptionError, never thrown.
 */
import { join } from 'node:path';
import type { CorruptionError } from './errors.ts';
import type { WalFS } from './fs.ts';
import type { WALRecord } from './record.ts';
import { checkpointName, parseListing, readSegment, segmentName, segmentPath, type SegmentEnd } from './segment.ts';

/** ReplayResult: what a replay read. */
export interface ReplayResult {
  /** Records yielded, from the checkpoint and the segments. */
  records: number;
  /** Samples in those records. */
  samples: number;
  /** Segment files read (checkpoint files included). */
  files: number;
  /** Damage found and repaired, in the order found. */
  corruptions: CorruptionError[];
  /** The highest segment number left on disk, or (first segment - 1) when there is none. */
  last: number;
}

/** ReplaySource: the checkpoint (if any) and the segment numbers after it, ascending. */
export interface ReplaySource {
  checkpoint: number | undefined;
  segments: number[];
  /** The number the first segment has or would have (checkpoint + 1 when there is none yet). */
  first: number;
}

/**
 * replayDir yields every record of `src` in `dir` in order and returns a summary. Corruption is
 * repaired on disk and passed to `report` before the generator ends. Failing reads throw with
 * the file named. Abandoning the generator early leaves the files as they were.
 */
export async function* replayDir(
  fs: WalFS,
  dir: string,
  src: ReplaySource,
  report: (err: CorruptionError) => void,
): AsyncGenerator<WALRecord, ReplayResult, undefined> {
  const result: ReplayResult = { records: 0, samples: 0, files: 0, corruptions: [], last: src.first - 1 };
  const found = (err: CorruptionError): void => {
    result.corruptions.push(err);
    report(err);
  };

  if (src.checkpoint !== undefined) {
    const cpDir = join(dir, checkpointName(src.checkpoint));
    const files = parseListing(await wrap(`list WAL checkpoint ${cpDir}`, () => fs.readdir(cpDir))).segments;
    for (let i = 0; i < files.length; i++) {
      const end = yield* readFile(fs, cpDir, files[i], result);
      if (end.corruption) {
        found(end.corruption);
        await repair(fs, cpDir, files[i], end.end, files.slice(i + 1));
        break;
      }
    }
  }

  for (let i = 0; i < src.segments.length; i++) {
    const n = src.segments[i];
    const end = yield* readFile(fs, dir, n, result);
    result.last = n;
    if (end.corruption) {
      found(end.corruption);
      const later = src.segments.slice(i + 1);
      await repair(fs, dir, n, end.end, later);
      if (end.end === 0) result.last = n - 1;
      break;
    }
  }
  return result;
}

async function* readFile(fs: WalFS, dir: string, n: number, result: ReplayResult): AsyncGenerator<WALRecord, SegmentEnd, undefined> {
  const path = segmentPath(dir, n);
  const buf = await wrap(`read WAL segment ${path}`, () => fs.readFile(path));
  result.files++;
  const it = readSegment(path, n, buf);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
    result.records++;
    if (r.value.type === 'samples') result.samples += r.value.refs.length;
    yield r.value;
  }
}

/** repair cuts segment `n` of `dir` back to `end` bytes (removing it when nothing is left) and removes `later`. */
async function repair(fs: WalFS, dir: string, n: number, end: number, later: readonly number[]): Promise<void> {
  const what = `repair WAL segment ${segmentName(n)} in ${dir}`;
  await wrap(what, async () => {
    for (let i = later.length - 1; i >= 0; i--) await fs.remove(segmentPath(dir, later[i]));
    if (end === 0) await fs.remove(segmentPath(dir, n));
    else await fs.truncate(segmentPath(dir, n), end);
    await fs.syncDir(dir);
  });
}

/** wrap runs `fn`, prefixing any failure with `what` and keeping it as the cause. */
export async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
  }
}
