/**
 * HubDecoder: the hub's side of one connection. It reads every frame an edge sends, enforces the
 * order (HELLO first, once) and the hub's limits, mirrors the edge's string, series, list and value
 * state, and turns each BATCH into columns of (series, timestamp, value). Every frame is checked
 * completely before any of it is applied: a frame that throws a ProtocolError leaves the decoder
 * exactly as it was, and hands over no samples.
 */
import { grown } from '../model/grown.ts';
import { Labels } from '../model/labels.ts';
import { InvalidLabelError, validateLabels } from '../model/validate.ts';
import { BitReader } from './bits.ts';
import { parseClose, parseHello, parseMetadata, parsePing, parseTargets } from './control.ts';
import { CloseCode, ProtocolError, malformed } from './errors.ts';
import {
  BatchKind,
  DEFAULT_LIMITS,
  FrameType,
  MAX_LABELS_PER_SERIES,
  MAX_SEQUENCE,
  MAX_TIMESTAMP_MS,
  TARGETS_SINCE_VERSION,
  type BatchKindValue,
  type Close,
  type Hello,
  type Limits,
  type MetricMetadata,
  type Ping,
  type TargetReport,
} from './frames.ts';
import { FieldReader, describe, unpackFrame } from './msgpack.ts';
import { SeriesState } from './series-state.ts';
import { TimestampCoder, decodeValue } from './value-codec.ts';

/**
 * DecodedBatch: one BATCH's samples as parallel columns; sample i is (refs[i], timestamps[i],
 * values[i]). `refs` are connection refs (the SERIES frames that defined them carried their labels); `hubRefs`, when the decoder has a
 * resolver, are the hub's own refs for the same series. `refs` may be shared with later batches:
 * do not mutate it. The other arrays belong to the caller.
 */
export interface DecodedBatch {
  seq: number;
  kind: BatchKindValue;
  /** The batch timestamp: every sample's for a scrape, the first sample's for a backfill. */
  t: number;
  refs: Uint32Array;
  hubRefs: Uint32Array | null;
  timestamps: Float64Array;
  values: Float64Array;
}

/**
 * SeriesDefinition: series firstRef … firstRef + labels.length - 1, defined by one SERIES frame.
 * `labels` are their label sets, checked; the decoder does not keep them. `defs` is the frame's
 * defs field as sent and checked (per series a label count n, then 2n ids into `strings`, name
 * and value alternating, sorted by name); the decoder does not keep it either. `strings` is the
 * connection's string table, read-only: later SERIES frames append to it and an id never changes
 * meaning on a connection, so a holder of `strings` can keep a label set as its ids.
 */
export interface SeriesDefinition {
  firstRef: number;
  labels: readonly Labels[];
  defs: Uint32Array;
  strings: readonly string[];
}

/** EdgeFrame: a decoded frame from an edge. */
export type EdgeFrame =
  | { type: 'hello'; hello: Hello }
  | ({ type: 'series' } & SeriesDefinition)
  | { type: 'batch'; batch: DecodedBatch }
  | { type: 'ping'; ping: Ping }
  | { type: 'pong'; pong: Ping }
  | { type: 'close'; close: Close }
  | { type: 'metadata'; metadata: MetricMetadata[] }
  | { type: 'targets'; targets: TargetReport[] };

/**
 * SeriesResolver maps a newly defined series to the hub's own ref for it (e.g. the TSDB's series
 * ref), an unsigned 32-bit integer. It is called once per series and connection, after the whole
 * SERIES frame has been checked. If it throws, nothing of the frame is applied and the error
 * propagates unchanged.
 */
export type SeriesResolver = (labels: Labels, connRef: number) => number;

/** HubDecoderOptions: the hub's limits (sent to the edge in WELCOME) and an optional resolver. */
export interface HubDecoderOptions {
  limits?: Partial<Limits>;
  resolveSeries?: SeriesResolver;
}

/** HubDecoder: one per connection, or `reset` between connections. Not for concurrent use. */
export class HubDecoder {
  readonly limits: Readonly<Limits>;
  readonly #resolve: SeriesResolver | undefined;
  #hello: Hello | null = null;
  #strings: string[] = [];
  #hubRefs = new Uint32Array(0);
  #state = new SeriesState();
  #lists: (Uint32Array | undefined)[] = [];
  #lastT = 0;
  #lastSeq = 0;
  // Undo log of the batch being decoded: each sample's series state before it was decoded.
  #undoPrev = new Float64Array(0);
  #undoMeta = new Uint8Array(0);

  constructor(options: HubDecoderOptions = {}) {
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
    this.#resolve = options.resolveSeries;
  }

  /** hello: the connection's HELLO, or null before it arrived. */
  get hello(): Hello | null {
    return this.#hello;
  }

  /** seriesCount: the number of series defined on this connection. */
  get seriesCount(): number {
    return this.#state.size;
  }

  /** lastSeq: the sequence of the last batch decoded on this connection (0: none yet). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** reset starts a new connection: every table empties. */
  reset(): void {
    this.#hello = null;
    this.#strings = [];
    this.#state.reset();
    this.#lists = [];
    this.#lastT = 0;
    this.#lastSeq = 0;
  }

  /**
   * decode reads one frame. It returns what the frame carried, or throws a ProtocolError (close
   * the connection with its code) having applied nothing of the frame.
   */
  decode(bytes: Uint8Array): EdgeFrame {
    const frame = unpackFrame(bytes, this.limits.maxFrameBytes);
    const type = frame[0];
    if (type === FrameType.HELLO) {
      if (this.#hello !== null) throw malformed('second HELLO frame on one connection');
      const hello = parseHello(frame);
      this.#hello = hello;
      return { type: 'hello', hello };
    }
    const name = frameName(type);
    if (this.#hello === null) throw malformed(`${name} frame before HELLO`);
    switch (type) {
      case FrameType.SERIES:
        return this.#series(frame);
      case FrameType.BATCH:
        return { type: 'batch', batch: this.#batch(frame) };
      case FrameType.PING:
        return { type: 'ping', ping: parsePing(frame, 'PING') };
      case FrameType.PONG:
        return { type: 'pong', pong: parsePing(frame, 'PONG') };
      case FrameType.CLOSE:
        return { type: 'close', close: parseClose(frame) };
      case FrameType.METADATA:
        return { type: 'metadata', metadata: parseMetadata(frame) };
      case FrameType.TARGETS:
        if (this.#hello.version < TARGETS_SINCE_VERSION) throw malformed(`TARGETS frame on a version ${this.#hello.version} connection (TARGETS needs version ${TARGETS_SINCE_VERSION})`);
        return { type: 'targets', targets: parseTargets(frame) };
      default:
        throw malformed(`unexpected ${name} frame from an edge`);
    }
  }

  #series(frame: unknown[]): EdgeFrame {
    const f = new FieldReader('SERIES', frame, ['firstRef', 'strings', 'defs']);
    const firstRef = f.uint(1, 'firstRef');
    if (firstRef !== this.#state.size) {
      throw f.fail('firstRef', `is ${firstRef}, but ${this.#state.size} series are defined: refs must be assigned in order`);
    }
    const added = f.strings(2, 'strings');
    const defs = f.u32s(3, 'defs');
    const strings = this.#strings;
    const total = strings.length + added.length;
    if (total > this.limits.maxStrings) {
      throw new ProtocolError(CloseCode.LIMIT, `string table full: ${total} strings exceed maxStrings ${this.limits.maxStrings}`);
    }
    const str = (id: number): string => (id < strings.length ? strings[id] : added[id - strings.length]);
    const fresh: Labels[] = [];
    let p = 0;
    while (p < defs.length) {
      const n = defs[p++];
      const which = `series ${firstRef + fresh.length}`;
      if (n < 1 || n > MAX_LABELS_PER_SERIES) throw f.fail('defs', `${which} has ${n} labels; want 1 to ${MAX_LABELS_PER_SERIES}`);
      if (p + 2 * n > defs.length) throw f.fail('defs', `${which} has ${n} labels but the array ends after ${defs.length - p} string ids`);
      const flat: string[] = new Array(2 * n);
      for (let k = 0; k < 2 * n; k++) {
        const id = defs[p++];
        if (id >= total) throw f.fail('defs', `${which} uses unknown string id ${id} (${total} defined)`);
        flat[k] = str(id);
      }
      const ls = Labels.fromSortedFlat(flat);
      try {
        validateLabels(ls);
      } catch (err) {
        if (err instanceof InvalidLabelError) throw f.fail('defs', `${which}: ${err.message}`);
        throw err;
      }
      fresh.push(ls);
    }
    if (fresh.length === 0) throw f.fail('defs', 'defines no series');
    const size = firstRef + fresh.length;
    if (size > this.limits.maxSeries) {
      throw new ProtocolError(CloseCode.LIMIT, `series table full: ${size} series exceed maxSeries ${this.limits.maxSeries}`);
    }
    let hubRefs: Uint32Array | null = null;
    if (this.#resolve) {
      hubRefs = new Uint32Array(fresh.length);
      for (let i = 0; i < fresh.length; i++) {
        const h = this.#resolve(fresh[i], firstRef + i);
        if (!Number.isInteger(h) || h < 0 || h > 0xffffffff) throw new Error(`BUG: series resolver returned ${h}, not a u32 ref`);
        hubRefs[i] = h;
      }
    }
    // Commit.
    for (const s of added) strings.push(s);
    this.#state.add(fresh.length);
    if (hubRefs) {
      this.#hubRefs = grown(this.#hubRefs, size);
      this.#hubRefs.set(hubRefs, firstRef);
    }
    return { type: 'series', firstRef, labels: fresh, defs, strings };
  }

  #batch(frame: unknown[]): DecodedBatch {
    const f = new FieldReader('BATCH', frame, ['seq', 'kind', 'tDelta', 'list', 'count', 'samples']);
    const seq = f.uint(1, 'seq', MAX_SEQUENCE);
    if (this.#lastSeq !== 0 ? seq !== this.#lastSeq + 1 : seq <= this.#hello!.resume) {
      throw f.fail('seq', this.#lastSeq !== 0 ? `${seq} does not follow ${this.#lastSeq}` : `${seq} is not after the resume position ${this.#hello!.resume}`);
    }
    const kind = f.uint(2, 'kind', 255);
    if (kind !== BatchKind.SCRAPE && kind !== BatchKind.BACKFILL) throw f.fail('kind', `is unknown (${kind})`);
    const t = this.#lastT + f.int(3, 'tDelta');
    if (!(Math.abs(t) <= MAX_TIMESTAMP_MS)) throw f.fail('tDelta', `gives timestamp ${t}, out of range`);

    // The series list: a known list id, or [id, refs] defining one.
    const maxLists = this.limits.maxLists;
    let refs: Uint32Array;
    let defineId = -1;
    const listField = frame[4];
    if (typeof listField === 'number') {
      const id = f.uint(4, 'list', maxLists - 1);
      const known = this.#lists[id];
      if (known === undefined) throw f.fail('list', `refers to unknown series list ${id}`);
      refs = known;
    } else if (Array.isArray(listField)) {
      const lf = new FieldReader('BATCH', [0, ...listField], ['list.id', 'list.refs']);
      defineId = lf.uint(1, 'list.id', maxLists - 1);
      refs = lf.u32s(2, 'list.refs');
      const n = this.#state.size;
      for (let i = 0; i < refs.length; i++) {
        if (refs[i] >= n) throw f.fail('list', `refers to unknown series ref ${refs[i]} (${n} defined)`);
      }
    } else {
      throw f.fail('list', `must be a list id or [id, refs], got ${describe(listField)}`);
    }
    const count = f.uint(5, 'count', this.limits.maxBatchSamples);
    if (count !== refs.length) throw f.fail('count', `is ${count} but the series list has ${refs.length} series`);
    if (count === 0) throw f.fail('count', 'is 0: a batch carries at least one sample');
    const samples = f.bytes(6, 'samples');
    if (samples.length * 8 < count) throw f.fail('samples', `has ${samples.length} bytes, too few for ${count} samples`);

    const timestamps = new Float64Array(count);
    const values = new Float64Array(count);
    this.#decodeSamples(kind, t, refs, samples, timestamps, values);

    // Commit.
    if (defineId >= 0) {
      while (this.#lists.length <= defineId) this.#lists.push(undefined);
      this.#lists[defineId] = refs;
    }
    this.#lastSeq = seq;
    this.#lastT = t;
    let hubRefs: Uint32Array | null = null;
    if (this.#resolve) {
      hubRefs = new Uint32Array(count);
      const table = this.#hubRefs;
      for (let i = 0; i < count; i++) hubRefs[i] = table[refs[i]];
    }
    return { seq, kind, t, refs, hubRefs, timestamps, values };
  }

  /** #decodeSamples fills the columns, or restores every series it touched and throws. */
  #decodeSamples(kind: number, t: number, refs: Uint32Array, samples: Uint8Array, ts: Float64Array, values: Float64Array): void {
    const count = refs.length;
    if (this.#undoPrev.length < count) {
      this.#undoPrev = new Float64Array(count);
      this.#undoMeta = new Uint8Array(3 * count);
    }
    const undoPrev = this.#undoPrev, undoMeta = this.#undoMeta, s = this.#state;
    const br = new BitReader(samples);
    let i = 0;
    try {
      if (kind === BatchKind.SCRAPE) {
        ts.fill(t);
        for (; i < count; i++) {
          const r = refs[i];
          undoPrev[i] = s.prev[r];
          undoMeta[3 * i] = s.width[r];
          undoMeta[3 * i + 1] = s.lead[r];
          undoMeta[3 * i + 2] = s.sig[r];
          values[i] = decodeValue(br, s, r);
        }
      } else {
        const tc = new TimestampCoder(t);
        for (; i < count; i++) {
          const r = refs[i];
          undoPrev[i] = s.prev[r];
          undoMeta[3 * i] = s.width[r];
          undoMeta[3 * i + 1] = s.lead[r];
          undoMeta[3 * i + 2] = s.sig[r];
          ts[i] = tc.decode(br);
          values[i] = decodeValue(br, s, r);
        }
      }
      br.finish();
    } catch (err) {
      // Restore in reverse, so that a series seen twice ends in its state before the batch.
      for (let k = Math.min(i, count - 1); k >= 0; k--) {
        const r = refs[k];
        s.prev[r] = undoPrev[k];
        s.width[r] = undoMeta[3 * k];
        s.lead[r] = undoMeta[3 * k + 1];
        s.sig[r] = undoMeta[3 * k + 2];
      }
      throw err;
    }
  }
}

const NAMES: Record<number, string> = {
  [FrameType.HELLO]: 'HELLO',
  [FrameType.WELCOME]: 'WELCOME',
  [FrameType.REFUSE]: 'REFUSE',
  [FrameType.SERIES]: 'SERIES',
  [FrameType.BATCH]: 'BATCH',
  [FrameType.ACK]: 'ACK',
  [FrameType.PING]: 'PING',
  [FrameType.PONG]: 'PONG',
  [FrameType.CLOSE]: 'CLOSE',
  [FrameType.METADATA]: 'METADATA',
  [FrameType.TARGETS]: 'TARGETS',
};

function frameName(type: unknown): string {
  if (typeof type === 'number' && NAMES[type] !== undefined) return NAMES[type];
  throw malformed(`unknown frame type ${describe(type)}`);
}
