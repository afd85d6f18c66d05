/**
 * The PromQL conformance runner: runs every eval case of Prometheus' promqltest scripts
 * (../shared/conformance/promql/testdata/*.test) through the Outpost engine on the in-memory
 * storage, the way Prometheus' own harness does (RUNNER-NOTES.md there): 1e-6 relative
 * tolerance, StaleNaN only equal to StaleNaN, each instant eval re-run with `@ <t>` on every
 * selector at five other times and once as a range query around t, annotation expectations,
 * ordered results, and expected failure messages. Cases that need native histograms or
 * experimental features the engine lacks are skipped, and counted by reason.
 * `npm run conformance -- promql [DIR] [-v]` prints per-file results, the skip reasons and
 * `N passed, N failed, N skipped`; `-v` also lists every failed and skipped case with its line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Expr } from '../../shared/promql/ast.ts';
import { walk } from '../../shared/promql/ast.ts';
import { formatExpr } from '../../shared/promql/format.ts';
import { parseExpr } from '../../shared/promql/parser/index.ts';
import { Engine, FUNCTION_IMPLS, type QueryResult, type QueryValue } from '../../shared/promql/engine/index.ts';
import { Labels } from '../../shared/model/labels.ts';
import { isStaleNaN, STALE_NAN } from '../../shared/model/stale.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import type { Storage } from '../../shared/storage/interface.ts';
import { parseScript, type AnnotationExpectation, type EvalCommand, type LoadCommand } from './promql-script.ts';
import { points } from '../support/query-value.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** DEFAULT_DIR: the upstream scripts beside the repository. */
export const DEFAULT_DIR = resolve(here, '../../../shared/conformance/promql/testdata');

const AT_UNSAFE = new Set(['days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'end', 'hour', 'minute', 'month', 'year', 'predict_linear', 'range', 'start', 'step', 'time', 'timestamp']);
const QUERY_CONTEXT_FUNCS = /(start|end|range|step)\(\)/;

export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
  /** skips: `line N: expr (reason)` for every skipped case. */
  skips: string[];
}

export interface ConformanceResult {
  files: FileResult[];
  passed: number;
  failed: number;
  skipped: number;
  /** skipReasons: how many cases each reason skipped. */
  skipReasons: Map<string, number>;
}

/** almostEqual: Prometheus' test comparison (relative 1e-6; NaN equals NaN, StaleNaN only StaleNaN). */
export function almostEqual(a: number, b: number): boolean {
  if (isStaleNaN(a) || isStaleNaN(b)) return isStaleNaN(a) && isStaleNaN(b);
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const minNormal = 2.2250738585072014e-308;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < minNormal) return diff < 1e-6 * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < 1e-6;
}

class CaseFailure extends Error {}

function fail(msg: string): never {
  throw new CaseFailure(msg);
}

/** State: the storage of one script and what its loads put there. */
class State {
  storage!: Storage;
  /** native: label sets of series with native-histogram samples since the last clear. */
  native: Labels[] = [];
  startTimestamps = false;
  /** typeAndUnit: series with `__type__`/`__unit__` labels (an experimental feature; storage refuses them). */
  typeAndUnit: Labels[] = [];
  /** loadErrors: samples the storage refused (reported, not fatal: Prometheus keeps the first). */
  loadErrors: string[] = [];

  async reset(): Promise<void> {
    if (this.storage) await this.storage.close();
    this.storage = await openMemStorage();
    this.native = [];
    this.typeAndUnit = [];
    this.loadErrors = [];
    this.startTimestamps = false;
  }

  load(cmd: LoadCommand): void {
    const app = this.storage.appender();
    // A label set given twice in one load block keeps its last line, as Prometheus' harness does.
    const last = new Map(cmd.series.map((s) => [Labels.from(s.labels).key(), s]));
    for (const s of last.values()) {
      const labels = Labels.from(s.labels);
      if (s.startTimestamps) this.startTimestamps = true;
      if (s.hasHistograms) this.native.push(labels);
      if (labels.has('__type__') || labels.has('__unit__')) {
        this.typeAndUnit.push(labels);
        continue;
      }
      s.values.forEach((v, i) => {
        if (v.kind !== 'float') return;
        app.append(0, labels, i * cmd.step, v.stale ? STALE_NAN : v.value);
      });
      if (cmd.withNhcb) {
        const name = labels.metricName;
        for (const suffix of ['_bucket', '_count', '_sum']) {
          if (name.endsWith(suffix)) this.native.push(labels.with('__name__', name.slice(0, -suffix.length)).without('le'));
        }
      }
    }
    const res = app.commit();
    for (const e of res.errors) this.loadErrors.push(`load at line ${cmd.line}: ${e.message}`);
  }
}

/**
 * skipReason: why a case cannot run on this engine, or null. Every reason found in the query is
 * collected and the most fundamental one is named: native histograms in the expected output or
 * in the selected data first, then experimental features (with their Prometheus feature flag),
 * and only then a function the engine lacks, so "unsupported function" never hides a case that
 * needs native histograms or an experimental feature anyway.
 */
function skipReason(cmd: EvalCommand, state: State): string | null {
  if (cmd.nativeInExpectedOutput) return 'native histograms (expected output)';
  let expr: Expr;
  try {
    expr = parseExpr(cmd.expr);
  } catch {
    return null;
  }
  const found = new Set<string>();
  walk(expr, (n) => {
    if (n.kind === 'VectorSelector') {
      if (state.native.some((l) => n.matchers.every((m) => m.matches(l.get(m.name))))) found.add(SKIP.native);
      if (state.typeAndUnit.some((l) => n.matchers.every((m) => m.matches(l.get(m.name))))) found.add(SKIP.typeAndUnit);
      if (n.anchored || n.smoothed) found.add(SKIP.extendedRange);
    }
    if (n.kind === 'Call') {
      if (state.startTimestamps && ['rate', 'irate', 'increase', 'resets'].includes(n.func.name)) found.add(SKIP.startTimestamps);
      if (!FUNCTION_IMPLS.has(n.func.name)) {
        found.add(n.func.experimental ? `experimental function ${n.func.name}() (promql-experimental-functions)` : `unsupported function ${n.func.name}()`);
      }
    }
  });
  for (const r of [SKIP.native, SKIP.typeAndUnit, SKIP.extendedRange, SKIP.startTimestamps]) if (found.has(r)) return r;
  const rest = [...found].sort();
  return rest.find((r) => r.startsWith('experimental')) ?? rest[0] ?? null;
}

/** SKIP: the skip reasons other than missing functions, with the Prometheus feature flag each needs. */
const SKIP = {
  native: 'native histograms (selected data)',
  typeAndUnit: 'experimental: type and unit labels (type-and-unit-labels)',
  extendedRange: 'experimental: anchored/smoothed range selectors (promql-extended-range-selectors)',
  startTimestamps: 'experimental: start timestamps in rate/irate/increase/resets (use-start-timestamps)',
};

function checkAnnotationList(kind: string, expected: AnnotationExpectation[], actual: string[]): void {
  if (expected.length === 0) return;
  if (actual.length === 0) fail(`expected ${kind} annotations but none were found`);
  const matches = (e: AnnotationExpectation, a: string) => e.match === null || (e.match.type === 'msg' ? a === e.match.text : new RegExp(e.match.text).test(a));
  for (const e of expected) if (!actual.some((a) => matches(e, a))) fail(`expected ${kind} annotation matching ${JSON.stringify(e.match?.text ?? '')}, found: ${JSON.stringify(actual)}`);
  for (const a of actual) if (!expected.some((e) => matches(e, a))) fail(`unexpected ${kind} annotation ${JSON.stringify(a)}`);
}

/**
 * withoutPosition: the annotation text as the scripts spell it. The engine ends each annotation
 * with the position of its node, as the HTTP API shows it; the scripts' expectations omit it.
 */
function withoutPosition(a: string): string {
  return a.replace(/ \(\d+:\d+\)$/, '').replace(/(needed to be fixed for monotonicity .*), from buckets .* to .*, with a max diff of .*, over \d+ samples from .* to .*$/, '$1');
}

function checkAnnotations(cmd: EvalCommand, r: QueryResult): void {
  checkAnnotationList('warn', cmd.warn, r.warnings.map(withoutPosition));
  checkAnnotationList('info', cmd.info, r.infos.map(withoutPosition));
  if (cmd.noWarn && r.warnings.length > 0) fail(`unexpected warnings: ${JSON.stringify(r.warnings)}`);
  if (cmd.noInfo && r.infos.length > 0) fail(`unexpected infos: ${JSON.stringify(r.infos)}`);
}

function checkFailure(cmd: EvalCommand, err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  const m = cmd.fail?.match;
  if (!m) return;
  if (m.type === 'msg' ? msg !== m.text : !new RegExp(m.text).test(msg)) fail(`expected error ${JSON.stringify(m.text)}, got ${JSON.stringify(msg)}`);
}

function expectedMap(cmd: EvalCommand): Map<string, { labels: Labels; values: EvalCommand['results'][number]; pos: number }> {
  const out = new Map();
  cmd.results.forEach((r, pos) => {
    if (r.kind !== 'series') return;
    const labels = Labels.from(r.labels);
    out.set(labels.key(), { labels, values: r, pos });
  });
  return out;
}

/** compare checks a query value against the case's expectations (Prometheus' compareResult). */
function compare(cmd: EvalCommand, v: QueryValue): void {
  const scalarExpected = cmd.results.length > 0 && cmd.results[0].kind === 'scalar';
  switch (v.resultType) {
    case 'string':
      if (cmd.expectedString !== v.value) fail(`expected string ${JSON.stringify(cmd.expectedString)} but got ${JSON.stringify(v.value)}`);
      return;
    case 'scalar': {
      if (!scalarExpected) fail(`expected vector or matrix result, but got scalar ${v.f}`);
      const e = cmd.results[0] as { value: number };
      if (!almostEqual(e.value, v.f)) fail(`expected scalar ${e.value} but got ${v.f}`);
      return;
    }
    case 'vector': {
      if (scalarExpected) fail('expected scalar result, but got vector');
      const exp = expectedMap(cmd);
      const seen = new Set<string>();
      v.samples.forEach((s, pos) => {
        const e = exp.get(s.metric.key());
        if (!e) fail(`unexpected metric ${s.metric} in result, has value ${s.f}`);
        if (cmd.ordered && e.pos !== pos) fail(`expected metric ${s.metric} at position ${e.pos + 1} but was at ${pos + 1}`);
        const ev = e.values.kind === 'series' ? e.values.values[0] : null;
        const want = ev && ev.kind === 'float' ? (ev.stale ? STALE_NAN : ev.value) : NaN;
        if (!ev || ev.kind !== 'float') fail(`expected a float for ${s.metric}`);
        if (!almostEqual(want, s.f)) fail(`expected ${want} for ${s.metric} but got ${s.f}`);
        seen.add(s.metric.key());
      });
      for (const [k, e] of exp) if (!seen.has(k)) fail(`expected metric ${e.labels} not found`);
      return;
    }
    case 'matrix': {
      if (cmd.ordered) fail('expected ordered result, but query returned a matrix');
      if (scalarExpected) fail('expected scalar result, but got matrix');
      for (let i = 1; i < v.series.length; i++) if (v.series[i - 1].metric.compare(v.series[i].metric) >= 0) fail('matrix is not sorted by labels');
      const exp = expectedMap(cmd);
      const start = cmd.rangeVector ? cmd.rangeVector.start : cmd.start;
      const step = cmd.rangeVector ? cmd.rangeVector.step : cmd.step;
      const end = cmd.rangeVector ? cmd.rangeVector.end : cmd.end;
      const seen = new Set<string>();
      for (const s of v.series) {
        const e = exp.get(s.metric.key());
        if (!e || e.values.kind !== 'series') fail(`unexpected metric ${s.metric} in result, has ${JSON.stringify(points(s))}`);
        seen.add(s.metric.key());
        const want: Array<{ t: number; f: number }> = [];
        e.values.values.forEach((x, i) => {
          const t = start + i * step;
          if (t > end) fail(`expected ${e.values.kind === 'series' ? e.values.values.length : 0} points for ${s.metric}, but the range cannot hold them`);
          if (x.kind === 'histogram') fail('histogram expected');
          if (x.kind === 'float') want.push({ t, f: x.stale ? STALE_NAN : x.value });
        });
        const got = points(s);
        if (want.length !== got.length) fail(`expected ${want.length} points for ${s.metric}, got ${got.length}: ${JSON.stringify(got)}`);
        want.forEach((w, i) => {
          const a = got[i];
          if (w.t !== a.t) fail(`expected point ${i} of ${s.metric} at ${w.t}, got ${a.t}`);
          if (!almostEqual(w.f, a.f)) fail(`expected point ${i} (t=${a.t}) of ${s.metric} to be ${w.f}, got ${a.f}`);
        });
      }
      for (const [k, e] of exp) if (!seen.has(k)) fail(`expected metric ${e.labels} not found`);
      return;
    }
  }
}

/**
 * withAt: the query with `@ t` on every selector and subquery lacking one, or null if it calls a
 * function that is not safe for `@`. As in Prometheus' harness, nothing inside a subquery that
 * has (or is given) an `@` is touched: its selectors keep following the subquery's own steps.
 */
export function withAt(query: string, t: number): string | null {
  const expr = parseExpr(query);
  let unsafe = false;
  const visit = (n: Expr, underAt: boolean): void => {
    if (n.kind === 'Call' && AT_UNSAFE.has(n.func.name)) unsafe = true;
    if (n.kind === 'VectorSelector' && !underAt && n.at === null) n.at = t;
    if (n.kind === 'MatrixSelector' && !underAt && n.vector.at === null) n.vector.at = t;
    let below = underAt;
    if (n.kind === 'SubqueryExpr') {
      // Prometheus' harness leaves everything inside a subquery that has (or is given) an `@` alone.
      if (n.at === null && !underAt) n.at = t;
      below = true;
    }
    if (n.kind === 'MatrixSelector') return;
    for (const c of childrenOf(n)) visit(c, below);
  };
  visit(expr, false);
  return unsafe ? null : formatExpr(expr);
}

function childrenOf(n: Expr): Expr[] {
  const out: Expr[] = [];
  walk(n, (c) => {
    if (c === n) return;
    out.push(c);
    return false;
  });
  return out;
}

async function runInstant(engine: Engine, state: State, cmd: EvalCommand, query: string, t: number): Promise<void> {
  let r: QueryResult;
  try {
    r = await engine.instantQuery(state.storage, query, t);
  } catch (e) {
    if (e instanceof CaseFailure) throw e;
    if (cmd.fail) return checkFailure(cmd, e);
    fail(`error evaluating ${JSON.stringify(query)} at ${t}: ${(e as Error).message}`);
  }
  if (cmd.fail) fail(`expected an error evaluating ${JSON.stringify(query)} but got none`);
  checkAnnotations(cmd, r);
  compare(cmd, r.value);
  if (cmd.rangeVector || cmd.expectedString !== null || QUERY_CONTEXT_FUNCS.test(query)) return;
  let rr: QueryResult;
  try {
    rr = await engine.rangeQuery(state.storage, query, t - 60_000, t + 60_000, 60_000);
  } catch (e) {
    fail(`error evaluating ${JSON.stringify(query)} in range mode: ${(e as Error).message}`);
  }
  if (cmd.ordered) return;
  if (rr.value.resultType !== 'matrix') fail(`range mode returned ${rr.value.resultType}`);
  const samples = [];
  for (const s of rr.value.series) {
    const k = s.ts.indexOf(t);
    if (k >= 0) samples.push({ metric: s.metric, t, f: s.vs[k] });
  }
  try {
    if (r.value.resultType === 'scalar') compare(cmd, { resultType: 'scalar', t, f: samples[0]?.f ?? NaN });
    else compare(cmd, { resultType: 'vector', samples });
  } catch (e) {
    if (e instanceof CaseFailure) fail(`range mode: ${e.message}`);
    throw e;
  }
}

async function runEval(engine: Engine, state: State, cmd: EvalCommand): Promise<void> {
  if (!cmd.instant) {
    let r: QueryResult;
    try {
      r = await engine.rangeQuery(state.storage, cmd.expr, cmd.start, cmd.end, cmd.step);
    } catch (e) {
      if (cmd.fail) return checkFailure(cmd, e);
      fail(`error evaluating: ${(e as Error).message}`);
    }
    if (cmd.fail) fail('expected an error but got none');
    checkAnnotations(cmd, r);
    compare(cmd, r.value);
    return;
  }
  await runInstant(engine, state, cmd, cmd.expr, cmd.start);
  let atQuery: string | null = null;
  try {
    atQuery = withAt(cmd.expr, cmd.start);
  } catch {
    return;
  }
  if (atQuery === null) return;
  const t = cmd.start;
  const times = t === 0 ? [-1000, 0, 1000] : [-10 * t, 0, Math.trunc(t / 5), t, 10 * t];
  for (const et of times) await runInstant(engine, state, cmd, atQuery, et);
}

/** runFile runs one script. */
export async function runFile(path: string, engine = new Engine({ maxSamples: 10_000, timeoutMs: 100_000 })): Promise<FileResult & { reasons: string[] }> {
  const res = { file: path, passed: 0, failed: 0, skipped: 0, failures: [] as string[], skips: [] as string[], reasons: [] as string[] };
  const cmds = parseScript(readFileSync(path, 'utf8'));
  const state = new State();
  await state.reset();
  try {
    for (const cmd of cmds) {
      if (cmd.kind === 'clear') await state.reset();
      else if (cmd.kind === 'load') state.load(cmd);
      else {
        const reason = skipReason(cmd, state);
        if (reason) {
          res.skipped++;
          res.reasons.push(reason);
          res.skips.push(`line ${cmd.line}: ${cmd.expr} (${reason})`);
          continue;
        }
        try {
          await runEval(engine, state, cmd);
          res.passed++;
        } catch (e) {
          res.failed++;
          res.failures.push(`line ${cmd.line}: ${cmd.expr}: ${e instanceof CaseFailure ? e.message : `crash: ${(e as Error).stack}`}`);
        }
      }
    }
  } finally {
    await state.storage.close();
  }
  return res;
}

/** runConformance runs every .test file of `dir`. */
export async function runConformance(dir = DEFAULT_DIR): Promise<ConformanceResult> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.test')).sort();
  const out: ConformanceResult = { files: [], passed: 0, failed: 0, skipped: 0, skipReasons: new Map() };
  for (const f of files) {
    const r = await runFile(join(dir, f));
    r.file = f;
    out.files.push(r);
    out.passed += r.passed;
    out.failed += r.failed;
    out.skipped += r.skipped;
    for (const s of r.reasons) out.skipReasons.set(s, (out.skipReasons.get(s) ?? 0) + 1);
  }
  return out;
}

export default async function run(args: string[]): Promise<number> {
  const verbose = args.includes('-v');
  const dirArg = args.find((a) => !a.startsWith('-'));
  const r = await runConformance(dirArg ? resolve(dirArg) : DEFAULT_DIR);
  for (const f of r.files) {
    console.log(`${f.file}: ${f.passed} passed, ${f.failed} failed, ${f.skipped} skipped`);
    if (verbose) for (const x of f.failures) console.log(`  FAIL ${x}`);
    if (verbose) for (const x of f.skips) console.log(`  SKIP ${x}`);
  }
  console.log('skipped by reason:');
  for (const [reason, n] of [...r.skipReasons].sort((a, b) => b[1] - a[1])) console.log(`  ${n} ${reason}`);
  console.log(`${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  return r.failed > 0 ? 1 : 0;
}
