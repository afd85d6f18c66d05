/**
 * Every eval expression of the upstream PromQL test scripts through the parser, a fuzz run
 * (token soups and mutations of those queries: every failure must be a ParseError), and the
 * function table against the functions documented by Prometheus.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScript, type EvalCommand } from '../../conformance/promql-script.ts';
import { parseExpr, ParseError } from '../../../shared/promql/parser/index.ts';
import { formatExpr } from '../../../shared/promql/format.ts';
import { FUNCTIONS } from '../../../shared/promql/functions.ts';

const DIR = new URL('../../../../shared/conformance/promql/testdata/', import.meta.url);
const evals: (EvalCommand & { file: string })[] = [];
for (const f of readdirSync(DIR).filter((n) => n.endsWith('.test')).sort()) {
  for (const c of parseScript(readFileSync(new URL(f, DIR), 'utf8'))) if (c.kind === 'eval') evals.push({ ...c, file: f });
}

describe('upstream eval expressions', () => {
  it('parse unless marked to fail, and round-trip through the formatter', () => {
    const failures: string[] = [];
    let parsed = 0;
    for (const c of evals) {
      try {
        const e = parseExpr(c.expr);
        parsed++;
        const text = formatExpr(e);
        expect(formatExpr(parseExpr(text)), `${c.file}:${c.line}`).toBe(text);
      } catch (err) {
        expect(err, `${c.file}:${c.line}`).toBeInstanceOf(ParseError);
        if (!c.fail) failures.push(`${c.file}:${c.line}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(parsed).toBe(evals.length);
    // None of the upstream cases marked `expect fail` fails at parse time: they all fail in the engine.
    const failCases = evals.filter((c) => c.fail);
    expect(failCases.length).toBe(34);
    for (const c of failCases) expect(() => parseExpr(c.expr), `${c.file}:${c.line}`).not.toThrow();
  });
});

describe('fuzz', () => {
  // A small deterministic PRNG keeps the run reproducible.
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const TOKENS = [
    'foo', 'bar', '{', '}', '(', ')', '[', ']', ',', ':', '=', '!=', '=~', '!~', '"x"', "'y'", '`z`', '5m', '1', '0x1f', '1e3',
    'Inf', 'NaN', '+', '-', '*', '/', '%', '^', '==', '<', '>=', '</', 'and', 'or', 'unless', 'atan2', 'bool', 'on', 'ignoring',
    'group_left', 'group_right', 'fill', 'fill_left', 'sum', 'topk', 'count_values', 'by', 'without', 'offset', '@', 'start()',
    'end()', 'step()', 'range()', 'min_of', 'anchored', 'smoothed', 'rate', 'label_join', 'info', '#c\n', ' ', '\\', '"', '.', 'é',
  ];
  const check = (q: string) => {
    try {
      parseExpr(q);
    } catch (err) {
      if (!(err instanceof ParseError)) throw new Error(`non-ParseError for ${JSON.stringify(q)}: ${String(err)}`);
    }
  };

  it('token soups only ever raise ParseError', () => {
    for (let i = 0; i < 3000; i++) {
      const n = 1 + rand(12);
      let q = '';
      for (let k = 0; k < n; k++) q += TOKENS[rand(TOKENS.length)] + (rand(2) ? ' ' : '');
      check(q);
    }
  });

  it('mutated upstream queries only ever raise ParseError', () => {
    const alphabet = '(){}[],:="\'`+-*/%^<>!~@#_.0123456789abcxyz \n\\é';
    for (let i = 0; i < 3000; i++) {
      const base = evals[rand(evals.length)].expr;
      let q = base;
      const edits = 1 + rand(3);
      for (let k = 0; k < edits; k++) {
        const at = rand(q.length + 1);
        const op = rand(3);
        if (op === 0) q = q.slice(0, at) + q.slice(at + 1);
        else if (op === 1) q = q.slice(0, at) + alphabet[rand(alphabet.length)] + q.slice(at);
        else q = q.slice(0, at) + q.slice(rand(q.length + 1));
      }
      check(q);
    }
  });
});

describe('function table', () => {
  it('lists every function of the Prometheus documentation', () => {
    const doc = readFileSync(new URL('../../../../shared/conformance/prometheus-docs/querying/functions.md', import.meta.url), 'utf8');
    const documented = new Set<string>();
    for (const m of doc.matchAll(/^##+ .*$/gm)) for (const f of m[0].matchAll(/`([a-z_0-9]+)\(\)`/g)) documented.add(f[1]);
    for (const m of doc.matchAll(/^- `([a-z_0-9]+)\(/gm)) documented.add(m[1]);
    for (const m of doc.matchAll(/^\* `([a-z_0-9]+)\(/gm)) documented.add(m[1]);
    documented.delete('aggregation'); // `<aggregation>_over_time()` heading
    const missing = [...documented].filter((f) => !FUNCTIONS.has(f));
    expect(missing).toEqual([]);
    expect(FUNCTIONS.size).toBe(90);
  });
});
