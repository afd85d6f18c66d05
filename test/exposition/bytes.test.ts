/**
 * Byte input: a page parsed from its UTF-8 bytes (as a scrape receives it) reads exactly as the
 * same page as a string does — the same entries, the same errors with the same line numbers — and
 * the scrape cache's byte API (seriesKey, nextKnownSeries) names and reads series as next() does.
 */
import { describe, expect, it } from 'vitest';
import { OpenMetricsParser } from '../../shared/exposition/openmetrics-parser.ts';
import { TextParser } from '../../shared/exposition/text-parser.ts';
import { newParser } from '../../shared/exposition/content-type.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SUITE_DIR } from '../conformance/openmetrics.ts';
import { drain, errorOf } from './helpers.ts';

const TEXT = [
  '# HELP a_total Help with ünïcödé and a \\n escape.',
  '# TYPE a_total counter',
  'a_total{x="1",y="ä"} 1',
  'a_total{x="2"} 2 1700000000000',
  '',
  '  b 3',
  `long{v="${'x'.repeat(300)}"} 4`,
  '{"utf8.name", z="1"} 5',
  'c 1e3',
  'a_total{x="1",y="ä"} 6',
].join('\n');

const OM = [
  '# TYPE h histogram',
  '# UNIT h seconds',
  'h_bucket{le="1"} 1 # {trace_id="a"} 0.5 1.5',
  'h_bucket{le="+Inf"} 2',
  'h_count 2',
  'h_sum 1.5',
  'h_created 1.7e9',
  `g{v="${'y'.repeat(200)}"} 7`,
  '# EOF',
  '',
].join('\n');

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('byte input', () => {
  it('gives the text format the same entries as the string', () => {
    const whole = drain(new TextParser(TEXT));
    expect(drain(new TextParser(bytes(TEXT)))).toEqual(whole);
    expect(drain(newParser('text', bytes(TEXT)))).toEqual(whole);
  });

  it('gives OpenMetrics the same entries as the string', () => {
    const whole = drain(new OpenMetricsParser(OM));
    expect(drain(new OpenMetricsParser(bytes(OM)))).toEqual(whole);
    // Strict mode refuses this page (the unit is not a suffix of the name): at the same line.
    expect(errorOf(() => drain(new OpenMetricsParser(bytes(OM), { strict: true })))).toBe(errorOf(() => drain(new OpenMetricsParser(OM, { strict: true }))));
  });

  it('reports the same errors on the same lines', () => {
    const cases: Array<[string, (src: string | Buffer) => unknown]> = [
      ['a 1\nb 2\nc{x="1" 3\n', (src) => drain(new TextParser(src))],
      ['a 1\nb 2\nc 1 # {x="1"} 1\n', (src) => drain(new TextParser(src))],
      ['a 1\nb 2\n', (src) => drain(new OpenMetricsParser(src))], // missing # EOF
      ['a 1\n# EOF\nb 2\n', (src) => drain(new OpenMetricsParser(src))], // text after # EOF
      ['a 1\n# EOF\n\n', (src) => drain(new OpenMetricsParser(src))],
      ['a 1\n\n# EOF\n', (src) => drain(new OpenMetricsParser(src))], // empty line
      ['a 1\nb 2', (src) => drain(new OpenMetricsParser(src))], // missing # EOF after a last line without '\n'
    ];
    for (const [text, parse] of cases) {
      const want = errorOf(() => parse(text));
      expect(want).not.toBe('no error');
      expect(errorOf(() => parse(bytes(text))), JSON.stringify(text)).toBe(want);
    }
  });

  it('names the current series by its bytes, and reads a known series by comparing them', () => {
    const page = bytes('a{x="1"} 1\nb 2 1700000000000\n  c 3\na{x="1"} 4\nc_created 5\nd{x="ü"} 6\n');
    const p = new TextParser(page);
    const span = { bytes: new Uint8Array(0), start: 0, end: 0 };
    const text = () => Buffer.from(span.bytes.subarray(span.start, span.end)).toString();
    expect(p.next()).toBe('series');
    expect(p.seriesKey(span)).toBe(true);
    expect(span.bytes).toBe(page); // a span of the page, not a copy
    expect(text()).toBe('a{x="1"}');
    const a = Uint8Array.from(span.bytes.subarray(span.start, span.end));
    // b: not the known series; nothing read.
    expect(p.nextKnownSeries(a, 0, a.length)).toBe(false);
    expect(p.next()).toBe('series');
    expect([p.series(), p.value, p.timestamp, p.line]).toEqual(['b', 2, 1700000000000, 2]);
    // c: read by the slow path (leading blanks); its key is encoded, and not for nextKnownSeries.
    expect(p.next()).toBe('series');
    expect(p.seriesKey(span)).toBe(false);
    expect(text()).toBe('c');
    // a again: compared, not scanned, and every accessor still works.
    expect(p.nextKnownSeries(a, 0, a.length)).toBe(true);
    expect([p.series(), p.value, p.timestamp, p.line, p.labels().toObject(), p.isCreatedSeries()]).toEqual(['a{x="1"}', 4, NaN, 4, { __name__: 'a', x: '1' }, false]);
    // A name that may be a _created series is never handed back.
    expect(p.next()).toBe('series');
    expect(p.seriesKey(span)).toBe(false);
    expect(p.next()).toBe('series');
    expect(p.seriesKey(span)).toBe(true);
    expect(text()).toBe('d{x="ü"}');
    expect(p.labels().toObject()).toEqual({ __name__: 'd', x: 'ü' });
    expect(p.next()).toBe('eof');
  });

  it('names a metadata line by its bytes, and reads it again by comparing them', () => {
    const page = bytes('# HELP a Done \\n twice.\n# TYPE a counter\na_created 1\n# TYPE b gauge\n');
    const span = { bytes: new Uint8Array(0), start: 0, end: 0 };
    const first = new TextParser(page);
    const lines: [Uint8Array, 'type' | 'help' | 'unit', string, string][] = [];
    for (let k = first.next(); k !== 'eof'; k = first.next()) {
      if (k === 'series') continue;
      expect(first.metadataKey(span)).toBe(true);
      const value = k === 'type' ? first.type() : k === 'help' ? first.help() : first.unit();
      lines.push([span.bytes.slice(span.start, span.end), k as 'type' | 'help', first.metricName(), value]);
    }
    expect(lines.map(([b, ...rest]) => [Buffer.from(b).toString(), ...rest])).toEqual([
      ['# HELP a Done \\n twice.', 'help', 'a', 'Done \n twice.'],
      ['# TYPE a counter', 'type', 'a', 'counter'],
      ['# TYPE b gauge', 'type', 'b', 'gauge'],
    ]);
    // Read again from the known lines: the same entries, and the TYPE still governs _created.
    const p = new TextParser(page);
    const known = (i: number) => p.nextKnownMetadata(lines[i][0], 0, lines[i][0].length, lines[i][1], lines[i][2], lines[i][3]);
    expect(known(1)).toBe(false); // not the next line
    expect(known(0)).toBe(true);
    expect([p.metricName(), p.help(), p.line]).toEqual(['a', 'Done \n twice.', 1]);
    expect(known(1)).toBe(true);
    expect([p.metricName(), p.type(), p.line]).toEqual(['a', 'counter', 2]);
    expect(p.next()).toBe('series');
    expect(p.isCreatedSeries()).toBe(true);
    expect(known(2)).toBe(true); // the last line, ending with its '\n'
    expect(p.next()).toBe('eof');
    // A prefix of a line is not the line; a string is never read this way.
    const q = new TextParser(bytes('# TYPE b gauge2\n'));
    expect(q.nextKnownMetadata(lines[2][0], 0, lines[2][0].length, 'type', 'b', 'gauge')).toBe(false);
    expect(new TextParser('# TYPE b gauge\n').nextKnownMetadata(lines[2][0], 0, lines[2][0].length, 'type', 'b', 'gauge')).toBe(false);
    expect(new TextParser('# TYPE b gauge\n').metadataKey(span)).toBe(false);
  });

  it('never reads a known series from a string, in strict mode, or past a line end', () => {
    const key = bytes('a');
    expect(new TextParser('a 1\n').nextKnownSeries(key, 0, 1)).toBe(false);
    expect(new OpenMetricsParser(bytes('a 1\n# EOF\n'), { strict: true }).nextKnownSeries(key, 0, 1)).toBe(false);
    const p = new OpenMetricsParser(bytes('a 1 5\na 2\n# EOF\n'));
    expect(p.nextKnownSeries(key, 0, 1)).toBe(false); // a timestamp: the slow path reads it
    expect(p.next()).toBe('series');
    expect([p.value, p.timestamp]).toEqual([1, 5000]);
    expect(p.nextKnownSeries(key, 0, 1)).toBe(true);
    expect(p.value).toBe(2);
    expect(p.nextKnownSeries(key, 0, 1)).toBe(false);
    expect(p.next()).toBe('eof');
    const ab = bytes('ab');
    expect(new TextParser(bytes('a 1\n')).nextKnownSeries(ab, 0, 2)).toBe(false);
    expect(new TextParser(bytes('ab')).nextKnownSeries(ab, 0, 2)).toBe(false);
  });

  it('reads every OpenMetrics conformance case as the string does', () => {
    let cases = 0;
    for (const name of readdirSync(DEFAULT_SUITE_DIR).sort()) {
      const specPath = join(DEFAULT_SUITE_DIR, name, 'test.json');
      if (!existsSync(specPath)) continue;
      const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { file?: string };
      const bytes = readFileSync(join(DEFAULT_SUITE_DIR, name, spec.file ?? 'metrics'));
      const text = bytes.toString('utf8');
      for (const strict of [false, true]) {
        // The entries as JSON, or the error: the two ways must agree on both.
        const outcome = (src: string | Buffer): string => {
          try {
            return JSON.stringify(drain(new OpenMetricsParser(src, { strict })));
          } catch (err) {
            return (err as Error).message;
          }
        };
        expect(outcome(bytes), `${name} strict=${strict}`).toBe(outcome(text));
      }
      cases++;
    }
    expect(cases).toBe(211);
  });
});
