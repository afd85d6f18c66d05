import { describe, expect, it } from 'vitest';
import { OpenMetricsParser } from '../../shared/exposition/openmetrics-parser.ts';
import { TextParser } from '../../shared/exposition/text-parser.ts';
import type { ExpositionParser } from '../../shared/exposition/types.ts';
import { drain, errorOf, type Entry } from './helpers.ts';

/** The parsers with their fast path switched off: the reference every fast result must equal. */
class SlowTextParser extends TextParser {
  protected override fastAllowed(): boolean {
    return false;
  }
}
class SlowOpenMetricsParser extends OpenMetricsParser {
  protected override fastAllowed(): boolean {
    return false;
  }
}

/** The parsers counting the lines their fast path took, from a string and from bytes. */
class CountingTextParser extends TextParser {
  fastLines = 0;
  protected override fastSample(start: number): boolean {
    const taken = super.fastSample(start);
    if (taken) this.fastLines++;
    return taken;
  }
  protected override fastBytes(start: number): boolean {
    const taken = super.fastBytes(start);
    if (taken) this.fastLines++;
    return taken;
  }
}
class CountingOpenMetricsParser extends OpenMetricsParser {
  fastLines = 0;
  protected override fastSample(start: number): boolean {
    const taken = super.fastSample(start);
    if (taken) this.fastLines++;
    return taken;
  }
  protected override fastBytes(start: number): boolean {
    const taken = super.fastBytes(start);
    if (taken) this.fastLines++;
    return taken;
  }
}

/** outcome drains a parser with every accessor a scrape uses, or returns the error message. */
function outcome(p: ExpositionParser): (Entry & { created?: boolean; type?: string })[] | string {
  try {
    const entries = drain(p);
    return entries;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * check: the fast parser gives exactly what the slow one gives, from a string and from bytes,
 * and takes the fast path `fast` times from a string. From bytes it takes it at most as often: a
 * line whose rest (after the value) is uncommon is read wholly by the slow path there.
 */
function check(format: 'text' | 'openmetrics', page: string, fast: number): void {
  const make = (src: string | Buffer) => (format === 'text' ? new CountingTextParser(src) : new CountingOpenMetricsParser(src));
  const fastParser = make(page);
  const slowParser = format === 'text' ? new SlowTextParser(page) : new SlowOpenMetricsParser(page);
  const want = outcome(slowParser);
  expect(outcome(fastParser)).toEqual(want);
  expect(fastParser.fastLines).toBe(fast);
  const byteParser = make(Buffer.from(page));
  expect(outcome(byteParser)).toEqual(want);
  expect(byteParser.fastLines).toBeLessThanOrEqual(fast);
  const slowBytes = format === 'text' ? new SlowTextParser(Buffer.from(page)) : new SlowOpenMetricsParser(Buffer.from(page));
  expect(outcome(slowBytes)).toEqual(want);
}

/** byteLines: the lines of `page` the byte fast path reads. */
function byteLines(format: 'text' | 'openmetrics', page: string): number {
  const p = format === 'text' ? new CountingTextParser(Buffer.from(page)) : new CountingOpenMetricsParser(Buffer.from(page));
  outcome(p);
  return p.fastLines;
}

describe('text format fast path', () => {
  // [line, lines the fast path reads, 0 when the line throws or is left to the slow path]; a
  // valid series and value with an uncommon rest take the fast path and the slow sampleTail.
  // Each line is parsed alone, after a common line and before one, so that state carried over
  // from the fast path to the slow one and back shows.
  const lines: [string, number][] = [
    ['a 1', 1],
    ['a{b="c"} 1', 1],
    ['a:b_c9{d_1="e",F="g"} -12.5', 1],
    ['a{b="c"} 1 1395066363000', 1],
    ['a{b="c"} 1 123456789012345', 1],
    ['a{b="c"} 1 1234567890123456', 1], // 16 digits: the slow tail
    ['a{b="c"} 1 -5', 1],
    ['a{b="c"} 1 +5', 1],
    ['a{b="c"} 1 1.5', 0],
    ['a{b="c"} 1 2 3', 0],
    ['a 1 ', 1],
    ['a 1\t', 0],
    ['a 1\r', 0],
    ['a\t1', 0],
    ['a  1', 0],
    [' a 1', 0],
    ['a {b="c"} 1', 0],
    ['a{b="c"}  1', 0],
    ['a{b="c"}1', 0],
    ['a{b="c",} 1', 0],
    ['a{} 1', 0],
    ['a{ b="c"} 1', 0],
    ['a{b="c" } 1', 0],
    ['a{b = "c"} 1', 0],
    ['a{b="c\\"d"} 1', 0],
    ['a{b="c\\\\"} 1', 0],
    ['a{b="c\\nd"} 1', 0],
    ['a{b="c}"} 1', 1],
    ['a{b="} 1"} 2', 1],
    ['a{b="{"} 1', 1],
    ['a{b=""} 1', 1],
    ['a{b="ü ✓"} 1', 1],
    ['ü 1', 0],
    ['a{ü="c"} 1', 0],
    ['a{1="c"} 1', 0],
    ['a{"b"="c"} 1', 0],
    ['{"a.b"} 1', 0],
    ['a.b 1', 0],
    ['a{b="c",b="d"} 1', 1], // duplicate names show in labels(), on both paths
    ['a{b="c"} 1 # {x="y"} 1', 0],
    ['a{b="c"}} 1', 0],
    ['a{b="c"} {', 0],
    ['a{b="c', 0],
    ['a', 0],
    ['a ', 0],
    ['a NaN', 1],
    ['a +Inf', 1],
    ['a -inf', 1],
    ['a 1e3', 1],
    ['a 1.5E-3', 1],
    ['a 0x1p-3', 1],
    ['a .5', 1],
    ['a 5.', 1],
    ['a -0', 1],
    ['a 00012', 1],
    ['a 123456789012345', 1],
    ['a 1234567890123456', 1],
    ['a 165.44243585850919', 1],
    ['a 1e22', 1],
    ['a 1e23', 1],
    ['a 1.5e-22', 1],
    ['a 123456789012345e7', 1],
    ['a 4.35e+2', 1],
    ['a -2.5E-7', 1],
    ['a 1e-323', 1],
    ['a 1E+308', 1],
    ['a 1e1234', 1],
    ['a 9007199254740993', 1],
    ['a 900719925474099.3', 1],
    ['a 0.9007199254740993', 1],
    ['a 9007199254740991e-7', 1],
    ['a 0.12345678901234567', 1],
    ['a -0.000000000000000000000000001', 1],
    ['a 0000000000000000000000001', 1],
    ['a 1e99', 1],
    ['a 1.e5', 1],
    ['a -.5e-3', 1],
    ['a 0.1e1', 1],
    ['a 1e', 0],
    ['a 1e+', 0],
    ['a e5', 0],
    ['a 1.5.5', 0],
    ['a 1_000', 0],
    ['a -', 0],
    ['a .', 0],
    ['a x', 0],
  ];
  it.each(lines)('%j', (line, fast) => {
    check('text', `${line}\n`, fast);
    check('text', `x{y="z"} 0\n${line}\n`, fast + 1);
    check('text', `${line}\nx{y="z"} 0\n`, errorOf(() => drain(new SlowTextParser(`${line}\n`))) === 'no error' ? fast + 1 : fast);
  });

  it('reads the common lines from bytes on the fast path, values with exponents included', () => {
    for (const line of ['a 1', 'a{b="c"} -12.5', 'a{b="c"} 1 1395066363000', 'a{b="ü ✓"} 1', 'a 1.5E-3', 'a 4.35e+2', 'a 165.44243585850919', 'a NaN', 'a 0x1p-3']) {
      expect(byteLines('text', `${line}\n`), line).toBe(1);
    }
    // An uncommon rest of line: the slow path reads the whole line.
    for (const line of ['a 1 ', 'a{b="c"} 1 1234567890123456', 'a{b="c"} 1 -5', 'a 1e3\r']) expect(byteLines('text', `${line}\n`), line).toBe(0);
    expect(byteLines('openmetrics', 'a 1\nb{c="d"} 1e3\nc 1 5\n# EOF\n')).toBe(2);
  });

  it('reads long lines the same way', () => {
    const many = Array.from({ length: 2000 }, (_, i) => `l${i}="v${i}"`).join(',');
    check('text', `a{${many}} 1\n`, 1);
    check('text', `a{${many},} 1\n`, 0);
    check('text', `a{${many}} x\n`, 0);
    check('text', `a{b="${'x'.repeat(100_000)}\n`, 0);
    check('text', `${'a'.repeat(100_000)} 1\n`, 1);
  });

  it('reads a last line without a newline', () => {
    check('text', 'a 1\nb{c="d"} 2', 2);
    check('text', 'a 1\nb{c="d"} 2 3', 2);
  });

  it('does not let a label value run past the end of its line', () => {
    check('text', 'a{b="c\nd"} 1\n', 0);
    expect(errorOf(() => drain(new TextParser('a 1\na{b="c\nd"} 1\n')))).toBe('line 2: unterminated label value: "\\"c"');
  });

  it('keeps the family type and _created detection', () => {
    const page = '# TYPE c counter\nc_total{a="b"} 1\nc_created{a="b"} 2\n{"c_created"} 3\nc_total 4\n# TYPE g gauge\ng_created 5\n';
    for (const p of [new TextParser(page), new SlowTextParser(page)]) {
      const seen: [string, string, boolean, string][] = [];
      for (let k = p.next(); k !== 'eof'; k = p.next()) {
        if (k === 'series') seen.push([p.series(), p.seriesType(), p.isCreatedSeries(), p.labels().get('__name__') ?? '']);
      }
      expect(seen).toEqual([
        ['c_total{a="b"}', 'counter', false, 'c_total'],
        ['c_created{a="b"}', 'counter', true, 'c_created'],
        ['{"c_created"}', 'counter', true, 'c_created'],
        ['c_total', 'counter', false, 'c_total'],
        ['g_created', 'unknown', false, 'g_created'], // a gauge has no _created series
      ]);
    }
  });
});

describe('OpenMetrics fast path', () => {
  const lines: [string, number][] = [
    ['a 1', 1],
    ['a{b="c"} 1', 1],
    ['a{b="c",d="e"} -1.25', 1],
    ['a{b="c"} 1 1395066363', 1],
    ['a{b="c"} 1 1395066363.5', 1],
    ['a_total{b="c"} 1 # {t="x"} 0.5', 1],
    ['a_total{b="c"} 1 # {t="x"} 0.5 123', 1],
    ['a_total{b="c"} 1 # {t="x"}', 0],
    ['a_total{b="c"} 1 #', 0],
    ['a_total{b="c"} 1 1 2', 0],
    ['a 1 ', 0],
    ['a 1\r', 0],
    ['a  1', 0],
    ['a\t1', 0],
    [' a 1', 0],
    ['a {b="c"} 1', 0],
    ['a{b="c",} 1', 0],
    ['a{} 1', 0],
    ['a{b="c\\"d"} 1', 0],
    ['a{b="c\\\\"} 1', 0],
    ['a{b="} 1"} 2', 1],
    ['a{"b"="c"} 1', 0],
    ['{"a.b"} 1', 0],
    ['a NaN', 1],
    ['a +Inf', 1],
    ['a Infinity', 1],
    ['a 1e3', 1],
    ['a 0x10', 0],
    ['a 1_000', 0],
    ['a 165.44243585850919', 1],
    ['a', 0],
  ];
  it.each(lines)('%j', (line, fast) => {
    check('openmetrics', `${line}\n# EOF\n`, fast);
    check('openmetrics', `x{y="z"} 0\n${line}\n# EOF\n`, fast + 1);
  });

  it('leaves the end of the exposition to the slow path', () => {
    check('openmetrics', 'a 1\nb 2', 2);
    check('openmetrics', 'a 1\n', 1);
    check('openmetrics', 'a 1\n# EOF\nb 2\n', 1);
  });

  it('never runs in strict mode', () => {
    const p = new CountingOpenMetricsParser('a 1\nb{c="d"} 2\n# EOF\n', { strict: true });
    drain(p);
    expect(p.fastLines).toBe(0);
  });
});
