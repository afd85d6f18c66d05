import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../../shared/cli/command.ts';
import { parseRuleFile } from '../../../shared/rules/file.ts';
import { blankUnknownRuleFields, testRuleFile, testRulesCommand } from '../../../shared/rules/unittest/index.ts';

const RULES = `
groups:
  - name: a_group
    rules:
      - record: a
        expr: vector(1)
      - alert: Down
        expr: up == 0
        for: 5m
        labels: { severity: page }
        annotations:
          summary: "{{ $labels.job }} down in {{ $externalLabels.region }}, see {{ $externalURL }}"
  - name: b_group
    rules:
      - record: b
        expr: a
`;

/** dir writes `files` into a fresh directory and returns its path. */
function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'outpost-unittest-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

async function run(files: Record<string, string>, opts = {}) {
  const warnings: string[] = [];
  const res = await testRuleFile(join(dir(files), 't.yml'), opts, (w) => warnings.push(w));
  return { ...res, messages: res.failures.map((f) => f.message), warnings };
}

describe('rule unit tests', () => {
  afterEach(() => vi.restoreAllMocks());

  it('honours for, writes ALERTS, templates with external labels and URL', async () => {
    const res = await run({
      'rules.yml': RULES,
      't.yml': `
rule_files: [rules.yml]
tests:
  - interval: 1m
    external_labels: { region: eu }
    external_url: http://outpost.example/
    input_series:
      - series: 'up{job="api"}'
        values: 0x10
    alert_rule_test:
      - { eval_time: 4m, alertname: Down, exp_alerts: [] }
      - eval_time: 5m30s
        alertname: Down
        exp_alerts:
          - exp_labels: { job: api, severity: page }
            exp_annotations: { summary: "api down in eu, see http://outpost.example/" }
    promql_expr_test:
      - expr: ALERTS
        eval_time: 4m
        exp_samples:
          - labels: 'ALERTS{alertname="Down", alertstate="pending", job="api", severity="page"}'
            value: 1
      - expr: ALERTS_FOR_STATE
        eval_time: 6m
        exp_samples:
          - labels: 'ALERTS_FOR_STATE{alertname="Down", job="api", severity="page"}'
            value: 0
`,
    });
    expect(res.messages).toEqual([]);
    expect(res.passed).toBe(true);
  });

  it('reports an alert that fires before its for duration is expected', async () => {
    const res = await run({
      'rules.yml': RULES,
      't.yml': `
rule_files: [rules.yml]
tests:
  - name: early
    input_series: [{ series: 'up{job="api"}', values: 0x10 }]
    alert_rule_test:
      - { eval_time: 4m59s, alertname: Down, exp_alerts: [{ exp_labels: { job: api, severity: page } }] }
`,
    });
    expect(res.messages).toEqual([
      '    name: early,\n    alertname: Down, time: 4m59s, \n        exp:[\n            0:\n              Labels:{alertname="Down", job="api", severity="page"}\n              Annotations:{}\n            ], \n        got:[]',
    ]);
  });

  it('evaluates groups in group_eval_order', async () => {
    const test = (order: string, expected: string) => `
rule_files: [rules.yml]
group_eval_order: [${order}]
tests:
  - promql_expr_test:
      - { expr: b, eval_time: 0, exp_samples: [${expected}] }
`;
    expect((await run({ 'rules.yml': RULES, 't.yml': test('a_group, b_group', "{ labels: 'b', value: 1 }") })).messages).toEqual([]);
    expect((await run({ 'rules.yml': RULES, 't.yml': test('b_group, a_group', '') })).messages).toEqual([]);
    const wrong = await run({ 'rules.yml': RULES, 't.yml': test('b_group, a_group', "{ labels: 'b', value: 1 }") });
    expect(wrong.messages).toEqual(['    expr: "b", time: 0s,\n        exp: {__name__="b"} 1E+00\n        got: nil']);
  });

  it('stops a group at a rule evaluation error, and reports bad rule files', async () => {
    const bad = await run({
      'rules.yml': 'groups: [{ name: g, rules: [{ record: r, expr: "x + on(a) y" }] }]',
      't.yml': `
rule_files: [rules.yml]
tests:
  - input_series:
      - { series: 'x{a="1"}', values: '1' }
      - { series: 'y{a="1", b="1"}', values: '1' }
      - { series: 'y{a="1", b="2"}', values: '1' }
    promql_expr_test: [{ expr: r, eval_time: 5m }]
`,
    });
    expect(bad.failures.map((f) => f.kind)).toEqual(['rule-eval']);
    expect(bad.messages[0]).toMatch(/^ {4}rule: r, time: 0s, err: found duplicate series/);
    const syntax = await run({ 'rules.yml': 'groups: [{ name: g, rules: [{ record: r, expr: "x +" }] }]', 't.yml': 'rule_files: [rules.yml]\ntests: [{}]' });
    expect(syntax.failures.map((f) => f.kind)).toEqual(['rule-file']);
    expect(syntax.messages[0]).toMatch(/rules\.yml: 1:\d+: group "g", rule 1, "r": could not parse expression/);
  });

  it('expands rule_files globs and warns about patterns that match nothing', async () => {
    const res = await run({
      'r1.rules.yml': 'groups: [{ name: g1, rules: [{ record: one, expr: vector(1) }] }]',
      'r2.rules.yml': 'groups: [{ name: g2, rules: [{ record: two, expr: vector(2) }] }]',
      't.yml': `
rule_files: ['*.rules.yml', missing.yml]
tests:
  - promql_expr_test:
      - { expr: one + two, eval_time: 1m, exp_samples: [{ value: 3 }] }
`,
    });
    expect(res.messages).toEqual([]);
    expect(res.warnings).toEqual([expect.stringMatching(/^ {2}WARNING: no file match pattern .*missing\.yml$/)]);
  });

  it('keeps line numbers when blanking unknown rule-file fields', () => {
    const text = 'groups:\n  - name: g\n    owner:\n      team: x\n    rules:\n      - record: r\n        note: hi\n        expr: "x +"\n';
    expect(blankUnknownRuleFields(text).split('\n').length).toBe(text.split('\n').length);
    expect(() => parseRuleFile(blankUnknownRuleFields(text), 'f.yml')).toThrow(/f\.yml: 8:\d+: .*could not parse expression/);
    expect(() => parseRuleFile(text, 'f.yml')).toThrow(/owner/);
  });

  it('runs as a command: exit codes, --run, SUCCESS and FAILED', async () => {
    const d = dir({
      't.yml': `
tests:
  - name: good
    input_series: [{ series: up, values: '1' }]
    promql_expr_test: [{ expr: up, eval_time: 0, exp_samples: [{ labels: up, value: 1 }] }]
  - name: bad
    input_series: [{ series: up, values: '1' }]
    promql_expr_test: [{ expr: up, eval_time: 0, exp_samples: [{ labels: up, value: 2 }] }]
`,
      'broken.yml': 'tests:\n  - input_series:\n      - { series: up, values: "1 x" }\n',
    });
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((l: string) => void out.push(l));
    vi.spyOn(console, 'error').mockImplementation((l: string) => void out.push(l));
    const t = join(d, 't.yml');
    expect(await runCommand(testRulesCommand, ['--run', 'good', t])).toBe(0);
    expect(out).toEqual([`Unit Testing:  ${t}`, '  SUCCESS', '']);
    out.length = 0;
    expect(await runCommand(testRulesCommand, [t])).toBe(1);
    expect(out.slice(0, 3)).toEqual([`Unit Testing:  ${t}`, '  FAILED:', '    name: bad,\n    expr: "up", time: 0s,\n        exp: {__name__="up"} 2E+00\n        got: {__name__="up"} 1E+00']);
    out.length = 0;
    expect(await runCommand(testRulesCommand, [join(d, 'broken.yml')])).toBe(1);
    expect(out[2]).toBe(`${join(d, 'broken.yml')}:3: tests[0].input_series[0].values: unexpected "x" in series values, expected number or "stale"`);
    expect(await runCommand(testRulesCommand, [])).toBe(2);
    expect(await runCommand(testRulesCommand, ['--run', '(', t])).toBe(2);
  });
});
