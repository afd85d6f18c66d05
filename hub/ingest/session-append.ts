/**
 * The storage side of an ingest session: it turns the label sets an edge defines into the hub's
 * series (the edge's external labels added, a collision with them refused), and appends each
 * decoded batch to storage in one commit, remembering the storage refs so that later batches skip
 * the label lookup. What comes back is the commit's verdict and its durability promise. For an HA
 * replica (a ReplicaMember of hub/dedup) the replica label is left out of the stored series, and
 * the cluster decides per batch what is stored.
 */
import { Labels } from '../../shared/model/labels.ts';
import type { DecodedBatch } from '../../shared/protocol/index.ts';
import { CloseCode, ProtocolError } from '../../shared/protocol/index.ts';
import type { AppendResult, Appendable } from '../../shared/storage/interface.ts';
import type { ReplicaMember } from '../dedup/index.ts';

/** Committed: what storage said about one batch; `durable` settles when it survives a restart. */
export interface Committed {
  result: AppendResult;
  durable: Promise<void>;
}

/**
 * EdgeSeries: one connection's series as the hub stores them. Connection ref i maps to labels[i]
 * (with external labels: the object storage's label index keeps too, so it exists once) and
 * refs[i] (the storage ref, 0 until the first append); for an HA replica, to slots[i] of its
 * cluster instead, which holds the labels. Not shared.
 */
export class EdgeSeries {
  readonly #external: Labels;
  readonly #externalNames: Set<string>;
  readonly #member: ReplicaMember | null;
  #size = 0;
  #labels: Labels[] = [];
  #refs: number[] = [];
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
   * define adds connection refs [firstRef, firstRef + defined.length), the label sets of a SERIES
   * frame. A series that carries one of the edge's external label names throws
   * ProtocolError(PROTOCOL) and adds nothing: an edge may not write into series that its external
   * labels would not identify as its own.
   */
  define(firstRef: number, defined: readonly Labels[]): void {
    if (firstRef !== this.#size) throw new Error(`BUG: series ${firstRef} defined after ${this.#size}`);
    const count = defined.length;
    const fresh: Labels[] = [];
    for (const ls of defined) {
      if (this.#externalNames.size > 0) {
        for (let i = 0; i < ls.flat.length; i += 2) {
          if (this.#externalNames.has(ls.flat[i])) {
            throw new ProtocolError(CloseCode.PROTOCOL, `series ${ls} carries the external label ${ls.flat[i]}; it identifies the edge and may not be overwritten`);
          }
        }
      }
      fresh.push(this.#external.size ? merge(ls, this.#external) : ls);
    }
    const m = this.#member;
    if (m) {
      if (firstRef + count > this.#slots.length) {
        const slots = new Int32Array(Math.max(firstRef + count, this.#slots.length * 2));
        slots.set(this.#slots);
        this.#slots = slots;
      }
      for (let i = 0; i < count; i++) this.#slots[firstRef + i] = m.slot(fresh[i]);
    } else {
      for (const ls of fresh) {
        this.#labels.push(ls);
        this.#refs.push(0);
      }
    }
    this.#size += count;
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
    const labels = this.#labels, storeRefs = this.#refs;
    try {
      for (let i = 0; i < refs.length; i++) {
        const r = refs[i];
        storeRefs[r] = app.append(storeRefs[r], labels[r], timestamps[i], values[i]);
      }
    } catch (err) {
      app.rollback();
      throw err;
    }
    const result = app.commit();
    const durable = result.durable ?? Promise.resolve();
    return { result, durable };
  }
}

/** merge returns the union of two label sets with disjoint names, sorted by name. */
function merge(a: Labels, b: Labels): Labels {
  const x = a.flat, y = b.flat;
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
