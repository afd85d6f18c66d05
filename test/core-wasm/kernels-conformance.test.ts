// The range kernels against Prometheus' own expectations: every `eval` of the promqltest scripts
// in ../shared/conformance/promql/testdata whose expression is a single range function over a
// plain float selector (`fn(metric{l="v"}[5m])`, with literal scalar arguments) runs through
// Core.fromColumns and BatchKernels.range, and must give the scripted numbers (compared as
// promqltest compares them, to a relative 1e-6). Everything else in the scripts is the engine's.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadCore, KernelParamError, RANGE_FUNCTIONS, type RangeFunction } from '../../core-wasm/host/index.ts';
import { STALE_NAN } from '../../shared/model/stale.ts';
import { parseDuration } from '../../shared/promql/parser/numbers.ts';
import { parseScript, type EvalCommand, type SequenceValue } from '../conformance/promql-script.ts';

const TESTDATA = new URL('../../../shared/conformance/promql/testdata/', import.meta.url);
const SCRIPTS = ['functions.test', 'selectors.test', 'aggregators.test', 'operators.test', 'collision.test'];

interface Stored {
  labels: Record<string, string>;
  ts: number[];
  vs: Float64Array;
  histograms: boolean;
}

/** A call the kernels can answer alone: fn, selector, range, scalar arguments. */
interface KernelCall {
  fn: RangeFunction;
  name: string;
  matchers: [string, string][];
  rangeMs: number;
  args: number[];
}

const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?(?:e[-+]?\d+)?|\.\d+|Inf|NaN)|\d+[smhdwy]`;
const CALL = new RegExp(String.raw`^(\w+)\(\s*(?:(${NUMBER})\s*,\s*)?([a-zA-Z_:][\w:]*)(\{[^}]*\})?\[(\w+)\]((?:\s*,\s*(?:${NUMBER}))*)\s*\)$`);

function scalar(text: string): number {
  return /^\d+[smhdwy]$/.test(text) ? parseDuration(text) / 1000 : Number(text.replace(/Inf/, 'Infinity'));
}

/** parseCall recognises `fn(sel[range], args…)` and `fn(arg, sel[range])`, or returns null. */
function parseCall(expr: string): KernelCall | null {
  const m = CALL.exec(expr.trim());
  if (!m || !(RANGE_FUNCTIONS as readonly string[]).includes(m[1])) return null;
  const matchers: [string, string][] = [];
  if (m[4]) {
    const body = m[4].slice(1, -1).trim();
    if (body !== '') {
      for (const part of body.split(',')) {
        const eq = /^\s*(\w+)\s*=\s*"([^"\\]*)"\s*$/.exec(part);
        if (!eq) return null; // other matcher kinds are the engine's business
        matchers.push([eq[1], eq[2]]);
      }
    }
  }
  const after = m[6] ? m[6].split(',').map((s) => s.trim()).filter((s) => s !== '').map(scalar) : [];
  return { fn: m[1] as RangeFunction, name: m[3], matchers, rangeMs: /^\d+$/.test(m[5]) ? Number(m[5]) * 1000 : parseDuration(m[5]), args: m[2] !== undefined ? [scalar(m[2])] : after };
}

/** almostEqual: promqltest's float comparison (relative epsilon 1e-6, NaN equals NaN). */
function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const diff = Math.abs(a - b);
  const absSum = Math.abs(a) + Math.abs(b);
  const minNormal = 2.2250738585072014e-308;
  if (a === 0 || b === 0 || absSum < minNormal) return diff < 1e-6 * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < 1e-6;
}

const withoutName = (l: Record<string, string>): string =>
  JSON.stringify(Object.entries(l).filter(([k]) => k !== '__name__').sort(([a], [b]) => (a < b ? -1 : 1)));

function floatOf(v: SequenceValue): number | null {
  if (v.kind !== 'float') return null;
  return v.stale ? STALE_NAN : v.value;
}

interface Case {
  file: string;
  cmd: EvalCommand;
  call: KernelCall;
  series: Stored[];
}

function collectCases(): Case[] {
  const cases: Case[] = [];
  for (const file of SCRIPTS) {
    let store: Stored[] = [];
    for (const cmd of parseScript(readFileSync(new URL(file, TESTDATA), 'utf8'))) {
      if (cmd.kind === 'clear') store = [];
      if (cmd.kind === 'load') {
        for (const s of cmd.series) {
          const ts: number[] = [];
          const vs: number[] = [];
          const bits = new Float64Array(s.values.length);
          s.values.forEach((v, i) => {
            const f = floatOf(v);
            if (f === null) return;
            bits[ts.length] = f;
            ts.push(i * cmd.step);
            vs.push(0);
          });
          store.push({ labels: s.labels, ts, vs: bits.slice(0, ts.length), histograms: s.hasHistograms });
        }
      }
      if (cmd.kind !== 'eval') continue;
      const call = parseCall(cmd.expr);
      if (!call || cmd.rangeVector || cmd.expectedString !== null || cmd.nativeInExpectedOutput) continue;
      if (cmd.fail && call.fn !== 'double_exponential_smoothing') continue;
      const series = store.filter((s) => s.labels.__name__ === call.name && call.matchers.every(([k, v]) => (s.labels[k] ?? '') === v));
      if (series.some((s) => s.histograms) || series.length === 0) continue;
      cases.push({ file, cmd, call, series });
    }
  }
  return cases;
}

describe("Prometheus' scripted range-function results", () => {
  const core = loadCore();
  const cases = collectCases();

  test('the scripts yield enough cases to mean something', () => {
    expect(cases.length).toBeGreaterThan(60);
    expect(new Set(cases.map((c) => c.call.fn)).size).toBeGreaterThan(15);
  });

  test.each(cases.map((c) => [`${c.file}:${c.cmd.line} ${c.cmd.expr}`, c] as const))('%s', (_, { cmd, call, series }) => {
    const offsets = new Int32Array(series.length + 1);
    series.forEach((s, i) => (offsets[i + 1] = offsets[i] + s.ts.length));
    const ts = new Float64Array(offsets[series.length]);
    const vs = new Float64Array(offsets[series.length]);
    series.forEach((s, i) => {
      ts.set(s.ts, offsets[i]);
      vs.set(s.vs, offsets[i]);
    });
    const batch = core.fromColumns(offsets, ts, vs);
    const steps = cmd.instant ? 1 : Math.floor((cmd.end - cmd.start) / cmd.step) + 1;
    const grid = { start: cmd.start, step: cmd.step, steps };
    const params = call.args.map((a) => new Float64Array(steps).fill(a));
    try {
      if (cmd.fail) {
        expect(() => batch.kernels.range(call.fn, grid, call.rangeMs, params)).toThrow(KernelParamError);
        return;
      }
      const m = batch.kernels.range(call.fn, grid, call.rangeMs, params);
      const got = new Map<string, (number | null)[]>();
      series.forEach((s, i) => {
        const row = Array.from({ length: steps }, (_, j) => (m.present[i * steps + j] ? m.values[i * steps + j] : null));
        if (row.some((v) => v !== null)) got.set(withoutName(s.labels), row);
      });
      const want = new Map<string, (number | null)[]>();
      for (const r of cmd.results) {
        if (r.kind !== 'series') continue;
        want.set(withoutName(r.labels), Array.from({ length: steps }, (_, j) => (r.values[j] ? floatOf(r.values[j]) : null)));
      }
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [key, row] of want) {
        const g = got.get(key)!;
        row.forEach((w, j) => {
          const ok = w === null ? g[j] === null : g[j] !== null && almostEqual(g[j]!, w);
          if (!ok) expect({ series: key, step: j, value: g[j] }).toEqual({ series: key, step: j, value: w });
        });
      }
    } finally {
      batch.release();
    }
  });
});
