import { describe, expect, it } from 'vitest';
import { DEFAULT_SUITE_DIR, runSuite } from '../conformance/rules.ts';
import { parseRuleFile, RuleFileError } from '../../shared/rules/file.ts';

/** CONFORMANCE_FLOOR: rule-file cases of ../shared/conformance/rules that must pass. */
const CONFORMANCE_FLOOR = 25;

describe('rule files', () => {
  it(`passes at least ${CONFORMANCE_FLOOR} conformance cases`, async () => {
    const results = await runSuite(DEFAULT_SUITE_DIR);
    const failed = results.filter((r) => !r.passed).map((r) => `${r.file}: ${r.error ?? 'no error'}`);
    expect(results.filter((r) => r.passed).length, failed.join('\n')).toBeGreaterThanOrEqual(CONFORMANCE_FLOOR);
  });

  it('reads every field of groups and rules', () => {
    const groups = parseRuleFile(
      `groups:
  - name: g
    interval: 30s
    query_offset: 1m
    limit: 10
    labels: { team: infra }
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels: { src: rec }
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 2m
        labels: { severity: page }
        annotations:
          summary: "{{ $labels.instance }} down"
          b: second
---
groups:
  - name: other
    rules: []
`,
      'f.yml',
    );
    expect(groups.map((g) => g.name)).toEqual(['g', 'other']);
    const g = groups[0];
    expect([g.interval, g.queryOffset, g.limit, g.labels.get('team')]).toEqual([30_000, 60_000, 10, 'infra']);
    expect(groups[1].queryOffset).toBeNull();
    expect(g.rules[0]).toMatchObject({ kind: 'recording', name: 'job:up:sum', expr: 'sum by (job) (up)' });
    expect(g.rules[1]).toMatchObject({ kind: 'alerting', name: 'Down', for: 300_000, keepFiringFor: 120_000 });
    expect(g.rules[1].kind === 'alerting' && g.rules[1].annotations.map(([k]) => k)).toEqual(['summary', 'b']);
  });

  const bad: [string, string][] = [
    ['groups:\n  - name: a\n    interval: 5x\n', '3:15: unknown unit "x" in duration "5x"'],
    ['groups:\n  - name: a\n    limit: many\n', 'cannot unmarshal !!str `many` into int'],
    ['groups:\n  - name: ""\n', 'Groupname must not be empty'],
    ['groups:\n  - name: a\n    rules:\n      - record: r\n        expr: up\n        annotations: { a: b }\n', "invalid field 'annotations' in recording rule"],
    ['groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        labels: { s: "{{ nope }}" }\n', 'label "s": template: __alert_A:1: function "nope" not defined'],
    ['groups: [\n', 'yaml:'],
    ['- 1\n', 'cannot unmarshal !!seq into rulefmt.RuleGroups'],
  ];
  for (const [text, msg] of bad) {
    it(`rejects ${JSON.stringify(text.slice(0, 40))}`, () => {
      expect(() => parseRuleFile(text, 'bad.yml')).toThrow(RuleFileError);
      expect(() => parseRuleFile(text, 'bad.yml')).toThrow(msg);
    });
  }

  it('reports every problem at once', () => {
    const err = (() => {
      try {
        parseRuleFile('groups:\n  - name: a\n    rules:\n      - expr: up\n      - record: x\n', 'many.yml');
      } catch (e) {
        return e as RuleFileError;
      }
    })();
    expect(err?.problems).toHaveLength(2);
    expect(err?.message).toMatch(/^many\.yml: /);
  });
});
