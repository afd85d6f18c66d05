/**
 * Batch pools: the arrays of the batches the edge streams — each scrape's values and label sets,
 * and the backlog's series refs — reused from one scrape to the next instead of left to the
 * garbage collector (issue #6: at 100k series every scrape cycle dropped megabytes of them).
 * A batch's arrays outlive its commit: the backlog's WAL record holds them until its group commit
 * is written, the uplink's live queue until the batch is encoded. Whoever ends the last of those
 * lives gives the arrays back; an array the pool did not issue, or already has, is ignored, so
 * giving back is always safe. Arrays are matched by exact length (a target's scrape has the same
 * length from one scrape to the next); at most `maxFree` wait, the oldest lengths dropped first.
 * Not safe for concurrent use (one event loop).
 */
import type { Labels } from '../../shared/model/labels.ts';

export class ExactPool<T extends object & { readonly length: number }> {
  readonly #make: (n: number) => T;
  readonly #maxFree: number;
  /** Free arrays by length, lengths in the order they were first freed. */
  readonly #free = new Map<number, T[]>();
  #count = 0;
  /** Arrays handed out and not yet given back. */
  readonly #issued = new WeakSet<T>();

  constructor(make: (n: number) => T, maxFree: number) {
    this.#make = make;
    this.#maxFree = maxFree;
  }

  /** freeCount: arrays waiting for reuse. */
  get freeCount(): number {
    return this.#count;
  }

  /** take returns an array of exactly `n` elements, with stale contents: the caller fills it. */
  take(n: number): T {
    const list = this.#free.get(n);
    let a: T;
    if (list) {
      // Fast path: an array of this length came back.
      a = list.pop()!;
      if (list.length === 0) this.#free.delete(n);
      this.#count--;
    } else {
      a = this.#make(n);
    }
    this.#issued.add(a);
    return a;
  }

  /** give returns an array taken from this pool; anything else is ignored. The caller must not use it afterwards. */
  give(a: T): void {
    if (!this.#issued.delete(a)) return;
    if (this.#count >= this.#maxFree) {
      // Full: drop one of the oldest length's arrays.
      const [len, list] = this.#free.entries().next().value!;
      list.pop();
      if (list.length === 0) this.#free.delete(len);
      this.#count--;
    }
    const list = this.#free.get(a.length);
    if (list) list.push(a);
    else this.#free.set(a.length, [a]);
    this.#count++;
  }
}

/** MAX_FREE: arrays of each kind kept for reuse; more than the batches of a scrape cycle in flight. */
const MAX_FREE = 32;

/** f64s: values, timestamps and backlog refs. */
export const f64s = new ExactPool<Float64Array>((n) => new Float64Array(n), MAX_FREE);

/** labelArrays: the label sets of a batch, one per sample. */
export const labelArrays = new ExactPool<Labels[]>(newLabelArray, MAX_FREE);

/** newLabelArray: `new Array(n)` keeps fast elements only up to about 100k; larger ones are grown by push. */
function newLabelArray(n: number): Labels[] {
  if (n <= 1 << 16) return new Array<Labels>(n);
  const a: Labels[] = [];
  for (let i = 0; i < n; i++) a.push(undefined as unknown as Labels);
  return a;
}

/** copyF64 returns a pooled copy of `src`. NaN payloads (the staleness marker) keep their bits. */
export function copyF64(src: Float64Array): Float64Array {
  const out = f64s.take(src.length);
  out.set(src);
  return out;
}

/** copyLabels returns a pooled copy of `src[0, n)`. */
export function copyLabels(src: readonly Labels[], n: number): Labels[] {
  const out = labelArrays.take(n);
  for (let i = 0; i < n; i++) out[i] = src[i];
  return out;
}
