/**
 * The engine's working values. Every node is evaluated once over the whole step grid: an
 * instant vector is a set of rows, one per series, each holding one value per step with a
 * presence flag (column-wise over the grid, so a range query is not N instant queries). Scalars
 * are one value per step, strings one string, and range vectors (only ever returned by an instant
 * query's top level) keep their raw points.
 */
import type { Labels } from '../../model/labels.ts';
import { QueryExecutionError } from './errors.ts';

/** Grid: the evaluation times start, start + step, …, `steps` of them (ms). */
export interface Grid {
  readonly start: number;
  readonly step: number;
  readonly steps: number;
}

/** gridEnd: the last evaluation time of `g`. */
export function gridEnd(g: Grid): number {
  return g.start + (g.steps - 1) * g.step;
}

/**
 * Rows: an instant vector over a grid. Series i at step j is index i * steps + j of `values` and
 * `present`. `dropName[i]` marks series whose `__name__` is removed when the result is returned
 * (Prometheus 3's delayed name removal). `sampleTs`, where kept, is the time of the sample each
 * value came from (only selectors set it; `timestamp()` reads it).
 */
export class Rows {
  constructor(
    readonly steps: number,
    readonly labels: Labels[],
    readonly dropName: Uint8Array,
    readonly values: Float64Array,
    readonly present: Uint8Array,
    readonly sampleTs: Float64Array | null = null,
  ) {
    if (values.length !== labels.length * steps || present.length !== values.length) {
      throw new Error(`BUG: Rows of ${labels.length} series × ${steps} steps with ${values.length} values`);
    }
  }

  get count(): number {
    return this.labels.length;
  }

  /** empty: rows without series. */
  static empty(steps: number): Rows {
    return new Rows(steps, [], new Uint8Array(0), new Float64Array(0), new Uint8Array(0));
  }

  /**
   * columns lays the rows out as sample columns, the cells of grid `g`: present cells only, in
   * time order per series; row i owns [offsets[i], offsets[i + 1]) of ts (Unix ms) and vs.
   */
  columns(g: Grid): { offsets: Int32Array; ts: Float64Array; vs: Float64Array } {
    const n = this.presentCount();
    const offsets = new Int32Array(this.count + 1);
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < this.count; i++) {
      offsets[i] = k;
      const o = i * this.steps;
      for (let j = 0; j < this.steps; j++) {
        if (!this.present[o + j]) continue;
        ts[k] = g.start + j * g.step;
        vs[k] = this.values[o + j];
        k++;
      }
    }
    offsets[this.count] = k;
    return { offsets, ts, vs };
  }

  /** presentCount counts the cells that hold a value. */
  presentCount(): number {
    let n = 0;
    for (let k = 0; k < this.present.length; k++) n += this.present[k];
    return n;
  }

  /** withValues: the same series with new cells (labels and name flags shared). */
  withValues(values: Float64Array, present: Uint8Array, dropAll = false): Rows {
    return new Rows(this.steps, this.labels, dropAll ? new Uint8Array(this.count).fill(1) : this.dropName, values, present);
  }

  /** compact drops the series that have no value at any step. */
  compact(): Rows {
    const keep: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const o = i * this.steps;
      for (let j = 0; j < this.steps; j++) if (this.present[o + j]) {
        keep.push(i);
        break;
      }
    }
    if (keep.length === this.count) return this;
    return this.pick(keep);
  }

  /** pick: the rows at the given indexes, in that order. */
  pick(idx: readonly number[]): Rows {
    const s = this.steps;
    const values = new Float64Array(idx.length * s);
    const present = new Uint8Array(idx.length * s);
    const ts = this.sampleTs ? new Float64Array(idx.length * s) : null;
    const dropName = new Uint8Array(idx.length);
    const labels: Labels[] = new Array(idx.length);
    idx.forEach((i, n) => {
      labels[n] = this.labels[i];
      dropName[n] = this.dropName[i];
      values.set(this.values.subarray(i * s, i * s + s), n * s);
      present.set(this.present.subarray(i * s, i * s + s), n * s);
      if (ts) ts.set(this.sampleTs!.subarray(i * s, i * s + s), n * s);
    });
    return new Rows(s, labels, dropName, values, present, ts);
  }
}

/** SAME_LABELSET: Prometheus' message when two series of one result share their labels. */
export const SAME_LABELSET = 'vector cannot contain metrics with the same labelset';

/**
 * RowsBuilder collects output series by label set as an operation produces them step by step.
 * Two values for one label set at one step are an error (SAME_LABELSET, or `duplicateMessage`).
 * Not safe to share between evaluations.
 */
export class RowsBuilder {
  readonly steps: number;
  readonly #index = new Map<string, number>();
  readonly #labels: Labels[] = [];
  readonly #dropName: number[] = [];
  #values: Float64Array;
  #present: Uint8Array;
  readonly #duplicateMessage: string;

  constructor(steps: number, capacity = 8, duplicateMessage = SAME_LABELSET) {
    this.steps = steps;
    this.#values = new Float64Array(Math.max(1, capacity) * steps);
    this.#present = new Uint8Array(Math.max(1, capacity) * steps);
    this.#duplicateMessage = duplicateMessage;
  }

  get count(): number {
    return this.#labels.length;
  }

  /** row returns the row of `labels`, adding it (with `dropName`) when new. */
  row(labels: Labels, dropName: boolean): number {
    const key = labels.key();
    let r = this.#index.get(key);
    if (r !== undefined) {
      if (dropName) this.#dropName[r] = 1;
      return r;
    }
    r = this.#labels.length;
    this.#index.set(key, r);
    this.#labels.push(labels);
    this.#dropName.push(dropName ? 1 : 0);
    const need = (r + 1) * this.steps;
    if (need > this.#values.length) {
      const cap = Math.max(need, this.#values.length * 2);
      const v = new Float64Array(cap);
      v.set(this.#values);
      const p = new Uint8Array(cap);
      p.set(this.#present);
      this.#values = v;
      this.#present = p;
    }
    return r;
  }

  /** set stores the value of row r at step j; a second value there is an error. */
  set(r: number, j: number, v: number): void {
    const k = r * this.steps + j;
    if (this.#present[k]) throw new QueryExecutionError(this.#duplicateMessage);
    this.#present[k] = 1;
    this.#values[k] = v;
  }

  finish(): Rows {
    const n = this.#labels.length * this.steps;
    return new Rows(
      this.steps,
      this.#labels,
      Uint8Array.from(this.#dropName),
      this.#values.slice(0, n),
      this.#present.slice(0, n),
    );
  }
}

/** MatrixSeries: raw points of one series of a range vector. */
export interface MatrixSeries {
  labels: Labels;
  dropName: boolean;
  ts: Float64Array;
  vs: Float64Array;
}

/** EvalValue: what evaluating a node yields. */
export type EvalValue =
  | { kind: 'vector'; rows: Rows }
  | { kind: 'scalar'; values: Float64Array }
  | { kind: 'string'; value: string }
  | { kind: 'matrix'; series: MatrixSeries[] };
