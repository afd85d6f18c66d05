/**
 * PagePieces: a page parsed from its bytes in pieces reads exactly as the whole page does — the
 * same entries, the same errors with the same line numbers — whatever the piece size, and the
 * pieces split only at line ends.
 */
import { describe, expect, it } from 'vitest';
import { PagePieces } from '../../shared/exposition/pieces.ts';
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

const SIZES = [1, 2, 7, 16, 64, 1024, 1 << 20];

function pieces(text: string, size: number): PagePieces {
  return new PagePieces(Buffer.from(text, 'utf8'), size);
}

describe('PagePieces', () => {
  it('cuts after line ends only and loses no byte', () => {
    for (const size of SIZES) {
      const src = pieces(TEXT, size);
      const got: string[] = [];
      for (let s = src.next(); s !== undefined; s = src.next()) got.push(s);
      expect(got.join('')).toBe(TEXT);
      for (const s of got.slice(0, -1)) expect(s.endsWith('\n')).toBe(true);
      expect(src.done).toBe(true);
    }
  });

  it('gives the text format the same entries as the whole page', () => {
    const whole = drain(new TextParser(TEXT));
    for (const size of SIZES) expect(drain(new TextParser(pieces(TEXT, size)))).toEqual(whole);
    expect(drain(newParser('text', Buffer.from(TEXT)))).toEqual(whole);
  });

  it('gives OpenMetrics the same entries as the whole page', () => {
    const whole = drain(new OpenMetricsParser(OM));
    for (const size of SIZES) {
      expect(drain(new OpenMetricsParser(pieces(OM, size)))).toEqual(whole);
      // Strict mode refuses this page (the unit is not a suffix of the name): at the same line.
      expect(errorOf(() => drain(new OpenMetricsParser(pieces(OM, size), { strict: true })))).toBe(errorOf(() => drain(new OpenMetricsParser(OM, { strict: true }))));
    }
  });

  it('reports the same errors on the same lines', () => {
    const cases: Array<[string, (src: string | PagePieces) => unknown]> = [
      ['a 1\nb 2\nc{x="1" 3\n', (src) => drain(new TextParser(src))],
      ['a 1\nb 2\nc 1 # {x="1"} 1\n', (src) => drain(new TextParser(src))],
      ['a 1\nb 2\n', (src) => drain(new OpenMetricsParser(src))], // missing # EOF
      ['a 1\n# EOF\nb 2\n', (src) => drain(new OpenMetricsParser(src))], // text after # EOF
      ['a 1\n# EOF\n\n', (src) => drain(new OpenMetricsParser(src))],
      ['a 1\n\n# EOF\n', (src) => drain(new OpenMetricsParser(src))], // empty line
    ];
    for (const [text, parse] of cases) {
      const want = errorOf(() => parse(text));
      expect(want).not.toBe('no error');
      for (const size of SIZES) expect(errorOf(() => parse(pieces(text, size))), `${JSON.stringify(text)} in pieces of ${size}`).toBe(want);
    }
  });

  it('compares the current series with seriesIs', () => {
    const p = new TextParser(pieces('a{x="1"} 1\nb 2\n', 4));
    expect(p.next()).toBe('series');
    expect(p.seriesIs('a{x="1"}')).toBe(true);
    expect(p.seriesIs('a{x="1"')).toBe(false);
    expect(p.seriesIs('a{x="2"}')).toBe(false);
    expect(p.next()).toBe('series');
    expect(p.seriesIs('b')).toBe(true);
    expect(p.seriesIs('a{x="1"}')).toBe(false);
  });

  it('reads every OpenMetrics conformance case as the whole text does', () => {
    let cases = 0;
    for (const name of readdirSync(DEFAULT_SUITE_DIR).sort()) {
      const specPath = join(DEFAULT_SUITE_DIR, name, 'test.json');
      if (!existsSync(specPath)) continue;
      const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { file?: string };
      const bytes = readFileSync(join(DEFAULT_SUITE_DIR, name, spec.file ?? 'metrics'));
      const text = bytes.toString('utf8');
      for (const strict of [false, true]) {
        // The entries as JSON, or the error: the two ways must agree on both.
        const outcome = (src: string | PagePieces): string => {
          try {
            return JSON.stringify(drain(new OpenMetricsParser(src, { strict })));
          } catch (err) {
            return (err as Error).message;
          }
        };
        const whole = outcome(text);
        for (const size of [3, 64]) {
          expect(outcome(new PagePieces(bytes, size)), `${name} strict=${strict} pieces of ${size}`).toBe(whole);
        }
      }
      cases++;
    }
    expect(cases).toBe(211);
  });
});
