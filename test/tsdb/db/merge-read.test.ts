// Reading blocks and the head as one storage: overlapping blocks (one XOR, one dense) and the
// head merged series by series for any slice and range, the older block winning on equal
// timestamps, and the same answers whether a slice's blocks are gathered and decoded in one call
// or joined with the head's batch.
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../support/temp-dirs.ts';
import { loadCore } from '../../../core-wasm/host/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { writeBlock, type ColumnSeries } from '../../../shared/tsdb/block/writer.ts';
import type { DB } from '../../../shared/tsdb/db/index.ts';
import { open } from './helpers.ts';

const tempDir = tempDirs('outpost-db-');

const ALL = [new Matcher('=~', '__name__', '.+')];

function series(name: string, samples: [number, number][]): ColumnSeries {
  return { labels: Labels.from({ __name__: name }), timestamps: Float64Array.from(samples, ([t]) => t), values: Float64Array.from(samples, ([, v]) => v) };
}

/** load reads series [from, to) of a select over [mint, maxt] as name → samples. */
function load(db: DB, mint: number, maxt: number, from?: number, to?: number): Record<string, [number, number][]> {
  const q = db.querier(mint, maxt);
  try {
    const set = q.select(ALL, { start: mint, end: maxt });
    const b = set.load(mint, maxt, from ?? 0, to ?? set.series.length);
    try {
      const out: Record<string, [number, number][]> = {};
      const off = b.offsets(), ts = b.timestamps(), vs = b.values();
      for (let i = 0; i < b.seriesCount; i++) {
        const rows: [number, number][] = [];
        for (let k = off[i]; k < off[i + 1]; k++) rows.push([ts[k], vs[k]]);
        out[set.series[(from ?? 0) + i].labels.metricName] = rows;
      }
      return out;
    } finally {
      b.release();
    }
  } finally {
    q.close();
  }
}

describe('merged reads over blocks and the head', () => {
  it('joins overlapping blocks and the head per series, the older block first, for every slice and range', async () => {
    const dir = tempDir();
    const core = loadCore();
    const x = (from: number, to: number, f: (s: number) => number): [number, number][] =>
      Array.from({ length: to - from + 1 }, (_, k) => [(from + k) * 1000, f(from + k)] as [number, number]);
    // Block A (older id): x at 1..5 s, y. Block B (newer, dense): x at 3..7 s with other values, z.
    await writeBlock(dir, [series('x', x(1, 5, (s) => s)), series('y', x(1, 2, (s) => -s))], { encoding: 'xor', core, now: 1_000 });
    await writeBlock(dir, [series('x', x(3, 7, (s) => 10 * s)), series('z', x(6, 7, (s) => 100 * s))], { encoding: 'dense', core, now: 2_000 });
    const db = await open(dir, { background: false });
    try {
      const app = db.appender();
      app.append(0, Labels.from({ __name__: 'x' }), 8000, 80);
      app.append(0, Labels.from({ __name__: 'w' }), 8000, 8);
      expect(app.commit().errors).toEqual([]);

      const want = {
        w: [[8000, 8]],
        x: [...x(1, 5, (s) => s), [6000, 60], [7000, 70], [8000, 80]],
        y: x(1, 2, (s) => -s),
        z: x(6, 7, (s) => 100 * s),
      };
      // Label order: w, x, y, z. Whole, blocks-only and head-only slices, and trimmed ranges.
      expect(load(db, 0, 10_000)).toEqual(want);
      expect(load(db, 0, 10_000, 1, 2)).toEqual({ x: want.x });
      expect(load(db, 0, 10_000, 2, 4)).toEqual({ y: want.y, z: want.z });
      expect(load(db, 0, 10_000, 0, 1)).toEqual({ w: want.w });
      expect(load(db, 2500, 6500)).toEqual({ x: [[3000, 3], [4000, 4], [5000, 5], [6000, 60]], z: [[6000, 600]] });
      expect(load(db, 7000, 9000, 0, 2)).toEqual({ w: want.w, x: [[7000, 70], [8000, 80]] });
    } finally {
      await db.close();
    }
  });
});
