import { describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import {
  alertsEqual, floatsEqual, formatAlerts, formatFloatE, formatSamples, goDuration, goLabels, nextAfter, samplesEqual,
} from '../../../shared/rules/unittest/index.ts';

describe('rule unit-test comparison', () => {
  it.each([
    [1, '1E+00'], [0, '0E+00'], [60, '6E+01'], [-0.5, '-5E-01'], [3.0000000000000004, '3.0000000000000004E+00'],
    [1704067500, '1.7040675E+09'], [1e-300, '1E-300'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'],
  ])('formats %s as Go %%E: %s', (v, want) => {
    expect(formatFloatE(v)).toBe(want);
  });

  it.each([
    [0, '0s'], [500, '500ms'], [1500, '1.5s'], [60_000, '1m0s'], [3_600_000, '1h0m0s'], [86_400_000, '24h0m0s'], [179_999, '2m59.999s'],
  ])('formats %i ms as a Go duration: %s', (ms, want) => {
    expect(goDuration(ms)).toBe(want);
  });

  it('compares floats exactly, or within one ulp when fuzzy', () => {
    expect(nextAfter(3, Infinity)).toBe(3.0000000000000004);
    expect(nextAfter(3, -Infinity)).toBe(2.9999999999999996);
    expect(nextAfter(-3, Infinity)).toBe(-2.9999999999999996);
    expect(nextAfter(0, 1)).toBe(Number.MIN_VALUE);
    expect(floatsEqual(3, 3.0000000000000004, false)).toBe(false);
    expect(floatsEqual(3, 3.0000000000000004, true)).toBe(true);
    expect(floatsEqual(3, 3.0000000000000013, true)).toBe(false);
    expect(floatsEqual(NaN, NaN, true)).toBe(false);
  });

  it('compares alerts and samples in any order', () => {
    const a = { labels: Labels.from({ alertname: 'A', x: '1' }), annotations: Labels.from({ s: 'one' }) };
    const b = { labels: Labels.from({ alertname: 'A', x: '2' }), annotations: Labels.EMPTY };
    expect(alertsEqual([a, b], [b, a])).toBe(true);
    expect(alertsEqual([a, b], [a])).toBe(false);
    expect(alertsEqual([a], [{ ...a, annotations: Labels.EMPTY }])).toBe(false);
    const s1 = { labels: Labels.from({ __name__: 'up', job: 'a' }), value: 1, histogram: '' };
    const s2 = { labels: Labels.from({ __name__: 'up', job: 'b' }), value: 2, histogram: '' };
    expect(samplesEqual([s1, s2], [s2, s1], false)).toBe(true);
    expect(samplesEqual([s1, s2], [s2, { ...s1, value: 1.5 }], false)).toBe(false);
    expect(samplesEqual([s1], [{ ...s1, histogram: '{{count:1}}' }], false)).toBe(false);
  });

  it('prints failures in promtool layout', () => {
    expect(goLabels(Labels.from({ __name__: 'up', 'a.b': 'x"y' }))).toBe('{__name__="up", "a.b"="x\\"y"}');
    expect(formatAlerts([])).toBe('[]');
    expect(formatAlerts([
      { labels: Labels.from({ alertname: 'B' }), annotations: Labels.EMPTY },
      { labels: Labels.from({ alertname: 'A' }), annotations: Labels.from({ s: 'v' }) },
    ])).toBe('[\n0:\n  Labels:{alertname="A"}\n  Annotations:{s="v"},\n1:\n  Labels:{alertname="B"}\n  Annotations:{}\n]');
    expect(formatSamples([])).toBe('nil');
    expect(formatSamples([
      { labels: Labels.from({ job: 'b' }), value: 2, histogram: '' },
      { labels: Labels.from({ job: 'a' }), value: 0.25, histogram: '' },
    ])).toBe('{job="a"} 2.5E-01, {job="b"} 2E+00');
  });
});
