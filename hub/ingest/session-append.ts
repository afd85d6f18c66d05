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
import type { AppendResult, Appendable } from '../../shared/storage/interface.ts';
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
 * EdgeSeries: one connection's series as the hub stores them. Connection ref i maps to its label
 * set as the edge defined it, string ids into the connection's string table (the decoder's, kept
 * for the connection anyway), and to refs[i], the storage ref (0 until the first append). The ids
 * live in an arena of fixed-size chunks, the SERIES frames' defs words copied as they came:
 *
 *   chunks[at[i] >>> 14], from word at[i] & 0x3fff:  n │ name₀ value₀ … nameₙ₋₁ valueₙ₋₁
 *
 * The Labels of a series (external labels added) are built only when storage needs them: on the
 * first append, when storage no longer knows the ref, or when its appender has no appendRef.
 * For an HA replica, connection ref i maps to slots[i] of its cluster instead, which holds the
 * labels. Not shared.
 */
export class EdgeSeries {
  readonly #external: Labels;
  readonly #externalNames: Set<string>;
  readonly #member: ReplicaMember | null;
  #size = 0;
  #strings: readonly string[] = [];
  #chunks: Uint32Array[] = [];
  /** Words used in the last chunk. */
  #used = CHUNK_WORDS;
  /** Connection ref → where its ids start in the arena (chunk << 14 | word). */
  #at = new Uint32Array(0);
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

  /**
   * define adds the connection refs of a SERIES frame, [firstRef, firstRef + labels.length). A
   * series that carries one of the edge's external label names throws ProtocolError(PROTOCOL) and
   * adds nothing: an edge may not write into series that its external labels would not identify
   * as its own.
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
    } else {
      this.#strings = series.strings;
      this.#at = grown(this.#at, size);
      this.#refs = grown(this.#refs, size);
      const defs = series.defs;
      for (let i = 0, p = 0; i < count; i++) {
        const words = 1 + 2 * defs[p];
        if (this.#used + words > CHUNK_WORDS) {
          this.#chunks.push(new Uint32Array(CHUNK_WORDS));
          this.#used = 0;
        }
        const c = this.#chunks.length - 1;
        this.#chunks[c].set(defs.subarray(p, p + words), this.#used);
        this.#at[firstRef + i] = (c << CHUNK_BITS) | this.#used;
        this.#used += words;
        p += words;
      }
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
        storeRefs[r] = app.append(s, this.#labels(r), timestamps[i], values[i]);
      }
    } catch (err) {
      app.rollback();
      throw err;
    }
    const result = app.commit();
    const durable = result.durable ?? Promise.resolve();
    return { result, durable };
  }

  /** #labels builds the stored label set of connection ref `r`: its own labels and the external ones. */
  #labels(r: number): Labels {
    const at = this.#at[r];
    const words = this.#chunks[at >>> CHUNK_BITS];
    let p = at & (CHUNK_WORDS - 1);
    const flat: string[] = new Array(2 * words[p++]);
    for (let k = 0; k < flat.length; k++) flat[k] = this.#strings[words[p++]];
    return this.#withExternal(flat);
  }

  /** #withExternal: the label set `flat` (sorted) with the external labels added. */
  #withExternal(flat: readonly string[]): Labels {
    return this.#external.size ? merge(flat, this.#external.flat) : Labels.fromSortedFlat(flat);
  }
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
