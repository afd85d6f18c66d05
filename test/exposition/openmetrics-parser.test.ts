import { describe, expect, it } from 'vitest';
import { OpenMetricsParser } from '../../shared/exposition/openmetrics-parser.ts';
import { ExpositionParseError } from '../../shared/exposition/types.ts';
import { drain, errorOf } from './helpers.ts';

function parse(text: string, strict = true) {
  return drain(new OpenMetricsParser(text, { strict }));
}

describe('OpenMetricsParser entries', () => {
  it('reads metadata, samples, timestamps in seconds and exemplars', () => {
    const text = [
      '# TYPE foo_seconds counter',
      '# UNIT foo_seconds seconds',
      '# HELP foo_seconds Some text and \\n some \\" escaping',
      'foo_seconds_total{a="x\\"y",b="1\\\\2\\n"} 1.5 1605281325.123 # {trace_id="abc"} 0.25 1605281325',
      'foo_seconds_created 1605281325.0',
      '# EOF',
      '',
    ].join('\n');
    expect(parse(text)).toEqual([
      { kind: 'type', name: 'foo_seconds', type: 'counter' },
      { kind: 'unit', name: 'foo_seconds', unit: 'seconds' },
      { kind: 'help', name: 'foo_seconds', help: 'Some text and \n some " escaping' },
      {
        kind: 'series',
        series: 'foo_seconds_total{a="x\\"y",b="1\\\\2\\n"}',
        labels: { __name__: 'foo_seconds_total', a: 'x"y', b: '1\\2\n' },
        value: 1.5,
        timestamp: 1605281325123,
        exemplar: { labels: { trace_id: 'abc' }, value: 0.25, timestamp: 1605281325000 },
      },
      { kind: 'series', series: 'foo_seconds_created', labels: { __name__: 'foo_seconds_created' }, value: 1605281325, timestamp: NaN },
    ]);
  });

  it('reports series type and _created lines', () => {
    const p = new OpenMetricsParser('# TYPE c counter\nc_total 1\nc_created 2\nother 3\n# EOF\n');
    const seen: [string, string, boolean][] = [];
    for (let k = p.next(); k !== 'eof'; k = p.next()) if (k === 'series') seen.push([p.series(), p.seriesType(), p.isCreatedSeries()]);
    expect(seen).toEqual([
      ['c_total', 'counter', false],
      ['c_created', 'counter', true],
      ['other', 'unknown', false],
    ]);
  });

  it('accepts Prometheus 3 quoted UTF-8 names', () => {
    expect(parse('# TYPE "my.metric" gauge\n{"my.metric","a.b"="x",c="d"} 1\n# EOF\n')).toEqual([
      { kind: 'type', name: 'my.metric', type: 'gauge' },
      { kind: 'series', series: '{"my.metric","a.b"="x",c="d"}', labels: { __name__: 'my.metric', 'a.b': 'x', c: 'd' }, value: 1, timestamp: NaN },
    ]);
  });

  const values: [string, number][] = [
    ['1', 1], ['-1.5', -1.5], ['1e3', 1000], ['1.5E-3', 0.0015], ['.5', 0.5], ['5.', 5], ['+Inf', Infinity], ['-inf', -Infinity],
    ['Infinity', Infinity], ['NaN', NaN], ['nan', NaN], ['0042', 42], ['9223372036854775808', 9223372036854775808],
    ['0.1', 0.1], ['123456789.123456789', 123456789.123456789],
  ];
  it.each(values)('value %s', (text, want) => {
    const [e] = parse(`a ${text}\n# EOF\n`, false);
    expect(e.kind === 'series' && e.value).toBe(want);
  });
});

describe('OpenMetricsParser rejections', () => {
  // [input, expected message]; strict mode.
  const bad: [string, string][] = [
    ['a 1\n', 'line 2: missing "# EOF" at the end of the exposition'],
    ['a 1\n\n# EOF\n', 'line 2: empty line'],
    ['a 1\r\n# EOF\n', 'line 1: invalid value "1\\r"'],
    ['# some comment\n# EOF\n', 'line 1: invalid line "# some comment": OpenMetrics allows only "# HELP", "# TYPE", "# UNIT" and "# EOF" after \'#\''],
    ['a{b="c",} 1\n# EOF\n', 'line 1: trailing comma in label set'],
    ['a{b = "c"} 1\n# EOF\n', 'line 1: expected \'=\' after label name "b"'],
    ['a 1 2 3\n# EOF\n', 'line 1: unexpected " 3" after the timestamp'],
    ['a 0x10\n# EOF\n', 'line 1: invalid value "0x10"'],
    ['a{b="c",b="d"} 1\n# EOF\n', 'line 1: duplicate label name "b"'],
    ['# TYPE a gauge\na 1 # {b="c"} 1\n# EOF\n', 'line 2: exemplars are only allowed on counter _total and histogram _bucket samples, not on "a"'],
    ['a{x="1"} 1\nb 1\na{x="2"} 1\n# EOF\n', 'line 3: metric family "a" appears twice (families must not be interleaved)'],
    ['a{x="1"} 1\na{x="2"} 1\na{x="1"} 1\n# EOF\n', 'line 3: series {x="1"} of family "a" is interleaved with other series'],
    ['a 1\na 2\n# EOF\n', 'line 2: duplicate sample "a" in one metric point'],
    ['# TYPE a histogram\na_bucket{le="1"} 1\na_bucket{le="+Inf"} 2\na_count 3\na_sum 1\n# EOF\n', 'line 6: histogram "a": _count 3 differs from the +Inf bucket 2'],
    ['# TYPE a counter\na_total 1.5 1\n# TYPE a_total gauge\n# EOF\n', 'line 3: sample name "a_total" of family "a_total" clashes with family "a"'],
    ['# EOF\n\n', 'line 1: text after "# EOF"'],
  ];
  it.each(bad)('rejects %j', (text, want) => {
    expect(errorOf(() => parse(text))).toBe(want);
  });

  it('throws ExpositionParseError carrying the line', () => {
    try {
      parse('a 1\nb x\n# EOF\n');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ExpositionParseError);
      expect((err as ExpositionParseError).line).toBe(2);
      expect((err as ExpositionParseError).reason).toBe('invalid value "x"');
    }
  });

  it('is lenient about family rules outside strict mode, as Prometheus is', () => {
    const text = '# TYPE a histogram\na_bucket{le="-1"} 1\na_bucket{le="+Inf"} 2\na_sum -3\na_count 2\n# EOF\n';
    expect(errorOf(() => parse(text, true))).toBe('line 4: "a_sum" must be a non-negative number, got -3');
    expect(parse(text, false)).toHaveLength(5);
  });
});
