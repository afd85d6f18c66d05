// `count` and `group` over a plain selector read only which samples exist and which are staleness
// markers, so dense block chunks of integers leave their other values undecoded
// (LoadOptions.valuesUnused). The answers must be those of the same queries with every value
// decoded, with and without a query worker, over dense blocks in plain and brotli pages, XOR
// chunks and the head, markers included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCore } from '../../core-wasm/host/index.ts';
import { Labels } from '../../shared/model/labels.ts';
import { Engine } from '../../shared/promql/engine/index.ts';
import { KernelPool } from '../../shared/promql/parallel/pool.ts';
import { writeBlock, type ColumnSeries } from '../../shared/tsdb/block/writer.ts';
import { openDB, type DB } from '../../shared/tsdb/db/index.ts';
import { ByteWriter } from '../../shared/tsdb/block/bytes.ts';
import { DenseEncoder } from '../../shared/tsdb/block/dense-encode.ts';
import { staleNaN } from '../storage/suite.ts';
import { plainValue } from '../support/query-value.ts';
import { tempDir } from '../support/temp-dirs.ts';

const T0 = 1_700_000_000_000;
const STEP = 15_000;
const SERIES = 60;
const STALE = staleNaN();
const tmp = tempDir('outpost-values-unused-');
const pool = new KernelPool({ size: 1 });
let db: DB;

/** The value of series i at scrape s: integer counters and decimal gauges, float gauges, NaNs, and staleness markers. */
function value(i: number, s: number): number {
  if (s % (37 + i) === 30 + (i % 7)) return STALE; // gone for a scrape: few enough markers for a chunk of integers
  if (i % 5 === 4) return Math.sin(i + s) * 100; // floats: a chunk of float bits
  if (i % 11 === 0 && s % 40 === 3) return NaN;
  return i % 3 === 0 ? (s % 50) / 4 : s * (1 + (i % 4));
}

const labels = (i: number) => Labels.from({ __name__: i % 2 ? 'a' : 'b', k: String(i % 4), i: String(i).padStart(3, '0') });

beforeAll(async () => {
  const core = loadCore();
  const block = (from: number, to: number): ColumnSeries[] =>
    Array.from({ length: SERIES }, (_, i) => ({
      labels: labels(i),
      timestamps: Float64Array.from({ length: to - from }, (_, k) => T0 + (from + k) * STEP),
      values: Float64Array.from({ length: to - from }, (_, k) => value(i, from + k)),
    })).sort((x, y) => x.labels.compare(y.labels));
  await writeBlock(tmp.dir, block(0, 200), { encoding: 'dense', compression: 'none', core, now: 1_000 });
  await writeBlock(tmp.dir, block(200, 400), { encoding: 'dense', compression: 'brotli', quality: 1, core, now: 2_000 });
  await writeBlock(tmp.dir, block(400, 500), { encoding: 'xor', core, now: 3_000 });
  db = await openDB(tmp.dir, { background: false, retentionMs: 0, log: () => {} });
  const refs = new Array<number>(SERIES).fill(0);
  for (let s = 500; s < 560; s++) {
    const app = db.appender();
    for (let i = 0; i < SERIES; i++) refs[i] = app.append(refs[i], labels(i), T0 + s * STEP, value(i, s));
    expect(app.commit().errors).toEqual([]);
  }
  await pool.warm();
});

afterAll(async () => {
  await pool.close();
  await db?.close();
  tmp.cleanup();
});

describe('count and group without the values', () => {
  it('dense chunks of integers give their exceptions and 0 for the rest; float chunks every value', () => {
    const core = loadCore();
    const n = 300;
    const ts = Float64Array.from({ length: n }, (_, k) => T0 + k * STEP);
    // Series 1: integers with markers; 3: decimals (a scale) with markers; 4: floats; 11: with NaNs.
    for (const i of [1, 3, 4, 11]) {
      const vs = Float64Array.from(ts, (_, k) => value(i, k));
      const w = new ByteWriter(4096);
      new DenseEncoder().encode(w, ts, vs, 0, n);
      const chunk = w.buf.slice(0, w.len);
      const floats = i % 5 === 4; // value() makes these sines: a chunk of float bits
      for (const [mint, maxt] of [[-Infinity, Infinity], [T0 + 20 * STEP, T0 + 250 * STEP]]) {
        const all = core.decodeChunks(chunk, Uint32Array.of(0), Uint32Array.of(0), mint, maxt);
        const some = core.decodeChunks(chunk, Uint32Array.of(0), Uint32Array.of(0), mint, maxt, undefined, true);
        try {
          expect(Array.from(some.timestamps()), `series ${i}`).toEqual(Array.from(all.timestamps()));
          // Compared as bits read from the columns, so that no NaN payload passes through a number.
          const allBits = u64(all.values()), someBits = u64(some.values());
          const want = allBits.map((b) => (floats || (b & 0x7ff0000000000000n) === 0x7ff0000000000000n ? b : 0n));
          expect(someBits, `series ${i}`).toEqual(want);
          expect(allBits.includes(0x7ff0000000000002n), `series ${i} has markers`).toBe(true);
        } finally {
          all.release();
          some.release();
        }
      }
    }
  });

  const alone = new Engine({ sliceSamples: 700 });
  const shared = new Engine({ sliceSamples: 700, workers: pool });
  const cases: [string, string][] = [
    ['count({__name__=~".+"})', 'count({__name__=~".+"} * 1)'],
    ['count by (k) (a)', 'count by (k) (a * 1)'],
    ['group by (k) (b)', 'group by (k) (b * 1)'],
    ['count(a offset 5m)', 'count(a offset 5m * 1)'],
  ];
  for (const [q, decoded] of cases) {
    for (const [name, engine] of [['alone', alone], ['with a worker', shared]] as const) {
      it(`${q}, ${name}: as with every value decoded`, async () => {
        const end = T0 + 559 * STEP;
        for (const [start, step] of [[T0, 60_000], [T0 + 150 * STEP, 15_000], [T0 + 390 * STEP, 45_000]]) {
          const got = await engine.rangeQuery(db, q, start, end, step);
          const want = await engine.rangeQuery(db, decoded, start, end, step);
          expect(plainValue(got.value)).toEqual(plainValue(want.value));
        }
        const instant = await engine.instantQuery(db, q, T0 + 250 * STEP);
        expect(plainValue(instant.value)).toEqual(plainValue((await engine.instantQuery(db, decoded, T0 + 250 * STEP)).value));
      });
    }
  }
});

/** u64: the bits of each value of a column. */
function u64(values: Float64Array): bigint[] {
  return Array.from(new BigUint64Array(values.buffer, values.byteOffset, values.length));
}
