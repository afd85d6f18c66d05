/**
 * Alerting rules: each element of the expression's vector is an alert that is pending until it
 * has been active for `for`, then firing; when it disappears it is resolved (inactive), unless
 * `keep_firing_for` keeps it firing a while longer. Resolved alerts are kept 15 minutes so that
 * Alertmanager hears about the resolution. Labels and annotations are templates. The rule writes
 * `ALERTS` and `ALERTS_FOR_STATE` series (Prometheus `rules/alerting.go`).
 */
import { Labels, METRIC_NAME } from '../model/labels.ts';
import type { Template } from '../template/parse.ts';
import { compileAlertTemplate, expandAlertTemplate, type TemplateQuery } from '../template/index.ts';
import type { AlertingRuleSpec } from './file.ts';
import { checkLimit, RuleEvalError, RuleStatus, type OutputSample, type QueryFunction } from './rule.ts';

export type AlertState = 'inactive' | 'pending' | 'firing';

/** RESOLVED_RETENTION: how long a resolved alert is kept (and re-sent), ms. */
export const RESOLVED_RETENTION = 15 * 60_000;

/** Alert: one alert of a rule. Times are Unix ms; 0 means "never". */
export interface Alert {
  labels: Labels;
  annotations: Labels;
  state: AlertState;
  value: number;
  activeAt: number;
  firedAt: number;
  resolvedAt: number;
  lastSentAt: number;
  validUntil: number;
  keepFiringSince: number;
}

/** AlertContext: what alert templates see besides the alert itself. */
export interface AlertContext {
  externalLabels: Labels;
  externalURL: string;
}

export class AlertingRule {
  readonly kind = 'alerting';
  readonly status = new RuleStatus();
  /** Alerts by label-set key: pending, firing and recently resolved. */
  active = new Map<string, Alert>();
  /** restored: false until the for-state was restored after start; ALERTS are written only after. */
  restored = false;
  readonly #labelTemplates: [string, Template][];
  readonly #annotationTemplates: [string, Template][];

  constructor(readonly spec: AlertingRuleSpec) {
    const name = `__alert_${spec.name}`;
    this.#labelTemplates = [...spec.labels].map(([k, v]) => [k, compileAlertTemplate(name, v)]);
    this.#annotationTemplates = spec.annotations.map(([k, v]) => [k, compileAlertTemplate(name, v)]);
  }

  get name(): string {
    return this.spec.name;
  }

  /** state: the rule's state, the most severe of its active alerts. */
  get state(): AlertState {
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) {
      if (a.state === 'firing') return 'firing';
      if (a.state === 'pending') s = 'pending';
    }
    return s;
  }

  /** activeAlerts: pending and firing alerts, not resolved ones. */
  activeAlerts(): Alert[] {
    return [...this.active.values()].filter((a) => a.state !== 'inactive');
  }

  async #expand(tmpl: Template, labels: Labels, value: number, ctx: AlertContext, query: QueryFunction, t: number, signal: AbortSignal): Promise<string> {
    const tq: TemplateQuery = (expr, at) => query(expr, at, signal);
    try {
      return await expandAlertTemplate(tmpl, { labels, externalLabels: ctx.externalLabels, externalURL: ctx.externalURL, value }, { time: t, query: tq, signal });
    } catch (err) {
      // As in Prometheus, a broken template shows its error in place of the text.
      return `<error expanding template: ${(err as Error).message}>`;
    }
  }

  /**
   * eval queries at `t - queryOffset`, advances every alert's state and returns the ALERTS and
   * ALERTS_FOR_STATE samples stamped `t` (none until restored). Throws the query's error, or
   * RuleEvalError for duplicate alert label sets or a vector beyond `limit` (then all alerts
   * are dropped, as Prometheus does).
   */
  async eval(query: QueryFunction, t: number, queryOffset: number, limit: number, ctx: AlertContext, signal: AbortSignal): Promise<OutputSample[]> {
    const ts = t - queryOffset;
    const vector = await query(this.spec.expr, ts, signal);
    const current = new Map<string, Alert>();
    for (const s of vector) {
      const pairs = new Map<string, string>(s.labels);
      pairs.delete(METRIC_NAME);
      for (const [k, tmpl] of this.#labelTemplates) {
        const v = await this.#expand(tmpl, s.labels, s.value, ctx, query, ts, signal);
        if (v === '') pairs.delete(k);
        else pairs.set(k, v);
      }
      pairs.set('alertname', this.spec.name);
      const labels = Labels.fromPairs(pairs);
      const ann: [string, string][] = [];
      for (const [k, tmpl] of this.#annotationTemplates) ann.push([k, await this.#expand(tmpl, s.labels, s.value, ctx, query, ts, signal)]);
      const key = labels.key();
      if (current.has(key)) throw new RuleEvalError('vector contains metrics with the same labelset after applying alert labels');
      current.set(key, {
        labels, annotations: Labels.fromPairs(ann), state: 'pending', value: s.value, activeAt: ts,
        firedAt: 0, resolvedAt: 0, lastSentAt: 0, validUntil: 0, keepFiringSince: 0,
      });
    }
    for (const [key, a] of current) {
      const old = this.active.get(key);
      if (old && old.state !== 'inactive') {
        old.value = a.value;
        old.annotations = a.annotations;
        continue;
      }
      this.active.set(key, a);
    }
    const out: OutputSample[] = [];
    let activeCount = 0;
    for (const [key, a] of this.active) {
      if (!current.has(key)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.spec.keepFiringFor > 0) {
          if (a.keepFiringSince === 0) a.keepFiringSince = ts;
          if (ts - a.keepFiringSince < this.spec.keepFiringFor) keepFiring = true;
        }
        if (a.state === 'pending' || (a.resolvedAt !== 0 && ts - a.resolvedAt > RESOLVED_RETENTION)) this.active.delete(key);
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = ts;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = 0;
      }
      activeCount++;
      if (a.state === 'pending' && ts - a.activeAt >= this.spec.for) {
        a.state = 'firing';
        a.firedAt = ts;
      }
      if (this.restored) {
        out.push({ labels: alertSeries(a, 'ALERTS').with('alertstate', a.state), t, value: 1 });
        out.push({ labels: alertSeries(a, 'ALERTS_FOR_STATE'), t, value: Math.floor(a.activeAt / 1000) });
      }
    }
    if (limit > 0 && activeCount > limit) {
      this.active = new Map();
      checkLimit(limit, activeCount, 'alerts');
    }
    return out;
  }

  /**
   * alertsToSend marks and returns the alerts due to Alertmanager at `t`: firing ones not sent
   * within `resendDelay`, and ones resolved since their last send. Each is valid for four
   * resend periods (two failed evaluations or sends may pass).
   */
  alertsToSend(t: number, resendDelay: number, interval: number): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) {
      if (a.state === 'pending') continue;
      const due = a.resolvedAt > a.lastSentAt || a.lastSentAt + resendDelay < t;
      if (!due) continue;
      a.lastSentAt = t;
      a.validUntil = t + 4 * Math.max(resendDelay, interval);
      out.push({ ...a });
    }
    return out;
  }
}

/** alertSeries: an alert's labels under the metric name `name` (ALERTS or ALERTS_FOR_STATE). */
export function alertSeries(a: Alert, name: string): Labels {
  return a.labels.with(METRIC_NAME, name);
}
