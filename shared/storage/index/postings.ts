/**
 * Postings: sorted lists of series refs, the label index's unit of work. A list is a Uint32Array
 * in ascending order without repeats; the set operations here take and return such arrays, never
 * modify their inputs, and may return one of their inputs unchanged (so callers must not modify
 * results either). PostingsList is the growable form the index keeps per label pair.
 */

/** EMPTY: the empty postings list. */
export const EMPTY = new Uint32Array(0);

/**
 * PostingsList: a growable sorted ref list. Appending a ref larger than the last is amortized
 * O(1) (the common case: refs are handed out in increasing order); a smaller ref is inserted in
 * place. Not safe for concurrent use.
 */
export class PostingsList {
  #buf: Uint32Array;
  #len = 0;

  constructor(capacity = 4) {
    this.#buf = new Uint32Array(capacity);
  }

  /** PostingsList.of builds a list from a sorted array of refs (copied). */
  static of(refs: ArrayLike<number>): PostingsList {
    const p = new PostingsList(Math.max(4, refs.length));
    for (let i = 0; i < refs.length; i++) p.add(refs[i]);
    return p;
  }

  get length(): number {
    return this.#len;
  }

  /** last: the largest ref, or 0 when empty. */
  get last(): number {
    return this.#len === 0 ? 0 : this.#buf[this.#len - 1];
  }

  /** add inserts `ref`, keeping order; a ref already present is ignored. */
  add(ref: number): void {
    const n = this.#len;
    if (n === this.#buf.length) this.#grow();
    if (n === 0 || this.#buf[n - 1] < ref) {
      this.#buf[n] = ref; // fast path: appended in order
      this.#len = n + 1;
      return;
    }
    const at = lowerBound(this.#buf, ref, 0, n);
    if (this.#buf[at] === ref) return;
    this.#buf.copyWithin(at + 1, at, n);
    this.#buf[at] = ref;
    this.#len = n + 1;
  }

  /** removeWhere drops every ref for which `drop(ref)` is true; returns how many were dropped. */
  removeWhere(drop: (ref: number) => boolean): number {
    const b = this.#buf;
    let w = 0;
    for (let r = 0; r < this.#len; r++) if (!drop(b[r])) b[w++] = b[r];
    const dropped = this.#len - w;
    this.#len = w;
    if (w * 4 < b.length && b.length > 16) this.#buf = b.slice(0, Math.max(4, w * 2));
    return dropped;
  }

  /** view returns the refs as a view over the list's buffer: valid until the next change. */
  view(): Uint32Array {
    return this.#buf.subarray(0, this.#len);
  }

  /** bytes: memory held by the buffer. */
  get bytes(): number {
    return this.#buf.byteLength;
  }

  #grow(): void {
    const next = new Uint32Array(Math.max(4, this.#buf.length + (this.#buf.length >> 1) + 1));
    next.set(this.#buf);
    this.#buf = next;
  }
}

/** lowerBound: the first index in [from, to) whose value is >= x (to when none). */
export function lowerBound(a: Uint32Array, x: number, from = 0, to = a.length): number {
  let lo = from, hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** intersect returns the refs present in every list; an empty `lists` gives EMPTY. */
export function intersect(lists: readonly Uint32Array[]): Uint32Array {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0];
  const sorted = [...lists].sort((a, b) => a.length - b.length);
  let acc = sorted[0];
  for (let i = 1; i < sorted.length && acc.length > 0; i++) acc = intersect2(acc, sorted[i]);
  return acc;
}

function intersect2(small: Uint32Array, big: Uint32Array): Uint32Array {
  const out = new Uint32Array(small.length);
  let n = 0;
  if (small.length * 16 < big.length) {
    // Skewed sizes: binary-search each ref of the small list, moving the lower bound forward.
    let from = 0;
    for (let i = 0; i < small.length; i++) {
      from = lowerBound(big, small[i], from);
      if (from === big.length) break;
      if (big[from] === small[i]) out[n++] = small[i];
    }
  } else {
    let i = 0, j = 0;
    while (i < small.length && j < big.length) {
      const a = small[i], b = big[j];
      if (a === b) { out[n++] = a; i++; j++; }
      else if (a < b) i++;
      else j++;
    }
  }
  return n === out.length ? out : out.slice(0, n);
}

/** union returns the refs present in any list, sorted and without repeats. */
export function union(lists: readonly Uint32Array[]): Uint32Array {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0];
  if (lists.length === 2) return union2(lists[0], lists[1]);
  return unionMany(NO_REFS, lists);
}

/** unionRefs: like union, over single refs and lists mixed (the index stores lone refs inline). */
export function unionRefs(singles: readonly number[], lists: readonly Uint32Array[]): Uint32Array {
  if (singles.length === 0) return union(lists);
  if (lists.length === 0 && singles.length === 1) return Uint32Array.of(singles[0]);
  return unionMany(singles, lists);
}

const NO_REFS: readonly number[] = [];

/**
 * unionMany unions many lists (a regex matcher's values, each with its postings). When the refs
 * are dense below the largest of them (at least one per 64 refs from 0), they are set as bits of
 * a bitmap over [0, largest] and read back in order: linear in refs and range. Otherwise they are
 * concatenated and sorted natively, which beats a JavaScript heap merge.
 */
function unionMany(singles: readonly number[], lists: readonly Uint32Array[]): Uint32Array {
  let total = singles.length;
  let max = 0;
  for (const r of singles) if (r > max) max = r;
  for (const l of lists) {
    total += l.length;
    if (l.length > 0 && l[l.length - 1] > max) max = l[l.length - 1];
  }
  if (max / 32 <= total * 2) return unionBitmap(singles, lists, total, max);
  const all = new Uint32Array(total);
  all.set(singles);
  let at = singles.length;
  for (const l of lists) { all.set(l, at); at += l.length; }
  all.sort();
  return dedupeSorted(all);
}

/** unionBitmap: unionMany through a bitmap of refs [0, max]; `total` bounds the result's length. */
function unionBitmap(singles: readonly number[], lists: readonly Uint32Array[], total: number, max: number): Uint32Array {
  const words = new Uint32Array(Math.floor(max / 32) + 1);
  for (const r of singles) words[r >>> 5] |= 1 << (r & 31);
  for (const l of lists) {
    for (let i = 0; i < l.length; i++) {
      const r = l[i];
      words[r >>> 5] |= 1 << (r & 31);
    }
  }
  const out = new Uint32Array(total);
  let n = 0;
  for (let w = 0; w < words.length; w++) {
    let bits = words[w];
    while (bits !== 0) {
      const low = bits & -bits; // the lowest set bit
      out[n++] = w * 32 + 31 - Math.clz32(low);
      bits ^= low;
    }
  }
  return n === total ? out : out.slice(0, n);
}

function union2(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint32Array(a.length + b.length);
  let i = 0, j = 0, n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i], y = b[j];
    if (x === y) { out[n++] = x; i++; j++; }
    else if (x < y) { out[n++] = x; i++; }
    else { out[n++] = y; j++; }
  }
  while (i < a.length) out[n++] = a[i++];
  while (j < b.length) out[n++] = b[j++];
  return n === out.length ? out : out.slice(0, n);
}

function dedupeSorted(a: Uint32Array): Uint32Array {
  if (a.length < 2) return a;
  let w = 1;
  for (let r = 1; r < a.length; r++) if (a[r] !== a[w - 1]) a[w++] = a[r];
  return w === a.length ? a : a.slice(0, w);
}

/** subtract returns the refs of `a` that are not in `b`. */
export function subtract(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0 || b.length === 0) return a;
  const out = new Uint32Array(a.length);
  let n = 0;
  if (a.length * 16 < b.length) {
    let from = 0;
    for (let i = 0; i < a.length; i++) {
      from = lowerBound(b, a[i], from);
      if (from === b.length || b[from] !== a[i]) out[n++] = a[i];
    }
  } else {
    let j = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      while (j < b.length && b[j] < x) j++;
      if (j === b.length || b[j] !== x) out[n++] = x;
    }
  }
  return n === a.length ? a : out.slice(0, n);
}

/** isSorted: true when `a` ascends strictly (a valid postings list). */
export function isSorted(a: Uint32Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i - 1] >= a[i]) return false;
  return true;
}
