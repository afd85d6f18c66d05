/**
 * Notifier alerts: what is sent to Alertmanager (API v2 `postableAlert`), and the conversion from
 * the rule manager's alerts: startsAt is when the alert fired, endsAt when it resolved or, while
 * it fires, until when it stays valid without news (Prometheus `cmd/prometheus` sendAlerts).
 */
import type { Labels } from '../model/labels.ts';
import type { Alert } from '../rules/index.ts';
import { queryEscape } from '../template/builtins.ts';

export interface NotifierAlert {
  labels: Labels;
  annotations: Labels;
  /** Unix ms. */
  startsAt: number;
  /** Unix ms; 0 when unknown. */
  endsAt: number;
  generatorURL: string;
}

/** fromRuleAlerts converts the alerts one rule hands to its notify function. */
export function fromRuleAlerts(expr: string, alerts: readonly Alert[], externalURL: string): NotifierAlert[] {
  const generatorURL = `${externalURL.replace(/\/$/, '')}/graph?g0.expr=${queryEscape(expr)}&g0.tab=1`;
  return alerts.map((a) => ({
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.firedAt,
    endsAt: a.resolvedAt !== 0 ? a.resolvedAt : a.validUntil,
    generatorURL,
  }));
}

/** toPostable: the JSON object Alertmanager's POST /api/v2/alerts takes. */
export function toPostable(a: NotifierAlert): Record<string, unknown> {
  const out: Record<string, unknown> = { labels: a.labels.toObject(), annotations: a.annotations.toObject() };
  if (a.startsAt !== 0) out.startsAt = new Date(a.startsAt).toISOString();
  if (a.endsAt !== 0) out.endsAt = new Date(a.endsAt).toISOString();
  out.generatorURL = a.generatorURL;
  return out;
}
