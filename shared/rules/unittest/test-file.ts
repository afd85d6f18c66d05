/**
 * Rule unit-test files: the YAML format of `promtool test rules` (rule_files, evaluation_interval,
 * fuzzy_compare, group_eval_order, and test groups with input_series, alert_rule_test and
 * promql_expr_test), read strictly with the config package's YAML walker so that every problem is
 * a ConfigError naming the file, line and field path (`tests[0].input_series[1].values: …`).
 * Series text and values are parsed here too (shared/promql/series-notation.ts), so a malformed
 * file fails before anything is evaluated.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, YamlValue, type ParseContext } from '../../config/yaml-value.ts';
import { Labels } from '../../model/labels.ts';
import { parseMetric, parseValues, SeriesNotationError, type SequenceValue } from '../../promql/series-notation.ts';

/** UnitTestFile: one parsed test file. Durations and times are milliseconds. */
export interface UnitTestFile {
  file: string;
  /** dir: the test file's directory, which rule_files are relative to. */
  dir: string;
  /** ruleFiles: the `rule_files` patterns as written. */
  ruleFiles: string[];
  evaluationInterval: number;
  fuzzyCompare: boolean;
  groupEvalOrder: string[];
  tests: TestGroup[];
}

/** InputSeries: one `input_series` entry, its values expanded. */
export interface InputSeries {
  labels: Labels;
  values: SequenceValue[];
  hasHistograms: boolean;
  /** path: the field path, for messages. */
  path: string;
}

/** ExpectedAlert: labels (without alertname) and annotations of one expected firing alert. */
export interface ExpectedAlert {
  labels: Labels;
  annotations: Labels;
}

export interface AlertTestCase {
  evalTime: number;
  alertname: string;
  expAlerts: ExpectedAlert[];
}

/** ExpectedSample: `labels` parsed from the metric text; `histogram` is the literal text or ''. */
export interface ExpectedSample {
  labels: Labels;
  value: number;
  histogram: string;
}

export interface PromqlTestCase {
  expr: string;
  evalTime: number;
  expSamples: ExpectedSample[];
}

export interface TestGroup {
  /** index: position in `tests`, for naming unnamed groups. */
  index: number;
  name: string;
  /** interval: the spacing of input samples (default: evaluation_interval). */
  interval: number;
  /** startTimestamp: Unix ms that input samples and eval times count from (default 0). */
  startTimestamp: number;
  inputSeries: InputSeries[];
  alertRuleTests: AlertTestCase[];
  promqlExprTests: PromqlTestCase[];
  externalLabels: Labels;
  externalURL: string;
}

/** loadTestFile reads and parses a test file. Throws ConfigError for a malformed file. */
export async function loadTestFile(path: string): Promise<UnitTestFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, 0, 0, '', `cannot read test file: ${(err as Error).message}`, { cause: err });
  }
  return parseTestFile(text, path);
}

/** parseTestFile parses test-file text; `file` names it in errors and anchors rule_files. */
export function parseTestFile(text: string, file: string): UnitTestFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, schema: 'failsafe', merge: true, uniqueKeys: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0] ?? { line: 0, col: 0 };
    const reason = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(file, pos.line, pos.col, '', `invalid YAML: ${reason}`, { cause: first });
  }
  const dir = resolve(dirname(file));
  const ctx: ParseContext = { file, dir, doc, lines, env: {} };
  const root = new YamlValue(ctx, null, '').child(doc.contents, '');
  const f = root.fields();
  const evaluationInterval = f.opt('evaluation_interval', (v) => v.duration(), 0) || 60_000;
  const out: UnitTestFile = {
    file,
    dir,
    ruleFiles: f.opt('rule_files', (v) => v.strList(), []),
    evaluationInterval,
    fuzzyCompare: f.opt('fuzzy_compare', (v) => v.bool(), false),
    groupEvalOrder: [],
    tests: [],
  };
  const order = f.get('group_eval_order');
  for (const item of order?.list() ?? []) {
    const name = item.str();
    if (out.groupEvalOrder.includes(name)) item.fail(`group name repeated in evaluation order: ${name}`);
    out.groupEvalOrder.push(name);
  }
  out.tests = (f.get('tests')?.list() ?? []).map((v, i) => parseTestGroup(v, i, evaluationInterval));
  f.done();
  return out;
}

function parseTestGroup(v: YamlValue, index: number, evaluationInterval: number): TestGroup {
  const f = v.fields();
  const g: TestGroup = {
    index,
    name: f.opt('name', (x) => x.str(), ''),
    interval: f.opt('interval', (x) => x.duration(), 0) || evaluationInterval,
    startTimestamp: f.opt('start_timestamp', startTimestamp, 0),
    inputSeries: (f.get('input_series')?.list() ?? []).map(parseInputSeries),
    alertRuleTests: (f.get('alert_rule_test')?.list() ?? []).map(parseAlertTest),
    promqlExprTests: (f.get('promql_expr_test')?.list() ?? []).map(parsePromqlTest),
    externalLabels: Labels.fromPairs(f.get('external_labels')?.stringMap() ?? []),
    externalURL: f.opt('external_url', (x) => x.str(), ''),
  };
  f.done();
  return g;
}

/**
 * startTimestamp reads `start_timestamp` as promtool does: a number is Unix seconds (fractions
 * allowed), anything else must be an RFC 3339 time.
 */
function startTimestamp(v: YamlValue): number {
  const s = v.str();
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Math.floor(Number(s) * 1000);
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(s)) {
    const ms = Date.parse(s);
    if (!Number.isNaN(ms)) return ms;
  }
  return v.fail(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

/** notation runs a series-notation parser, turning its error into a ConfigError at `v`. */
function notation<T>(v: YamlValue, parse: (text: string) => T): T {
  try {
    return parse(v.str());
  } catch (err) {
    if (err instanceof SeriesNotationError) v.fail(err.detail, err);
    throw err;
  }
}

/** metricText parses `name{a="b"}` (either part optional; '' is the empty set) into Labels. */
function metricText(v: YamlValue, what: string): Labels {
  return notation(v, (text) => {
    if (text.trim() === '') return Labels.EMPTY;
    const { labels, rest } = parseMetric(text.trim(), 0);
    if (rest.trim() !== '') throw new SeriesNotationError(0, `unexpected ${JSON.stringify(rest.trim())} after the ${what}`);
    return Labels.from(labels);
  });
}

function parseInputSeries(v: YamlValue): InputSeries {
  const f = v.fields();
  const seriesField = f.get('series');
  if (!seriesField) throw f.at('series').error('missing series selector');
  const labels = metricText(seriesField, 'series selector');
  const valuesField = f.get('values');
  const { values, hasHistograms } = valuesField ? notation(valuesField, (t) => parseValues(t, 0)) : { values: [], hasHistograms: false };
  f.done();
  return { labels, values, hasHistograms, path: v.path };
}

function parseAlertTest(v: YamlValue): AlertTestCase {
  const f = v.fields();
  const evalTime = f.opt('eval_time', (x) => x.duration(), 0);
  const alertname = f.opt('alertname', (x) => x.str(), '');
  if (alertname === '') f.at('alertname').fail('an item under alert_rule_test misses required attribute alertname');
  const expAlerts = (f.get('exp_alerts')?.list() ?? []).map((a) => {
    const af = a.fields();
    const labels = af.get('exp_labels')?.stringMap() ?? new Map<string, string>();
    const annotations = af.get('exp_annotations')?.stringMap() ?? new Map<string, string>();
    af.done();
    return { labels: Labels.fromPairs(labels), annotations: Labels.fromPairs(annotations) };
  });
  f.done();
  return { evalTime, alertname, expAlerts };
}

function parsePromqlTest(v: YamlValue): PromqlTestCase {
  const f = v.fields();
  const expr = f.opt('expr', (x) => x.str(), '');
  if (expr === '') f.at('expr').fail('missing expression');
  const evalTime = f.opt('eval_time', (x) => x.duration(), 0);
  const expSamples = (f.get('exp_samples')?.list() ?? []).map((s) => {
    const sf = s.fields();
    const lv = sf.get('labels');
    const labels = lv ? metricText(lv, 'labels') : Labels.EMPTY;
    const value = sf.opt('value', (x) => x.float(), 0);
    const hv = sf.get('histogram');
    const histogram = hv ? hv.str() : '';
    if (hv) {
      const parsed = notation(hv, (t) => parseValues(t, 0));
      if (parsed.values.length !== 1 || parsed.values[0].kind !== 'histogram') hv.fail(`expected one histogram, got ${JSON.stringify(histogram)}`);
    }
    sf.done();
    return { labels, value, histogram };
  });
  f.done();
  return { expr, evalTime, expSamples };
}
