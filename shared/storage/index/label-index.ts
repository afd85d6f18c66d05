/**
 * LabelIndex: series identity and the inverted index over label pairs, kept in TypeScript beside
 * the WebAssembly head (which only knows numeric refs). It maps a label set to its ref and a ref
 * to its labels, and each label pair to the sorted postings of the series that carry it. Queries
 * (matchers, label names and values, time-bounded through a callback the head provides) live in
 * label-index-query.ts.
 *
 * Memory per series is kept low (issue #6): names and values are interned, one copy of each per
 * index, detached from any larger string they were sliced from, and numbered (NameEntry.num, and
 * the value slots of each name); a series' label set is kept as those numbers in typed arrays
 * (series-sets.ts), not as an object, and labels(ref) builds a Labels from them on demand. The
 * index's own work (identity, sorting, label names and values, removal) reads the numbers. The
 * caller's Labels is not kept, but its strings are swapped for the interned copies
 * (Labels.internStrings), so that a scrape cache or an encoder that keeps the set shares them.
 * A pair held by one series stores its ref inline; postings are Uint32Arrays.
 * Refs are positive integers; the index hands them out in increasing order, or accepts the head's
 * (consecutive from 1): one ref space serves both.
 * Not safe for concurrent use (JavaScript is single-threaded; do not interleave across awaits).
 */
import { Labels } from '../../model/labels.ts';
import { EMPTY, PostingsList } from './postings.ts';
import { SET_HEADER, SeriesSets, pairName, pairNext, pairValue } from './series-sets.ts';

/**
 * Overlapping: the time-bound callback. Given sorted refs, it returns (in the same order) those
 * with at least one sample in [mint, maxt] (ms, inclusive). The WebAssembly head provides it.
 */
export type Overlapping = (refs: Uint32Array, mint: number, maxt: number) => Uint32Array;

/** LabelIndexOptions for new LabelIndex. */
export interface LabelIndexOptions {
  /** Time bounds for queries; without it every indexed series counts as overlapping any range. */
  overlapping?: Overlapping;
  /** The identity hash (tests inject a colliding one); default Labels.hash (hashLabels32). */
  hash?: (labels: Labels) => number;
}

/** Postings of one label pair: a lone ref inline, or a list once a second series shares it. */
type PairPostings = number | PostingsList;

/**
 * NameEntry: everything indexed under one label name, which the index numbers `num` (reused once
 * the name is gone). Values are numbered: `ids` maps a value to its slot in `strs` (the interned
 * string) and `postings`. Freed slots are reused.
 */
export class NameEntry {
  readonly name: string;
  readonly num: number;
  readonly ids = new Map<string, number>();
  readonly strs: (string | undefined)[] = [];
  readonly postings: (PairPostings | undefined)[] = [];
  readonly free: number[] = [];
  /** Series carrying this name. */
  series = 0;
  #sorted: string[] | null = [];
  #pending: string[] = [];

  constructor(name: string, num: number) {
    this.name = name;
    this.num = num;
  }

  /** valueId returns the slot of `value`, interning it first when `create` is set; -1 if absent. */
  valueId(value: string, create: boolean): number {
    let id = this.ids.get(value);
    if (id !== undefined) return id;
    if (!create) return -1;
    const s = detach(value);
    id = this.free.length > 0 ? this.free.pop()! : this.strs.length;
    this.ids.set(s, id);
    this.strs[id] = s;
    this.postings[id] = undefined;
    this.#pending.push(s);
    return id;
  }

  /** dropValue frees the slot of a value whose postings became empty. */
  dropValue(id: number): void {
    this.ids.delete(this.strs[id]!);
    this.strs[id] = undefined;
    this.postings[id] = undefined;
    this.free.push(id);
    this.#sorted = null;
    this.#pending = [];
  }

  /** sortedValues: every value, sorted. The array is cached: callers must not modify it. */
  sortedValues(): readonly string[] {
    if (this.#sorted === null) {
      this.#sorted = [...this.ids.keys()].sort(compareStrings);
      this.#pending = [];
    } else if (this.#pending.length > 0) {
      this.#sorted = mergeSorted(this.#sorted, this.#pending.sort(compareStrings));
      this.#pending = [];
    }
    return this.#sorted;
  }

  /** postingsOf returns the postings of a value slot as a sorted array (a view: do not keep). */
  postingsOf(id: number): Uint32Array {
    const p = this.postings[id];
    if (p === undefined) return EMPTY;
    return typeof p === 'number' ? Uint32Array.of(p) : p.view();
  }
}

/** LabelIndex: see the module comment. */
export class LabelIndex {
  readonly overlapping: Overlapping | undefined;
  readonly #hash: (labels: Labels) => number;
  /** The live series' label sets, as (NameEntry.num, value slot) pairs. */
  readonly #sets: SeriesSets;
  readonly #names = new Map<string, NameEntry>();
  /** NameEntry by num; free nums are reused. */
  readonly #byNum: (NameEntry | undefined)[] = [];
  readonly #freeNums: number[] = [];
  /** Scratch for add: the pairs (NameEntry.num, value slot) of the set being added. */
  readonly #pairs: number[] = [];
  #sortedNames: string[] | null = null;
  readonly #all = new PostingsList(1024);
  #nextRef = 1;
  /** The label order of every live series, built on demand, dropped when series come or go. */
  #order: { rank: Uint32Array; byRank: Uint32Array } | null = null;

  constructor(options: LabelIndexOptions = {}) {
    this.overlapping = options.overlapping;
    this.#hash = options.hash ?? ((l) => l.hash());
    this.#sets = new SeriesSets((ref, labels) => this.#equals(ref, labels));
  }

  /** size: the number of live series. */
  get size(): number {
    return this.#all.length;
  }

  /** nextRef: the ref the index would hand out next (one more than the largest seen). */
  get nextRef(): number {
    return this.#nextRef;
  }

  /**
   * labels returns the labels of `ref`, or undefined when no live series has it. The Labels is
   * built on each call (from the interned strings): callers that need it often keep it.
   */
  labels(ref: number): Labels | undefined {
    const at = this.#sets.start(ref);
    if (at === 0) return undefined;
    const a = this.#sets.arena, byNum = this.#byNum;
    const flat: string[] = [];
    for (let p = at + SET_HEADER, end = p + a[at]; p < end; p = pairNext(a, p)) {
      const entry = byNum[pairName(a, p)]!;
      flat.push(entry.name, entry.strs[pairValue(a, p)]!);
    }
    return Labels.fromSortedFlat(flat);
  }

  /** has: true when `ref` is a live series. Builds nothing (the append path asks it per sample). */
  has(ref: number): boolean {
    return this.#sets.start(ref) !== 0;
  }

  /** getRef returns the ref of the series with exactly these labels, or 0. */
  getRef(labels: Labels): number {
    return this.#sets.find(this.#hash(labels) >>> 0, labels);
  }

  /**
   * namesOf writes the label names of `ref`, in label order, into `out` (the caller's buffer, whose
   * length is set) and returns it; empty when no live series has the ref. Builds no Labels.
   */
  namesOf(ref: number, out: string[]): string[] {
    const at = this.#sets.start(ref), a = this.#sets.arena;
    out.length = 0;
    for (let p = at + SET_HEADER, end = p + a[at]; p < end; p = pairNext(a, p)) {
      out.push(this.#byNum[pairName(a, p)]!.name);
    }
    return out;
  }

  /** valueIdOf: the value slot in `entry` of series `ref`; -1 when it lacks the name or is not live. */
  valueIdOf(ref: number, entry: NameEntry): number {
    const at = this.#sets.start(ref), a = this.#sets.arena, num = entry.num;
    for (let p = at + SET_HEADER, end = p + a[at]; p < end; p = pairNext(a, p)) {
      if (pairName(a, p) === num) return pairValue(a, p);
    }
    return -1;
  }

  /**
   * add indexes a new series and returns its ref: `ref` when given (the head's), else the next
   * free one. The labels must be valid (validate.ts) and not indexed yet, and a given ref unused:
   * breaking that is a caller bug and throws. The index keeps the set as numbers, not `labels`;
   * it swaps the strings of `labels` for its interned copies (Labels.internStrings; a set that
   * cannot be written is left as it is).
   */
  add(labels: Labels, ref = 0): number {
    if (ref === 0) ref = this.#nextRef;
    else if (!Number.isInteger(ref) || ref < 1 || ref > 0xffffffff) throw new Error(`BUG: invalid series ref ${ref}`);
    if (this.has(ref)) throw new Error(`BUG: series ref ${ref} already in use`);
    if (ref - this.#nextRef > 1 << 24) throw new Error(`BUG: series ref ${ref} jumps far past ${this.#nextRef}`);
    const h = this.#hash(labels) >>> 0;
    if (this.#sets.find(h, labels) !== 0) throw new Error(`BUG: series ${labels} indexed twice`);

    const f = labels.flat;
    const pairs = this.#pairs, byNum = this.#byNum;
    pairs.length = f.length;
    for (let i = 0; i < f.length; i += 2) {
      const entry = this.#names.get(f[i]) ?? this.#newEntry(f[i]);
      const id = entry.valueId(f[i + 1], true);
      const p = entry.postings[id];
      if (p === undefined) entry.postings[id] = ref;
      else if (typeof p === 'number') entry.postings[id] = PostingsList.of(p < ref ? [p, ref] : [ref, p]);
      else p.add(ref);
      entry.series++;
      pairs[i] = entry.num;
      pairs[i + 1] = id;
    }
    labels.internStrings((_, i) => (i % 2 === 0 ? byNum[pairs[i]]!.name : byNum[pairs[i - 1]]!.strs[pairs[i]]!));
    this.#sets.add(ref, h, pairs);
    this.#all.add(ref);
    this.#order = null;
    if (ref >= this.#nextRef) this.#nextRef = ref + 1;
    return ref;
  }

  #newEntry(name: string): NameEntry {
    const entry = new NameEntry(detach(name), this.#freeNums.pop() ?? this.#byNum.length);
    this.#names.set(entry.name, entry);
    this.#byNum[entry.num] = entry;
    this.#sortedNames = null;
    return entry;
  }

  /** equals: whether the set of the live series `ref` is `labels` (strings compared, none built). */
  #equals(ref: number, labels: Labels): boolean {
    const at = this.#sets.start(ref), a = this.#sets.arena, byNum = this.#byNum, f = labels.flat;
    let p = at + SET_HEADER;
    const end = p + a[at];
    for (let i = 0; i < f.length; i += 2, p = pairNext(a, p)) {
      if (p === end) return false;
      const entry = byNum[pairName(a, p)]!;
      if (entry.name !== f[i] || entry.strs[pairValue(a, p)] !== f[i + 1]) return false;
    }
    return p === end;
  }

  /**
   * remove drops the given series (garbage collection of series without samples). Unknown refs
   * are ignored. Refs are not handed out again. Cost: proportional to the postings touched.
   */
  remove(refs: ArrayLike<number>): void {
    const gone = new Set<number>();
    const touched = new Map<NameEntry, Set<number>>();
    const sets = this.#sets, byNum = this.#byNum;
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i];
      const at = sets.start(ref);
      if (at === 0) continue;
      gone.add(ref);
      const a = sets.arena;
      for (let p = at + SET_HEADER, end = p + a[at]; p < end; p = pairNext(a, p)) {
        const entry = byNum[pairName(a, p)]!;
        let ids = touched.get(entry);
        if (ids === undefined) touched.set(entry, (ids = new Set()));
        ids.add(pairValue(a, p));
        entry.series--;
      }
      sets.delete(ref); // may compact the arena: read it again for the next ref
    }
    if (gone.size === 0) return;
    this.#order = null;
    const drop = (r: number) => gone.has(r);
    for (const [entry, ids] of touched) {
      for (const id of ids) {
        const p = entry.postings[id]!;
        const empty = typeof p === 'number' ? gone.has(p) : (p.removeWhere(drop), p.length === 0);
        if (empty) entry.dropValue(id);
        else if (typeof p !== 'number' && p.length === 1) entry.postings[id] = p.view()[0];
      }
      if (entry.series === 0) {
        this.#names.delete(entry.name);
        this.#byNum[entry.num] = undefined;
        this.#freeNums.push(entry.num);
        this.#sortedNames = null;
      }
    }
    this.#all.removeWhere(drop);
  }

  /**
   * sortByLabels returns the live refs of `refs` (any order) sorted by their label sets. Large
   * selections are sorted through a cached rank of every series (an integer sort), which is
   * built when missing if the selection is a good part of all series; small ones compare the
   * stored sets.
   */
  sortByLabels(refs: ArrayLike<number>): Uint32Array {
    const n = refs.length;
    if (n >= 2048 && (this.#order !== null || n * 4 >= this.size)) {
      const { rank, byRank } = (this.#order ??= this.#buildOrder());
      const ranks = new Uint32Array(n);
      for (let i = 0; i < n; i++) ranks[i] = rank[refs[i]];
      ranks.sort();
      for (let i = 0; i < n; i++) ranks[i] = byRank[ranks[i]];
      return ranks;
    }
    // A plain array: V8 sorts typed arrays with a comparator several times slower.
    return Uint32Array.from(Array.from(refs).sort((a, b) => this.#compare(a, b)));
  }

  #buildOrder(): { rank: Uint32Array; byRank: Uint32Array } {
    const byRank = Uint32Array.from(Array.from(this.#all.view()).sort((a, b) => this.#compare(a, b)));
    const rank = new Uint32Array(this.#nextRef);
    for (let i = 0; i < byRank.length; i++) rank[byRank[i]] = i;
    return { rank, byRank };
  }

  /**
   * compare orders the sets of two live series as Labels.compare orders their Labels: pair by
   * pair, names then values. Equal numbers are equal strings; only differing ones are compared.
   */
  #compare(x: number, y: number): number {
    const sets = this.#sets, a = sets.arena, byNum = this.#byNum;
    let p = sets.start(x) + SET_HEADER, q = sets.start(y) + SET_HEADER;
    const pe = p + a[p - SET_HEADER], qe = q + a[q - SET_HEADER];
    for (; p < pe && q < qe; p = pairNext(a, p), q = pairNext(a, q)) {
      const np = pairName(a, p), nq = pairName(a, q);
      if (np !== nq) return compareStrings(byNum[np]!.name, byNum[nq]!.name);
      const vp = pairValue(a, p), vq = pairValue(a, q);
      if (vp !== vq) return compareStrings(byNum[np]!.strs[vp]!, byNum[np]!.strs[vq]!);
    }
    return (p < pe ? 1 : 0) - (q < qe ? 1 : 0);
  }

  /** allPostings: every live ref, sorted (a view: valid until the index changes). */
  allPostings(): Uint32Array {
    return this.#all.view();
  }

  /** postings of one label pair, sorted (may be a view: valid until the index changes). */
  postings(name: string, value: string): Uint32Array {
    const entry = this.#names.get(name);
    if (entry === undefined) return EMPTY;
    const id = entry.valueId(value, false);
    return id < 0 ? EMPTY : entry.postingsOf(id);
  }

  /** entry returns the index of one label name, or undefined. For the query code. */
  entry(name: string): NameEntry | undefined {
    return this.#names.get(name);
  }

  /** sortedNames: every indexed label name, sorted (cached: do not modify). */
  sortedNames(): readonly string[] {
    return (this.#sortedNames ??= [...this.#names.keys()].sort(compareStrings));
  }

  /** stats: counts for monitoring and memory tests; setBytes: the typed arrays of the label sets. */
  stats(): { series: number; names: number; pairs: number; postingsBytes: number; setBytes: number } {
    let pairs = 0, postingsBytes = this.#all.bytes;
    for (const e of this.#names.values()) {
      pairs += e.ids.size;
      for (const p of e.postings) if (p !== undefined && typeof p !== 'number') postingsBytes += p.bytes;
    }
    return { series: this.size, names: this.#names.size, pairs, postingsBytes, setBytes: this.#sets.bytes };
  }
}

/** compareStrings orders strings as Labels.compare does. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = new Array(a.length + b.length);
  let i = 0, j = 0, n = 0;
  while (i < a.length && j < b.length) out[n++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[n++] = a[i++];
  while (j < b.length) out[n++] = b[j++];
  return out;
}

/**
 * detach returns a copy of `s` that does not keep a larger string alive. V8 represents a long
 * substring as a slice of its parent (a whole scrape body, say); the index keeps strings for the
 * life of a series, so it copies them out. JSON round-tripping yields a fresh flat string (a
 * `(' ' + s).slice(1)` copy would still be a slice, 20 bytes more); V8 copies short substrings
 * (under 13 characters) already.
 */
function detach(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
