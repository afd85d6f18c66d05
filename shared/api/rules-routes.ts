/**
 * The rule endpoints of the Prometheus HTTP API: `/api/v1/rules` (with `type`, `rule_name[]`,
 * `rule_group[]`, `file[]`, `exclude_alerts`), `/api/v1/alerts` and `/api/v1/alertmanagers`,
 * over what a RulesProvider reports.
 */
import type { Hono } from 'hono';
import { alertsData, rulesData, type Alert, type Group } from '../rules/index.ts';
import { ApiError, success } from './respond.ts';
import { Params } from './params.ts';

/** RulesProvider: the running rule groups and their alerts, and where alerts are sent. */
export interface RulesProvider {
  groups(): Group[];
  alerts(): Alert[];
  /** The Alertmanager URLs alerts go to (`POST …/api/v2/alerts`). */
  alertmanagers(): string[];
}

/** rulesRoutes registers the rule endpoints. */
export function rulesRoutes(app: Hono, rules: RulesProvider): void {
  app.get('/api/v1/rules', async (c) => {
    const p = await Params.read(c);
    const type = p.get('type');
    if (type !== undefined && type !== '' && type !== 'alert' && type !== 'record') {
      throw new ApiError('bad_data', `invalid parameter "type": not supported value ${JSON.stringify(type)}`);
    }
    const exclude = p.get('exclude_alerts');
    if (exclude !== undefined && exclude !== '' && exclude !== 'true' && exclude !== 'false') {
      throw new ApiError('bad_data', `invalid parameter "exclude_alerts": ${JSON.stringify(exclude)} is not a boolean`);
    }
    return success(c, rulesData(rules.groups(), {
      type: type === 'alert' || type === 'record' ? type : undefined,
      ruleNames: p.all('rule_name[]'),
      groupNames: p.all('rule_group[]'),
      files: p.all('file[]'),
      excludeAlerts: exclude === 'true',
    }));
  });
  app.get('/api/v1/alerts', (c) => success(c, alertsData(rules.alerts())));
  app.get('/api/v1/alertmanagers', (c) =>
    success(c, { activeAlertmanagers: rules.alertmanagers().map((url) => ({ url })), droppedAlertmanagers: [] }),
  );
}
