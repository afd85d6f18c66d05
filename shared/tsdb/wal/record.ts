/**
 * WAL records: what the TSDB writes ahead of applying it. A series record introduces series (a
 * numeric ref and its labels), written once per new series. A samples record carries one batch of
 * (ref, t, v) — usually one scrape, which shares one timestamp. A position record stores a named
 * sequence number (and optional bytes) for the streaming layer, such as the last acknowledged batch.
 * The byte layout is specified in docs/wal-format.md.
 */
import type { Labels } from '../../model/labels.ts';

/** Record type bytes as they appear in a frame header. 0 is never valid (zeroed disk blocks). */
export const RECORD_SERIES = 1;
export const RECORD_SAMPLES = 2;
export const RECORD_POSITION = 3;

/** SeriesEntry: one series introduced by a series record. */
export interface SeriesEntry {
  /** The series ref: an integer in [0, 2^52), unique for the life of the WAL. */
  readonly ref: number;
  readonly labels: Labels;
}

/** SeriesRecord introduces series; later samples refer to them by ref. */
export interface SeriesRecord {
  readonly type: 'series';
  readonly series: readonly SeriesEntry[];
}

/**
 * SamplesRecord: samples i = (refs[i], t or t[i], values[i]). `t` is one Unix-millisecond
 * timestamp shared by every sample (the scrape form) or one per sample. Timestamps are integers
 * within ±2^51, refs integers in [0, 2^52). Values are a Float64Array so that their exact bits, including NaN payloads such
 * as the staleness marker 0x7ff0000000000002, survive: plain arrays may canonicalise NaNs.
 * Decoded records carry Float64Arrays for refs and per-sample timestamps.
 */
export interface SamplesRecord {
  readonly type: 'samples';
  readonly t: number | ArrayLike<number>;
  readonly refs: ArrayLike<number>;
  readonly values: Float64Array;
}

/**
 * PositionRecord: a named sequence number, e.g. the uplink's last acknowledged batch. Replay
 * yields every one in order; a checkpoint keeps only the last one per name. `data` is opaque.
 */
export interface PositionRecord {
  readonly type: 'position';
  readonly name: string;
  /** A non-negative safe integer. */
  readonly seq: number;
  readonly data?: Uint8Array;
}

export type WALRecord = SeriesRecord | SamplesRecord | PositionRecord;

/** sampleCount: the number of samples a record carries (0 for other types). */
export function sampleCount(rec: WALRecord): number {
  return rec.type === 'samples' ? rec.refs.length : 0;
}
