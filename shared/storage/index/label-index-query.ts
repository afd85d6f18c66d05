/**
 * Queries over a LabelIndex: the postings of a selector's matchers with Prometheus semantics
 * (tsdb/querier.go PostingsForMatchers), and label names and values bounded by matchers and by
 * time. A matcher that matches '' also selects series lacking the label, so it is applied by
 * subtracting the series whose value it refuses; the others intersect. Literal sets (`a|b`) and
 * equality are looked up directly, literal prefixes narrow the values a regex is run on.
 */
import type { Matcher } from '../../model/matcher.ts';
import { compareStrings, type LabelIndex, type NameEntry } from './label-index.ts';
import { EMPTY, intersect, subtract, union, unionRefs } from './postings.ts';

/**
 * postingsForMatchers returns the sorted refs of the series that satisfy every matcher. With no
 * matchers, or only matchers that match '', it starts from all series (callers that must refuse
 * such selectors check with hasNonEmptyMatcher first). The result may alias index memory: use it
 * before the index changes, and do not modify it.
 */
export function postingsForMatchers(ix: LabelIndex, matchers: readonly Matcher[]): Uint32Array {
  const its: Uint32Array[] = [];
  const nots: Uint32Array[] = [];
  for (const m of matchers) {
    const entry = ix.entry(m.name);
    if (m.matchesEmpty) {
      // Series lacking the label pass; subtract those whose value the matcher refuses.
      if (entry === undefined) continue;
      const p = postingsWhere(entry, m, false);
      if (p.length > 0) nots.push(p);
    } else {
      const p = entry === undefined ? EMPTY : postingsWhere(entry, m, true);
      if (p.length === 0) return EMPTY; // fast path: nothing can match
      its.push(p);
    }
  }
  const base = its.length > 0 ? intersect(its) : ix.allPostings();
  return nots.length > 0 ? subtract(base, union(nots)) : base;
}

/**
 * postingsWhere returns the union of the postings of the values `v` of `entry` for which
 * m.matches(v) === want.
 */
function postingsWhere(entry: NameEntry, m: Matcher, want: boolean): Uint32Array {
  const ids = valueIdsWhere(entry, m, want);
  if (ids.length === 0) return EMPTY;
  if (ids.length === 1) return entry.postingsOf(ids[0]);
  const singles: number[] = [];
  const lists: Uint32Array[] = [];
  for (const id of ids) {
    const p = entry.postings[id]!;
    if (typeof p === 'number') singles.push(p);
    else lists.push(p.view());
  }
  return unionRefs(singles, lists);
}

/** valueIdsWhere returns the value slots of `entry` for which m.matches(value) === want. */
function valueIdsWhere(entry: NameEntry, m: Matcher, want: boolean): number[] {
  const positive = m.type === '=' || m.type === '=~';
  // Whether we want the values the underlying pattern (the equality or the regex) accepts.
  const wantPattern = want === positive;
  const shape = m.shape;
  const out: number[] = [];
  if (wantPattern) {
    if (shape.set !== null) {
      // Fast path: look the literals up.
      for (const v of shape.set) {
        const id = entry.valueId(v, false);
        if (id >= 0) out.push(id);
      }
      return out;
    }
    if (shape.all || shape.nonEmpty) return allIds(entry); // indexed values are never ''
    if (shape.prefix !== '') {
      const values = entry.sortedValues();
      for (let i = lowerBoundString(values, shape.prefix); i < values.length; i++) {
        const v = values[i];
        if (!v.startsWith(shape.prefix)) break;
        if (m.matches(v) === want) out.push(entry.ids.get(v)!);
      }
      return out;
    }
  } else {
    if (shape.all || shape.nonEmpty) return out;
    if (shape.set !== null) {
      // Everything but some literals: skip them by string identity rather than running the matcher.
      const skip = new Set(shape.set);
      for (const [v, id] of entry.ids) if (!skip.has(v)) out.push(id);
      return out;
    }
  }
  // Slow path: run the matcher on every value.
  for (const [v, id] of entry.ids) if (m.matches(v) === want) out.push(id);
  return out;
}

function allIds(entry: NameEntry): number[] {
  return [...entry.ids.values()];
}

function lowerBoundString(a: readonly string[], x: string): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * inRange narrows sorted refs to those with samples in [mint, maxt] through the index's callback;
 * without bounds it keeps them all.
 */
export function inRange(ix: LabelIndex, refs: Uint32Array, mint?: number, maxt?: number): Uint32Array {
  if (ix.overlapping === undefined || refs.length === 0 || mint === undefined || maxt === undefined) return refs;
  return ix.overlapping(refs, mint, maxt);
}

/**
 * selectRefs returns the sorted refs of the series matching every matcher with samples in
 * [mint, maxt] (without bounds, all of them).
 */
export function selectRefs(ix: LabelIndex, matchers: readonly Matcher[], mint?: number, maxt?: number): Uint32Array {
  return inRange(ix, postingsForMatchers(ix, matchers), mint, maxt);
}

/**
 * labelNames returns the sorted label names of the series that match `matchers` (all series when
 * none are given) and have samples in [mint, maxt]; without bounds, of every such series (as
 * Prometheus answers from a block that overlaps the range at all).
 */
export function labelNames(ix: LabelIndex, matchers: readonly Matcher[] | undefined, mint?: number, maxt?: number): string[] {
  const refs = selectRefs(ix, matchers ?? [], mint, maxt);
  if (refs.length === ix.size) return [...ix.sortedNames()]; // fast path: every series counts
  const names = new Set<string>();
  const buf: string[] = [];
  for (let i = 0; i < refs.length; i++) for (const n of ix.namesOf(refs[i], buf)) names.add(n);
  return [...names].sort(compareStrings);
}

/**
 * labelValues returns the sorted values of label `name` over the series that match `matchers`
 * (all series when none are given) and have samples in [mint, maxt]; without bounds, over every
 * such series (as Prometheus answers from a block that overlaps the range at all).
 */
export function labelValues(
  ix: LabelIndex,
  name: string,
  matchers: readonly Matcher[] | undefined,
  mint?: number,
  maxt?: number,
): string[] {
  const entry = ix.entry(name);
  if (entry === undefined) return [];
  let refs: Uint32Array;
  if (matchers !== undefined && matchers.length > 0) {
    refs = postingsForMatchers(ix, matchers);
  } else {
    if (ix.overlapping === undefined || mint === undefined) return [...entry.sortedValues()]; // fast path: no bounds
    refs = ix.allPostings();
  }
  refs = inRange(ix, refs, mint, maxt);
  if (refs.length === 0) return [];
  if (refs.length === ix.size) return [...entry.sortedValues()];
  if (refs.length <= entry.series) {
    // Fewer candidate series than series with the label: read each one's value.
    const ids = new Set<number>();
    for (let i = 0; i < refs.length; i++) {
      const id = ix.valueIdOf(refs[i], entry);
      if (id >= 0) ids.add(id);
    }
    return Array.from(ids, (id) => entry.strs[id]!).sort(compareStrings);
  }
  // Otherwise test each value's postings against the candidates.
  const live = new Set<number>();
  for (let i = 0; i < refs.length; i++) live.add(refs[i]);
  const out: string[] = [];
  for (const v of entry.sortedValues()) {
    const p = entry.postings[entry.ids.get(v)!]!;
    if (typeof p === 'number' ? live.has(p) : p.view().some((r) => live.has(r))) out.push(v);
  }
  return out;
}
