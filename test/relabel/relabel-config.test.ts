import { describe, expect, it } from 'vitest';
import { compileRelabelConfig, RelabelConfigError, type RelabelSpec, type NameValidationScheme } from '../../shared/relabel/index.ts';

interface Case {
  spec: RelabelSpec;
  scheme?: NameValidationScheme;
  /** Expected message substring, or '' when the rule is valid. */
  err: string;
  field?: string;
}

function check(c: Case): void {
  const run = () => compileRelabelConfig(c.spec, c.scheme ?? 'utf8');
  if (c.err === '') {
    expect(run).not.toThrow();
    return;
  }
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught, JSON.stringify(c.spec)).toBeInstanceOf(RelabelConfigError);
  expect((caught as Error).message).toContain(c.err);
  if (c.field) expect((caught as RelabelConfigError).field).toBe(c.field);
}

const cases: Case[] = [
  { spec: { action: '' }, err: 'relabel action cannot be empty', field: 'action' },
  { spec: { action: 'rename' }, err: 'unknown relabel action "rename"', field: 'action' },
  { spec: { action: 'replace' }, err: "relabel configuration for replace action requires 'target_label' value" },
  { spec: {}, err: "replace action requires 'target_label'" },
  { spec: { action: 'lowercase' }, err: "requires 'target_label' value" },
  { spec: { action: 'uppercase', source_labels: ['a'] }, err: "requires 'target_label' value" },
  { spec: { action: 'keepequal', source_labels: ['a'] }, err: "requires 'target_label' value" },
  { spec: { action: 'hashmod', target_label: 'x' }, err: 'hashmod requires non-zero modulus', field: 'modulus' },
  { spec: { action: 'hashmod', target_label: 'x', modulus: 0 }, err: 'non-zero modulus' },
  { spec: { action: 'hashmod', target_label: 'x', modulus: -1 }, err: 'out of range', field: 'modulus' },
  { spec: { action: 'hashmod', target_label: 'x', modulus: 8 }, err: '' },
  { spec: { action: 'lowercase', target_label: '${3}' }, err: '' },
  { spec: { action: 'lowercase', target_label: '${3}' }, scheme: 'legacy', err: "\"${3}\" is invalid 'target_label' for lowercase action", field: 'target_label' },
  { spec: { action: 'lowercase', target_label: 'x', replacement: 'y' }, err: "'replacement' can not be set for lowercase action", field: 'replacement' },
  { spec: { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${1}', target_label: '${3}' }, err: '' },
  { spec: { source_labels: ['a'], target_label: '0${3}' }, err: '' },
  { spec: { source_labels: ['a'], target_label: '-${3}' }, err: '' },
  { spec: { source_labels: ['a'], target_label: '-${3}' }, scheme: 'legacy', err: 'is invalid \'target_label\' for replace action' },
  { spec: { source_labels: ['a'], target_label: 'bad.name' }, scheme: 'legacy', err: '"bad.name" is invalid \'target_label\'' },
  { spec: { source_labels: ['a'], target_label: '\ud800' }, err: 'is invalid \'target_label\'' },
  { spec: { regex: '__meta_kubernetes_pod_label_(strimzi_io_.+)', action: 'labelmap', replacement: '$1' }, scheme: 'legacy', err: '' },
  { spec: { regex: '__meta_(.+)', action: 'labelmap', replacement: '${1}' }, scheme: 'legacy', err: '' },
  { spec: { regex: '__meta_(.+)', action: 'labelmap', replacement: '${' }, scheme: 'legacy', err: "\"${\" is invalid 'replacement' for labelmap action" },
  { spec: { regex: '(', target_label: 'x' }, err: 'invalid regular expression "("', field: 'regex' },
  { spec: { action: 'keepequal', source_labels: ['a'], target_label: 'b', regex: '(.*)' }, err: "keepequal action requires only 'source_labels' and 'target_label'" },
  { spec: { action: 'dropequal', source_labels: ['a'], target_label: 'b', separator: ',' }, err: "dropequal action requires only 'source_labels'" },
  { spec: { action: 'dropequal', source_labels: ['a'], target_label: 'b', modulus: 3 }, err: "dropequal action requires only 'source_labels'" },
  { spec: { action: 'dropequal', source_labels: ['a'], target_label: 'b' }, err: '' },
  { spec: { action: 'labeldrop', regex: 'x', source_labels: [] }, err: "labeldrop action requires only 'regex', and no other fields" },
  { spec: { action: 'labelkeep', regex: 'x', target_label: 'y' }, err: "labelkeep action requires only 'regex'" },
  { spec: { action: 'labelkeep', regex: 'x', replacement: 'y' }, err: "labelkeep action requires only 'regex'" },
  { spec: { action: 'labelkeep', regex: 'x' }, err: '' },
  { spec: { action: 'hashmod', target_label: 'a.b', modulus: 2 }, scheme: 'legacy', err: "\"a.b\" is invalid 'target_label' for hashmod action" },
];

describe('compileRelabelConfig', () => {
  for (const c of cases) it(`${JSON.stringify(c.spec)} ${c.scheme ?? ''}`, () => check(c));

  it('fills the defaults', () => {
    const r = compileRelabelConfig({ target_label: 'x' });
    expect(r).toMatchObject({
      action: 'replace', separator: ';', regexSource: '(.*)', regexIsDefault: true,
      replacement: '$1', modulus: 0n, sourceLabels: [],
    });
    const e = compileRelabelConfig({ target_label: 'x', regex: null });
    expect(e.regexSource).toBe('');
    expect(e.regex.test('')).toBe(true);
    expect(e.regex.test('a')).toBe(false);
  });
});
