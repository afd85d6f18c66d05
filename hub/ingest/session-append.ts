/**
 * The storage side of an ingest session: it turns the label sets an edge defines into the hub's
 * series (the edge's external labels added, a collision with them refused), and appends each
 * decoded batch to storage in one commit, remembering the storage refs so that later batches skip
 * the label lookup. What comes back is the commit's verdict and its durability promise. For an HA
 * replica (a ReplicaMember of hub/dedup) the replica label is left out of the stored series, and
 * the cluster decides per batch what is stored.
 */
import { grown } from '../../shared/model/grown.ts';
import { Labels } from '../../shared/model/labels.ts';
import type { DecodedBatch } from '../../shared/protocol/index.ts';
import type { SeriesDefinition } from '../../shared/protocol/hub-decoder.ts';
import { CloseCode, ProtocolError } from '../../shared/protocol/index.ts';
import type { AppendResult, Appendable, Storage } from '../../shared/storage/interface.ts';
import type { ReplicaMember } from '../dedup/index.ts';

/** Committed: what storage said about one batch; `durable` settles when it survives a restart. */
export interface Committed {
  result: AppendResult;
  durable: Promise<void>;
}

/** A series' ids never straddle two chunks of the arena: 2^14 words (64 KiB) each. */
const CHUNK_BITS = 14;
const CHUNK_WORDS = 1 << CHUNK_BITS;

/**
 * EdgeSeries: one connection's series as the hub stores them. Connection ref i maps to refs[i],
 * the storage ref (0 until the first append), and to its label set as the edge defined it. The
 * Labels of a series (external labels added) are built only when storage needs them: on the
 * first append, when storage no longer knows the ref, or when its appender has no appendRef.
 * Where the label sets come from:
 *
 * - a series defined since the last append: the SERIES frame that defined it, as decoded;
 * - after that append, when the storage gives labels by ref (Storage.seriesLabels, which keeps
 *   every ref it handed out resolvable) to an appender that appends by ref: the storage, which
 *   holds the same label sets; the connection keeps none (issue 6: they were about 50 bytes per
 *   series, and the arena's growth left holes in the malloc heap);
 * - else (another storage, or a series that was not appended): an arena of string ids into the
 *   connection's string table (the decoder's, kept for the connection anyway), the SERIES
 *   frames' defs words copied in fixed-size chunks:
 *
 *   chunks[at[i] - 1 >>> 14], from word at[i] - 1 & 0x3fff:  n │ name₀ value₀ … nameₙ₋₁ valueₙ₋₁
 *
 * For an HA replica, connection ref i maps to slots[i] of its cluster instead, which holds the
 * labels. Not shared.
 */
export class EdgeSeries {
  readonly #external: Labels;
  readonly #externalNames: Set<string>;
  readonly #member: ReplicaMember | null;
  #size = 0;
  /** The SERIES frames of refs #settled … #size − 1, in order: defined since the last append. */
  #pending: SeriesDefinition[] = [];
  #settled = 0;
  #strings: readonly string[] = [];
  #chunks: Uint32Array[] = [];
  /** Words used in the last chunk. */
  #used = CHUNK_WORDS;
  /** Connection ref → 1 + where its ids start in the arena (chunk << 14 | word); 0: not in it. */
  #at = new Uint32Array(0);
  /** Series in the arena. */
  #inArena = 0;
  #refs = new Float64Array(0);
  /** With a member: connection ref → cluster slot. */
  #slots = new Int32Array(0);

  /**
   * externalLabels: the edge's, flat and sorted. With `member`, series are stored with the
   * member's external labels (the replica label left out) and appended through its cluster.
   */
  constructor(externalLabels: readonly string[], member: ReplicaMember | null = null) {
    this.#member = member;
    this.#externalNames = new Set(externalLabels.filter((_, i) => i % 2 === 0));
    this.#external = Labels.fromSortedFlat(member ? member.external : externalLabels);
  }

  get size(): number {
    return this.#size;
  }

  /** held: the series whose label sets the connection holds itself (see the class comment). */
  get held(): number {
    return this.#size - this.#settled + this.#inArena;
  }

  /**
   * define adds the connection refs of a SERIES frame, [firstRef, firstRef + labels.length). A
   * series that carries one of the edge's external label names throws ProtocolError(PROTOCOL) and
   * adds nothing: an edge may not write into series that its external labels would not identify
   * as its own. The frame is kept until the next append.
   */
  define(series: SeriesDefinition): void {
    const { firstRef, labels: defined } = series;
    if (firstRef !== this.#size) throw new Error(`BUG: series ${firstRef} defined after ${this.#size}`);
    const count = defined.length;
    if (this.#externalNames.size > 0) {
      for (const ls of defined) {
        for (let i = 0; i < ls.flat.length; i += 2) {
          if (this.#externalNames.has(ls.flat[i])) {
            throw new ProtocolError(CloseCode.PROTOCOL, `series ${ls} carries the external label ${ls.flat[i]}; it identifies the edge and may not be overwritten`);
          }
        }
      }
    }
    const size = firstRef + count;
    const m = this.#member;
    if (m) {
      this.#slots = grown(this.#slots, size);
      for (let i = 0; i < count; i++) this.#slots[firstRef + i] = m.slot(this.#withExternal(defined[i].flat));
      this.#settled = size;
    } else {
      this.#strings = series.strings;
      this.#refs = grown(this.#refs, size);
      this.#pending.push(series);
    }
    this.#size = size;
  }

  /**
   * append writes `batch` to `storage` in one commit. Storage refusals (out of bounds, duplicate
   * timestamps) are in the result, not thrown; what the storage throws (closed, a bug) propagates
   * with nothing committed.
   */
  append(storage: Appendable, batch: DecodedBatch): Committed {
    if (this.#member) return this.#member.append(storage, this.#slots, batch.refs, batch.timestamps, batch.values);
    const app = storage.appender();
    const { refs, timestamps, values } = batch;
    const storeRefs = this.#refs;
    try {
      for (let i = 0; i < refs.length; i++) {
        const r = refs[i];
        const s = storeRefs[r];
        // Fast path: storage still knows the series by its ref, no labels needed.
        if (s !== 0 && app.appendRef?.(s, timestamps[i], values[i])) continue;
        storeRefs[r] = app.append(s, this.#labels(storage, r), timestamps[i], values[i]);
      }
    } catch (err) {
      app.rollback();
      throw err;
    }
    const result = app.commit();
    this.#settle(app.appendRef !== undefined && labelsByRef(storage) !== undefined);
    const durable = result.durable ?? Promise.resolve();
    return { result, durable };
  }

  /**
   * #settle lets the pending frames go. With `byRef` (see the class comment) the series that have
   * a storage ref are left to storage; the others, or all of them without it, are copied into
   * the arena.
   */
  #settle(byRef: boolean): void {
    for (const f of this.#pending) {
      const defs = f.defs;
      for (let i = 0, p = 0; i < f.labels.length; i++) {
        const words = 1 + 2 * defs[p];
        const r = f.firstRef + i;
        if (!byRef || this.#refs[r] === 0) this.#copy(r, defs.subarray(p, p + words));
        p += words;
      }
    }
    this.#pending = [];
    this.#settled = this.#size;
  }

  /** #copy puts the defs words of connection ref `r` into the arena. */
  #copy(r: number, words: Uint32Array): void {
    if (this.#used + words.length > CHUNK_WORDS) {
      this.#chunks.push(new Uint32Array(CHUNK_WORDS));
      this.#used = 0;
    }
    const c = this.#chunks.length - 1;
    this.#chunks[c].set(words, this.#used);
    this.#at = grown(this.#at, r + 1);
    this.#at[r] = 1 + ((c << CHUNK_BITS) | this.#used);
    this.#used += words.length;
    this.#inArena++;
  }

  /**
   * #labels builds the stored label set of connection ref `r`, its own labels and the external
   * ones, from where the class comment says it is.
   */
  #labels(storage: Appendable, r: number): Labels {
    if (r >= this.#settled) return this.#withExternal(this.#pendingLabels(r).flat);
    if (r < this.#at.length && this.#at[r] !== 0) {
      const at = this.#at[r] - 1;
      const words = this.#chunks[at >>> CHUNK_BITS];
      let p = at & (CHUNK_WORDS - 1);
      const flat: string[] = new Array(2 * words[p++]);
      for (let k = 0; k < flat.length; k++) flat[k] = this.#strings[words[p++]];
      return this.#withExternal(flat);
    }
    const ref = this.#refs[r];
    const labels = labelsByRef(storage)?.call(storage, ref);
    if (!labels) throw new Error(`BUG: storage no longer resolves series ref ${ref}, which it handed out (connection ref ${r})`);
    return labels;
  }

  /** #pendingLabels: the labels (as the edge sent them) of connection ref `r`, defined since the last append. */
  #pendingLabels(r: number): Labels {
    const frames = this.#pending;
    let lo = 0, hi = frames.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (frames[mid].firstRef <= r) lo = mid;
      else hi = mid - 1;
    }
    return frames[lo].labels[r - frames[lo].firstRef];
  }

  /** #withExternal: the label set `flat` (sorted) with the external labels added. */
  #withExternal(flat: readonly string[]): Labels {
    return this.#external.size ? merge(flat, this.#external.flat) : Labels.fromSortedFlat(flat);
  }
}

/** labelsByRef: the storage's seriesLabels when it has one (Storage.seriesLabels), else undefined. */
function labelsByRef(storage: Appendable): Storage['seriesLabels'] {
  return (storage as Partial<Storage>).seriesLabels;
}

/** merge returns the union of two flat label sets with disjoint names, sorted by name. */
function merge(x: readonly string[], y: readonly string[]): Labels {
  const out: string[] = new Array(x.length + y.length);
  let i = 0, j = 0, k = 0;
  while (i < x.length || j < y.length) {
    if (j >= y.length || (i < x.length && x[i] < y[j])) {
      out[k++] = x[i++];
      out[k++] = x[i++];
    } else {
      out[k++] = y[j++];
      out[k++] = y[j++];
    }
  }
  return Labels.fromSortedFlat(out);
}
