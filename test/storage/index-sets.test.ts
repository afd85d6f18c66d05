// The label index keeps each series' label set as numbers (shared/storage/index/series-sets.ts):
// round trips through removal and reuse, compaction, collisions, and the readers that use the
// numbers directly (sortByLabels, labelNames, labelValues) against naive computations.
import { describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import { Matcher, type MatchType } from '../../shared/model/matcher.ts';
import { LabelIndex, labelNames, labelValues, selectRefs } from '../../shared/storage/index/index.ts';
import { SET_HEADER, SeriesSets, pairName, pairNext, pairValue } from '../../shared/storage/index/series-sets.ts';

/** A seeded generator (mulberry32), so that failures reproduce. */
function random(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

const NAMES = ['__name__', 'a', 'b', 'c', 'job', 'le', 'zone', 'ü'];
const VALUES = ['0', '1', 'x', 'xy', 'y', 'Z', 'ü', 'a\nb'];

/** randomSet: some of NAMES with random values; every set has at least one label. */
function randomSet(rnd: (n: number) => number, extra = ''): Labels {
  const pairs: [string, string][] = [];
  for (const n of NAMES) if (rnd(3) !== 0) pairs.push([n, VALUES[rnd(VALUES.length)] + extra]);
  if (pairs.length === 0) pairs.push(['a', 'only' + extra]);
  return Labels.fromPairs(pairs);
}

/** fill adds `n` distinct random sets; returns ref → the labels given. */
function fill(ix: LabelIndex, rnd: (n: number) => number, n: number, live = new Map<number, Labels>()): Map<number, Labels> {
  while (n > 0) {
    const l = randomSet(rnd);
    if (ix.getRef(l) !== 0) continue;
    live.set(ix.add(l), l);
    n--;
  }
  return live;
}

/** check: the index answers for exactly the `live` sets, built and looked up again. */
function check(ix: LabelIndex, live: Map<number, Labels>, gone: Iterable<[number, Labels]> = []) {
  expect(ix.size).toBe(live.size);
  for (const [ref, l] of live) {
    expect(ix.labels(ref)!.flat).toEqual(l.flat);
    expect(ix.has(ref)).toBe(true);
    expect(ix.getRef(Labels.fromSortedFlat([...l.flat]))).toBe(ref);
  }
  for (const [ref, l] of gone) {
    if (live.has(ref)) continue;
    expect(ix.labels(ref)).toBeUndefined();
    expect(ix.has(ref)).toBe(false);
    if (![...live.values()].some((x) => x.equals(l))) expect(ix.getRef(l)).toBe(0);
  }
}

describe('label sets as numbers', () => {
  it('round-trips through remove and re-add, reusing value slots and name numbers', () => {
    const ix = new LabelIndex();
    const first: Record<string, string>[] = [
      { __name__: 'up', job: 'api', gone: 'g1' },
      { __name__: 'up', job: 'db' },
      { __name__: 'up', job: 'web', zone: 'z' },
    ];
    const refs = first.map((o) => ix.add(Labels.from(o)));
    const goneNum = ix.entry('gone')!.num;
    const freedSlots = [ix.entry('job')!.ids.get('api'), ix.entry('job')!.ids.get('db')];
    ix.remove([refs[0], refs[1]]); // drops the name 'gone' and the values 'api', 'db'
    expect(ix.entry('gone')).toBeUndefined();
    expect(ix.entry('job')!.ids.has('db')).toBe(false);
    const again = Labels.from({ __name__: 'up', fresh: 'f', job: 'cache' });
    const ref = ix.add(again);
    expect(ix.entry('fresh')!.num).toBe(goneNum); // the freed name number
    expect(freedSlots).toContain(ix.entry('job')!.ids.get('cache'));
    const live = new Map([[refs[2], Labels.from(first[2])], [ref, again]]);
    check(ix, live, [[refs[0], Labels.from(first[0])], [refs[1], Labels.from(first[1])]]);
    // The old sets come back under new refs, with the reused numbers.
    const back = Labels.from(first[0]);
    live.set(ix.add(back), back);
    check(ix, live);
    expect(ix.postings('job', 'api')).toEqual(Uint32Array.of(ref + 1));
  });

  it('keeps every set right through random adds and removes', () => {
    const rnd = random(7);
    const ix = new LabelIndex();
    const live = fill(ix, rnd, 400);
    const gone: [number, Labels][] = [];
    for (let round = 0; round < 6; round++) {
      const drop = [...live.keys()].filter(() => rnd(3) === 0);
      ix.remove(drop);
      for (const r of drop) {
        gone.push([r, live.get(r)!]);
        live.delete(r);
      }
      check(ix, live, gone);
      fill(ix, rnd, 150, live);
      check(ix, live, gone);
    }
  });

  it('compacts the arena after many removes and stays right', () => {
    const ix = new LabelIndex();
    const live = new Map<number, Labels>();
    for (let i = 0; i < 20_000; i++) {
      const l = Labels.from({ __name__: `m${i % 50}`, id: String(i), job: `j${i % 7}` });
      live.set(ix.add(l), l);
    }
    const full = ix.stats().setBytes;
    const drop = [...live.keys()].filter((r) => r % 10 !== 0);
    ix.remove(drop);
    for (const r of drop) live.delete(r);
    expect(ix.stats().setBytes).toBeLessThan(full / 2); // the arena shrank; starts and slots stay
    check(ix, live);
    // Adding after a compaction grows the arena again.
    for (let i = 0; i < 5000; i++) {
      const l = Labels.from({ __name__: 'late', id: String(i) });
      live.set(ix.add(l), l);
    }
    check(ix, live);
  });

  it('SeriesSets reclaims holes by compaction, keeping every set', () => {
    const sets = new SeriesSets(() => false);
    // One-word pairs, and two-word ones for a large name, a large value, both.
    const pairsOf = (ref: number) => [ref % 7, ref, 3, ref % 5, 40_000, 1, 40_001, ref % 3, 40_002, 70_000 + ref, 1 << 30, ref << 8];
    const read = (ref: number) => {
      const a = sets.arena, out: number[] = [];
      const at = sets.start(ref);
      for (let p = at + SET_HEADER, end = p + a[at]; p < end; p = pairNext(a, p)) out.push(pairName(a, p), pairValue(a, p));
      return out;
    };
    for (let ref = 1; ref <= 10_000; ref++) sets.add(ref, Math.imul(ref, 0x9e3779b1) >>> 0, pairsOf(ref));
    const grown = sets.arena.length;
    for (let ref = 1; ref <= 10_000; ref++) {
      if (ref % 8 === 0) continue;
      const arena = sets.arena;
      sets.delete(ref);
      if (sets.arena !== arena) expect(sets.arena.length).toBeLessThan(arena.length); // compacted here
    }
    expect(sets.size).toBe(1250);
    expect(sets.arena.length).toBeLessThan(grown / 4);
    for (let ref = 1; ref <= 10_000; ref++) {
      if (ref % 8 === 0) expect(read(ref)).toEqual(pairsOf(ref));
      else expect(sets.start(ref)).toBe(0);
    }
  });

  it('finds sets by content whatever the hash, and tells prefixes apart', () => {
    const ix = new LabelIndex({ hash: () => 7 }); // every set collides
    const objects: Record<string, string>[] = [{ a: '1' }, { a: '1', b: '2' }, { a: '1', b: '3' }, { b: '2' }, { a: '2', b: '2' }, { a: '1', b: '2', c: '3' }];
    const sets = objects.map((o) => Labels.from(o));
    const live = new Map(sets.map((l) => [ix.add(l), l]));
    check(ix, live);
    const refs = [...live.keys()];
    ix.remove([refs[1], refs[3]]);
    live.delete(refs[1]);
    live.delete(refs[3]);
    check(ix, live, [[refs[1], sets[1]], [refs[3], sets[3]]]);
    expect(ix.getRef(Labels.from({ a: '1', b: '2', c: '4' }))).toBe(0);
    const rnd = random(11);
    const many = new LabelIndex({ hash: (l) => l.size }); // a few long collision runs
    const all = fill(many, rnd, 300);
    const drop = [...all.keys()].filter(() => rnd(2) === 0);
    many.remove(drop);
    const removed: [number, Labels][] = drop.map((r) => [r, all.get(r)!]);
    for (const r of drop) all.delete(r);
    check(many, all, removed);
  });

  it('stores large name numbers and value slots (two-word pairs)', () => {
    const ix = new LabelIndex();
    const live = new Map<number, Labels>();
    for (let i = 0; i < 70_000; i++) {
      // 70,000 values of 'id' (slots past 2^16), and 33,000 names (numbers past 2^15).
      const l = Labels.fromPairs([['id', `v${i}`], [`n${i % 33_000}`, 'x'], ['z', String(i % 3)]]);
      live.set(ix.add(l), l);
    }
    expect(ix.entry('id')!.ids.get('v69999')).toBe(69_999);
    expect(ix.entry('n32999')!.num).toBeGreaterThan(0x8000);
    for (const ref of [1, 2, 32_999, 33_000, 40_000, 65_536, 65_537, 66_000, 69_999, 70_000]) {
      const l = live.get(ref)!;
      expect(ix.labels(ref)!.flat).toEqual(l.flat);
      expect(ix.getRef(l)).toBe(ref);
      expect(ix.namesOf(ref, [])).toEqual(l.names());
      expect(ix.valueIdOf(ref, ix.entry('z')!)).toBe(ix.entry('z')!.ids.get(l.get('z')));
    }
    const some = [70_000, 3, 69_999, 65_537, 33_001, 33_000, 1, 66_000];
    expect([...ix.sortByLabels(some)]).toEqual([...some].sort((x, y) => live.get(x)!.compare(live.get(y)!)));
  });
});

describe('readers of the stored numbers', () => {
  const byCompare = (ix: LabelIndex, refs: number[]) => [...refs].sort((x, y) => ix.labels(x)!.compare(ix.labels(y)!));

  it('sortByLabels orders random sets as Labels.compare does, on both paths', () => {
    const rnd = random(3);
    const ix = new LabelIndex();
    // Names numbered against their order, so comparing numbers instead of names would show.
    const live = new Map([...NAMES].reverse().map((n) => Labels.from({ [n]: 'first' })).map((l) => [ix.add(l), l]));
    fill(ix, rnd, 3000, live);
    const refs = [...live.keys()];
    for (let i = refs.length - 1; i > 0; i--) {
      const j = rnd(i + 1);
      [refs[i], refs[j]] = [refs[j], refs[i]];
    }
    const want = [...refs].sort((x, y) => live.get(x)!.compare(live.get(y)!));
    expect([...ix.sortByLabels(refs)]).toEqual(want); // the rank
    for (const n of [0, 1, 2, 10, 500]) expect([...ix.sortByLabels(refs.slice(0, n))]).toEqual(byCompare(ix, refs.slice(0, n)));
    ix.remove(refs.slice(0, 1000));
    fill(ix, rnd, 500, live);
    const after = [...ix.allPostings()];
    expect([...ix.sortByLabels(after)]).toEqual(byCompare(ix, after));
  });

  it('labelNames and labelValues equal a naive computation on random sets', () => {
    const rnd = random(5);
    // Series r has samples in [r, r + 10].
    const overlapping = (refs: Uint32Array, mint: number, maxt: number) => refs.filter((r) => r <= maxt && r + 10 >= mint);
    const ix = new LabelIndex({ overlapping });
    const live = fill(ix, rnd, 600);
    const drop = [...live.keys()].filter(() => rnd(4) === 0);
    ix.remove(drop);
    for (const r of drop) live.delete(r);
    const TYPES: MatchType[] = ['=', '!=', '=~', '!~'];
    const PATTERNS = ['x.*', '0|1', '.+', 'ü|Z', ''];
    for (let c = 0; c < 200; c++) {
      const ms: Matcher[] = [];
      for (let k = rnd(3); k > 0; k--) {
        const type = TYPES[rnd(4)];
        const value = type === '=' || type === '!=' ? VALUES[rnd(VALUES.length)] : PATTERNS[rnd(PATTERNS.length)];
        ms.push(new Matcher(type, NAMES[rnd(NAMES.length)], value));
      }
      const mint = rnd(3) === 0 ? undefined : rnd(700);
      const maxt = mint === undefined ? undefined : mint + rnd(400);
      const inTime = (r: number) => mint === undefined || (r <= maxt! && r + 10 >= mint);
      const chosen = [...live].filter(([r, l]) => ms.every((m) => m.matches(l.get(m.name))) && inTime(r));
      const name = NAMES[rnd(NAMES.length)];
      const naiveNames = [...new Set(chosen.flatMap(([, l]) => l.names()))].sort();
      const naiveValues = [...new Set(chosen.map(([, l]) => l.get(name)).filter((v) => v !== ''))].sort();
      const what = `{${ms.join(', ')}} [${mint}, ${maxt}]`;
      expect(labelNames(ix, ms, mint, maxt), what).toEqual(naiveNames);
      expect(labelValues(ix, name, ms, mint, maxt), `${name} ${what}`).toEqual(naiveValues);
      expect([...selectRefs(ix, ms, mint, maxt)], what).toEqual(chosen.map(([r]) => r).sort((x, y) => x - y));
    }
  });
});
