import { describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import { formatFloat, formatMsAsSeconds } from '../../shared/exposition/format-number.ts';
import { OpenMetricsParser } from '../../shared/exposition/openmetrics-parser.ts';
import { TextParser } from '../../shared/exposition/text-parser.ts';
import { writeOpenMetrics, writeText, type MetricFamily } from '../../shared/exposition/writer.ts';
import { drain } from './helpers.ts';

describe('formatFloat renders like Go %g', () => {
  const table: [number, string][] = [
    [0, '0'], [1, '1'], [-2.5, '-2.5'], [100000, '100000'], [1e6, '1e+06'], [1234567, '1.234567e+06'],
    [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e-7, '1.5e-07'], [1e21, '1e+21'], [1.7976931348623157e308, '1.7976931348623157e+308'],
    [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'], [0.1, '0.1'], [123456.789, '123456.789'],
  ];
  it.each(table)('%d → %s', (v, want) => expect(formatFloat(v)).toBe(want));

  const ts: [number, string][] = [[0, '0'], [1500, '1.5'], [1605281325123, '1605281325.123'], [-1, '-0.001'], [1001, '1.001'], [1000, '1']];
  it.each(ts)('ms %d → seconds %s', (ms, want) => expect(formatMsAsSeconds(ms)).toBe(want));
});

const L = (o: Record<string, string>) => Labels.from(o);

const families: MetricFamily[] = [
  {
    name: 'http_requests',
    type: 'counter',
    help: 'Requests with "quotes", \\ and\nnewlines.',
    samples: [
      { labels: L({ __name__: 'http_requests_total', code: '200', path: 'a"b\\c\nd' }), value: 1027, timestamp: 1395066363000, exemplar: { labels: L({ trace_id: 'x' }), value: 0.5, timestamp: 1395066362500 } },
      { labels: L({ __name__: 'http_requests_created', code: '200', path: 'a"b\\c\nd' }), value: 1395066000, timestamp: 1395066363000 },
    ],
  },
  {
    name: 'latency_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Latency.',
    samples: [
      { labels: L({ __name__: 'latency_seconds_bucket', le: '0.1' }), value: 1 },
      { labels: L({ __name__: 'latency_seconds_bucket', le: '+Inf' }), value: 3 },
      { labels: L({ __name__: 'latency_seconds_count' }), value: 3 },
      { labels: L({ __name__: 'latency_seconds_sum' }), value: 1.25e-7 },
    ],
  },
  {
    name: 'weird.name',
    type: 'gauge',
    samples: [
      { labels: L({ __name__: 'weird.name', 'label.with.dots': 'v' }), value: -Infinity },
      { labels: L({ __name__: 'weird.name', other: 'w' }), value: NaN },
    ],
  },
  { name: 'up', type: 'unknown', samples: [{ labels: L({ __name__: 'up', job: 'x' }), value: 1 }] },
];

function seriesOf(entries: ReturnType<typeof drain>) {
  return entries.filter((e) => e.kind === 'series').map((e) => (e.kind === 'series' ? { labels: e.labels, value: e.value, timestamp: e.timestamp, exemplar: e.exemplar } : null));
}

function expected(withExemplars: boolean) {
  return families.flatMap((f) =>
    f.samples.map((s) => ({
      labels: s.labels.toObject(),
      value: s.value,
      timestamp: s.timestamp ?? NaN,
      exemplar: withExemplars && s.exemplar ? { labels: s.exemplar.labels.toObject(), value: s.exemplar.value, timestamp: s.exemplar.timestamp } : undefined,
    })),
  );
}

describe('round trip', () => {
  it('OpenMetrics: write → strict parse gives the same data', () => {
    const out: string[] = [];
    writeOpenMetrics(out, families);
    const text = out.join('');
    expect(text.endsWith('# EOF\n')).toBe(true);
    const entries = drain(new OpenMetricsParser(text, { strict: true }));
    expect(seriesOf(entries)).toEqual(expected(true));
    expect(entries.filter((e) => e.kind !== 'series')).toEqual([
      { kind: 'type', name: 'http_requests', type: 'counter' },
      { kind: 'help', name: 'http_requests', help: families[0].help },
      { kind: 'type', name: 'latency_seconds', type: 'histogram' },
      { kind: 'unit', name: 'latency_seconds', unit: 'seconds' },
      { kind: 'help', name: 'latency_seconds', help: 'Latency.' },
      { kind: 'type', name: 'weird.name', type: 'gauge' },
      { kind: 'type', name: 'up', type: 'unknown' },
    ]);
  });

  it('text: write → parse gives the same data (no exemplars in this format)', () => {
    const out: string[] = [];
    writeText(out, families);
    const entries = drain(new TextParser(out.join('')));
    expect(seriesOf(entries)).toEqual(expected(false));
    expect(entries.filter((e) => e.kind === 'help')).toEqual([
      { kind: 'help', name: 'http_requests', help: families[0].help },
      { kind: 'help', name: 'latency_seconds', help: 'Latency.' },
    ]);
    expect(entries.filter((e) => e.kind === 'type').map((e) => e.kind === 'type' && e.type)).toEqual(['counter', 'histogram', 'gauge', 'untyped']);
  });

  it('writes the exact text format lines', () => {
    const out: string[] = [];
    writeText(out, [families[2]]);
    expect(out.join('')).toBe('# TYPE "weird.name" gauge\n{"weird.name","label.with.dots"="v"} -Inf\n{"weird.name",other="w"} NaN\n');
  });
});
