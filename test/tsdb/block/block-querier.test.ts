// BlockQuerier's label names and values follow Prometheus (tsdb/querier.go, blockQuerier): a block
// that overlaps the range answers from its index, every series counting whatever its samples'
// times; a block outside the range answers nothing. select still keeps only series with samples
// in the range.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadCore, type Core } from '../../../core-wasm/host/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { openBlock, writeBlock, type Block } from '../../../shared/tsdb/block/index.ts';
import { tempDir } from './helpers.ts';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
let core: Core;
let tmp: { dir: string; cleanup: () => void } | undefined;
let block: Block | undefined;
beforeAll(() => {
  core = loadCore();
});
afterEach(() => {
  block?.close();
  tmp?.cleanup();
});

/** A two-hour block: `early` has samples in its first ten minutes only, `late` in its second hour. */
async function twoSeriesBlock(): Promise<Block> {
  tmp = tempDir();
  const span = (from: number) => Float64Array.from({ length: 40 }, (_, i) => from + i * 15_000);
  const meta = await writeBlock(tmp.dir, [
    { labels: Labels.from({ __name__: 'early', job: 'a' }), timestamps: span(T0), values: new Float64Array(40).fill(1) },
    { labels: Labels.from({ __name__: 'late', job: 'b', zone: 'z' }), timestamps: span(T0 + HOUR), values: new Float64Array(40).fill(2) },
  ], { core, minTime: T0, maxTime: T0 + 2 * HOUR });
  return (block = await openBlock(join(tmp.dir, meta!.ulid), { core }));
}

describe('BlockQuerier', () => {
  it('answers label names and values from the whole block when it overlaps the range', async () => {
    const b = await twoSeriesBlock();
    const q = b.querier(T0 + HOUR, T0 + 3 * HOUR); // only `late` has samples here
    expect(q.labelValues('job')).toEqual(['a', 'b']);
    expect(q.labelNames()).toEqual(['__name__', 'job', 'zone']);
    expect(q.labelValues('job', [new Matcher('=', 'zone', 'z')])).toEqual(['b']);
    expect(q.labelNames([new Matcher('=', 'job', 'a')])).toEqual(['__name__', 'job']);
    expect(q.select([new Matcher('=~', 'job', '.+')]).series.map((s) => s.labels.get('__name__'))).toEqual(['late']);
    q.close();
  });

  it('answers no label names or values for a range outside the block', async () => {
    const b = await twoSeriesBlock();
    for (const [mint, maxt] of [[T0 + 2 * HOUR, T0 + 3 * HOUR], [T0 - HOUR, T0 - 1]]) {
      const q = b.querier(mint, maxt);
      expect([q.labelValues('job'), q.labelNames(), q.labelValues('job', [new Matcher('=', 'zone', 'z')])]).toEqual([[], [], []]);
      q.close();
    }
  });
});
