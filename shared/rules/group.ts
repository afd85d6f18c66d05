/**
 * Rule groups: a group evaluates its rules in order, every `interval`, at times offset from the
 * interval grid by a stable hash of the group's file and name (so groups spread out but each keeps
 * its slot across restarts). Outputs are appended through an Appendable, one commit per rule so
 * later rules see earlier outputs; series a rule stops producing get staleness markers. After the
 * first evaluation of a new group, alert `for` state is restored from ALERTS_FOR_STATE with
 * Prometheus' outage-tolerance and grace-period rules (`rules/group.go`).
 */
import { Labels, METRIC_NAME } from '../model/labels.ts';
import { hashLabels } from '../model/hash.ts';
import { Matcher } from '../model/matcher.ts';
import { isStaleNaN, STALE_NAN } from '../model/stale.ts';
import type { Appendable, Queryable } from '../storage/interface.ts';
import { AlertingRule, type Alert, type AlertContext } from './alerting.ts';
import type { RuleGroupSpec } from './file.ts';
import { RecordingRule } from './recording.ts';
import type { OutputSample, QueryFunction } from './rule.ts';

export type Rule = RecordingRule | AlertingRule;

/** NotifyFunction receives the alerts of one rule that are due to Alertmanager. */
export type NotifyFunction = (expr: string, alerts: Alert[]) => void;

/** Clock: time and sleeping, injectable so tests drive time. */
export interface Clock {
  now(): number;
  /** sleep resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

/** GroupOptions: what every group of a manager shares. */
export interface GroupOptions {
  query: QueryFunction;
  appendable: Appendable;
  /** Storage to restore alert state from; without it nothing is restored. */
  queryable?: Queryable;
  notify?: NotifyFunction;
  alertContext: AlertContext;
  clock: Clock;
  /** Defaults for groups that set none, ms. */
  evaluationInterval: number;
  queryOffset: number;
  outageTolerance: number;
  forGracePeriod: number;
  resendDelay: number;
  /** warn receives problems that do not fail a rule (refused samples). */
  warn: (msg: string) => void;
}

export class Group {
  readonly rules: Rule[];
  readonly interval: number;
  readonly queryOffset: number;
  /** Label sets each rule wrote in its previous evaluation, by rule index. */
  previousSeries: Map<string, Labels>[];
  shouldRestore = true;
  lastEvaluation = 0;
  evaluationTime = 0;
  missedIterations = 0;
  iterations = 0;
  #abort = new AbortController();
  #done: Promise<void> | null = null;

  constructor(
    readonly spec: RuleGroupSpec,
    readonly opts: GroupOptions,
  ) {
    this.interval = spec.interval > 0 ? spec.interval : opts.evaluationInterval;
    this.queryOffset = spec.queryOffset ?? opts.queryOffset;
    this.rules = spec.rules.map((r) => {
      const withGroup = { ...r, labels: mergeLabels(spec.labels, r.labels) };
      return withGroup.kind === 'recording' ? new RecordingRule(withGroup) : new AlertingRule(withGroup);
    });
    this.previousSeries = this.rules.map(() => new Map());
  }

  get name(): string {
    return this.spec.name;
  }
  get file(): string {
    return this.spec.file;
  }

  /** key identifies a group across reloads. */
  get key(): string {
    return `${this.spec.file}\xff${this.spec.name}`;
  }

  /** evalTimestamp: the latest slot of this group at or before `t`. */
  evalTimestamp(t: number): number {
    const offset = hashLabels(Labels.from({ file: this.spec.file, name: this.spec.name })) % this.interval;
    const adj = t - offset;
    return adj - (((adj % this.interval) + this.interval) % this.interval) + offset;
  }

  /** evaluate runs every rule once at `t` (Unix ms). It never throws for a rule's failure. */
  async evaluate(t: number, signal: AbortSignal = this.#abort.signal): Promise<void> {
    const start = this.opts.clock.now();
    for (let i = 0; i < this.rules.length; i++) {
      if (signal.aborted) return;
      const rule = this.rules[i];
      const ruleStart = this.opts.clock.now();
      let samples: OutputSample[];
      try {
        samples = rule.kind === 'recording'
          ? await rule.eval(this.opts.query, t - this.queryOffset, this.spec.limit, signal)
          : await rule.eval(this.opts.query, t, this.queryOffset, this.spec.limit, this.opts.alertContext, signal);
        rule.status.health = 'ok';
        rule.status.lastError = '';
      } catch (err) {
        rule.status.health = 'err';
        rule.status.lastError = (err as Error).message;
        rule.status.lastEvaluation = t;
        rule.status.evaluationTime = this.opts.clock.now() - ruleStart;
        continue;
      }
      if (rule.kind === 'alerting' && this.opts.notify) {
        const due = rule.alertsToSend(t, this.opts.resendDelay, this.interval);
        if (due.length > 0) this.opts.notify(rule.spec.expr, due);
      }
      this.#write(i, samples, t - this.queryOffset, rule);
      rule.status.lastEvaluation = t;
      rule.status.evaluationTime = this.opts.clock.now() - ruleStart;
    }
    this.iterations++;
    this.lastEvaluation = t;
    this.evaluationTime = this.opts.clock.now() - start;
  }

  /** #write appends a rule's outputs, and staleness markers at `staleAt` for series it dropped. */
  #write(i: number, samples: OutputSample[], staleAt: number, rule: Rule): void {
    const app = this.opts.appendable.appender();
    const returned = new Map<string, Labels>();
    try {
      for (const s of samples) {
        app.append(0, s.labels, s.t, s.value);
        returned.set(s.labels.key(), s.labels);
      }
      for (const [key, labels] of this.previousSeries[i]) {
        if (!returned.has(key)) app.append(0, labels, staleAt, STALE_NAN);
      }
      const res = app.commit();
      for (const e of res.errors) this.opts.warn(`rule ${JSON.stringify(rule.name)} in group ${JSON.stringify(this.name)}: ${e.message}`);
    } catch (err) {
      rule.status.health = 'err';
      rule.status.lastError = `append rule output: ${(err as Error).message}`;
      return;
    }
    this.previousSeries[i] = returned;
  }

  /** markStale writes staleness markers at `t` for everything this group last wrote. */
  markStale(t: number): void {
    const app = this.opts.appendable.appender();
    try {
      for (const series of this.previousSeries) for (const labels of series.values()) app.append(0, labels, t, STALE_NAN);
      app.commit();
    } catch (err) {
      this.opts.warn(`group ${JSON.stringify(this.name)}: write staleness markers: ${(err as Error).message}`);
    }
  }

  /**
   * restoreForState moves each active alert's activeAt back to where it was before a restart, as
   * read from ALERTS_FOR_STATE at most `outageTolerance` before `t`; alerts whose remaining
   * pending time would be under the grace period get exactly the grace period. Rules with `for`
   * below the grace period are not restored. Every alerting rule is marked restored after.
   */
  restoreForState(t: number): void {
    const q = this.opts.queryable?.querier(t - this.opts.outageTolerance, t);
    try {
      for (const rule of this.rules) {
        if (rule.kind !== 'alerting') continue;
        const hold = rule.spec.for;
        if (q && hold >= this.opts.forGracePeriod) {
          for (const a of rule.active.values()) {
            const last = lastForState(q, a);
            if (last === null || isStaleNaN(last.v)) continue;
            const downAt = Math.floor(last.t / 1000) * 1000;
            let activeAt = Math.trunc(last.v) * 1000;
            const remaining = hold - (downAt - activeAt);
            if (remaining <= 0) {
              // It was firing when we went down; the next evaluation fires it again if still true.
            } else if (remaining < this.opts.forGracePeriod) {
              activeAt = t + this.opts.forGracePeriod - hold;
            } else {
              activeAt += t - downAt;
            }
            a.activeAt = activeAt;
          }
        }
        rule.restored = true;
      }
    } finally {
      q?.close();
    }
  }

  /** start runs the group on its schedule until stop(). */
  start(): void {
    if (this.#done) throw new Error('BUG: group started twice');
    this.#done = this.#run(this.#abort.signal);
  }

  async #run(signal: AbortSignal): Promise<void> {
    const clock = this.opts.clock;
    let next = this.evalTimestamp(clock.now()) + this.interval;
    await clock.sleep(next - clock.now(), signal);
    while (!signal.aborted) {
      await this.evaluate(next, signal);
      if (this.shouldRestore && !signal.aborted) {
        this.restoreForState(clock.now());
        this.shouldRestore = false;
      }
      const now = clock.now();
      const behind = Math.max(0, Math.floor((now - next) / this.interval));
      this.missedIterations += behind;
      next += (behind + 1) * this.interval;
      await clock.sleep(next - clock.now(), signal);
    }
  }

  /** stop ends the schedule and waits for a running evaluation to finish. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }

  /** copyState takes over alert and staleness state from the group it replaces on reload. */
  copyState(old: Group): void {
    this.lastEvaluation = old.lastEvaluation;
    this.evaluationTime = old.evaluationTime;
    this.shouldRestore = false;
    const byId = new Map<string, number[]>();
    old.rules.forEach((r, i) => {
      const id = ruleIdentity(r);
      byId.set(id, [...(byId.get(id) ?? []), i]);
    });
    this.rules.forEach((r, i) => {
      const candidates = byId.get(ruleIdentity(r));
      const j = candidates?.shift();
      if (j === undefined) {
        if (r.kind === 'alerting') r.restored = true;
        return;
      }
      const o = old.rules[j];
      r.status.copyFrom(o.status);
      this.previousSeries[i] = old.previousSeries[j];
      if (r.kind === 'alerting' && o.kind === 'alerting') {
        r.active = o.active;
        r.restored = o.restored;
      }
    });
    // Series of old rules that found no successor go stale in this group's next evaluation.
    const leftover = new Map<string, Labels>();
    for (const idx of byId.values()) for (const j of idx) for (const [k, l] of old.previousSeries[j]) leftover.set(k, l);
    if (leftover.size > 0) {
      const app = this.opts.appendable.appender();
      for (const l of leftover.values()) app.append(0, l, this.opts.clock.now(), STALE_NAN);
      app.commit();
    }
  }
}

function ruleIdentity(r: Rule): string {
  return `${r.kind}\xff${r.name}\xff${r.spec.labels.key()}`;
}

/** mergeLabels: group labels, overridden by the rule's own. */
function mergeLabels(group: Labels, rule: Labels): Labels {
  if (group.size === 0) return rule;
  const m = new Map<string, string>(group);
  rule.forEach((k, v) => m.set(k, v));
  return Labels.fromPairs(m);
}

/** lastForState reads the newest ALERTS_FOR_STATE sample of alert `a`, or null. */
function lastForState(q: ReturnType<Queryable['querier']>, a: Alert): { t: number; v: number } | null {
  const want = a.labels.with(METRIC_NAME, 'ALERTS_FOR_STATE');
  const matchers = [...want].map(([n, v]) => new Matcher('=', n, v));
  const set = q.select(matchers);
  const idx = set.series.findIndex((s) => s.labels.equals(want));
  if (idx < 0) return null;
  const batch = set.load();
  try {
    const off = batch.offsets();
    const from = off[idx], to = off[idx + 1];
    if (to <= from) return null;
    return { t: batch.timestamps()[to - 1], v: batch.values()[to - 1] };
  } finally {
    batch.release();
  }
}
