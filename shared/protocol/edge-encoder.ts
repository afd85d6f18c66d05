/**
 * EdgeEncoder: the edge's side of one connection's stateful coding. It assigns connection refs to
 * series (sending each label set once, as SERIES frames over a connection-wide string table), names
 * each batch's series by a list id once the hub holds that list, codes values against each series'
 * previous value and timestamps against the previous batch, and returns the frames to send, in
 * order. It mirrors HubDecoder exactly; both start empty on every new connection. The caller names
 * series either by Labels (encodeScrape, encodeBackfill) or by numeric keys of its own with a
 * function that builds a key's labels when the series is first sent (encodeScrapeKeys,
 * encodeBackfillKeys: the edge's uplink, which keeps no Labels per series), one or the other on
 * a connection.
 */
import type { Labels } from '../model/labels.ts';
import { LabelSetTable } from '../model/label-set-table.ts';
import { NumberTable } from './number-table.ts';
import { BitWriter } from './bits.ts';
import { encodeHello } from './control.ts';
import { CloseCode, ProtocolError } from './errors.ts';
import {
  BatchKind,
  DEFAULT_LIMITS,
  FrameType,
  MAX_LABELS_PER_SERIES,
  MAX_SEQUENCE,
  MAX_TIMESTAMP_MS,
  type BatchKindValue,
  type Hello,
  type Limits,
  type Welcome,
} from './frames.ts';
import { packFrame } from './msgpack.ts';
import { SeriesLists } from './series-lists.ts';
import { SeriesState } from './series-state.ts';
import { TimestampCoder, encodeValue } from './value-codec.ts';

/** Bytes a sample can take at most in the bit stream: a new XOR window (80 bits), plus a timestamp escape (57 bits) in backfill. */
const MAX_SAMPLE_BYTES = { [BatchKind.SCRAPE]: 10, [BatchKind.BACKFILL]: 18 } as const;
/** Most series in one SERIES frame, so that definitions stream in frames of moderate size. */
const SERIES_PER_FRAME = 8192;

/** EdgeEncoderOptions: limits to honour until the hub's WELCOME replaces them. */
export interface EdgeEncoderOptions {
  limits?: Partial<Limits>;
}

/** Naming: how a connection's batches name their series (EdgeEncoder's two APIs). */
type Naming = 'labels' | 'keys';

/** LabelsOf: the labels of a series key, built when the series is first sent; undefined for an unknown key. */
export type LabelsOf = (key: number) => Labels | undefined;

/**
 * EdgeEncoder: one per connection (or `reset` between connections). Methods return fresh
 * Uint8Arrays the caller owns. A method that throws has changed nothing. Not for concurrent use.
 */
export class EdgeEncoder {
  #limits: Limits;
  /** The series defined on this connection: their keys, by connection ref + 1. */
  #series = new NumberTable();
  /** With the Labels API: the keys given to label sets (their ids here), and how to get them back. */
  #byLabels: LabelSetTable | null = null;
  readonly #labelsOfKey: LabelsOf = (key) => this.#byLabels?.labels(key);
  /** Which API names series on this connection, once one was used. */
  #naming: Naming | null = null;
  #strings = new Map<string, number>();
  #state = new SeriesState();
  #lists: SeriesLists;
  #bits = new BitWriter();
  /** Scratch: the connection refs of the batch being coded. */
  #refs = new Uint32Array(0);
  #lastT = 0;
  #lastSeq = 0;
  #resume = 0;

  constructor(options: EdgeEncoderOptions = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#lists = new SeriesLists(this.#limits.maxLists);
  }

  /** seriesCount: the number of series defined on this connection. */
  get seriesCount(): number {
    return this.#state.size;
  }

  /** limits: the limits in force. */
  get limits(): Readonly<Limits> {
    return this.#limits;
  }

  /** reset starts a new connection: every table empties; `limits` replaces the limits when given. */
  reset(limits?: Limits): void {
    if (limits) this.#limits = { ...limits };
    this.#series = new NumberTable();
    this.#byLabels = null;
    this.#naming = null;
    this.#strings.clear();
    this.#state.reset();
    this.#lists.reset(this.#limits.maxLists);
    this.#bits.clear();
    this.#lastT = 0;
    this.#lastSeq = 0;
    this.#resume = 0;
  }

  /**
   * hello resets the encoder for a new connection and returns the HELLO frame; `version` defaults
   * to PROTOCOL_VERSION (an edge falls back to an older one for a hub that refuses it).
   */
  hello(h: Omit<Hello, 'version'> & { version?: number }): Uint8Array {
    const frame = encodeHello(h);
    this.reset();
    this.#resume = h.resume;
    return frame;
  }

  /**
   * welcome applies the hub's WELCOME: its limits, and its `acked`, so that the first batch must
   * come after max(hello.resume, acked). It must come before the first batch, since the hub
   * enforces its limits from the start.
   */
  welcome(w: Pick<Welcome, 'acked' | 'limits'>): void {
    if (this.#state.size !== 0 || this.#lastSeq !== 0) throw new Error('BUG: EdgeEncoder.welcome after batches were encoded');
    const resume = Math.max(this.#resume, w.acked);
    this.reset(w.limits);
    this.#resume = resume;
  }

  /** nextSeq: the sequence number the next batch must carry at the earliest (exactly, after the first). */
  get nextSeq(): number {
    return (this.#lastSeq || this.#resume) + 1;
  }

  /**
   * encodeScrape codes one scrape: sample i is (series[i], t, values[i]). It returns the frames to
   * send in order: SERIES frames for label sets new on this connection, then one BATCH frame.
   * `seq` must be the previous batch's plus one (the first batch's: anything above hello.resume).
   * Throws ProtocolError(LIMIT) when the connection's tables are full (reconnect to start afresh),
   * and "BUG:" errors for arguments no caller should pass (a batch too large: split it first).
   */
  encodeScrape(seq: number, t: number, series: readonly Labels[], values: ArrayLike<number>): Uint8Array[] {
    checkTimestamp(t);
    return this.#encode(seq, BatchKind.SCRAPE, t, this.#keysOf(series), this.#labelsOfKey, 'labels', null, values);
  }

  /**
   * encodeScrapeKeys is encodeScrape for series named by numeric keys (integers in [0, 2^53)):
   * `labelsOf(key)` gives the labels of a key not yet defined on this connection, and must give
   * the same set for a key for the life of the connection. A key without labels is a "BUG:".
   */
  encodeScrapeKeys(seq: number, t: number, keys: ArrayLike<number>, values: ArrayLike<number>, labelsOf: LabelsOf): Uint8Array[] {
    checkTimestamp(t);
    return this.#encode(seq, BatchKind.SCRAPE, t, keys, labelsOf, 'keys', null, values);
  }

  /**
   * encodeBackfill codes samples with a timestamp each: sample i is (series[i], timestamps[i],
   * values[i]). A series may appear several times; keep each series' samples in time order and,
   * for the most compact coding, group them by series or by timestamp.
   */
  encodeBackfill(seq: number, series: readonly Labels[], timestamps: ArrayLike<number>, values: ArrayLike<number>): Uint8Array[] {
    return this.#backfill(seq, this.#keysOf(series), timestamps, values, this.#labelsOfKey, 'labels');
  }

  /** encodeBackfillKeys is encodeBackfill for series named by numeric keys (see encodeScrapeKeys). */
  encodeBackfillKeys(seq: number, keys: ArrayLike<number>, timestamps: ArrayLike<number>, values: ArrayLike<number>, labelsOf: LabelsOf): Uint8Array[] {
    return this.#backfill(seq, keys, timestamps, values, labelsOf, 'keys');
  }

  #backfill(seq: number, keys: ArrayLike<number>, timestamps: ArrayLike<number>, values: ArrayLike<number>, labelsOf: LabelsOf, naming: Naming): Uint8Array[] {
    if (timestamps.length !== keys.length) {
      throw new Error(`BUG: encodeBackfill got ${keys.length} series but ${timestamps.length} timestamps`);
    }
    for (let i = 0; i < timestamps.length; i++) checkTimestamp(timestamps[i]);
    return this.#encode(seq, BatchKind.BACKFILL, timestamps.length ? timestamps[0] : 0, keys, labelsOf, naming, timestamps, values);
  }

  /** #keysOf names label sets by keys of the Labels API: their ids in #byLabels, given on first sight. */
  #keysOf(series: readonly Labels[]): Float64Array {
    const table = (this.#byLabels ??= new LabelSetTable());
    const keys = new Float64Array(series.length);
    for (let i = 0; i < series.length; i++) {
      let id = table.get(series[i]);
      if (id === 0) table.add(series[i], (id = table.size + 1));
      keys[i] = id;
    }
    return keys;
  }

  #encode(
    seq: number,
    kind: BatchKindValue,
    t: number,
    keys: ArrayLike<number>,
    labelsOf: LabelsOf,
    naming: Naming,
    timestamps: ArrayLike<number> | null,
    values: ArrayLike<number>,
  ): Uint8Array[] {
    const count = keys.length;
    const limits = this.#limits;
    // Check everything before changing anything, so that a throw leaves the connection usable.
    if (values.length !== count) throw new Error(`BUG: batch has ${count} series but ${values.length} values`);
    if (count === 0) throw new Error('BUG: empty batch');
    if (count > limits.maxBatchSamples) {
      throw new Error(`BUG: batch of ${count} samples exceeds maxBatchSamples ${limits.maxBatchSamples}; split it`);
    }
    if (!Number.isSafeInteger(seq) || seq < 1 || seq > MAX_SEQUENCE) throw new Error(`BUG: sequence ${seq} is not an integer ≥ 1`);
    if (this.#lastSeq !== 0 ? seq !== this.#lastSeq + 1 : seq <= this.#resume) {
      throw new Error(`BUG: sequence ${seq} does not follow ${this.#lastSeq || `resume position ${this.#resume}`}`);
    }
    if (this.#naming !== null && this.#naming !== naming) throw new Error(`BUG: series named by ${naming} on a connection that names them by ${this.#naming}`);

    // Resolve connection refs; label sets new on this connection get the next refs (taken back
    // if a check below fails).
    if (this.#refs.length < count) this.#refs = new Uint32Array(Math.max(count, this.#refs.length * 2));
    const refs = this.#refs.subarray(0, count);
    const fresh: Labels[] = [];
    const table = this.#series, defined = this.#state.size;
    try {
      let newStrings = 0;
      const seenStrings = new Set<string>();
      for (let i = 0; i < count; i++) {
        const key = keys[i];
        let id = table.get(key);
        if (id === 0) {
          const ls = labelsOf(key);
          if (ls === undefined) throw new Error(`BUG: series ${i} (key ${key}) has no labels`);
          if (ls.size === 0 || ls.size > MAX_LABELS_PER_SERIES) {
            throw new Error(`BUG: series ${i} has ${ls.size} labels; want 1 to ${MAX_LABELS_PER_SERIES}`);
          }
          id = defined + fresh.length + 1;
          table.add(key, id);
          fresh.push(ls);
          for (const s of ls.flat) {
            if (!this.#strings.has(s) && !seenStrings.has(s)) {
              seenStrings.add(s);
              newStrings++;
            }
          }
        }
        refs[i] = id - 1;
      }
      if (defined + fresh.length > limits.maxSeries) {
        throw new ProtocolError(CloseCode.LIMIT, `series table full: ${defined} + ${fresh.length} new exceeds maxSeries ${limits.maxSeries}`);
      }
      if (this.#strings.size + newStrings > limits.maxStrings) {
        throw new ProtocolError(CloseCode.LIMIT, `string table full: ${this.#strings.size} + ${newStrings} new exceeds maxStrings ${limits.maxStrings}`);
      }
      const worst = 64 + count * MAX_SAMPLE_BYTES[kind] + 4 * count;
      if (worst > limits.maxFrameBytes) {
        throw new Error(`BUG: a batch of ${count} samples may exceed maxFrameBytes ${limits.maxFrameBytes}; split it`);
      }
    } catch (err) {
      for (let k = 0; k < fresh.length; k++) table.delete(defined + k + 1);
      throw err;
    }

    // Commit: series definitions, the list, then the samples.
    this.#naming = naming;
    const frames = this.#defineSeries(fresh);
    const list = this.#lists.choose(refs);
    const state = this.#state;
    const w = this.#bits;
    if (timestamps === null) {
      for (let i = 0; i < count; i++) encodeValue(w, state, refs[i], values[i]);
    } else {
      const tc = new TimestampCoder(t);
      for (let i = 0; i < count; i++) {
        tc.encode(w, timestamps[i]);
        encodeValue(w, state, refs[i], values[i]);
      }
    }
    const listField = list.define ? [list.id, refs] : list.id;
    // packFrame copies the bit stream into the frame: the writer's own bytes serve, cleared after.
    try {
      frames.push(packFrame([FrameType.BATCH, seq, kind, t - this.#lastT, listField, count, w.written()]));
    } finally {
      w.clear();
    }
    this.#lastT = t;
    this.#lastSeq = seq;
    return frames;
  }

  /**
   * #defineSeries assigns refs to `fresh` (in order) and returns the SERIES frames defining them,
   * each holding at most SERIES_PER_FRAME series and about half of maxFrameBytes.
   */
  #defineSeries(fresh: readonly Labels[]): Uint8Array[] {
    const frames: Uint8Array[] = [];
    const budget = this.#limits.maxFrameBytes >>> 1;
    let start = 0;
    while (start < fresh.length) {
      const firstRef = this.#state.size;
      const strings: string[] = [];
      const defs: number[] = [];
      let bytes = 16;
      let i = start;
      for (; i < fresh.length && i - start < SERIES_PER_FRAME; i++) {
        const flat = fresh[i].flat;
        let need = 4 + 4 * flat.length;
        for (const s of flat) if (!this.#strings.has(s)) need += 5 + 3 * s.length;
        if (i > start && bytes + need > budget) break;
        bytes += need;
        defs.push(flat.length >>> 1);
        for (const s of flat) {
          let id = this.#strings.get(s);
          if (id === undefined) {
            id = this.#strings.size;
            this.#strings.set(s, id);
            strings.push(s);
          }
          defs.push(id);
        }
      }
      this.#state.add(i - start);
      frames.push(packFrame([FrameType.SERIES, firstRef, strings, Uint32Array.from(defs)]));
      start = i;
    }
    return frames;
  }
}

function checkTimestamp(t: number): void {
  if (!Number.isInteger(t) || Math.abs(t) > MAX_TIMESTAMP_MS) {
    throw new Error(`BUG: timestamp ${t} is not an integer millisecond within ±${MAX_TIMESTAMP_MS}`);
  }
}
