/**
 * Rules: rule files (load and validate), recording and alerting rules, groups on their schedule,
 * the manager that reloads them, and their state in the HTTP API's shapes.
 */
export { parseRuleFile, loadRuleFile, RuleFileError, type RuleGroupSpec, type RuleSpec, type RecordingRuleSpec, type AlertingRuleSpec, type ParseRulesOptions } from './file.ts';
export { RuleManager, type RuleManagerOptions } from './manager.ts';
export { Group, SYSTEM_CLOCK, type Clock, type NotifyFunction, type Rule } from './group.ts';
export { AlertingRule, RESOLVED_RETENTION, type Alert, type AlertState } from './alerting.ts';
export { RecordingRule } from './recording.ts';
export { RuleEvalError, type QueryFunction, type Sample, type OutputSample, type RuleHealth } from './rule.ts';
export { rulesData, alertsData, apiAlert, type ApiAlert, type RulesFilter } from './api.ts';
export { expandRuleFileGlobs } from './glob.ts';
