import { describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { isStaleNaN } from '../../../shared/model/stale.ts';
import { TextParser } from '../../../shared/exposition/text-parser.ts';
import { compileRelabelConfig } from '../../../shared/relabel/index.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { ScrapeCache, SampleLimitError, mergeTargetLabels, type PageOptions } from '../../../edge/scrape/page.ts';

const target = Labels.from({ job: 'api', instance: 'a:80' });
const opts = (over: Partial<PageOptions> = {}): PageOptions => ({
  targetLabels: target, honorLabels: false, honorTimestamps: true, metricRelabel: [], sampleLimit: 0, ...over,
});

function scrape(storage: ReturnType<typeof openMemStorage>, cache: ScrapeCache, page: string, t: number, o = opts()) {
  const app = storage.appender();
  const report = cache.appendPage(app, new TextParser(page), t, o, Buffer.from(page)); // sized from the page on the first
  app.commit();
  return report;
}

function samples(storage: ReturnType<typeof openMemStorage>, name: string) {
  const q = storage.querier(-Infinity, Infinity);
  const set = q.select([new Matcher('=', '__name__', name)]);
  const batch = set.load();
  const off = batch.offsets(), ts = batch.timestamps(), vs = batch.values();
  // Staleness is read while the value is still in the typed array: V8 canonicalises NaN bits
  // stored in a plain JS array of doubles.
  const out = set.series.map((s, i) => ({
    labels: s.labels.toString(),
    points: [...ts.subarray(off[i], off[i + 1])].map((t, j) => [t, isStaleNaN(vs[off[i] + j]) ? 'stale' : vs[off[i] + j]]),
  }));
  batch.release();
  q.close();
  return out;
}

describe('mergeTargetLabels', () => {
  const check = (scraped: Record<string, string>, honor: boolean, want: Record<string, string>) =>
    expect(mergeTargetLabels(Labels.from(scraped), { targetLabels: target, honorLabels: honor }).toObject()).toEqual(want);
  it('adds target labels', () => check({ __name__: 'x' }, false, { __name__: 'x', job: 'api', instance: 'a:80' }));
  it('keeps clashing scraped labels as exported_', () => check({ __name__: 'x', job: 'j' }, false, { __name__: 'x', job: 'api', exported_job: 'j', instance: 'a:80' }));
  it('prefixes again when exported_ is taken', () =>
    check({ __name__: 'x', job: 'j', exported_job: 'k' }, false, { __name__: 'x', job: 'api', exported_job: 'k', exported_exported_job: 'j', instance: 'a:80' }));
  it('lets scraped labels win with honor_labels', () => check({ __name__: 'x', job: 'j' }, true, { __name__: 'x', job: 'j', instance: 'a:80' }));
  it('keeps the merged set sorted by name', () => {
    const sets: Record<string, string>[] = [{ __name__: 'x', a: '1', zz: '2' }, { __name__: 'x', j: '1' }, { k: 'v' }, { zzz: 'v' }, { instancf: '1', jo: '2' }];
    for (const scraped of sets) {
      const got = mergeTargetLabels(Labels.from(scraped), { targetLabels: target, honorLabels: false });
      expect(got.flat).toEqual(Labels.from({ ...scraped, job: 'api', instance: 'a:80' }).flat);
    }
  });
});

describe('ScrapeCache.appendPage', () => {
  it('appends every sample with target labels and reports counts', () => {
    const s = openMemStorage();
    const r = scrape(s, new ScrapeCache(), 'a 1\nb{x="1"} 2\nb{x="2"} 3\n', 1000);
    expect(r).toMatchObject({ scraped: 3, kept: 3, added: 3 });
    expect(samples(s, 'b')).toEqual([
      { labels: 'b{instance="a:80", job="api", x="1"}', points: [[1000, 2]] },
      { labels: 'b{instance="a:80", job="api", x="2"}', points: [[1000, 3]] },
    ]);
  });

  it('marks a vanished series stale at the next scrape, once', () => {
    const s = openMemStorage();
    const c = new ScrapeCache();
    scrape(s, c, 'a 1\nb 2\n', 1000);
    const r = scrape(s, c, 'a 1\n', 2000);
    expect(r.added).toBe(0);
    scrape(s, c, 'a 1\n', 3000);
    const [b] = samples(s, 'b');
    expect(b.points.length).toBe(2);
    expect(b.points[1][0]).toBe(2000);
    expect(b.points[1][1]).toBe('stale');
  });

  it('uses page timestamps only with honor_timestamps', () => {
    const s1 = openMemStorage(), s2 = openMemStorage();
    scrape(s1, new ScrapeCache(), 'a 1 500\n', 1000);
    scrape(s2, new ScrapeCache(), 'a 1 500\n', 1000, opts({ honorTimestamps: false }));
    expect(samples(s1, 'a')[0].points).toEqual([[500, 1]]);
    expect(samples(s2, 'a')[0].points).toEqual([[1000, 1]]);
  });

  it('applies metric_relabel_configs and caches drops', () => {
    const s = openMemStorage();
    const c = new ScrapeCache();
    const drop = compileRelabelConfig({ action: 'drop', source_labels: ['__name__'], regex: 'b.*' });
    const r = scrape(s, c, 'a 1\nbad 2\n', 1000, opts({ metricRelabel: [drop] }));
    expect(r).toMatchObject({ scraped: 2, kept: 1, added: 1 });
    expect(samples(s, 'bad')).toEqual([]);
  });

  it('sized from a first page that fails, empties again; the next page starts afresh', () => {
    const s = openMemStorage();
    const cache = new ScrapeCache();
    const bad = 'a 1\nb 2\n' + 'this is not a sample line\n'.repeat(1000);
    const app = s.appender();
    expect(() => cache.appendPage(app, new TextParser(bad), 1000, opts(), Buffer.from(bad))).toThrow();
    app.rollback();
    expect(cache.size).toBe(0);
    expect(scrape(s, cache, 'a 1\nb 2\n', 2000)).toMatchObject({ scraped: 2, added: 2 });
    expect(cache.size).toBe(2);
  });

  it('fails the whole page past sample_limit', () => {
    const s = openMemStorage();
    const app = s.appender();
    expect(() => new ScrapeCache().appendPage(app, new TextParser('a 1\nb 2\nc 3\n'), 1000, opts({ sampleLimit: 2 }))).toThrow(SampleLimitError);
    app.rollback();
    expect(samples(s, 'a')).toEqual([]);
  });

  it('markAllStale ends every series of the last page', () => {
    const s = openMemStorage();
    const c = new ScrapeCache();
    scrape(s, c, 'a 1\n', 1000);
    const app = s.appender();
    c.markAllStale(app, 1500, opts());
    app.commit();
    expect(samples(s, 'a')[0].points[1]).toEqual([1500, 'stale']);
  });

  // The cache keeps no labels per series (issue 6): known series go by ref; labels are built
  // again from the series text when the appender needs them.
  describe('appends a known series by its ref', () => {
    const page = 'a{x="1"} 1\nb{y="q\\"uo\\\\te\\n"} 2\n{"utf.8", z="3"} 3\ndropme 4\n';
    const relabelOpts = () =>
      opts({ metricRelabel: [compileRelabelConfig({ source_labels: ['__name__'], regex: 'dropme', action: 'drop' })] });
    /** A MemStorage appender that counts its calls, with appendRef refusing when `refuse` is set (or absent). */
    function counting(s: ReturnType<typeof openMemStorage>, mode: 'ok' | 'refuse' | 'none') {
      const inner = s.appender();
      const calls = { append: 0, appendRef: 0 };
      const app = {
        append: (ref: number, l: Labels, t: number, v: number) => (calls.append++, inner.append(ref, l, t, v)),
        appendRef: mode === 'none' ? undefined : (ref: number, t: number, v: number) => (calls.appendRef++, mode === 'ok' && inner.appendRef!(ref, t, v)),
        commit: () => inner.commit(),
        rollback: () => inner.rollback(),
      };
      return { app, calls };
    }
    const all = (s: ReturnType<typeof openMemStorage>) => ['a', 'b', 'utf.8', 'dropme'].flatMap((n) => samples(s, n));

    it.each(['ok', 'refuse', 'none'] as const)('appendRef %s: same series, same samples', (mode) => {
      const s = openMemStorage(), c = new ScrapeCache();
      for (const [t, body] of [[1000, page], [2000, page], [3000, 'a{x="1"} 5\n']] as const) {
        const { app, calls } = counting(s, mode);
        c.appendPage(app, new TextParser(body), t, relabelOpts());
        if (t === 1000) c.markAllStale(app, 1500, relabelOpts()); // by ref as well
        app.commit();
        // The first page appends with labels; later ones by ref alone unless the appender refuses.
        if (t === 2000) expect(calls).toEqual(mode === 'ok' ? { append: 0, appendRef: 3 } : { append: 3, appendRef: mode === 'none' ? 0 : 3 });
      }
      expect(all(s)).toEqual([
        { labels: 'a{instance="a:80", job="api", x="1"}', points: [[1000, 1], [1500, 'stale'], [2000, 1], [3000, 5]] },
        { labels: 'b{instance="a:80", job="api", y="q\\"uo\\\\te\\n"}', points: [[1000, 2], [1500, 'stale'], [2000, 2], [3000, 'stale']] },
        { labels: '{"utf.8", instance="a:80", job="api", z="3"}', points: [[1000, 3], [1500, 'stale'], [2000, 3], [3000, 'stale']] },
      ]);
    });
  });
});

