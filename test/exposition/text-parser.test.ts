import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OpenMetricsParser } from '../../shared/exposition/openmetrics-parser.ts';
import { TextParser } from '../../shared/exposition/text-parser.ts';
import type { ExpositionParser } from '../../shared/exposition/types.ts';
import { drain, errorOf } from './helpers.ts';

const TEXTPARSE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/conformance/textparse');

function parse(text: string) {
  return drain(new TextParser(text));
}

describe('TextParser entries', () => {
  it('reads HELP, TYPE, comments, blanks, labels, values and ms timestamps', () => {
    const text = [
      '# HELP http_requests_total The total number of HTTP requests.\\nSecond line \\\\ "quoted"',
      '# TYPE http_requests_total counter',
      '',
      '   # just a comment',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total { method = "post" , code = "400" , } 3   1395066363000  ',
      'metric_without_timestamp_and_labels 12.47',
      'something_weird{problem="division by zero"} +Inf -3982045',
      'hex 0x1p-3',
      '# EOF',
    ].join('\n');
    expect(parse(text)).toEqual([
      { kind: 'help', name: 'http_requests_total', help: 'The total number of HTTP requests.\nSecond line \\ "quoted"' },
      { kind: 'type', name: 'http_requests_total', type: 'counter' },
      { kind: 'comment', text: ' just a comment' },
      { kind: 'series', series: 'http_requests_total{method="post",code="200"}', labels: { __name__: 'http_requests_total', method: 'post', code: '200' }, value: 1027, timestamp: 1395066363000 },
      { kind: 'series', series: 'http_requests_total { method = "post" , code = "400" , }', labels: { __name__: 'http_requests_total', method: 'post', code: '400' }, value: 3, timestamp: 1395066363000 },
      { kind: 'series', series: 'metric_without_timestamp_and_labels', labels: { __name__: 'metric_without_timestamp_and_labels' }, value: 12.47, timestamp: NaN },
      { kind: 'series', series: 'something_weird{problem="division by zero"}', labels: { __name__: 'something_weird', problem: 'division by zero' }, value: Infinity, timestamp: -3982045 },
      { kind: 'series', series: 'hex', labels: { __name__: 'hex' }, value: 0.125, timestamp: NaN },
      { kind: 'comment', text: ' EOF' },
    ]);
  });

  it('accepts quoted UTF-8 names', () => {
    expect(parse('# TYPE "my.metric" gauge\n{"my.metric", "a.b"="x"} 1\n')).toEqual([
      { kind: 'type', name: 'my.metric', type: 'gauge' },
      { kind: 'series', series: '{"my.metric", "a.b"="x"}', labels: { __name__: 'my.metric', 'a.b': 'x' }, value: 1, timestamp: NaN },
    ]);
  });

  const bad: [string, string][] = [
    ['a{b="c"} 1 # {x="y"} 1\n', 'line 1: exemplars are not allowed in the text format (use OpenMetrics)'],
    ['a 1 1.5\n', 'line 1: invalid timestamp "1.5" (integer milliseconds expected)'],
    ['a 1 2 3\n', 'line 1: unexpected "3" after the timestamp'],
    ['a\n', 'line 1: missing value for "a"'],
    ['\n\na{b="c} 1\n', 'line 3: unterminated label value: "\\"c} 1"'],
    ['a{b="c",b="d"} 1\n', 'line 1: duplicate label name "b"'],
    ['# TYPE a unknown\n', 'line 1: invalid metric type "unknown" for "a"'],
    ['a 1_000\n', 'line 1: invalid value "1_000"'],
    ['a.b 1\n', 'line 1: unexpected ".b 1" after the metric name'],
    ['{b="c"} 1\n', 'line 1: series has no metric name'],
    ['a{1="c"} 1\n', 'line 1: invalid label name at "1=\\"c\\"} 1"'],
    ['a{"x"} 1\n', 'line 1: label "\\"x\\"" has no value'],
    ['a{b="c"}} 1\n', 'line 1: invalid value "}"'],
  ];
  it.each(bad)('rejects %j', (text, want) => {
    expect(errorOf(() => parse(text))).toBe(want);
  });
});

describe('textparse corpus', () => {
  // [file, parser, samples, families with TYPE]; the counts are MANIFEST.md's.
  const files: [string, 'text' | 'openmetrics', number, number][] = [
    ['testdata/alltypes.237mfs.prom.txt', 'text', 1857, 237],
    ['testdata/alltypes.237mfs.nometa.prom.txt', 'text', 1857, 0],
    ['testdata/alltypes.5mfs.om.txt', 'openmetrics', 53, 5],
    ['testdata/1histogram.om.txt', 'openmetrics', 42, 1],
    ['promtool-check-metrics/metrics-test.prom', 'text', 27, 4],
  ];
  it.each(files)('%s parses', (file, format, samples, types) => {
    const text = readFileSync(resolve(TEXTPARSE, file), 'utf8');
    const p: ExpositionParser = format === 'text' ? new TextParser(text) : new OpenMetricsParser(text);
    const entries = drain(p);
    expect(entries.filter((e) => e.kind === 'series')).toHaveLength(samples);
    expect(entries.filter((e) => e.kind === 'type')).toHaveLength(types);
    const exemplars = entries.filter((e) => e.kind === 'series' && e.exemplar !== undefined).length;
    expect(exemplars).toBe(file.includes('5mfs.om') ? 6 : 0);
  });

  it('metadata-free twin has the same samples', () => {
    const a = drain(new TextParser(readFileSync(resolve(TEXTPARSE, 'testdata/alltypes.237mfs.prom.txt'), 'utf8'))).filter((e) => e.kind === 'series');
    const b = drain(new TextParser(readFileSync(resolve(TEXTPARSE, 'testdata/alltypes.237mfs.nometa.prom.txt'), 'utf8'))).filter((e) => e.kind === 'series');
    expect(b).toEqual(a);
  });

  it('real client_golang OpenMetrics breaks strict rules that Prometheus tolerates', () => {
    const text = readFileSync(resolve(TEXTPARSE, 'testdata/alltypes.5mfs.om.txt'), 'utf8');
    expect(errorOf(() => drain(new OpenMetricsParser(text, { strict: true })))).toBe(
      'line 33: "rpc_durations_histogram_seconds_sum" must be a non-negative number, got -0.00008452185437166741',
    );
    expect(errorOf(() => drain(new OpenMetricsParser(readFileSync(resolve(TEXTPARSE, 'testdata/1histogram.om.txt'), 'utf8'), { strict: true })))).toBe('no error');
  });
});
