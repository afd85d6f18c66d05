/**
 * The hub's Alertmanager notifier: Notifier (queue, relabeling, API v2 posts) and the conversion
 * from rule-manager alerts.
 */
export { Notifier, type NotifierOptions } from './notifier.ts';
export { fromRuleAlerts, toPostable, type NotifierAlert } from './alert.ts';
