/**
 * The shared storage suite: the behaviour every Storage (shared/storage/interface.ts) must have,
 * written only against that interface. The in-memory storage runs it in mem.test.ts; the durable
 * TSDB runs it too, with `reopen` to check that data survives a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import { Matcher, type MatchType } from '../../shared/model/matcher.ts';
import { InvalidLabelError } from '../../shared/model/validate.ts';
import type { AppendResult, Querier, SelectHints, Storage } from '../../shared/storage/interface.ts';

/** StorageSuiteOptions: settings a test asks the storage to open with. */
export interface StorageSuiteOptions {
  outOfOrderWindowMs?: number;
}

/** OpenStorage opens a fresh, empty storage. */
export type OpenStorage = (options?: StorageSuiteOptions) => Promise<Storage>;

/** ReopenStorage closes `storage` and opens the same data again (a restart). */
export type ReopenStorage = (storage: Storage, options?: StorageSuiteOptions) => Promise<Storage>;

/** Prometheus' staleness marker: a NaN with this exact bit pattern. */
export const STALE_NAN_BITS = 0x7ff0000000000002n;

export function staleNaN(): number {
  return new Float64Array(new BigUint64Array([STALE_NAN_BITS]).buffer)[0];
}

/**
 * bitsOf returns the bit pattern of a double. (Not via `new Float64Array([v])`: constructing
 * from an array quiets signaling NaNs, setting 0x0008000000000000.)
 */
export function bitsOf(v: number): bigint {
  const f = new Float64Array(1);
  f[0] = v;
  return new BigUint64Array(f.buffer)[0];
}

const L = (o: Record<string, string>) => Labels.from(o);
const m = (name: string, type: MatchType, value: string) => new Matcher(type, name, value);

type Sample = readonly [Labels, number, number];

/** write appends the samples in one appender and commits. */
export function write(s: Storage, samples: readonly Sample[]): AppendResult {
  const app = s.appender();
  for (const [l, t, v] of samples) app.append(0, l, t, v);
  return app.commit();
}

/** ReadSeries: one selected series with its samples copied out of the batch. */
export interface ReadSeries {
  labels: string;
  samples: [number, number][];
}

/** read selects and loads, copying everything out and releasing the batch. */
export function read(q: Querier, matchers: Matcher[], hints?: SelectHints, load?: [number, number]): ReadSeries[] {
  const set = q.select(matchers, hints);
  const batch = load ? set.load(load[0], load[1]) : set.load();
  try {
    expect(batch.seriesCount).toBe(set.series.length);
    const off = batch.offsets(), ts = batch.timestamps(), vs = batch.values();
    expect(off.length).toBe(set.series.length + 1);
    expect(off[0]).toBe(0);
    expect(off[set.series.length]).toBe(batch.sampleCount);
    return set.series.map((s, i) => {
      const samples: [number, number][] = [];
      for (let k = off[i]; k < off[i + 1]; k++) samples.push([ts[k], vs[k]]);
      return { labels: s.labels.toString(), samples };
    });
  } finally {
    batch.release();
  }
}

/**
 * readBits selects and loads, returning each series' value bits read straight from the batch
 * (never through a JavaScript array of doubles, which V8 may store with canonical NaNs).
 */
export function readBits(q: Querier, matchers: Matcher[]): bigint[][] {
  const set = q.select(matchers);
  const batch = set.load();
  try {
    const off = batch.offsets(), vs = batch.values();
    return set.series.map((_, i) => {
      const bits: bigint[] = [];
      for (let k = off[i]; k < off[i + 1]; k++) bits.push(bitsOf(vs[k]));
      return bits;
    });
  } finally {
    batch.release();
  }
}

/** storageSuite registers the shared tests for one Storage implementation. */
export function storageSuite(name: string, open: OpenStorage, reopen?: ReopenStorage): void {
  describe(`storage suite: ${name}`, () => {
    let opened: Storage[] = [];
    const fresh = async (options?: StorageSuiteOptions) => {
      const s = await open(options);
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of opened) await s.close();
      opened = [];
    });

    it('appends, commits and reads back', async () => {
      const s = await fresh();
      const a = L({ __name__: 'up', job: 'a' }), b = L({ __name__: 'up', job: 'b' });
      const res = write(s, [[a, 1000, 1], [b, 1000, 0], [a, 2000, 1.5], [b, 2000, -2]]);
      expect(res).toEqual({ appended: 4, errors: [] });
      const q = s.querier(0, 10_000);
      expect(read(q, [m('__name__', '=', 'up')])).toEqual([
        { labels: 'up{job="a"}', samples: [[1000, 1], [2000, 1.5]] },
        { labels: 'up{job="b"}', samples: [[1000, 0], [2000, -2]] },
      ]);
      q.close();
    });

    it('rollback discards the buffered samples; a spent appender refuses more', async () => {
      const s = await fresh();
      const app = s.appender();
      app.append(0, L({ __name__: 'x', a: '1' }), 1000, 1);
      app.rollback();
      expect(() => app.append(0, L({ __name__: 'x' }), 1000, 1)).toThrow();
      const q = s.querier(-Infinity, Infinity);
      expect(read(q, [m('__name__', '=', 'x')])).toEqual([]);
      expect(q.labelNames()).toEqual([]);
      expect(q.labelValues('a')).toEqual([]);
      const app2 = s.appender();
      app2.append(0, L({ __name__: 'x' }), 1, 1);
      app2.commit();
      expect(() => app2.commit()).toThrow();
    });

    it('reuses refs for the same labels and trusts a known ref', async () => {
      const s = await fresh();
      const a = L({ __name__: 'm', i: '1' }), b = L({ __name__: 'm', i: '2' });
      const app = s.appender();
      const ra = app.append(0, a, 1000, 1);
      const rb = app.append(0, b, 1000, 2);
      expect(ra).not.toBe(0);
      expect(rb).not.toBe(ra);
      expect(app.append(0, a, 2000, 3)).toBe(ra);
      app.commit();
      const app2 = s.appender();
      expect(app2.append(ra, a, 3000, 4)).toBe(ra);
      expect(app2.append(0, L({ i: '2', __name__: 'm' }), 3000, 5)).toBe(rb);
      // An unknown ref falls back to the labels.
      expect(app2.append(rb + 1_000_000, b, 4000, 6)).toBe(rb);
      expect(app2.commit()).toEqual({ appended: 3, errors: [] });
      const got = read(s.querier(0, 10_000), [m('__name__', '=', 'm')]);
      expect(got.map((x) => x.samples)).toEqual([
        [[1000, 1], [2000, 3], [3000, 4]],
        [[1000, 2], [3000, 5], [4000, 6]],
      ]);
      const sel = s.querier(0, 10_000).select([m('i', '=', '2')]);
      expect(sel.series.map((x) => x.ref)).toEqual([rb]);
    });

    it('refuses invalid label sets with InvalidLabelError', async () => {
      const s = await fresh();
      const app = s.appender();
      expect(() => app.append(0, Labels.EMPTY, 1, 1)).toThrow(InvalidLabelError);
      expect(() => app.append(0, L({ __name__: 'x', a: 'bad\ud800' }), 1, 1)).toThrow(InvalidLabelError);
      // UTF-8 names are valid in Prometheus 3.
      app.append(0, L({ __name__: 'http.requests', 'my label': 'ü' }), 1, 1);
      expect(app.commit()).toEqual({ appended: 1, errors: [] });
      expect(s.querier(0, 10).labelNames()).toEqual(['__name__', 'my label']);
    });

    describe('select with matchers', () => {
      const SERIES = [
        L({ __name__: 'http', code: '200', path: '/' }),
        L({ __name__: 'http', code: '500', path: '/' }),
        L({ __name__: 'http', code: '200', path: '/api' }),
        L({ __name__: 'http', path: '/api' }),
        L({ __name__: 'cpu', mode: 'idle' }),
        L({ __name__: 'cpu', mode: 'user', code: '200' }),
      ];
      // selector, expected series (in label order)
      const cases: [Matcher[], string[]][] = [
        [[m('__name__', '=', 'http')], ['http{code="200", path="/"}', 'http{code="200", path="/api"}', 'http{code="500", path="/"}', 'http{path="/api"}']],
        [[m('__name__', '=', 'http'), m('code', '!=', '200')], ['http{code="500", path="/"}', 'http{path="/api"}']],
        [[m('__name__', '=', 'http'), m('code', '=', '')], ['http{path="/api"}']],
        [[m('__name__', '=', 'http'), m('code', '!=', '')], ['http{code="200", path="/"}', 'http{code="200", path="/api"}', 'http{code="500", path="/"}']],
        [[m('__name__', '=', 'http'), m('code', '=~', '2..')], ['http{code="200", path="/"}', 'http{code="200", path="/api"}']],
        [[m('__name__', '=', 'http'), m('code', '=~', '2')], []], // anchored
        [[m('__name__', '=', 'http'), m('code', '=~', '5..|')], ['http{code="500", path="/"}', 'http{path="/api"}']],
        [[m('__name__', '=', 'http'), m('code', '!~', '2..')], ['http{code="500", path="/"}', 'http{path="/api"}']],
        [[m('__name__', '=', 'http'), m('code', '!~', '.*')], []],
        [[m('__name__', '=', 'http'), m('code', '=~', '.+')], ['http{code="200", path="/"}', 'http{code="200", path="/api"}', 'http{code="500", path="/"}']],
        [[m('__name__', '=~', 'http|cpu'), m('code', '=', '200')], ['cpu{code="200", mode="user"}', 'http{code="200", path="/"}', 'http{code="200", path="/api"}']],
        [[m('__name__', '=~', 'c.*'), m('mode', '!=', 'idle')], ['cpu{code="200", mode="user"}']],
        [[m('path', '=', '/api'), m('code', '!~', '5..')], ['http{code="200", path="/api"}', 'http{path="/api"}']],
        [[m('missing', '=', 'x')], []],
        [[m('__name__', '=', 'cpu'), m('missing', '=', '')], ['cpu{code="200", mode="user"}', 'cpu{mode="idle"}']],
        [[m('__name__', '=', 'cpu'), m('missing', '!=', '')], []],
        [[m('code', '=~', '.*'), m('mode', '=~', '.+')], ['cpu{code="200", mode="user"}', 'cpu{mode="idle"}']],
      ];
      for (const [ms, want] of cases) {
        it(`{${ms.join(', ')}}`, async () => {
          const s = await fresh();
          write(s, [...SERIES].reverse().map((l, i) => [l, 1000, i] as const));
          const got = read(s.querier(0, 2000), ms).map((x) => x.labels);
          expect(got).toEqual(want);
        });
      }
    });

    it('returns series sorted by labels whatever the insertion order', async () => {
      const s = await fresh();
      const sets = [];
      for (let i = 0; i < 50; i++) sets.push(L({ __name__: 'm', a: String((i * 37) % 50), b: i % 2 ? 'x' : 'y' }));
      write(s, sets.map((l) => [l, 1, 1] as const));
      const got = s.querier(0, 2).select([m('__name__', '=', 'm')]).series.map((x) => x.labels);
      const want = [...sets].sort((x, y) => x.compare(y));
      expect(got.map(String)).toEqual(want.map(String));
    });

    it('bounds select, labelNames and labelValues by time', async () => {
      const s = await fresh();
      write(s, [
        [L({ __name__: 'early', job: 'a' }), 1000, 1],
        [L({ __name__: 'early', job: 'a' }), 2000, 2],
        [L({ __name__: 'late', job: 'b', zone: 'z' }), 5000, 3],
        [L({ __name__: 'late', job: 'b', zone: 'z' }), 6000, 4],
      ]);
      const any = [m('job', '=~', '.+')];
      const early = s.querier(0, 2500);
      expect(read(early, any)).toEqual([{ labels: 'early{job="a"}', samples: [[1000, 1], [2000, 2]] }]);
      expect(early.labelNames()).toEqual(['__name__', 'job']);
      expect(early.labelValues('job')).toEqual(['a']);
      expect(early.labelValues('zone')).toEqual([]);
      const all = s.querier(-Infinity, Infinity);
      expect(all.labelNames()).toEqual(['__name__', 'job', 'zone']);
      expect(all.labelValues('job')).toEqual(['a', 'b']);
      expect(all.labelValues('job', [m('zone', '=', 'z')])).toEqual(['b']);
      expect(all.labelNames([m('job', '=', 'a')])).toEqual(['__name__', 'job']);
      // Inclusive bounds, hints override the querier's range, load narrows further.
      expect(read(s.querier(2000, 5000), any).map((x) => x.samples)).toEqual([[[2000, 2]], [[5000, 3]]]);
      expect(read(early, any, { start: 5500, end: 9000 })).toEqual([{ labels: 'late{job="b", zone="z"}', samples: [[6000, 4]] }]);
      expect(read(all, any, undefined, [1500, 5500]).map((x) => x.samples)).toEqual([[[2000, 2]], [[5000, 3]]]);
      expect(read(s.querier(2001, 4999), any)).toEqual([]);
      expect(s.querier(2001, 4999).labelNames()).toEqual([]);
    });

    it('keeps a series whose samples fall outside load()\'s range, with no samples', async () => {
      const s = await fresh();
      write(s, [
        [L({ __name__: 'a' }), 1000, 1],
        [L({ __name__: 'b' }), 1000, 2],
        [L({ __name__: 'b' }), 3000, 3],
        [L({ __name__: 'c' }), 3000, 4],
      ]);
      const got = read(s.querier(0, 5000), [m('__name__', '=~', '.+')], undefined, [2000, 4000]);
      expect(got).toEqual([
        { labels: 'a', samples: [] },
        { labels: 'b', samples: [[3000, 3]] },
        { labels: 'c', samples: [[3000, 4]] },
      ]);
    });

    it('applies the series limit after sorting', async () => {
      const s = await fresh();
      write(s, ['d', 'b', 'a', 'c'].map((x) => [L({ __name__: 'm', x }), 1, 1] as const));
      const q = s.querier(0, 1);
      expect(q.select([m('__name__', '=', 'm')], { limit: 2 }).series.map((x) => x.labels.get('x'))).toEqual(['a', 'b']);
      expect(q.select([m('__name__', '=', 'm')], { limit: 0 }).series).toHaveLength(4);
      expect(q.select([m('__name__', '=', 'm')], { limit: 10 }).series).toHaveLength(4);
    });

    it('refuses out-of-order samples without a window, and reports duplicates', async () => {
      const s = await fresh();
      const a = L({ __name__: 'm' });
      expect(write(s, [[a, 10_000, 1]])).toEqual({ appended: 1, errors: [] });
      const res = write(s, [[a, 9_999, 2], [a, 10_000, 1], [a, 10_000, 5], [a, 11_000, 3], [a, 10_500, 4]]);
      expect(res.appended).toBe(2); // the exact duplicate is a no-op that counts; 11_000 stored
      expect(res.errors.map((e) => [e.reason, e.labels.toString(), e.t, e.v])).toEqual([
        ['out_of_bounds', 'm', 9_999, 2],
        ['duplicate_timestamp', 'm', 10_000, 5],
        ['out_of_bounds', 'm', 10_500, 4],
      ]);
      expect(res.errors[0].message).toContain('out of bounds');
      expect(read(s.querier(0, 20_000), [m('__name__', '=', 'm')])[0].samples).toEqual([[10_000, 1], [11_000, 3]]);
    });

    it('accepts out-of-order samples within the window', async () => {
      const s = await fresh({ outOfOrderWindowMs: 60_000 });
      const a = L({ __name__: 'm' }), b = L({ __name__: 'n' });
      write(s, [[a, 100_000, 1], [b, 100_000, 1]]);
      const res = write(s, [[a, 50_000, 2], [a, 39_999, 3], [b, 40_000, 4], [a, 99_000, 5], [a, 50_000, 6], [a, 50_000, 2]]);
      expect(res.appended).toBe(4);
      expect(res.errors.map((e) => [e.reason, e.t])).toEqual([['out_of_bounds', 39_999], ['duplicate_timestamp', 50_000]]);
      expect(read(s.querier(0, 200_000), [m('__name__', '=~', 'm|n')])).toEqual([
        { labels: 'm', samples: [[50_000, 2], [99_000, 5], [100_000, 1]] },
        { labels: 'n', samples: [[40_000, 4], [100_000, 1]] },
      ]);
    });

    it('keeps staleness markers and other NaNs bit-exact', async () => {
      const s = await fresh();
      const a = L({ __name__: 'm' });
      const quiet = new Float64Array(new BigUint64Array([0x7ff8000000000000n]).buffer)[0];
      expect(bitsOf(staleNaN())).toBe(STALE_NAN_BITS); // the helpers themselves keep the bits
      write(s, [[a, 1000, 1], [a, 2000, staleNaN()], [a, 3000, quiet], [a, 4000, -0], [a, 5000, Infinity]]);
      // Compared straight from the batch: a JavaScript array of doubles would canonicalize NaNs.
      expect(readBits(s.querier(0, 10_000), [m('__name__', '=', 'm')])).toEqual([
        [bitsOf(1), STALE_NAN_BITS, 0x7ff8000000000000n, 0x8000000000000000n, bitsOf(Infinity)],
      ]);
    });

    it('handles many series in scrape-sized commits, with correct batch offsets', async () => {
      const s = await fresh();
      const n = 3000;
      const sets = Array.from({ length: n }, (_, i) => L({ __name__: 'load', instance: `host-${i}`, shard: String(i % 10) }));
      const refs = new Array<number>(n).fill(0);
      for (let scrape = 0; scrape < 4; scrape++) {
        const app = s.appender();
        const t = 1000 * (scrape + 1);
        // Series i is scraped only in the first (i % 4) + 1 scrapes, so sample counts differ.
        for (let i = 0; i < n; i++) if (scrape <= i % 4) refs[i] = app.append(refs[i], sets[i], t, i + scrape / 10);
        expect(app.commit().errors).toEqual([]);
      }
      expect(new Set(refs).size).toBe(n);
      const q = s.querier(0, 10_000);
      const got = read(q, [m('shard', '=', '7')]);
      expect(got).toHaveLength(n / 10);
      for (const g of got) {
        const i = Number(/host-(\d+)/.exec(g.labels)![1]);
        expect(i % 10).toBe(7);
        expect(g.samples).toEqual(Array.from({ length: (i % 4) + 1 }, (_, k) => [1000 * (k + 1), i + k / 10]));
      }
      const regex = q.select([m('instance', '=~', 'host-1.*'), m('shard', '!~', '1|2')]);
      expect(regex.series.length).toBe(sets.filter((l) => l.get('instance').startsWith('host-1') && !['1', '2'].includes(l.get('shard'))).length);
      expect(q.labelValues('shard')).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    });

    it('loads a slice [from, to) of a selected set, in the set\'s order', async () => {
      const s = await fresh();
      const sets = Array.from({ length: 5 }, (_, i) => L({ __name__: 'sliced', i: String(i) }));
      write(s, sets.flatMap((l, i): Sample[] => [[l, 1000, i], [l, 2000, 10 + i]]));
      const q = s.querier(0, 10_000);
      const set = q.select([m('__name__', '=', 'sliced')]);
      const b = set.load(0, 10_000, 1, 3);
      try {
        expect(b.seriesCount).toBe(2);
        expect([...b.offsets()]).toEqual([0, 2, 4]);
        expect([...b.values()]).toEqual([1, 11, 2, 12]);
      } finally {
        b.release();
      }
      const empty = set.load(0, 10_000, 4, 4);
      expect(empty.seriesCount).toBe(0);
      empty.release();
      q.close();
    });

    it('mixes scrapes and scattered samples in one commit in order', async () => {
      const s = await fresh();
      const sets = Array.from({ length: 20 }, (_, i) => L({ __name__: 'mix', i: String(i).padStart(2, '0') }));
      const app = s.appender();
      app.append(0, sets[0], 500, -1); // scattered
      for (const l of sets) app.append(0, l, 1000, 1); // a scrape
      app.append(0, sets[1], 1500, -2); // scattered
      app.append(0, sets[0], 1200, -3);
      for (const l of sets) app.append(0, l, 2000, 2); // another scrape
      expect(app.commit()).toEqual({ appended: 43, errors: [] });
      const got = read(s.querier(0, 3000), [m('__name__', '=', 'mix')]);
      expect(got[0].samples).toEqual([[500, -1], [1000, 1], [1200, -3], [2000, 2]]);
      expect(got[1].samples).toEqual([[1000, 1], [1500, -2], [2000, 2]]);
      expect(got[19].samples).toEqual([[1000, 1], [2000, 2]]);
    });

    it('appendRef buffers a sample for a live ref and refuses 0 and unknown refs, buffering nothing', async () => {
      const s = await fresh();
      const a = L({ __name__: 'byref', job: 'a' });
      const first = s.appender();
      const ref = first.append(0, a, 1000, 1);
      first.commit();
      const app = s.appender();
      if (!app.appendRef) throw new Error('this storage has no appendRef');
      expect(app.appendRef(ref, 2000, 2)).toBe(true);
      expect(app.appendRef(0, 3000, 3)).toBe(false);
      expect(app.appendRef(ref + 1000, 3000, 3)).toBe(false); // never handed out
      expect(() => app.appendRef!(ref, 2500.5, 3)).toThrow(RangeError);
      expect(app.commit()).toEqual({ appended: 1, errors: [] });
      const rolled = s.appender();
      expect(rolled.appendRef!(ref, 4000, 4)).toBe(true);
      rolled.rollback();
      expect(() => rolled.appendRef!(ref, 5000, 5)).toThrow(/after commit or rollback/);
      const late = s.appender();
      expect(late.appendRef!(ref, 500, 0)).toBe(true);
      expect(late.commit().errors.map((e) => [e.reason, e.labels.toString()])).toEqual([['out_of_bounds', 'byref{job="a"}']]);
      let r = s;
      if (reopen) {
        r = await reopen(s);
        opened = opened.filter((x) => x !== s);
        opened.push(r);
      }
      const q = r.querier(0, 10_000);
      expect(read(q, [m('__name__', '=', 'byref')])).toEqual([{ labels: 'byref{job="a"}', samples: [[1000, 1], [2000, 2]] }]);
      q.close();
    });

    if (reopen) {
      it('keeps everything across a restart', async () => {
        const s = await fresh();
        const a = L({ __name__: 'kept', job: 'x' });
        write(s, [[a, 1000, 1], [a, 2000, staleNaN()], [L({ __name__: 'kept', job: 'y' }), 1500, 2]]);
        const s2 = await reopen(s);
        opened = opened.filter((x) => x !== s);
        opened.push(s2);
        const q = s2.querier(0, 5000);
        const got = read(q, [m('__name__', '=', 'kept')]);
        expect(got.map((g) => g.labels)).toEqual(['kept{job="x"}', 'kept{job="y"}']);
        expect(got[0].samples[0]).toEqual([1000, 1]);
        expect(readBits(q, [m('job', '=', 'x')])).toEqual([[bitsOf(1), STALE_NAN_BITS]]);
        expect(q.labelValues('job')).toEqual(['x', 'y']);
        // The series is the same one: appending continues it.
        expect(write(s2, [[a, 3000, 3], [a, 500, 0]]).errors.map((e) => e.reason)).toEqual(['out_of_bounds']);
      });
    }
  });
}
