/**
 * Rule evaluation as a hub or an edge runs it: a RuleManager that queries through the PromQL
 * engine and writes to the node's storage, and a Notifier that sends its alerts to the configured
 * Alertmanagers. Built from the configuration; reloadable. An edge runs its own rules, so they keep
 * working while its hub is unreachable.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.ts';
import { Labels } from '../model/labels.ts';
import type { Engine } from '../promql/engine/index.ts';
import { RuleManager } from './manager.ts';
import type { Alert } from './alerting.ts';
import type { Group } from './group.ts';
import type { Sample } from './rule.ts';
import type { Storage } from '../storage/interface.ts';
import { Notifier, fromRuleAlerts } from '../notifier/index.ts';

/** RuleQueryError: a rule's expression did not give a vector or scalar. */
export class RuleQueryError extends Error {
  constructor(expr: string, got: string) {
    super(`rule result is not a vector or scalar: ${expr} gave a ${got}`);
    this.name = 'RuleQueryError';
  }
}

/** engineQuery adapts the engine to the rule manager's query function (Prometheus' EngineQueryFunc). */
export function engineQuery(engine: Engine, storage: Storage) {
  return async (expr: string, t: number, signal: AbortSignal): Promise<Sample[]> => {
    const { value } = await engine.instantQuery(storage, expr, t, { signal });
    if (value.resultType === 'vector') return value.samples.map((s) => ({ labels: s.metric, value: s.f }));
    if (value.resultType === 'scalar') return [{ labels: Labels.EMPTY, value: value.f }];
    throw new RuleQueryError(expr, value.resultType);
  };
}

/** RulesRuntime: running rules; what the rules API reports (`/api/v1/rules`, `/alerts`, `/alertmanagers`). */
export interface RulesRuntime {
  manager: RuleManager;
  groups(): Group[];
  alerts(): Alert[];
  /** The Alertmanager URLs alerts go to. */
  alertmanagers(): string[];
  /**
   * reload applies a new configuration: its rule files (alert state kept for unchanged rules) and
   * its Alertmanagers. Throws RuleFileError and changes nothing when a rule file is invalid.
   */
  reload(config: Config): Promise<void>;
  stop(): Promise<void>;
}

/**
 * startRules loads `config.rule_files`, starts evaluating them, and sends alerts to
 * `config.alerting`. Throws RuleFileError for an invalid rule file (nothing is started then).
 */
export async function startRules(o: { config: Config; storage: Storage; engine: Engine; registry: Registry; externalURL: string }): Promise<RulesRuntime> {
  const externalLabels = o.config.global.externalLabels;
  const notifierFor = (config: Config) =>
    config.alerting.alertmanagers.length ? new Notifier({ alerting: config.alerting, externalLabels: config.global.externalLabels, registry: o.registry }) : null;
  let notifier = notifierFor(o.config);
  let alerting = JSON.stringify(o.config.alerting);
  const manager = new RuleManager({
    query: engineQuery(o.engine, o.storage),
    appendable: o.storage,
    queryable: o.storage,
    externalLabels,
    externalURL: o.externalURL,
    evaluationInterval: o.config.global.evaluationInterval,
    queryOffset: o.config.global.ruleQueryOffset,
    notify: (expr, alerts) => notifier?.send(fromRuleAlerts(expr, alerts, o.externalURL)),
  });
  try {
    await manager.loadFiles(o.config.ruleFiles);
  } catch (err) {
    await notifier?.stop();
    throw err;
  }
  manager.start();
  return {
    manager,
    groups: () => manager.groups(),
    alerts: () => manager.alerts(),
    alertmanagers: () => notifier?.alertmanagers() ?? [],
    async reload(config) {
      await manager.loadFiles(config.ruleFiles);
      const next = JSON.stringify(config.alerting);
      if (next === alerting) return;
      // The notifier's metrics live on the registry: the old one goes before the new one registers.
      await notifier?.stop();
      for (const name of NOTIFIER_METRICS) o.registry.removeSingleMetric(name);
      notifier = notifierFor(config);
      alerting = next;
    },
    async stop() {
      await manager.stop();
      await notifier?.stop();
    },
  };
}

const NOTIFIER_METRICS = [
  'prometheus_notifications_dropped_total', 'prometheus_notifications_errors_total', 'prometheus_notifications_sent_total',
  'prometheus_notifications_queue_length', 'prometheus_notifications_queue_capacity', 'prometheus_notifications_alertmanagers_discovered',
];
