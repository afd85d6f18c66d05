import { describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { TextParser } from '../../../shared/exposition/text-parser.ts';
import { OpenMetricsParser } from '../../../shared/exposition/openmetrics-parser.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { ScrapeCache, type PageOptions } from '../../../edge/scrape/page.ts';
import { checkLabelLimits, LabelLimitError } from '../../../edge/scrape/limits.ts';
import { series } from '../helpers.ts';

const opts = (over: Partial<PageOptions> = {}): PageOptions => ({
  targetLabels: Labels.from({ job: 'j', instance: 'i:1' }), honorLabels: false, honorTimestamps: true, metricRelabel: [], sampleLimit: 0, ...over,
});

function page(storage: ReturnType<typeof openMemStorage>, cache: ScrapeCache, text: string, t: number, o: PageOptions, om = false) {
  const app = storage.appender();
  try {
    const r = cache.appendPage(app, om ? new OpenMetricsParser(text) : new TextParser(text), t, o);
    app.commit();
    return r;
  } catch (err) {
    app.rollback();
    throw err;
  }
}

describe('label limits', () => {
  const check = (labels: Record<string, string>, limits: Parameters<typeof checkLabelLimits>[1], want: string | null) => {
    const run = () => checkLabelLimits(Labels.from(labels), limits);
    if (want === null) expect(run).not.toThrow();
    else expect(run).toThrow(new LabelLimitError(want));
  };
  it('passes series within every limit', () => check({ __name__: 'm', a: 'x' }, { labelLimit: 2, labelNameLengthLimit: 8, labelValueLengthLimit: 1 }, null));
  it('fails too many labels with Prometheus message', () =>
    check({ __name__: 'm', a: '1', b: '2' }, { labelLimit: 2 }, 'label_limit exceeded (metric: m, number of labels: 3, limit: 2)'));
  it('fails a long label name', () =>
    check({ __name__: 'm', abcdefghi: '1' }, { labelNameLengthLimit: 8 }, 'label_name_length_limit exceeded (metric: m, label name: abcdefghi, length: 9, limit: 8)'));
  it('counts __name__ like any label name, as Prometheus does', () =>
    check({ __name__: 'm' }, { labelNameLengthLimit: 5 }, 'label_name_length_limit exceeded (metric: m, label name: __name__, length: 8, limit: 5)'));
  it('fails a long label value, counting UTF-8 bytes', () =>
    check({ __name__: 'm', a: 'héllo' }, { labelValueLengthLimit: 5 }, 'label_value_length_limit exceeded (metric: m, label name: a, value: "héllo", length: 6, limit: 5)'));
  it('cuts long names in the message at 50 characters', () =>
    check({ __name__: 'x'.repeat(60) }, { labelNameLengthLimit: 8, labelValueLengthLimit: 10 },
      `label_value_length_limit exceeded (metric: ${'x'.repeat(50)}, label name: __name__, value: "${'x'.repeat(50)}", length: 60, limit: 10)`));

  it('fails the whole page on a new series over the limit, and again on the next page', () => {
    const s = openMemStorage();
    const cache = new ScrapeCache();
    const o = opts({ labelLimit: 3 });
    expect(page(s, cache, 'ok 1\n', 1000, o).kept).toBe(1);
    const bad = 'ok 2\nwide{a="1",b="2"} 1\n';
    expect(() => page(s, cache, bad, 2000, o)).toThrow('label_limit exceeded (metric: wide, number of labels: 5, limit: 3)');
    expect(() => page(s, cache, bad, 3000, o)).toThrow(LabelLimitError);
    expect([...series(s, 'wide').keys()]).toEqual([]);
  });
});

describe('track_timestamps_staleness', () => {
  const text = 'own 1 500\nplain 1\n';
  for (const track of [false, true]) {
    it(`${track ? 'marks' : 'does not mark'} vanished series with explicit timestamps stale when ${track}`, () => {
      const s = openMemStorage();
      const cache = new ScrapeCache();
      const o = opts({ trackTimestampsStaleness: track });
      page(s, cache, text, 1000, o);
      page(s, cache, '', 2000, o);
      expect([...series(s, 'plain').values()][0]).toEqual([[1000, 1], [2000, 'stale']]);
      expect([...series(s, 'own').values()][0]).toEqual(track ? [[500, 1], [2000, 'stale']] : [[500, 1]]);
    });
  }
  it('tracks every series when timestamps are not honoured', () => {
    const s = openMemStorage();
    const cache = new ScrapeCache();
    const o = opts({ honorTimestamps: false });
    page(s, cache, text, 1000, o);
    page(s, cache, '', 2000, o);
    expect([...series(s, 'own').values()][0]).toEqual([[1000, 1], [2000, 'stale']]);
  });
});

describe('scrape metadata', () => {
  it('keeps TYPE, HELP and UNIT per family from the last good page', () => {
    const s = openMemStorage();
    const cache = new ScrapeCache();
    page(s, cache, '# TYPE a counter\n# HELP a Things done.\na 1\n# TYPE b untyped\nb 2\n', 1000, opts());
    expect(cache.metadata.list()).toEqual([
      { metric: 'a', type: 'counter', help: 'Things done.', unit: '' },
      { metric: 'b', type: 'unknown', help: '', unit: '' },
    ]);
    page(s, cache, '# TYPE c_seconds gauge\n# UNIT c_seconds seconds\nc_seconds 1\n# EOF\n', 2000, opts(), true);
    expect(cache.metadata.list()).toEqual([{ metric: 'c_seconds', type: 'gauge', help: '', unit: 'seconds' }]);
    expect(() => page(s, cache, '# TYPE d gauge\nd{ 1\n', 3000, opts())).toThrow();
    expect(cache.metadata.list().map((m) => m.metric)).toEqual(['c_seconds']);
  });

  it('keeps the same metadata while the lines stay the same, and follows every change', () => {
    const s = openMemStorage();
    const cache = new ScrapeCache();
    const text = (help: string, tail = '') => `# TYPE a counter\n# HELP a ${help}\na 1\n# TYPE b gauge\nb 2\n${tail}`;
    page(s, cache, text('Done.'), 1000, opts());
    const before = cache.metadata.get('a');
    page(s, cache, text('Done.'), 2000, opts());
    expect(cache.metadata.get('a')).toBe(before); // unchanged: not rebuilt
    page(s, cache, text('Done again.'), 3000, opts());
    expect(cache.metadata.list()).toEqual([
      { metric: 'a', type: 'counter', help: 'Done again.', unit: '' },
      { metric: 'b', type: 'gauge', help: '', unit: '' },
    ]);
    page(s, cache, text('Done again.', '# TYPE c gauge\nc 3\n'), 4000, opts()); // a family more
    expect(cache.metadata.list().map((m) => m.metric)).toEqual(['a', 'b', 'c']);
    page(s, cache, '# TYPE a counter\n# HELP a Done again.\na 1\n', 5000, opts()); // the page ends early
    expect(cache.metadata.list()).toEqual([{ metric: 'a', type: 'counter', help: 'Done again.', unit: '' }]);
    page(s, cache, 'a 1\n', 6000, opts());
    expect(cache.metadata.list()).toEqual([]);
  });

  it('drops the metadata when the page changes format and has none', () => {
    const s = openMemStorage();
    const cache = new ScrapeCache();
    page(s, cache, '# TYPE a counter\na 1\n', 1000, opts());
    expect(cache.metadata.list().map((m) => m.metric)).toEqual(['a']);
    page(s, cache, 'b 1\n# EOF\n', 2000, opts(), true);
    expect(cache.metadata.list()).toEqual([]);
    page(s, cache, '# TYPE c gauge\nc 1\n# EOF\n', 3000, opts(), true);
    page(s, cache, 'c 1\n', 4000, opts());
    expect(cache.metadata.list()).toEqual([]);
  });
});

describe('series cache', () => {
  it('forgets churned series once it holds far more than a page', () => {
    const s = openMemStorage();
    const cache = new ScrapeCache();
    for (let i = 0; i < 40; i++) {
      const text = Array.from({ length: 50 }, (_, j) => `churn{gen="${i}",n="${j}"} 1`).join('\n') + '\nsteady 1\n';
      page(s, cache, text, 1000 * (i + 1), opts());
    }
    expect(cache.size).toBeLessThanOrEqual(2 * 51 + 256 + 51);
    // A series still on the page keeps its entry: it is not counted as added again.
    expect(page(s, cache, 'steady 1\n', 50_000, opts()).added).toBe(0);
  });
});
