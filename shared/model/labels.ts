/**
 * Labels: an immutable label set, the identity of a series.
 *
 * Pairs are kept in one flat array `[name0, value0, name1, value1, …]` sorted by name, with unique
 * names and no empty values: as in Prometheus, a label with an empty value is the same as no label.
 * `__name__` is an ordinary label. Instances are safe to share; nothing changes what they hold.
 * (A label index may swap a string of `flat` for an equal one it interned: see internStrings.)
 */
import { hashLabels32 } from './hash.ts';

export const METRIC_NAME = '__name__';

export class Labels {
  static readonly EMPTY = new Labels([]);

  /** The flat, sorted pairs. Callers must not mutate it. */
  readonly flat: readonly string[];
  /** hashLabels32 of the set as a signed 32-bit integer (a small integer, never boxed); 0: not computed yet. */
  #hash = 0;

  private constructor(flat: readonly string[]) {
    this.flat = flat;
  }

  /** Labels.from builds a set from an object; empty values are dropped. */
  static from(obj: Readonly<Record<string, string>>): Labels {
    return Labels.fromPairs(Object.entries(obj));
  }

  /**
   * Labels.fromPairs builds a set from pairs in any order. Empty values are dropped. A name given
   * twice is a caller bug and throws.
   */
  static fromPairs(pairs: Iterable<readonly [string, string]>): Labels {
    const list = [...pairs].filter(([, v]) => v !== '');
    list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const flat: string[] = new Array(list.length * 2);
    for (let i = 0; i < list.length; i++) {
      if (i > 0 && list[i][0] === list[i - 1][0]) throw new Error(`BUG: duplicate label name ${JSON.stringify(list[i][0])}`);
      flat[2 * i] = list[i][0];
      flat[2 * i + 1] = list[i][1];
    }
    return new Labels(flat);
  }

  /**
   * Labels.fromSortedFlat wraps an array that is already sorted by name, unique and free of
   * empty values (as produced by another Labels or a builder). It is not copied or checked.
   */
  static fromSortedFlat(flat: readonly string[]): Labels {
    return new Labels(flat);
  }

  /** The number of labels. */
  get size(): number {
    return this.flat.length >> 1;
  }

  /** get returns the value of `name`, or '' when the label is absent. */
  get(name: string): string {
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] === name) return f[i + 1];
      if (f[i] > name) break;
    }
    return '';
  }

  has(name: string): boolean {
    return this.get(name) !== '';
  }

  /** The metric name (`__name__`), or ''. */
  get metricName(): string {
    return this.get(METRIC_NAME);
  }

  forEach(fn: (name: string, value: string) => void): void {
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) fn(f[i], f[i + 1]);
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) yield [f[i], f[i + 1]];
  }

  names(): string[] {
    return this.flat.filter((_, i) => i % 2 === 0);
  }

  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    this.forEach((n, v) => (out[n] = v));
    return out;
  }

  /**
   * key is a canonical string that two sets share exactly when they are equal; use it as a Map
   * key. (0xFF never occurs in valid UTF-8 text, so it separates fields unambiguously.) It is
   * built on each call and not kept: a set lives as long as its series, and a key is about as
   * large as the set. Tables that live as long use LabelSetTable, keyed by hash().
   */
  key(): string {
    return this.flat.join('\xff');
  }

  /**
   * hash: hashLabels32 of the set (shared/model/hash.ts) as a signed 32-bit integer (`>>> 0`
   * gives the unsigned value), computed once and kept.
   */
  hash(): number {
    if (this.#hash === 0) this.#hash = hashLabels32(this) | 0; // a hash of 0 is computed each time
    return this.#hash;
  }

  /**
   * internStrings replaces each string of `flat` by `intern(s)`, which must return a string equal
   * to s (the label index's own copy of it), so that sets share one copy of each name and value
   * and no set keeps alive a larger string it was sliced from. JavaScript cannot tell equal
   * strings apart, so no behaviour changes: only memory. Returns false, changing nothing, when
   * `flat` cannot be written (a frozen array); the caller then copies the set instead.
   */
  internStrings(intern: (s: string, i: number) => string): boolean {
    const f = this.flat as string[];
    if (Object.isFrozen(f)) return false;
    for (let i = 0; i < f.length; i++) {
      const s = intern(f[i], i);
      if (s !== f[i]) throw new Error(`BUG: interned ${JSON.stringify(s)} for ${JSON.stringify(f[i])}`);
      f[i] = s;
    }
    return true;
  }

  equals(other: Labels): boolean {
    if (this === other) return true;
    const a = this.flat, b = other.flat;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** compare orders label sets as Prometheus does: pair by pair, names then values. */
  compare(other: Labels): number {
    const a = this.flat, b = other.flat;
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    }
    return a.length - b.length;
  }

  /** with returns a copy with `name` set to `value` ('' removes it). */
  with(name: string, value: string): Labels {
    const pairs = [...this].filter(([n]) => n !== name);
    if (value !== '') pairs.push([name, value]);
    return Labels.fromPairs(pairs);
  }

  /** without returns a copy without the given names. */
  without(...names: string[]): Labels {
    const drop = new Set(names);
    const flat: string[] = [];
    this.forEach((n, v) => {
      if (!drop.has(n)) flat.push(n, v);
    });
    return flat.length === this.flat.length ? this : new Labels(flat);
  }

  /** keep returns a copy with only the given names. */
  keep(...names: string[]): Labels {
    const keep = new Set(names);
    const flat: string[] = [];
    this.forEach((n, v) => {
      if (keep.has(n)) flat.push(n, v);
    });
    return new Labels(flat);
  }

  /** toString formats the set as Prometheus does: `name{a="b", c="d"}`, with Go string escapes. */
  toString(): string {
    const name = this.metricName;
    const parts: string[] = [];
    this.forEach((n, v) => {
      if (n !== METRIC_NAME) parts.push(`${formatLabelName(n)}=${JSON.stringify(v)}`);
    });
    if (name !== '' && isLegacyMetricName(name)) return parts.length ? `${name}{${parts.join(', ')}}` : name;
    if (name !== '') parts.unshift(JSON.stringify(name));
    return `{${parts.join(', ')}}`;
  }
}

const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LEGACY_METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** isLegacyLabelName: matches `[a-zA-Z_][a-zA-Z0-9_]*`, a name that needs no quotes. */
export function isLegacyLabelName(name: string): boolean {
  return LEGACY_LABEL.test(name);
}

/** isLegacyMetricName: matches `[a-zA-Z_:][a-zA-Z0-9_:]*`, a metric name that needs no quotes. */
export function isLegacyMetricName(name: string): boolean {
  return LEGACY_METRIC.test(name);
}

function formatLabelName(name: string): string {
  return isLegacyLabelName(name) ? name : JSON.stringify(name);
}
