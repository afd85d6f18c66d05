/**
 * Checkpoints: fold the oldest segments into a compact summary so the WAL does not grow without
 * bound. A checkpoint holds the series still alive, the samples newer than a time and the last
 * position per name, in the segment format, in a directory checkpoint.NNNNNNNN (NNNNNNNN = the
 * last segment it covers). It is written to a temporary directory, fsynced and renamed into place,
 * and only then are the segments and the older checkpoint it replaces removed; a crash at any
 * point leaves either the old or the new state, both complete. Series records are filtered as
 * bytes (a kept series' labels are copied, never decoded), and samples records are skipped
 * unread when no sample survives, so that a fold of many series allocates little.
 */
import { join } from 'node:path';
import type { WalFS } from './fs.ts';
import { ByteReader, ByteWriter, DecodeError } from './bytes.ts';
import { beginFrame, endFrame, FRAME_HEADER_SIZE, type Frame } from './frame.ts';
import { decodeRecord, readSeriesLabels, readSeriesRef } from './record-decode.ts';
import type { ValueEncoding } from './record-encode.ts';
import { RECORD_SAMPLES, RECORD_SERIES, type PositionRecord, type SamplesRecord, type WALRecord } from './record.ts';
import { wrap, type ReplaySource } from './replay.ts';
import { checkpointName, parseListing, readFrames, segmentPath } from './segment.ts';
import { SegmentWriter } from './writer.ts';
import type { XorState } from './xor-state.ts';

/** CheckpointStats: what a checkpoint kept and dropped. */
export interface CheckpointStats {
  /** The last segment the checkpoint covers; it is named checkpoint.<this>. */
  checkpoint: number;
  seriesKept: number;
  seriesDropped: number;
  samplesKept: number;
  samplesDropped: number;
  positions: number;
  /** Segment files and checkpoints removed after the checkpoint was in place. */
  removed: number;
}

/** CheckpointFilter: what survives. */
export interface CheckpointFilter {
  /** keepSeries: whether series `ref` (and its samples) is still alive. */
  keepSeries: (ref: number) => boolean;
  /** Samples at or before this time (Unix ms) are dropped; Infinity drops them all, unread. */
  keepSamplesAfter: number;
}

/**
 * The kept records are written in batches of at most FLUSH_RECORDS records or about FLUSH_BYTES
 * bytes, whichever comes first, so that the segment writer's buffer stays small however large the
 * records are (an uplink backlog's frames are whole scrape batches of tens of KiB: 512 of them
 * grew it to 16 MiB).
 */
const FLUSH_RECORDS = 512;
const FLUSH_BYTES = 1 << 20;

/** approxBytes: about what `r` takes encoded (a frame's own length; a samples record's from its count). */
function approxBytes(r: SamplesRecord | Uint8Array): number {
  return r instanceof Uint8Array ? r.length : 16 * r.refs.length;
}

/**
 * writeCheckpoint folds `src` (the previous checkpoint and the segments up to `upTo`) of `dir`
 * into checkpoint.<upTo> and removes what it replaces. Damage in the sources throws their
 * CorruptionError before anything is removed; any other failure is wrapped with context and also
 * leaves the previous state in place.
 */
export async function writeCheckpoint(
  fs: WalFS,
  dir: string,
  opts: { segmentSize: number; values: ValueEncoding },
  src: ReplaySource,
  upTo: number,
  filter: CheckpointFilter,
): Promise<CheckpointStats> {
  const stats: CheckpointStats = { checkpoint: upTo, seriesKept: 0, seriesDropped: 0, samplesKept: 0, samplesDropped: 0, positions: 0, removed: 0 };
  const final = join(dir, checkpointName(upTo));
  const tmp = `${final}.tmp`;
  await wrap(`create WAL checkpoint ${tmp}`, async () => {
    await fs.remove(tmp);
    await fs.mkdir(tmp);
  });

  const writer = new SegmentWriter(fs, tmp, { ...opts, durable: true }, -1);
  const positions = new Map<string, PositionRecord>();
  let pending: (WALRecord | Uint8Array)[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pending.length) await writer.write(pending, false);
    pending = [];
    pendingBytes = 0;
  };

  try {
    for (const [fileDir, n] of await sourceFiles(fs, dir, src)) {
      const path = segmentPath(fileDir, n);
      const buf = await wrap(`read WAL segment ${path}`, () => fs.readFile(path));
      const it = readFrames(path, n, buf, (frame, xor) => filterFrame(buf, frame, xor, filter, stats, positions));
      for (;;) {
        const r = it.next();
        if (r.done) {
          if (r.value.corruption) throw r.value.corruption;
          break;
        }
        if (r.value) {
          pending.push(r.value);
          pendingBytes += approxBytes(r.value);
        }
        if (pending.length >= FLUSH_RECORDS || pendingBytes >= FLUSH_BYTES) await flush();
      }
    }
    pending.push(...positions.values());
    stats.positions = positions.size;
    await flush();
    await writer.close();
    await wrap(`sync WAL checkpoint ${tmp}`, () => fs.syncDir(tmp));
    await wrap(`rename WAL checkpoint ${tmp}`, () => fs.rename(tmp, final));
    await wrap(`sync WAL directory ${dir}`, () => fs.syncDir(dir));
  } catch (err) {
    await writer.close().catch(() => undefined);
    await fs.remove(tmp).catch(() => undefined);
    throw err;
  }

  // The checkpoint is in place: what it replaces can go.
  await wrap(`remove WAL segments folded into ${final}`, async () => {
    for (const n of src.segments) await fs.remove(segmentPath(dir, n));
    if (src.checkpoint !== undefined) await fs.remove(join(dir, checkpointName(src.checkpoint)));
    await fs.syncDir(dir);
  });
  stats.removed = src.segments.length + (src.checkpoint !== undefined ? 1 : 0);
  return stats;
}

async function sourceFiles(fs: WalFS, dir: string, src: ReplaySource): Promise<[string, number][]> {
  const out: [string, number][] = [];
  if (src.checkpoint !== undefined) {
    const cpDir = join(dir, checkpointName(src.checkpoint));
    const names = await wrap(`list WAL checkpoint ${cpDir}`, () => fs.readdir(cpDir));
    for (const n of parseListing(names).segments) out.push([cpDir, n]);
  }
  for (const n of src.segments) out.push([dir, n]);
  return out;
}

/**
 * filterFrame returns what the checkpoint keeps of the frame buf[frame] (a record, a whole frame's
 * bytes, or nothing); position records are collected in `positions` instead. Throws DecodeError
 * on a malformed payload.
 */
function filterFrame(
  buf: Uint8Array,
  frame: Frame,
  xor: XorState,
  f: CheckpointFilter,
  stats: CheckpointStats,
  positions: Map<string, PositionRecord>,
): SamplesRecord | Uint8Array | undefined {
  if (frame.type === RECORD_SERIES) return filterSeries(buf, frame, f, stats);
  if (frame.type === RECORD_SAMPLES && f.keepSamplesAfter === Infinity) {
    // Fast path: every sample goes, so neither the values nor the XOR state are needed again.
    const r = new ByteReader(buf, frame.start, frame.end);
    r.u8();
    stats.samplesDropped += r.uvarint();
    return undefined;
  }
  const rec = decodeRecord(frame.type, buf, frame.start, frame.end, xor);
  if (rec.type === 'samples') return filterSamples(rec, f, stats);
  if (rec.type === 'position') {
    positions.delete(rec.name); // keep insertion order = order of the latest update
    positions.set(rec.name, rec);
  }
  return undefined;
}

/**
 * filterSeries filters a series record as bytes (docs/wal-format.md): the whole frame when every
 * series is kept, else a new frame of the kept entries, their refs delta-coded again and their
 * labels copied as they are. Nothing is decoded into strings; the entries are checked as replay
 * checks them (readSeriesLabels), sorted names included.
 */
function filterSeries(buf: Uint8Array, frame: Frame, f: CheckpointFilter, stats: CheckpointStats): Uint8Array | undefined {
  const r = new ByteReader(buf, frame.start, frame.end);
  const n = r.uvarint();
  if (n > r.remaining) throw new DecodeError(`series count ${n} exceeds the payload`);
  const at = r.pos;
  let kept = 0;
  for (let i = 0, ref = 0; i < n; i++) {
    ref = readSeriesRef(r, ref);
    readSeriesLabels(r, ref, null);
    if (f.keepSeries(ref)) kept++;
  }
  if (r.pos !== frame.end) throw new DecodeError(`${frame.end - r.pos} stray bytes after the record`);
  stats.seriesKept += kept;
  stats.seriesDropped += n - kept;
  if (kept === 0) return undefined;
  if (kept === n) return buf.subarray(frame.start - FRAME_HEADER_SIZE, frame.end);
  // Slow path: some series go; a second pass copies the others.
  const w = new ByteWriter(frame.end - frame.start + 16);
  const out = beginFrame(w, RECORD_SERIES);
  w.uvarint(kept);
  r.pos = at;
  for (let i = 0, ref = 0, last = 0; i < n; i++) {
    ref = readSeriesRef(r, ref);
    const from = r.pos;
    readSeriesLabels(r, ref, null);
    if (!f.keepSeries(ref)) continue;
    w.varint(ref - last);
    last = ref;
    w.bytes(buf.subarray(from, r.pos));
  }
  endFrame(w, out);
  return w.buf.subarray(0, w.len);
}

function filterSamples(rec: SamplesRecord, f: CheckpointFilter, stats: CheckpointStats): SamplesRecord | undefined {
  const { refs, values, t } = rec;
  const n = refs.length;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    const ti = typeof t === 'number' ? t : t[i];
    if (ti > f.keepSamplesAfter && f.keepSeries(refs[i])) keep.push(i);
  }
  stats.samplesKept += keep.length;
  stats.samplesDropped += n - keep.length;
  if (keep.length === n) return rec;
  if (keep.length === 0) return undefined;
  // Copy values as 32-bit words so NaN payloads keep their exact bits.
  const src = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const outValues = new Float64Array(keep.length);
  const dst = new Uint32Array(outValues.buffer);
  const outRefs = new Float64Array(keep.length);
  const outT = typeof t === 'number' ? t : new Float64Array(keep.length);
  for (let j = 0; j < keep.length; j++) {
    const i = keep[j];
    outRefs[j] = refs[i];
    dst[2 * j] = src[2 * i];
    dst[2 * j + 1] = src[2 * i + 1];
    if (typeof outT !== 'number') outT[j] = (t as ArrayLike<number>)[i];
  }
  return { type: 'samples', t: outT, refs: outRefs, values: outValues };
}
