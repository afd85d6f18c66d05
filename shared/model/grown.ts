/**
 * grown: growing the typed arrays that tables keep per id (refs, hashes, offsets, flags), so that
 * each table does not write its own grow-and-copy.
 */

/** A typed array that grown can copy. */
export type GrowableArray = Uint8Array | Int32Array | Uint32Array | Float64Array;

/** Capacity: the capacity after `cap` when at least `min` elements are needed. */
export type Capacity = (cap: number, min: number) => number;

/** doubling: twice the capacity, or `min` when that is more (grown's default). */
export const doubling: Capacity = (cap, min) => Math.max(min, cap * 2);

/** byHalf: half again the capacity, or `min` when that is more. */
export const byHalf: Capacity = (cap, min) => Math.max(min, cap + (cap >> 1));

/**
 * grown returns `a` when it holds at least `min` elements, else a new array of the same type with
 * `capacity(a.length, min)` elements (at least `min`) that starts with a copy of `a`, the rest 0.
 * The caller replaces its array by the result; `a` is not changed.
 */
export function grown<T extends GrowableArray>(a: T, min: number, capacity: Capacity = doubling): T {
  if (min <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(min, capacity(a.length, min)));
  next.set(a);
  return next;
}
