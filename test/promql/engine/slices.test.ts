// Selections load in slices of series when they are large: results must not depend on where the
// slices fall. Every query runs with a tiny slice (a few series per batch) and with the default
// (one batch), and the two must agree exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { Engine } from '../../../shared/promql/engine/index.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { plainValue } from '../../support/query-value.ts';

const storage = openMemStorage();
const T0 = 1_700_000_000_000;

beforeAll(() => {
  const refs = new Array<number>(300).fill(0);
  const labels = refs.map((_, i) => Labels.from({ __name__: 'work_total', shard: String(i % 7), i: String(i) }));
  for (let s = 0; s < 100; s++) {
    const a = storage.appender();
    // Series i starts late (i % 5 scrapes missing) so slices hold different sample counts.
    for (let i = 0; i < labels.length; i++) if (s >= i % 5) refs[i] = a.append(refs[i], labels[i], T0 + s * 15_000, s * (1 + (i % 3)) + (i % 11));
    a.commit();
  }
});

const end = T0 + 99 * 15_000;
const queries = [
  'work_total',
  'rate(work_total[2m])',
  'sum by (shard) (avg_over_time(work_total[5m]))',
  'predict_linear(work_total[10m] @ ' + (end - 300_000) / 1000 + ', 600)',
  'predict_linear(work_total[10m] offset 2m, 60)',
  'max_over_time(rate(work_total[1m])[5m:30s])',
  'count(work_total > 100)',
];

describe('sliced selections', () => {
  const one = new Engine();
  const sliced = new Engine({ sliceSamples: 250 });
  for (const q of queries) {
    it(`${q}: range query`, async () => {
      const a = await one.rangeQuery(storage, q, end - 600_000, end, 30_000);
      const b = await sliced.rangeQuery(storage, q, end - 600_000, end, 30_000);
      expect(plainValue(b.value)).toEqual(plainValue(a.value));
    });
  }
  it('a range vector result', async () => {
    const a = await one.instantQuery(storage, 'work_total[1m]', end);
    const b = await sliced.instantQuery(storage, 'work_total[1m]', end);
    expect(plainValue(b.value)).toEqual(plainValue(a.value));
    expect((a.value as { series: unknown[] }).series).toHaveLength(300);
  });
  it('holds one slice at a time against the sample limit', async () => {
    // 300 series × up to 100 samples = ~29,400 samples selected; the limit is below that.
    const limited = new Engine({ sliceSamples: 2_000, maxSamples: 10_000 });
    await expect(limited.rangeQuery(storage, 'rate(work_total[25m])', end - 600_000, end, 60_000)).resolves.toBeDefined();
    await expect(new Engine({ maxSamples: 10_000 }).rangeQuery(storage, 'rate(work_total[25m])', end - 600_000, end, 60_000)).rejects.toThrow(/too many samples/);
  });
});
