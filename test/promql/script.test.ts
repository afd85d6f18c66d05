/** The PromQL test-script reader reads every upstream script; spot checks of parsed commands. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScript, parseValues, ScriptError, type EvalCommand, type ScriptCommand } from '../conformance/promql-script.ts';
import { parseExpr } from '../../shared/promql/parser/index.ts';
import { walk } from '../../shared/promql/ast.ts';

const DIR = new URL('../../../shared/conformance/promql/testdata/', import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith('.test')).sort();
const scripts = new Map<string, ScriptCommand[]>(files.map((f) => [f, parseScript(readFileSync(new URL(f, DIR), 'utf8'))]));

/** isNative: the RUNNER-NOTES heuristic: histogram in the expected output, or a selector hits loaded histograms. */
function countCases(): { total: number; native: number; nativeInOutput: number } {
  let total = 0;
  let native = 0;
  let nativeInOutput = 0;
  for (const cmds of scripts.values()) {
    let histSeries: Record<string, string>[] = [];
    for (const c of cmds) {
      if (c.kind === 'clear') histSeries = [];
      else if (c.kind === 'load') {
        for (const s of c.series) {
          if (s.hasHistograms) histSeries.push(s.labels);
          if (c.withNhcb && s.labels.__name__?.endsWith('_bucket') && 'le' in s.labels) {
            const { le: _le, ...rest } = s.labels;
            histSeries.push({ ...rest, __name__: s.labels.__name__.slice(0, -'_bucket'.length) });
          }
        }
      } else {
        total++;
        if (c.nativeInExpectedOutput) nativeInOutput++;
        let hit = c.nativeInExpectedOutput;
        try {
          walk(parseExpr(c.expr), (n) => {
            if (n.kind === 'VectorSelector' && histSeries.some((ls) => n.matchers.every((m) => m.matches(ls[m.name] ?? '')))) hit = true;
          });
        } catch {
          // Unparseable queries are counted by the parser test.
        }
        if (hit) native++;
      }
    }
  }
  return { total, native, nativeInOutput };
}

describe('PromQL test scripts', () => {
  it('reads every upstream script', () => {
    expect(files.length).toBe(16);
    for (const [f, cmds] of scripts) expect(cmds.length, f).toBeGreaterThan(0);
  });

  it('counts eval cases and native-histogram cases', () => {
    const counts = countCases();
    console.log(`promql scripts: ${counts.total} eval cases, ${counts.native} involve native histograms (${counts.nativeInOutput} with a histogram in the expected output)`);
    expect(counts.total).toBe(2036);
    expect(counts.native).toBeGreaterThan(500);
  });

  it('spot-checks literals.test and duration_expression.test', () => {
    const lit = scripts.get('literals.test')!;
    const strEval = lit.find((c): c is EvalCommand => c.kind === 'eval' && c.expectedString === 'Foo');
    expect(strEval?.instant).toBe(true);
    const dur = scripts.get('duration_expression.test')!;
    expect(dur[0]).toMatchObject({ kind: 'load', line: 5, step: 300000 });
    const load = dur[0].kind === 'load' ? dur[0] : null;
    expect(load?.series[0].labels).toEqual({ __name__: 'http_requests', path: '/foo' });
    expect(load?.series[0].values.map((v) => (v.kind === 'float' ? v.value : null))).toEqual([1, 2, 3, 0, 1, 0, 0, 1, 2, 0]);
    const ev = dur[1] as EvalCommand;
    expect(ev).toMatchObject({ kind: 'eval', line: 11, instant: true, start: 3000000, expr: 'changes(http_requests[30m])' });
    expect(ev.results[0]).toMatchObject({ kind: 'series', labels: { path: '/foo' } });
    const range = dur.find((c): c is EvalCommand => c.kind === 'eval' && !c.instant)!;
    expect([range.start, range.end, range.step]).toEqual([50000, 60000, 10000]);
  });

  it('reads expectations in old and new forms', () => {
    const cmds = parseScript([
      'load 1m', '  m{a="b"} 1+1x2 _ stale', '', 'eval_ordered instant at 1m m', '  m{a="b"} 2', '',
      'eval instant at 1m m', '  expect fail msg: "boom"', '  expect warn regex: x.*y', '  expect no_info', '',
      'eval range from 0 to 2m step 1m m', '  expect ordered', '  m{a="b"} 1 _ 3', '', 'clear', 'eval instant at 0 1', '  1',
    ].join('\n'));
    expect(cmds.map((c) => c.kind)).toEqual(['load', 'eval', 'eval', 'eval', 'clear', 'eval']);
    const [load, ord, fail, rng, , scalar] = cmds as [any, EvalCommand, EvalCommand, EvalCommand, any, EvalCommand];
    expect(load.series[0].values.length).toBe(5);
    expect(load.series[0].values[4]).toMatchObject({ kind: 'float', stale: true });
    expect(ord.ordered).toBe(true);
    expect(fail.fail).toEqual({ match: { type: 'msg', text: 'boom' } });
    expect(fail.warn).toEqual([{ match: { type: 'regex', text: 'x.*y' } }]);
    expect(fail.noInfo).toBe(true);
    expect(rng.results[0]).toMatchObject({ values: [{ kind: 'float', value: 1 }, { kind: 'omitted' }, { kind: 'float', value: 3 }] });
    expect(scalar.results).toEqual([{ kind: 'scalar', line: 18, value: 1 }]);
  });

  it('expands values and histograms', () => {
    const table: [string, unknown[]][] = [
      ['1+2x3', [1, 3, 5, 7]], ['5-1x2', [5, 4, 3]], ['_x3', ['_', '_', '_']], ['1x2', [1, 1, 1]], ['-Inf NaN 1e3', [-Infinity, NaN, 1000]],
      ['-1m', [-60]], ['-59999msx1', [-59.999, -59.999]],
    ];
    for (const [text, want] of table) {
      const got = parseValues(text, 1).values.map((v) => (v.kind === 'float' ? v.value : v.kind === 'omitted' ? '_' : 'h'));
      expect(got, text).toEqual(want);
    }
    const h = parseValues('{{schema:1 sum:3 count:22 buckets:[5 10 7] counter_reset_hint:gauge}}+{{count:1}}x2', 1);
    expect(h.hasHistograms).toBe(true);
    expect(h.values).toHaveLength(3);
    expect(h.values[2]).toMatchObject({ kind: 'histogram', base: { schema: 1, sum: 3, count: 22, positiveBuckets: [5, 10, 7], counterResetHint: 'gauge' }, delta: { op: '+', times: 2 } });
    expect(() => parseValues('1+', 7)).toThrow(ScriptError);
    expect(() => parseScript('bogus 1')).toThrow('line 1: invalid command');
  });
});
