/**
 * Rule unit tests in promtool's format (`promtool test rules`): the test-file reader, the runner
 * of one test group on the real rule manager and PromQL engine, the file-level runner that prints
 * promtool-style results, and the `outpost test-rules` command.
 */
export { loadTestFile, parseTestFile, type UnitTestFile, type TestGroup, type InputSeries, type AlertTestCase, type PromqlTestCase, type ExpectedAlert, type ExpectedSample } from './test-file.ts';
export { runTestGroup, engineQueryFunction, orderGroups, maxEvalTime, NotVectorError, type TestFailure, type FailureKind } from './run-group.ts';
export { testRules, testRuleFile, loadRules, runFilter, type TestRulesOptions, type TestOutput, type FileResult } from './run.ts';
export { alertsEqual, samplesEqual, floatsEqual, nextAfter, formatAlerts, formatSamples, formatFloatE, goDuration, goLabels, type AlertSet, type ResultSample } from './compare.ts';
export { blankUnknownRuleFields } from './unknown-fields.ts';
export { SeriesLoader } from './series-loader.ts';
export { testRulesCommand } from './command.ts';
