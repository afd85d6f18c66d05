/**
 * The rule manager's state in the shapes of Prometheus' `/api/v1/rules` and `/api/v1/alerts`
 * (`data` objects only; the HTTP layer wraps them in the usual `{status, data}` envelope).
 * Durations are seconds, times RFC 3339; a rule never evaluated shows Go's zero time.
 */
import type { Labels } from '../model/labels.ts';
import type { Alert } from './alerting.ts';
import type { Group, Rule } from './group.ts';
import { formatE } from '../template/fmt.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt?: string;
  keepFiringSince?: string;
  value: string;
}

function rfc3339(ms: number): string {
  return ms === 0 ? ZERO_TIME : new Date(ms).toISOString().replace('.000Z', 'Z');
}

function obj(l: Labels): Record<string, string> {
  return l.toObject();
}

/** apiAlert: one alert as Prometheus serves it (value as %e, activeAt omitted when zero). */
export function apiAlert(a: Alert): ApiAlert {
  const out: ApiAlert = { labels: obj(a.labels), annotations: obj(a.annotations), state: a.state, value: formatE(a.value, -1) };
  if (a.activeAt !== 0) out.activeAt = rfc3339(a.activeAt);
  if (a.keepFiringSince !== 0) out.keepFiringSince = rfc3339(a.keepFiringSince);
  return out;
}

function apiRule(r: Rule): Record<string, unknown> {
  const common = {
    name: r.name,
    query: r.spec.expr,
    health: r.status.health,
    ...(r.status.lastError !== '' ? { lastError: r.status.lastError } : {}),
    evaluationTime: r.status.evaluationTime / 1000,
    lastEvaluation: rfc3339(r.status.lastEvaluation),
  };
  if (r.kind === 'recording') {
    return { ...common, ...(r.spec.labels.size > 0 ? { labels: obj(r.spec.labels) } : {}), type: 'recording' };
  }
  return {
    state: r.state,
    ...common,
    duration: r.spec.for / 1000,
    keepFiringFor: r.spec.keepFiringFor / 1000,
    labels: obj(r.spec.labels),
    annotations: Object.fromEntries(r.spec.annotations),
    alerts: r.activeAlerts().map(apiAlert),
    type: 'alerting',
  };
}

/** RulesFilter: the query parameters of /api/v1/rules that select rules. */
export interface RulesFilter {
  type?: 'alert' | 'record';
  ruleNames?: readonly string[];
  groupNames?: readonly string[];
  files?: readonly string[];
  excludeAlerts?: boolean;
}

/** rulesData: the `data` of /api/v1/rules. */
export function rulesData(groups: readonly Group[], filter: RulesFilter = {}): { groups: Record<string, unknown>[] } {
  const pick = (list: readonly string[] | undefined, v: string) => !list || list.length === 0 || list.includes(v);
  const out: Record<string, unknown>[] = [];
  for (const g of groups) {
    if (!pick(filter.groupNames, g.name) || !pick(filter.files, g.file)) continue;
    const rules = g.rules
      .filter((r) => (filter.type === 'alert' ? r.kind === 'alerting' : filter.type === 'record' ? r.kind === 'recording' : true))
      .filter((r) => pick(filter.ruleNames, r.name))
      .map(apiRule)
      .map((r) => (filter.excludeAlerts && r.type === 'alerting' ? { ...r, alerts: undefined } : r));
    if (filter.type || filter.ruleNames?.length) if (rules.length === 0) continue;
    out.push({
      name: g.name,
      file: g.file,
      rules,
      interval: g.interval / 1000,
      limit: g.spec.limit,
      evaluationTime: g.evaluationTime / 1000,
      lastEvaluation: rfc3339(g.lastEvaluation),
    });
  }
  return { groups: out };
}

/** alertsData: the `data` of /api/v1/alerts. */
export function alertsData(alerts: readonly Alert[]): { alerts: ApiAlert[] } {
  return { alerts: alerts.map(apiAlert) };
}
