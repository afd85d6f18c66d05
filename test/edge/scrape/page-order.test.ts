/**
 * ScrapeCache's fast path asks the parser whether the next line is the series that followed the
 * previous one on the previous page: a page whose lines move, appear, vanish or repeat must still
 * give every sample to its own series, with the same counts and staleness as a cache that always
 * looks series up by their text (a parser of strings, for which the fast path never applies).
 */
import { describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { isStaleNaN } from '../../../shared/model/stale.ts';
import { TextParser } from '../../../shared/exposition/text-parser.ts';
import { OpenMetricsParser } from '../../../shared/exposition/openmetrics-parser.ts';
import { newParser } from '../../../shared/exposition/content-type.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { ScrapeCache, type PageOptions } from '../../../edge/scrape/page.ts';

type ExpositionParserLike = ReturnType<typeof newParser>;

/** CountingParser counts the lines its nextKnownSeries and nextKnownMetadata read. */
class CountingParser extends TextParser {
  hits = 0;
  metaHits = 0;
  override nextKnownSeries(key: Uint8Array, start: number, end: number): boolean {
    const hit = super.nextKnownSeries(key, start, end);
    if (hit) this.hits++;
    return hit;
  }
  override nextKnownMetadata(...args: Parameters<TextParser['nextKnownMetadata']>): boolean {
    const hit = super.nextKnownMetadata(...args);
    if (hit) this.metaHits++;
    return hit;
  }
}
class CountingOpenMetricsParser extends OpenMetricsParser {
  metaHits = 0;
  override nextKnownMetadata(...args: Parameters<OpenMetricsParser['nextKnownMetadata']>): boolean {
    const hit = super.nextKnownMetadata(...args);
    if (hit) this.metaHits++;
    return hit;
  }
}

const opts: PageOptions = { targetLabels: Labels.from({ job: 'j' }), honorLabels: false, honorTimestamps: true, metricRelabel: [], sampleLimit: 0 };

function points(storage: ReturnType<typeof openMemStorage>): Record<string, Array<[number, number | 'stale']>> {
  const q = storage.querier(-Infinity, Infinity);
  const set = q.select([new Matcher('=', 'job', 'j')]);
  const batch = set.load();
  const off = batch.offsets(), ts = batch.timestamps(), vs = batch.values();
  const out: Record<string, Array<[number, number | 'stale']>> = {};
  set.series.forEach((s, i) => {
    out[s.labels.toString()] = [...ts.subarray(off[i], off[i + 1])].map((t, j) => [t, isStaleNaN(vs[off[i] + j]) ? 'stale' : vs[off[i] + j]]);
  });
  batch.release();
  q.close();
  return out;
}

describe('ScrapeCache page order', () => {
  const pages = [
    'a 1\nb{x="1"} 2\nb{x="2"} 3\nc 4\n',
    'b{x="2"} 13\na 11\nc 14\nb{x="1"} 12\n', // moved
    'a 21\nb{x="1"} 22\nd 25\nc 24\n', // one gone, one new in its place
    'a 31\na 99\nb{x="1"} 32\n', // repeated, shorter
    'a 41\nb{x="1"} 42\nb{x="2"} 43\nc 44\nd 45\n',
  ];

  const want = {
    'a{job="j"}': [[1000, 1], [2000, 11], [3000, 21], [4000, 31], [5000, 41]],
    'b{job="j", x="1"}': [[1000, 2], [2000, 12], [3000, 22], [4000, 32], [5000, 42]],
    'b{job="j", x="2"}': [[1000, 3], [2000, 13], [3000, 'stale'], [5000, 43]],
    'c{job="j"}': [[1000, 4], [2000, 14], [3000, 24], [4000, 'stale'], [5000, 44]],
    'd{job="j"}': [[3000, 25], [4000, 'stale'], [5000, 45]],
  };

  for (const [how, parse] of [
    ['bytes', (page: string) => newParser('text', Buffer.from(page))],
    ['strings', (page: string) => new TextParser(page)],
    ['bytes and strings in turn', (page: string, k: number) => (k % 2 ? newParser('text', Buffer.from(page)) : new TextParser(page))],
  ] as const) {
    it(`gives each sample to its series whatever the order (${how})`, () => {
      const s = openMemStorage();
      const cache = new ScrapeCache();
      const reports = pages.map((page, k) => {
        const app = s.appender();
        const r = cache.appendPage(app, parse(page, k), 1000 * (k + 1), opts);
        app.commit();
        return r;
      });
      expect(reports.map((r) => [r.scraped, r.kept, r.added])).toEqual([[4, 4, 4], [4, 4, 0], [4, 4, 1], [3, 2, 0], [5, 5, 0]]);
      expect(points(s)).toEqual(want);
    });
  }

  it('reads OpenMetrics pages the same from bytes as from strings, _created lines and timestamps included', () => {
    const om = (k: number, extra = '') =>
      `# TYPE c counter\nc_total{a="1"} ${k}\nc_created{a="1"} 1700000000\n${extra}# TYPE g gauge\ng{a="1"} ${k * 2} ${1000 + k}\ng_created 5\n# EOF\n`;
    const run = (parse: (text: string) => ExpositionParserLike) => {
      const s = openMemStorage();
      const cache = new ScrapeCache();
      const reports = [om(1), om(2), om(3, 'c_total{a="2"} 9\n'), om(4)].map((text, k) => {
        const app = s.appender();
        const r = cache.appendPage(app, parse(text), 10_000 * (k + 1), opts);
        app.commit();
        return [r.scraped, r.kept, r.added];
      });
      return { reports, points: points(s) };
    };
    const fromBytes = run((text) => newParser('openmetrics', Buffer.from(text)));
    expect(fromBytes).toEqual(run((text) => newParser('openmetrics', text)));
    expect(fromBytes.reports).toEqual([[3, 3, 3], [3, 3, 0], [4, 4, 1], [3, 3, 0]]);
    expect(fromBytes.points['c_total{a="1", job="j"}']).toEqual([[10_000, 1], [20_000, 2], [30_000, 3], [40_000, 4]]);
  });

  it('follows the previous page again after a line that moved, appeared or vanished', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `m{i="${i}"}`);
    const page = (list: string[], v: number) => list.map((l) => `${l} ${v}\n`).join('');
    const cache = new ScrapeCache();
    const s = openMemStorage();
    const hits = (text: string, k: number): number => {
      const p = new CountingParser(Buffer.from(text));
      const app = s.appender();
      cache.appendPage(app, p, 1000 * k, opts);
      app.commit();
      return p.hits;
    };
    expect(hits(page(lines, 1), 1)).toBe(0); // all new
    expect(hits(page(lines, 2), 2)).toBe(20);
    const inserted = [...lines.slice(0, 5), 'new 1', ...lines.slice(5)];
    expect(hits(page(inserted, 3), 3)).toBe(20); // all but the new line
    const removed = inserted.filter((l) => l !== 'm{i="12"}');
    expect(hits(page(removed, 4), 4)).toBe(19); // the line after the gap is looked up, then followed again
    const swapped = [...removed];
    [swapped[2], swapped[15]] = [swapped[15], swapped[2]];
    expect(hits(page(swapped, 5), 5)).toBe(20 - 4); // each moved line, and the one after it
    expect(cache.size).toBe(21);
  });

  it('reads the previous page\'s metadata lines by comparing them, keeping each family\'s TYPE', () => {
    const cache = new ScrapeCache();
    const s = openMemStorage();
    const text = (v: number, help = 'Requests.') => `# HELP c ${help}\n# TYPE c counter\nc_total ${v}\nc_created 17\n# TYPE g gauge\ng ${v}\n`;
    const scrape = (p: CountingParser | CountingOpenMetricsParser, k: number) => {
      const app = s.appender();
      const r = cache.appendPage(app, p, 1000 * k, opts);
      app.commit();
      return [r.scraped, p.metaHits];
    };
    const meta = () => cache.metadata.list().map((m) => [m.metric, m.type, m.help]);
    expect(scrape(new CountingParser(Buffer.from(text(1))), 1)).toEqual([2, 0]);
    expect(scrape(new CountingParser(Buffer.from(text(2))), 2)).toEqual([2, 3]); // c_created still skipped
    expect(meta()).toEqual([['c', 'counter', 'Requests.'], ['g', 'gauge', '']]);
    expect(scrape(new CountingParser(Buffer.from(text(3, 'All requests.'))), 3)).toEqual([2, 2]);
    expect(meta()).toEqual([['c', 'counter', 'All requests.'], ['g', 'gauge', '']]);
    // The same lines in another format are read afresh once (they may mean something else there).
    const om = (v: number) => `${text(v, 'All requests.')}# EOF\n`;
    expect(scrape(new CountingOpenMetricsParser(Buffer.from(om(4))), 4)).toEqual([2, 0]);
    expect(scrape(new CountingOpenMetricsParser(Buffer.from(om(5))), 5)).toEqual([2, 3]);
    expect(meta()).toEqual([['c', 'counter', 'All requests.'], ['g', 'gauge', '']]);
    expect(points(s)['c_total{job="j"}'].map(([, v]) => v)).toEqual([1, 2, 3, 4, 5]);
  });

  it('forgets series that churned away once the cache holds far more than a page', () => {
    const cache = new ScrapeCache();
    const s = openMemStorage();
    for (let k = 1; k <= 4; k++) {
      const lines = Array.from({ length: 300 }, (_, i) => `churn{gen="${k}",i="${i}"} ${k}\n`).join('');
      const app = s.appender();
      const r = cache.appendPage(app, newParser('text', Buffer.from(lines)), 1000 * k, opts);
      app.commit();
      expect(r.added).toBe(300);
    }
    // 2 × 300 + 256 allowed: after the third page the first two generations were dropped.
    expect(cache.size).toBeLessThanOrEqual(2 * 300 + 256);
    expect(cache.size).toBeGreaterThanOrEqual(300);
    // A dropped text comes back as added, with its own series.
    const app = s.appender();
    const r = cache.appendPage(app, newParser('text', Buffer.from('churn{gen="1",i="0"} 9\n')), 5000, opts);
    app.commit();
    expect(r).toMatchObject({ scraped: 1, added: 1 });
    expect(points(s)['churn{gen="1", i="0", job="j"}']).toEqual([[1000, 1], [2000, 'stale'], [5000, 9]]);
  });
});
