import { describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import { compileRelabelConfig, relabel, type RelabelSpec } from '../../shared/relabel/index.ts';

interface Case {
  name: string;
  input: Record<string, string>;
  rules: RelabelSpec[];
  /** The expected labels, or null when the set must be dropped. */
  want: Record<string, string> | null;
}

function check(c: Case): void {
  const rules = c.rules.map((r) => compileRelabelConfig(r));
  const got = relabel(Labels.from(c.input), rules);
  if (c.want === null) expect(got, c.name).toBeNull();
  else expect(got?.toObject(), c.name).toEqual(c.want);
}

const cases: Case[] = [
  {
    name: 'replace with ${1} twice',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch${1}-ch${1}' }],
    want: { a: 'foo', b: 'bar', c: 'baz', d: 'choo-choo' },
  },
  {
    name: 'chained replaces see earlier results',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [
      { source_labels: ['a', 'b'], regex: 'f(.*);(.*)r', target_label: 'a', replacement: 'b${1}${2}m' },
      { source_labels: ['c', 'a'], regex: '(b).*b(.*)ba(.*)', target_label: 'd', replacement: '$1$2$2$3' },
    ],
    want: { a: 'boobam', b: 'bar', c: 'baz', d: 'boooom' },
  },
  {
    name: 'drop stops processing',
    input: { a: 'foo' },
    rules: [
      { source_labels: ['a'], regex: '.*o.*', action: 'drop' },
      { source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch$1-ch$1' },
    ],
    want: null,
  },
  {
    name: 'regex is anchored: partial match does not drop',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'f|o', action: 'drop' }],
    want: { a: 'foo' },
  },
  { name: 'drop without match keeps', input: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: 'no-match', action: 'drop' }], want: { a: 'foo' } },
  { name: 'keep without match drops', input: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: 'no-match', action: 'keep' }], want: null },
  { name: 'keep with match keeps', input: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: 'f.*', action: 'keep' }], want: { a: 'foo' } },
  { name: 'action is case-insensitive', input: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: 'f.*', action: 'KEEP' }], want: { a: 'foo' } },
  {
    name: 'keep on a missing label matches the empty string',
    input: { a: 'foo' },
    rules: [{ source_labels: ['missing'], regex: '', action: 'keep' }],
    want: { a: 'foo' },
  },
  {
    name: 'inner group of a greedy match',
    input: { a: 'abc' },
    rules: [{ source_labels: ['a'], regex: '.*(b).*', target_label: 'd' }],
    want: { a: 'abc', d: 'b' },
  },
  {
    name: 'no match: no replacement',
    input: { a: 'boo' },
    rules: [{ source_labels: ['a'], regex: 'f', target_label: 'b', replacement: 'bar' }],
    want: { a: 'boo' },
  },
  {
    name: 'empty replacement deletes the target',
    input: { a: 'foo', f: 'baz' },
    rules: [{ source_labels: ['a'], regex: '(f).*', target_label: '$1', replacement: '$2' }],
    want: { a: 'foo' },
  },
  {
    name: 'default rule copies a label',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], target_label: 'b' }],
    want: { a: 'foo', b: 'foo' },
  },
  {
    name: 'fast path: static replacement without sources',
    input: { a: 'foo' },
    rules: [{ target_label: 'cluster', replacement: 'dev' }],
    want: { a: 'foo', cluster: 'dev' },
  },
  {
    name: 'fast path: copying a missing label deletes the target',
    input: { a: 'foo', b: 'x' },
    rules: [{ source_labels: ['missing'], target_label: 'b' }],
    want: { a: 'foo' },
  },
  {
    name: 'empty regex (null) matches only the empty value',
    input: { abc: 'def' },
    rules: [{ regex: null, target_label: 'abc', replacement: 'static' }],
    want: { abc: 'static' },
  },
  {
    name: 'hashmod',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['c'], target_label: 'd', action: 'hashmod', modulus: 1000 }],
    want: { a: 'foo', b: 'bar', c: 'baz', d: '976' },
  },
  {
    name: 'hashmod over a newline',
    input: { a: 'foo\nbar' },
    rules: [{ source_labels: ['a'], target_label: 'b', action: 'hashmod', modulus: 1000 }],
    want: { a: 'foo\nbar', b: '734' },
  },
  {
    name: 'hashmod with a modulus past 2^53',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], target_label: 'h', action: 'hashmod', modulus: 18446744073709551615n }],
    // md5("foo") = acbd18db4cc2f85cedef654fccc4a4d8; last 8 bytes 0xedef654fccc4a4d8.
    want: { a: 'foo', h: BigInt('0xedef654fccc4a4d8').toString() },
  },
  {
    name: 'labelmap',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: [{ regex: '(b.*)', replacement: 'bar_${1}', action: 'labelmap' }],
    want: { a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' },
  },
  {
    name: 'labelmap strips a prefix',
    input: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc' },
    rules: [{ regex: '__meta_(my.*)', replacement: '${1}', action: 'labelmap' }],
    want: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc', my_bar: 'aaa', my_baz: 'bbb' },
  },
  {
    name: 'labelmap collision: the later label in range order wins',
    input: { x_a: '1', x_b: '2' },
    rules: [{ regex: 'x_.*', replacement: 'y', action: 'labelmap' }],
    want: { x_a: '1', x_b: '2', y: '2' },
  },
  {
    name: 'labelmap collision: labels set by earlier rules come last',
    input: { x_a: '1', x_b: '2' },
    rules: [
      { source_labels: ['x_a'], target_label: 'x_a', replacement: 'one' },
      { regex: 'x_.*', replacement: 'y', action: 'labelmap' },
    ],
    want: { x_a: 'one', x_b: '2', y: 'one' },
  },
  {
    name: 'target label from groups',
    input: { a: 'some-name-value' },
    rules: [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${2}', target_label: '${1}' }],
    want: { a: 'some-name-value', name: 'value' },
  },
  {
    name: 'replacement from a missing group deletes (nothing to delete)',
    input: { a: 'some-name-value' },
    rules: [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${3}', target_label: '${1}' }],
    want: { a: 'some-name-value' },
  },
  {
    name: 'target expanding to empty is skipped',
    input: { a: 'some-name-0' },
    rules: [
      { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${1}', target_label: '${3}' },
      { source_labels: ['a'], regex: 'some-([^-]+)(-[^,]+)', replacement: '${1}', target_label: '${3}' },
    ],
    want: { a: 'some-name-0' },
  },
  {
    name: 'tag parsing, real-life',
    input: { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar' },
    rules: [
      { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)path:(/[^,]+).*', replacement: '${1}', target_label: '__metrics_path__' },
      { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)job:([^,]+).*', replacement: '${1}', target_label: 'job' },
      { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)label:([^=]+)=([^,]+).*', replacement: '${2}', target_label: '${1}' },
    ],
    want: { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar', __metrics_path__: '/secret', job: 'some-job', foo: 'bar' },
  },
  {
    name: 'labeldrop then replace re-creates the label (prometheus#12283)',
    input: { __meta_kubernetes_pod_container_port_name: 'foo', __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091' },
    rules: [
      { regex: '^__meta_kubernetes_pod_container_port_name$', action: 'labeldrop' },
      { source_labels: ['__meta_kubernetes_pod_annotation_XXX_metrics_port'], regex: '(.+)', replacement: 'metrics', target_label: '__meta_kubernetes_pod_container_port_name' },
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: '^metrics$', action: 'keep' },
    ],
    want: { __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091', __meta_kubernetes_pod_container_port_name: 'metrics' },
  },
  { name: 'labelkeep', input: { a: 'foo', b1: 'bar', b2: 'baz' }, rules: [{ regex: '(b.*)', action: 'labelkeep' }], want: { b1: 'bar', b2: 'baz' } },
  { name: 'labeldrop', input: { a: 'foo', b1: 'bar', b2: 'baz' }, rules: [{ regex: '(b.*)', action: 'labeldrop' }], want: { a: 'foo' } },
  {
    name: 'lowercase and uppercase',
    input: { foo: 'bAr123Foo' },
    rules: [
      { source_labels: ['foo'], action: 'uppercase', target_label: 'foo_uppercase' },
      { source_labels: ['foo'], action: 'lowercase', target_label: 'foo_lowercase' },
    ],
    want: { foo: 'bAr123Foo', foo_lowercase: 'bar123foo', foo_uppercase: 'BAR123FOO' },
  },
  {
    name: 'uppercase keeps characters without a one-to-one mapping',
    input: { a: 'straße', b: 'ÄÖÜİ' },
    rules: [
      { source_labels: ['a'], action: 'uppercase', target_label: 'up' },
      { source_labels: ['b'], action: 'lowercase', target_label: 'low' },
    ],
    want: { a: 'straße', b: 'ÄÖÜİ', up: 'STRAßE', low: 'äöüi' },
  },
  {
    name: 'lowercase of a missing label deletes the target',
    input: { a: 'x', t: 'y' },
    rules: [{ source_labels: ['missing'], action: 'lowercase', target_label: 't' }],
    want: { a: 'x' },
  },
  { name: 'keepequal keeps', input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' }, rules: [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port1' }], want: { __tmp_port: '1234', __port1: '1234', __port2: '5678' } },
  { name: 'dropequal drops', input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' }, rules: [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port1' }], want: null },
  { name: 'dropequal keeps', input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' }, rules: [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port2' }], want: { __tmp_port: '1234', __port1: '1234', __port2: '5678' } },
  { name: 'keepequal drops', input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' }, rules: [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port2' }], want: null },
  {
    name: 'dot matches newline',
    input: { a: 'line1\nline2', b: 'bar' },
    rules: [{ source_labels: ['a'], regex: 'line1.*line2', target_label: 'd', replacement: 'match${1}' }],
    want: { a: 'line1\nline2', b: 'bar', d: 'match' },
  },
  {
    name: 'UTF-8 source and target names',
    input: { 'utf-8.label': 'line1\nline2' },
    rules: [
      { source_labels: ['utf-8.label'], regex: 'line1.*line2', target_label: 'd', replacement: 'match${1}' },
      { source_labels: ['utf-8.label'], regex: 'line1.*line2', target_label: 'utf-8.other${1}', replacement: 'm' },
    ],
    want: { 'utf-8.label': 'line1\nline2', d: 'match', 'utf-8.other': 'm' },
  },
  {
    name: 'named groups in both spellings',
    input: { a: 'line1\nline2' },
    rules: [
      { source_labels: ['a'], regex: '(line1).*(?<second>line2)', target_label: 'label1_${1}', replacement: 'val_${second}' },
      { source_labels: ['a'], regex: '(line1).*(?P<second>line2)', target_label: 'label2_$1', replacement: 'val_$second' },
    ],
    want: { a: 'line1\nline2', label1_line1: 'val_line2', label2_line1: 'val_line2' },
  },
  {
    name: '$1x is the group named 1x (empty), as in Go',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: '(.*)', target_label: 'b', replacement: '$1x-${1}x-$$1' }],
    want: { a: 'foo', b: '-foox-$1' },
  },
  {
    name: 'anchors inside the regex are harmless',
    input: { __name__: 'http_requests_total' },
    rules: [{ source_labels: ['__name__'], regex: '.*_total$', target_label: '__type__', replacement: 'counter' }],
    want: { __name__: 'http_requests_total', __type__: 'counter' },
  },
  {
    name: 'custom separator',
    input: { a: 'x', b: 'y' },
    rules: [{ source_labels: ['a', 'missing', 'b'], separator: '/', target_label: 'c' }],
    want: { a: 'x', b: 'y', c: 'x//y' },
  },
];

describe('relabel', () => {
  for (const c of cases) it(c.name, () => check(c));

  it('returns the same instance when nothing changes', () => {
    const input = Labels.from({ a: 'foo', job: 'x' });
    const rules = [
      compileRelabelConfig({ source_labels: ['a'], regex: 'f.*', action: 'keep' }),
      compileRelabelConfig({ source_labels: ['job'], target_label: 'job' }),
      compileRelabelConfig({ regex: 'zzz', action: 'labeldrop' }),
    ];
    expect(relabel(input, rules)).toBe(input);
    expect(relabel(input, [])).toBe(input);
  });

  it('does not mutate its input', () => {
    const input = Labels.from({ a: 'foo' });
    relabel(input, [compileRelabelConfig({ target_label: 'b', replacement: 'x' })]);
    expect(input.toObject()).toEqual({ a: 'foo' });
  });

  it('skips a target that is not a legacy name under the legacy scheme', () => {
    const rule = compileRelabelConfig({ source_labels: ['a'], regex: '(.*)', target_label: 'x_${1}' }, 'legacy');
    expect(relabel(Labels.from({ a: 'ok' }), [rule])?.toObject()).toEqual({ a: 'ok', x_ok: 'ok' });
    expect(relabel(Labels.from({ a: 'not.ok' }), [rule])?.toObject()).toEqual({ a: 'not.ok' });
  });
});
