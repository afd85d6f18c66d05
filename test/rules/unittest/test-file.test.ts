import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/yaml-value.ts';
import { parseTestFile } from '../../../shared/rules/unittest/index.ts';

/** check parses `text` and expects a ConfigError whose message is exactly `want`. */
function check(text: string, want: string) {
  let err: unknown;
  try {
    parseTestFile(text, 't.yml');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).toBe(want);
}

describe('rule unit-test files', () => {
  it('reads every field, with promtool defaults', () => {
    const f = parseTestFile(`
rule_files: [a.yml, 'rules/*.yml']
evaluation_interval: 30s
fuzzy_compare: true
group_eval_order: [g2, g1]
tests:
  - name: one
    interval: 15s
    start_timestamp: 1609459200.5
    input_series:
      - series: 'up{job="x", instance=""}'
        values: '1+1x2 _ stale'
    external_labels: { region: eu }
    external_url: http://example.com/
    alert_rule_test:
      - eval_time: 5m
        alertname: Down
        exp_alerts:
          - exp_labels: { job: x }
            exp_annotations: { summary: s }
          - {}
    promql_expr_test:
      - expr: up
        eval_time: 1m
        exp_samples:
          - labels: 'up{job="x"}'
            value: 2
          - value: .inf
  - {}
`, '/tmp/t.yml');
    expect(f.dir).toBe('/tmp');
    expect(f.ruleFiles).toEqual(['a.yml', 'rules/*.yml']);
    expect([f.evaluationInterval, f.fuzzyCompare, f.groupEvalOrder]).toEqual([30_000, true, ['g2', 'g1']]);
    const [t, empty] = f.tests;
    expect([t.name, t.interval, t.startTimestamp, t.externalURL]).toEqual(['one', 15_000, 1609459200500, 'http://example.com/']);
    expect(t.externalLabels.toObject()).toEqual({ region: 'eu' });
    expect(t.inputSeries[0].labels.toObject()).toEqual({ __name__: 'up', job: 'x' });
    expect(t.inputSeries[0].values.map((v) => (v.kind === 'float' ? (v.stale ? 'stale' : v.value) : v.kind))).toEqual([1, 2, 3, 'omitted', 'stale']);
    expect(t.alertRuleTests[0].evalTime).toBe(300_000);
    expect(t.alertRuleTests[0].expAlerts.map((a) => [a.labels.toObject(), a.annotations.toObject()])).toEqual([[{ job: 'x' }, { summary: 's' }], [{}, {}]]);
    expect(t.promqlExprTests[0].expSamples.map((s) => [s.labels.toObject(), s.value])).toEqual([[{ __name__: 'up', job: 'x' }, 2], [{}, Infinity]]);
    expect([empty.interval, empty.startTimestamp, empty.name, empty.inputSeries]).toEqual([30_000, 0, '', []]);
    expect(parseTestFile('tests: [{}]', 't.yml').tests[0].interval).toBe(60_000);
    expect(parseTestFile('tests: [{start_timestamp: "2024-01-01T00:00:00Z"}]', 't.yml').tests[0].startTimestamp).toBe(1704067200000);
  });

  it.each([
    ['tests:\n  - input_series:\n      - series: \'up{job="a"\'\n        values: 1\n', 't.yml:3: tests[0].input_series[0].series: bad label set in "up{job=\\"a\\""'],
    ['tests:\n  - input_series:\n      - series: up\n        values: 1+x3\n', 't.yml:4: tests[0].input_series[0].values: unexpected "1+x3" in series values, expected number or "stale"'],
    ['tests:\n  - input_series:\n      - values: 1\n', 't.yml:3: tests[0].input_series[0].series: missing series selector'],
    ['tests:\n  - alert_rule_test:\n      - eval_time: 1m\n', 't.yml:3: tests[0].alert_rule_test[0].alertname: an item under alert_rule_test misses required attribute alertname'],
    ['tests:\n  - promql_expr_test:\n      - expr: up\n        eval_time: 5x\n', 't.yml:4: tests[0].promql_expr_test[0].eval_time: "5x" is not a valid duration'],
    ['tests:\n  - promql_expr_test:\n      - expr: up\n        exp_samples:\n          - value: one\n', 't.yml:5: tests[0].promql_expr_test[0].exp_samples[0].value: "one" is not a number'],
    ['tests:\n  - promql_expr_test:\n      - expr: up\n        exp_samples:\n          - labels: \'up{\'\n', 't.yml:5: tests[0].promql_expr_test[0].exp_samples[0].labels: bad label set in "up{"'],
    ['tests:\n  - name: x\n    intervall: 1m\n', 't.yml:3: tests[0].intervall: unknown field "intervall"'],
    ['evaluation_interval: 1m\ngroup_eval_order: [a, b, a]\n', 't.yml:2: group_eval_order[2]: group name repeated in evaluation order: a'],
    ['tests:\n  - start_timestamp: yesterday\n', 't.yml:2: tests[0].start_timestamp: cannot parse "yesterday" to a valid timestamp'],
    ['tests: [\n', 't.yml:2: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  ])('rejects a malformed file with file, line and field (%#)', (text, want) => {
    check(text, want);
  });
});
