import { describe, expect, it } from 'vitest';
import { isStaleNaN } from '../../../shared/model/stale.ts';
import { parseTestFile, SeriesLoader } from '../../../shared/rules/unittest/index.ts';
import { MemStore } from '../mem-store.ts';

describe('input series loading', () => {
  it('expands the notation and appends lazily, stamped from the start time', () => {
    const tg = parseTestFile(`
tests:
  - interval: 1m
    start_timestamp: 1000
    input_series:
      - { series: 'a{x="1"}', values: '1+2x2 _x2 stale -1' }
      - { series: b, values: '5m 1e3' }
`, 't.yml').tests[0];
    const store = new MemStore();
    const loader = new SeriesLoader(store, tg.inputSeries, tg.startTimestamp, tg.interval);
    const points = (key: string) => {
      const s = [...store.series.values()].find((x) => x.labels.toString() === key);
      return s ? s.t.map((t, i) => [t, isStaleNaN(s.v[i]) ? 'stale' : s.v[i]]) : [];
    };
    expect(loader.appendTill(1_000_000 + 60_000)).toEqual([]);
    expect(points('a{x="1"}')).toEqual([[1_000_000, 1], [1_060_000, 3]]);
    expect(points('b')).toEqual([[1_000_000, 300], [1_060_000, 1000]]);
    loader.appendTill(1_000_000 + 59 * 60_000);
    expect(points('a{x="1"}')).toEqual([[1_000_000, 1], [1_060_000, 3], [1_120_000, 5], [1_300_000, 'stale'], [1_360_000, -1]]);
    loader.appendTill(1_000_000 + 99 * 60_000);
    expect(points('a{x="1"}').length).toBe(5);
  });
});
