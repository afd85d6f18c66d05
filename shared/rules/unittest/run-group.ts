/**
 * One test group of a rule unit-test file, run as promtool runs it: a fresh in-memory storage
 * and PromQL engine, the rule files' groups built by the real RuleManager, then every group
 * evaluated (in group_eval_order) at each evaluation interval from the start time up to the
 * largest eval_time, input samples appended lazily just before each evaluation. Alert tests are
 * checked at the evaluation covering their eval_time (ts ≤ eval_time < ts + interval) against
 * the firing alerts of every rule with that name; PromQL tests are instant queries run once all
 * evaluations are done. A rule that fails to evaluate stops the group.
 */
import { Labels } from '../../model/labels.ts';
import { Engine } from '../../promql/engine/index.ts';
import { openMemStorage } from '../../storage/mem/index.ts';
import type { Storage } from '../../storage/interface.ts';
import type { RuleGroupSpec } from '../file.ts';
import type { Group } from '../group.ts';
import { RuleManager } from '../manager.ts';
import type { QueryFunction, Sample } from '../rule.ts';
import { formatDuration } from '../../config/units.ts';
import {
  alertsEqual, formatAlerts, formatSamples, goDuration, indentLines, samplesEqual,
  type AlertSet, type ResultSample,
} from './compare.ts';
import { SeriesLoader } from './series-loader.ts';
import type { AlertTestCase, TestGroup, UnitTestFile } from './test-file.ts';

/** FailureKind: what went wrong, for callers that check the reason of a failure. */
export type FailureKind = 'rule-file' | 'input' | 'rule-eval' | 'query' | 'alerts' | 'samples' | 'unsupported';

/** TestFailure: one failure, `message` in promtool's layout (indented, multi-line). */
export interface TestFailure {
  kind: FailureKind;
  message: string;
}

/** NotVectorError: a test or rule expression gave a range vector or string. */
export class NotVectorError extends Error {
  constructor(expr: string, got: string) {
    super(`rule result is not a vector or scalar: ${expr} gave a ${got}`);
    this.name = 'NotVectorError';
  }
}

/** engineQueryFunction adapts the engine to the rule manager's query function. */
export function engineQueryFunction(engine: Engine, storage: Storage): QueryFunction {
  return async (expr, t, signal) => {
    const { value } = await engine.instantQuery(storage, expr, t, { signal });
    if (value.resultType === 'vector') return value.samples.map((s): Sample => ({ labels: s.metric, value: s.f }));
    if (value.resultType === 'scalar') return [{ labels: Labels.EMPTY, value: value.f }];
    throw new NotVectorError(expr, value.resultType);
  };
}

/**
 * orderGroups sorts groups by their position in group_eval_order; groups it does not name sort
 * as its first entry does (promtool's partial order), ties keep the manager's file/name order.
 */
export function orderGroups(groups: readonly Group[], order: readonly string[]): Group[] {
  const rank = (g: Group) => Math.max(0, order.indexOf(g.name));
  return [...groups].sort((a, b) => rank(a) - rank(b));
}

/** maxEvalTime: the largest eval_time of the group's tests, ms. */
export function maxEvalTime(g: TestGroup): number {
  return Math.max(0, ...g.alertRuleTests.map((a) => a.evalTime), ...g.promqlExprTests.map((p) => p.evalTime));
}

/**
 * runTestGroup runs one test group against the rule groups `rules` (already loaded and valid)
 * and returns its failures (none when it passes). `warn` receives non-fatal problems.
 */
export async function runTestGroup(file: UnitTestFile, tg: TestGroup, rules: readonly RuleGroupSpec[], warn: (msg: string) => void): Promise<TestFailure[]> {
  const storage = await openMemStorage();
  try {
    return await evaluate(file, tg, rules, storage, warn);
  } finally {
    await storage.close();
  }
}

async function evaluate(file: UnitTestFile, tg: TestGroup, rules: readonly RuleGroupSpec[], storage: Storage, warn: (msg: string) => void): Promise<TestFailure[]> {
  const failures: TestFailure[] = [];
  const namePrefix = tg.name !== '' ? `    name: ${tg.name},\n` : '';
  for (const s of tg.inputSeries) {
    if (s.hasHistograms) failures.push({ kind: 'unsupported', message: `    ${s.path}: native histogram samples are not supported by Outpost; they were not loaded` });
  }
  const engine = new Engine({ subqueryStepMs: file.evaluationInterval });
  const query = engineQueryFunction(engine, storage);
  const manager = new RuleManager({
    query, appendable: storage, queryable: storage, externalLabels: tg.externalLabels, externalURL: tg.externalURL,
    evaluationInterval: tg.interval, warn,
  });
  await manager.update(rules);
  const groups = orderGroups(manager.groups(), file.groupEvalOrder);
  // As promtool does: alerts count as restored from the start, so ALERTS series are written.
  for (const g of groups) for (const r of g.rules) if (r.kind === 'alerting') r.restored = true;

  const mint = tg.startTimestamp;
  const maxt = mint + maxEvalTime(tg);
  const step = file.evaluationInterval;
  const loader = new SeriesLoader(storage, tg.inputSeries, mint, tg.interval);
  const alertTimes = [...new Set(tg.alertRuleTests.map((a) => a.evalTime))].sort((a, b) => a - b);
  let curr = 0;
  for (let ts = mint; ts <= maxt; ts += step) {
    for (const msg of loader.appendTill(ts)) failures.push({ kind: 'input', message: `    ${msg}` });
    const evalErrors: TestFailure[] = [];
    for (const g of groups) {
      await g.evaluate(ts);
      for (const r of g.rules) {
        if (r.status.health === 'err') {
          evalErrors.push({ kind: 'rule-eval', message: `    rule: ${r.name}, time: ${goDuration(ts)}, err: ${r.status.lastError}` });
        }
      }
    }
    failures.push(...evalErrors);
    if (evalErrors.length > 0) return failures;
    for (; curr < alertTimes.length && ts - mint <= alertTimes[curr] && alertTimes[curr] < ts - mint + step; curr++) {
      const t = alertTimes[curr];
      const cases = tg.alertRuleTests.filter((a) => a.evalTime === t);
      for (const c of cases) {
        const f = checkAlerts(c, groups, namePrefix);
        if (f) failures.push(f);
      }
    }
  }

  for (const pt of tg.promqlExprTests) {
    const where = `${namePrefix}    expr: ${JSON.stringify(pt.expr)}, time: ${formatDuration(pt.evalTime)}`;
    let got: Sample[];
    try {
      got = await query(pt.expr, mint + pt.evalTime, new AbortController().signal);
    } catch (err) {
      failures.push({ kind: 'query', message: `${where}, err: ${(err as Error).message}` });
      continue;
    }
    const gotSamples: ResultSample[] = got.map((s) => ({ labels: s.labels, value: s.value, histogram: '' }));
    if (!samplesEqual(pt.expSamples, gotSamples, file.fuzzyCompare)) {
      const hist = pt.expSamples.some((s) => s.histogram !== '');
      failures.push({
        kind: hist ? 'unsupported' : 'samples',
        message: `${where},\n        exp: ${formatSamples(pt.expSamples)}\n        got: ${formatSamples(gotSamples)}${hist ? '\n        (native histogram results are not supported by Outpost)' : ''}`,
      });
    }
  }
  return failures;
}

/** checkAlerts compares one alert test case with the firing alerts of every rule of that name. */
function checkAlerts(c: AlertTestCase, groups: readonly Group[], namePrefix: string): TestFailure | null {
  const got: AlertSet[] = [];
  for (const g of groups) {
    for (const r of g.rules) {
      if (r.kind !== 'alerting' || r.name !== c.alertname) continue;
      for (const a of r.activeAlerts()) if (a.state === 'firing') got.push({ labels: a.labels, annotations: a.annotations });
    }
  }
  const exp: AlertSet[] = c.expAlerts.map((a) => ({ labels: a.labels.with('alertname', c.alertname), annotations: a.annotations }));
  if (alertsEqual(exp, got)) return null;
  const pad = ' '.repeat(12);
  return {
    kind: 'alerts',
    message: `${namePrefix}    alertname: ${c.alertname}, time: ${formatDuration(c.evalTime)}, \n        exp:${indentLines(formatAlerts(exp), pad)}, \n        got:${indentLines(formatAlerts(got), pad)}`,
  };
}
