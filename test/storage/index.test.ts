import { describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import { Matcher, type MatchType } from '../../shared/model/matcher.ts';
import {
  LabelIndex,
  PostingsList,
  intersect,
  isSorted,
  labelNames,
  labelValues,
  postingsForMatchers,
  selectRefs,
  subtract,
  union,
  unionRefs,
} from '../../shared/storage/index/index.ts';

const u = (...xs: number[]) => Uint32Array.from(xs);

describe('postings', () => {
  const ops: [string, () => Uint32Array, number[]][] = [
    ['intersect none', () => intersect([]), []],
    ['intersect one', () => intersect([u(1, 2)]), [1, 2]],
    ['intersect', () => intersect([u(1, 2, 3, 5, 8), u(2, 3, 4, 8), u(0, 2, 8, 9)]), [2, 8]],
    ['intersect disjoint', () => intersect([u(1, 3), u(2, 4)]), []],
    ['intersect skewed', () => intersect([u(5, 500, 999), Uint32Array.from({ length: 1000 }, (_, i) => i)]), [5, 500, 999]],
    ['union two', () => union([u(1, 4), u(2, 4, 6)]), [1, 2, 4, 6]],
    ['union many', () => union([u(3), u(1, 3), u(2), u(9, 10)]), [1, 2, 3, 9, 10]],
    ['union empty side', () => union([u(), u(2)]), [2]],
    ['unionRefs', () => unionRefs([7, 1], [u(1, 5)]), [1, 5, 7]],
    ['unionRefs one', () => unionRefs([7], []), [7]],
    ['union many, dense (bitmap)', () => union([u(0, 31, 32), u(1, 63, 64), u(31, 64, 95)]), [0, 1, 31, 32, 63, 64, 95]],
    ['union many, sparse (sorted)', () => union([u(5, 4294967295), u(7), u(5, 2147483648)]), [5, 7, 2147483648, 4294967295]],
    ['unionRefs dense with singles', () => unionRefs([33, 2, 2], [u(1, 2, 40), u(3)]), [1, 2, 3, 33, 40]],
    ['subtract', () => subtract(u(1, 2, 3, 4), u(2, 4, 5)), [1, 3]],
    ['subtract nothing', () => subtract(u(1, 2), u()), [1, 2]],
    ['subtract skewed', () => subtract(u(5, 1001), Uint32Array.from({ length: 1000 }, (_, i) => i)), [1001]],
  ];
  for (const [name, op, want] of ops) it(name, () => expect([...op()]).toEqual(want));

  it('union and unionRefs agree with a set, dense and sparse alike', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 200; round++) {
      const span = [40, 1000, 100_000, 2 ** 32 - 1][round % 4];
      const lists = Array.from({ length: 3 + rand(6) }, () => Uint32Array.from(new Set(Array.from({ length: rand(60) }, () => rand(span)))).sort());
      const singles = Array.from({ length: rand(4) }, () => rand(span));
      const want = [...new Set([...singles, ...lists.flatMap((l) => [...l])])].sort((a, b) => a - b);
      expect([...unionRefs(singles, lists)]).toEqual(want);
      expect([...union(lists)]).toEqual([...new Set(lists.flatMap((l) => [...l]))].sort((a, b) => a - b));
    }
  });

  it('PostingsList keeps order, ignores repeats, removes, shrinks', () => {
    const p = new PostingsList(2);
    for (const r of [1, 2, 10, 5, 5, 3, 11]) p.add(r);
    expect([...p.view()]).toEqual([1, 2, 3, 5, 10, 11]);
    expect(p.removeWhere((r) => r % 2 === 1)).toBe(4);
    expect([...p.view()]).toEqual([2, 10]);
    const big = new PostingsList();
    for (let i = 1; i <= 1000; i++) big.add(i);
    big.removeWhere((r) => r > 3);
    expect(big.bytes).toBeLessThan(100);
    expect(big.last).toBe(3);
  });
});

// The series of Prometheus' own PostingsForMatchers tests, plus a few.
const SERIES_OBJECTS: Record<string, string>[] = [
  { n: '1' },
  { n: '1', i: 'a' },
  { n: '1', i: 'b' },
  { n: '1', i: '\n' },
  { n: '2' },
  { n: '2.5' },
  { n: '2', i: 'foo' },
  { n: 'ü', j: 'x' },
];
const SERIES = SERIES_OBJECTS.map((o) => Labels.from(o));

function fixture(options = {}): { ix: LabelIndex; refs: number[] } {
  const ix = new LabelIndex(options);
  return { ix, refs: SERIES.map((l) => ix.add(l)) };
}

const m = (name: string, type: MatchType, value: string) => new Matcher(type, name, value);

describe('postingsForMatchers', () => {
  const { ix } = fixture();
  function check(ms: Matcher[], want: string[] | null) {
    const got = postingsForMatchers(ix, ms);
    expect(isSorted(got)).toBe(true);
    const gotStr = [...got].map((r) => ix.labels(r)!.toString()).sort();
    // The oracle: Prometheus semantics spelled out directly.
    const oracle = SERIES.filter((s) => ms.every((x) => x.matches(s.get(x.name)))).map(String).sort();
    expect(gotStr).toEqual(oracle);
    if (want !== null) expect(gotStr).toEqual(want.map((w) => Labels.from(JSON.parse(w)).toString()).sort());
  }
  const cases: [Matcher[], string[] | null][] = [
    [[m('n', '=', '1')], ['{"n":"1"}', '{"n":"1","i":"a"}', '{"n":"1","i":"b"}', '{"n":"1","i":"\\n"}']],
    [[m('n', '=', '1'), m('i', '=', 'a')], ['{"n":"1","i":"a"}']],
    [[m('n', '=', '1'), m('i', '=', 'missing')], []],
    [[m('missing', '=', '')], null], // everything
    [[m('missing', '!=', '')], []],
    [[m('i', '=', '')], ['{"n":"1"}', '{"n":"2"}', '{"n":"2.5"}', '{"n":"ü","j":"x"}']],
    [[m('i', '!=', '')], ['{"n":"1","i":"a"}', '{"n":"1","i":"b"}', '{"n":"1","i":"\\n"}', '{"n":"2","i":"foo"}']],
    [[m('n', '=', '1'), m('i', '!=', 'a')], ['{"n":"1"}', '{"n":"1","i":"b"}', '{"n":"1","i":"\\n"}']],
    [[m('n', '=~', '^1$')], null],
    [[m('n', '=~', '1|2')], null],
    [[m('n', '=~', '2.*')], ['{"n":"2"}', '{"n":"2.5"}', '{"n":"2","i":"foo"}']],
    [[m('n', '=~', '2\\..*')], ['{"n":"2.5"}']],
    [[m('n', '=~', '.+')], null],
    [[m('n', '=~', '.*')], null],
    [[m('n', '=', '1'), m('i', '=~', '.*')], null],
    [[m('n', '=', '1'), m('i', '=~', '.+')], null],
    [[m('n', '=', '1'), m('i', '=~', '.')], null], // `.` matches the newline value
    [[m('n', '=', '1'), m('i', '=~', 'a|')], ['{"n":"1"}', '{"n":"1","i":"a"}']],
    [[m('n', '=', '1'), m('i', '=~', '^$')], ['{"n":"1"}']],
    [[m('n', '=', '1'), m('i', '!~', '.*')], []],
    [[m('n', '=', '1'), m('i', '!~', '.+')], ['{"n":"1"}']],
    [[m('n', '=', '1'), m('i', '!~', 'a|b')], ['{"n":"1"}', '{"n":"1","i":"\\n"}']],
    [[m('n', '=', '1'), m('i', '!~', '^$')], null],
    [[m('n', '=', '1'), m('i', '!~', '')], null],
    [[m('n', '=', '1'), m('i', '!~', 'a|b|c|d|e|f')], null],
    [[m('n', '=~', '1|2|2.5|ü|3|4|5')], null],
    [[m('i', '=~', 'a|b'), m('i', '!~', 'a')], ['{"n":"1","i":"b"}']],
    [[m('n', '!~', '1'), m('i', '!=', 'foo')], ['{"n":"2"}', '{"n":"2.5"}', '{"n":"ü","j":"x"}']],
    [[m('n', '=~', '(?i)Ü')], ['{"n":"ü","j":"x"}']],
    [[m('n', '=~', 'ü|x'), m('j', '=~', 'x')], ['{"n":"ü","j":"x"}']],
    [[m('n', '=~', '1'), m('i', '=~', 'f.*'), m('i', '!~', 'foo')], []],
    [[m('n', '!=', '2'), m('n', '!=', '1')], ['{"n":"2.5"}', '{"n":"ü","j":"x"}']],
    [[], null],
  ];
  for (const [ms, want] of cases) it(`{${ms.join(', ')}}`, () => check(ms, want));
});

describe('identity', () => {
  it('gives equal sets one ref and different sets different refs', () => {
    const { ix, refs } = fixture();
    expect(new Set(refs).size).toBe(SERIES.length);
    expect(refs).toEqual(SERIES.map((_, i) => i + 1));
    for (let i = 0; i < SERIES.length; i++) {
      expect(ix.getRef(Labels.from(SERIES[i].toObject()))).toBe(refs[i]);
      expect(ix.labels(refs[i])!.equals(SERIES[i])).toBe(true);
    }
    expect(ix.getRef(Labels.from({ n: '3' }))).toBe(0);
  });

  it('resolves hash collisions by comparing the sets', () => {
    const { ix, refs } = fixture({ hash: () => 42 });
    expect(new Set(refs).size).toBe(SERIES.length);
    for (let i = 0; i < SERIES.length; i++) expect(ix.getRef(SERIES[i])).toBe(refs[i]);
    expect(ix.getRef(Labels.from({ n: '3' }))).toBe(0);
    ix.remove([refs[2], refs[0]]);
    expect(ix.getRef(SERIES[0])).toBe(0);
    expect(ix.getRef(SERIES[2])).toBe(0);
    expect(ix.getRef(SERIES[1])).toBe(refs[1]);
    expect(ix.getRef(SERIES[7])).toBe(refs[7]);
  });

  it('accepts the head\'s refs and continues after them', () => {
    const ix = new LabelIndex();
    expect(ix.add(Labels.from({ a: '1' }), 5)).toBe(5);
    expect(ix.add(Labels.from({ a: '2' }), 3)).toBe(3);
    expect(ix.add(Labels.from({ a: '3' }))).toBe(6);
    expect([...ix.postings('a', '1')]).toEqual([5]);
    expect([...ix.allPostings()]).toEqual([3, 5, 6]);
    expect(() => ix.add(Labels.from({ a: '4' }), 5)).toThrow(/BUG: series ref 5 already in use/);
    expect(() => ix.add(Labels.from({ a: '1' }))).toThrow(/BUG: .* indexed twice/);
    expect(() => ix.add(Labels.from({ a: '4' }), -1)).toThrow(/BUG: invalid series ref/);
  });

  it('interns strings: equal values share one string', () => {
    const ix = new LabelIndex();
    const a = ix.add(Labels.from({ job: 'x'.repeat(40), n: '1' }));
    const b = ix.add(Labels.from({ job: 'x'.repeat(40), n: '2' }));
    expect(ix.labels(a)!.flat[0]).toBe(ix.labels(b)!.flat[0]);
    expect(ix.stats()).toMatchObject({ series: 2, names: 2, pairs: 3 });
  });

  it('builds an equal Labels on demand, also for a set it could not intern into', () => {
    const ix = new LabelIndex();
    const mine = Labels.from({ job: 'api', n: '1' });
    const got = ix.labels(ix.add(mine))!;
    expect(got).not.toBe(mine);
    expect(got.flat).toEqual(mine.flat);
    const frozen = Labels.fromSortedFlat(Object.freeze(['job', 'api', 'n', '2']));
    const ref = ix.add(frozen);
    expect(ix.labels(ref)!.flat).toEqual(frozen.flat);
    expect(ix.getRef(frozen)).toBe(ref);
    expect(ix.labels(999)).toBeUndefined();
    expect([ix.has(ref), ix.has(999), ix.has(0), ix.has(-1), ix.has(1.5)]).toEqual([true, false, false, false, false]);
  });
});

describe('remove', () => {
  it('drops series from postings, values and names', () => {
    const { ix, refs } = fixture();
    ix.remove([refs[7], refs[1], 999]);
    expect(ix.size).toBe(SERIES.length - 2);
    expect(ix.labels(refs[7])).toBeUndefined();
    expect(ix.entry('j')).toBeUndefined();
    expect(ix.sortedNames()).toEqual(['i', 'n']);
    expect(ix.entry('i')!.sortedValues()).toEqual(['\n', 'b', 'foo']);
    expect([...postingsForMatchers(ix, [m('n', '=', '1')])]).toEqual([refs[0], refs[2], refs[3]]);
    // Refs are not reused; a removed set can come back under a new ref.
    expect(ix.add(SERIES[1])).toBe(SERIES.length + 1);
    expect(ix.entry('i')!.sortedValues()).toEqual(['\n', 'a', 'b', 'foo']);
  });
});

describe('time-bounded queries', () => {
  // Series i has samples at times [10·i, 10·i + 5].
  const overlapping = (refs: Uint32Array, mint: number, maxt: number) =>
    refs.filter((r) => 10 * r <= maxt && 10 * r + 5 >= mint);
  const { ix } = fixture({ overlapping });

  const cases: [string, () => unknown, unknown][] = [
    ['select in range', () => [...selectRefs(ix, [m('n', '=', '1')], 0, 25)], [1, 2]],
    ['select outside', () => [...selectRefs(ix, [m('n', '=', '1')], 1000, 2000)], []],
    ['names, all time', () => labelNames(ix, undefined, -Infinity, Infinity), ['i', 'j', 'n']],
    ['names, early', () => labelNames(ix, undefined, 0, 15), ['n']],
    ['names, late', () => labelNames(ix, undefined, 80, 80), ['j', 'n']],
    ['names with matchers', () => labelNames(ix, [m('i', '=', 'foo')], -Infinity, Infinity), ['i', 'n']],
    ['values, all time', () => labelValues(ix, 'i', undefined, -Infinity, Infinity), ['\n', 'a', 'b', 'foo']],
    ['values, range', () => labelValues(ix, 'i', undefined, 20, 30), ['a', 'b']],
    ['values, range and matchers', () => labelValues(ix, 'n', [m('i', '=~', '.+')], 0, 55), ['1']],
    ['values of missing label', () => labelValues(ix, 'zz', undefined, -Infinity, Infinity), []],
    ['values with matchers', () => labelValues(ix, 'i', [m('n', '=', '2')], -Infinity, Infinity), ['foo']],
  ];
  for (const [name, run, want] of cases) it(name, () => expect(run()).toEqual(want));

  it('without a time callback, every series counts', () => {
    const { ix: plain } = fixture();
    expect(labelValues(plain, 'n', undefined, 0, 0)).toEqual(['1', '2', '2.5', 'ü']);
    expect(labelNames(plain, [m('j', '=', 'x')], 0, 0)).toEqual(['j', 'n']);
  });

  it('picks either labelValues strategy with the same answer', () => {
    // Many series with the label and few candidates, then the reverse.
    const big = new LabelIndex({ overlapping });
    for (let i = 0; i < 300; i++) big.add(Labels.from({ a: String(i % 7), b: String(i) }));
    expect(labelValues(big, 'a', [m('b', '=~', '1|2')], -Infinity, Infinity)).toEqual(['1', '2']);
    expect(labelValues(big, 'a', [m('b', '!=', '1')], -Infinity, Infinity)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(labelValues(big, 'a', undefined, 0, 40)).toEqual(['0', '1', '2', '3']);
  });
});

describe('randomized against the oracle', () => {
  // A small deterministic generator, so that failures reproduce.
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const VALUES = ['', 'a', 'b', 'ab', 'abc', 'b.c', 'x\ny'];
  const NAMES = ['p', 'q', 'r'];
  const TYPES: MatchType[] = ['=', '!=', '=~', '!~'];
  const REGEXES = ['a.*', 'a|b', '.*', '.+', 'ab?', '', 'b\\.c|', '(?i)A.*', '[ab]+', 'x.y'];

  it('matches brute force over random series, matchers and removals', () => {
    const ix = new LabelIndex({ hash: (l) => l.size }); // a poor hash: many collisions
    const live = new Map<number, Labels>();
    for (let i = 0; i < 300; i++) {
      const pairs: [string, string][] = NAMES.map((n) => [n, VALUES[rnd(VALUES.length)]]);
      pairs.push(['i', String(i)]);
      const l = Labels.fromPairs(pairs);
      live.set(ix.add(l), l);
    }
    for (let round = 0; round < 3; round++) {
      for (let c = 0; c < 150; c++) {
        const ms: Matcher[] = [];
        for (let k = 0, n = 1 + rnd(3); k < n; k++) {
          const type = TYPES[rnd(4)];
          const value = type === '=' || type === '!=' ? VALUES[rnd(VALUES.length)] : REGEXES[rnd(REGEXES.length)];
          ms.push(new Matcher(type, NAMES[rnd(NAMES.length)], value));
        }
        const want = [...live].filter(([, l]) => ms.every((x) => x.matches(l.get(x.name)))).map(([r]) => r).sort((a, b) => a - b);
        const got = postingsForMatchers(ix, ms);
        expect(isSorted(got)).toBe(true);
        expect([...got], `{${ms.join(', ')}}`).toEqual(want);
      }
      const drop = [...live.keys()].filter(() => rnd(4) === 0);
      ix.remove(drop);
      for (const r of drop) live.delete(r);
      for (const [r, l] of live) expect(ix.getRef(l)).toBe(r);
    }
  });
});

describe('sortByLabels', () => {
  it('orders by labels through both the comparison and the cached rank, and sees new series', () => {
    const ix = new LabelIndex();
    const n = 3000;
    for (let i = 0; i < n; i++) ix.add(Labels.from({ a: String((i * 7919) % n), b: i % 2 ? 'x' : 'y' }));
    const byCompare = (refs: number[]) => [...refs].sort((x, y) => ix.labels(x)!.compare(ix.labels(y)!));
    const all = [...ix.allPostings()].reverse();
    const check = (refs: number[]) => expect([...ix.sortByLabels(refs)]).toEqual(byCompare(refs));
    check(all); // rank path (builds the rank)
    check(all.slice(0, 2500)); // rank path (cached)
    check(all.slice(0, 10)); // comparison path
    check([]);
    const late = ix.add(Labels.from({ a: '0', b: 'a' })); // sorts first; the rank must be rebuilt
    expect(ix.sortByLabels([...ix.allPostings()])[0]).toBe(late);
  });
});
