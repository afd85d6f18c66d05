// Query workers: slices of a selection decoded and run through their kernel in another thread must
// give exactly what the query's own thread gives, over blocks alone, the head alone, and series
// that blocks and the head both hold; a worker's errors reach the query named as in-thread ones;
// idle workers stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCore } from '../../../core-wasm/host/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Engine } from '../../../shared/promql/engine/index.ts';
import { KernelPool, parseQueryWorkers } from '../../../shared/promql/parallel/pool.ts';
import type { PortableSlice } from '../../../shared/storage/interface.ts';
import { takeBytes } from '../../../shared/tsdb/block/gather-buffers.ts';
import { writeBlock, type ColumnSeries } from '../../../shared/tsdb/block/writer.ts';
import { openDB, type DB } from '../../../shared/tsdb/db/index.ts';
import { tempDir } from '../../support/temp-dirs.ts';
import { plainValue } from '../../support/query-value.ts';

const T0 = 1_700_000_000_000;
const STEP = 15_000;
const SERIES = 120;
const tmp = tempDir('outpost-workers-');
let db: DB;
const pool = new KernelPool({ size: 1 });

/** The value of series i at scrape s: counters with resets, gauges, and a few NaNs. */
function value(i: number, s: number): number {
  if (i % 4 === 3) return Math.sin(i + s) * 100;
  if (i % 29 === 0 && s % 50 === 7) return NaN;
  return (s % (40 + i)) * (1 + (i % 3));
}

function labels(i: number): Labels {
  return Labels.from({ __name__: i % 4 === 3 ? 'level' : 'work_total', shard: String(i % 5), i: String(i).padStart(3, '0') });
}

beforeAll(async () => {
  const core = loadCore();
  // Two blocks: an XOR one over scrapes 0..199 of every even series, a dense one over 150..399
  // of every series but the last ten (overlapping the first); then the head, 380..479, every
  // series but the first ten. Some series live in blocks only, some in the head only.
  const block = (from: number, to: number, keep: (i: number) => boolean): ColumnSeries[] =>
    Array.from({ length: SERIES }, (_, i) => i)
      .filter(keep)
      .map((i) => ({
        labels: labels(i),
        timestamps: Float64Array.from({ length: to - from }, (_, k) => T0 + (from + k) * STEP),
        values: Float64Array.from({ length: to - from }, (_, k) => value(i, from + k)),
      }))
      .sort((a, b) => a.labels.compare(b.labels));
  await writeBlock(tmp.dir, block(0, 200, (i) => i % 2 === 0), { encoding: 'xor', core, now: 1_000 });
  await writeBlock(tmp.dir, block(150, 400, (i) => i < SERIES - 10), { encoding: 'dense', core, now: 2_000 });
  db = await openDB(tmp.dir, { background: false, retentionMs: 0, log: () => {} });
  const refs = new Array<number>(SERIES).fill(0);
  for (let s = 400; s < 480; s++) {
    const app = db.appender();
    for (let i = 10; i < SERIES; i++) refs[i] = app.append(refs[i], labels(i), T0 + s * STEP, value(i, s));
    expect(app.commit().errors).toEqual([]);
  }
  await pool.warm();
  expect(pool.running).toBe(1);
});

afterAll(async () => {
  await pool.close();
  await db?.close();
  tmp.cleanup();
});

const end = T0 + 479 * STEP;
const queries = [
  'work_total',
  'timestamp(level)',
  'rate(work_total[2m])',
  'sum by (shard) (rate(work_total[5m]))',
  'count({__name__=~".+"})',
  'max_over_time(level[10m]) - min_over_time(level[10m])',
  'quantile_over_time(0.9, level[5m])',
  'predict_linear(level[10m], 600)',
  'topk(3, resets(work_total[30m]))',
  'avg(avg_over_time(level[30m:1m]))',
];

describe('query workers', () => {
  // A slice of a few series each, so that a query has many and the worker takes most of them.
  const alone = new Engine({ sliceSamples: 900 });
  const shared = new Engine({ sliceSamples: 900, workers: pool });
  for (const q of queries) {
    for (const [name, start, endT, step] of [
      ['the whole range (blocks and head)', T0, end, 60_000],
      ['blocks only', T0, T0 + 300 * STEP, 30_000],
      ['the head only', T0 + 420 * STEP, end, STEP],
    ] as const) {
      it(`${q} over ${name}: the same result as without workers`, async () => {
        const before = pool.completed;
        const a = await alone.rangeQuery(db, q, start, endT, step);
        const b = await shared.rangeQuery(db, q, start, endT, step);
        expect(plainValue(b.value)).toEqual(plainValue(a.value));
        expect(b.warnings).toEqual(a.warnings);
        expect(b.infos).toEqual(a.infos);
        if (name !== 'the head only' && !q.includes(':1m]')) expect(pool.completed).toBeGreaterThan(before);
      });
    }
  }

  it('slices a worker took with it when it went away are computed in the query thread', async () => {
    /** A pool whose workers all stop right after the first slice is handed over. */
    class Dying extends KernelPool {
      override run(...args: Parameters<KernelPool['run']>): ReturnType<KernelPool['run']> {
        const r = super.run(...args);
        void this.close();
        return r;
      }
    }
    for (const q of ['sum by (shard) (rate(work_total[5m]))', 'rate(work_total[5m])']) {
      const dying = new Dying({ size: 1 });
      try {
        await dying.warm();
        const e = new Engine({ sliceSamples: 900, workers: dying });
        const a = await alone.rangeQuery(db, q, T0, end, 60_000);
        const b = await e.rangeQuery(db, q, T0, end, 60_000);
        expect(plainValue(b.value)).toEqual(plainValue(a.value));
        expect(dying.running).toBe(0);
      } finally {
        await dying.close();
      }
    }
  });

  it('a query whose worker never answers still stops at its timeout', async () => {
    /** A pool that takes every slice and never answers. */
    class Silent extends KernelPool {
      override available(): boolean {
        return true;
      }
      override run(): ReturnType<KernelPool['run']> {
        return new Promise(() => {});
      }
    }
    const e = new Engine({ sliceSamples: 900, timeoutMs: 200, workers: new Silent({ size: 1 }) });
    await expect(e.rangeQuery(db, 'rate(work_total[5m])', T0, end, 60_000)).rejects.toThrow(/query timed out/);
  });

  it("the sample limit counts a worker's slice as it would count the slice in the query's thread", async () => {
    // The first slice (16 series, in this thread) fits; the second (about 30k samples) goes to
    // the worker and is over the limit.
    const limited = new Engine({ sliceSamples: 30_000, maxSamples: 20_000, workers: pool });
    const before = pool.completed;
    await expect(limited.rangeQuery(db, 'rate(work_total[1h])', T0, end, 60_000)).rejects.toThrow(/query processing would load too many samples/);
    expect(pool.completed).toBeGreaterThan(before);
  });

  it('a worker from another build refuses to start', async () => {
    const { Worker } = await import('node:worker_threads');
    const { compileCore } = await import('../../../core-wasm/host/index.ts');
    const entry = new URL('../../../shared/promql/parallel/worker.ts', import.meta.url).href;
    const w = new Worker(new URL('../../../shared/promql/parallel/boot.mjs', import.meta.url), { workerData: { entry, module: compileCore(), build: 'another' } });
    const err = await new Promise<Error>((resolve) => w.once('error', resolve));
    expect(err.message).toMatch(/this query worker is build sources but the process that started it is build another/);
    await w.terminate();
  });

  it('a chunk the worker cannot decode is reported as its gatherer names it', async () => {
    const slice: PortableSlice = {
      load: {
        seriesCount: 1, mint: 0, maxt: 1e15,
        chunks: { data: Uint8Array.from([1, 0, 5, 0xff, 0xff]), offsets: Uint32Array.of(0), starts: Uint32Array.of(0), samples: Uint32Array.of(5) },
        columns: [], parts: null, partStarts: null,
      },
      corruption: (chunk, err) => new Error(`block X, chunk ${chunk}: ${err.message}`),
    };
    expect(pool.available()).toBe(true);
    await expect(pool.run(slice, { kind: 'instant', grid: { start: 0, step: 1, steps: 1 }, lookbackMs: 1, timestamps: false })).rejects.toThrow(/^block X, chunk 0: /);
    // The worker survives a refused job.
    const b = await shared.rangeQuery(db, 'count(work_total)', T0, end, 60_000);
    expect(b.value.resultType).toBe('matrix');
  });

  it('input the worker refuses rejects that job with the core error', async () => {
    const slice: PortableSlice = {
      load: {
        seriesCount: 1, mint: 0, maxt: 1e15,
        chunks: { data: new Uint8Array(8), offsets: Uint32Array.of(100), starts: Uint32Array.of(0), samples: Uint32Array.of(1) },
        columns: [], parts: null, partStarts: null,
      },
      corruption: (_chunk, err) => err,
    };
    expect(pool.available()).toBe(true);
    await expect(pool.run(slice, { kind: 'instant', grid: { start: 0, step: 1, steps: 1 }, lookbackMs: 1, timestamps: false })).rejects.toThrow(/decodeChunks: chunkOffsets\[0\] = 100/);
  });

  it("gives a job's gather buffer back to the query thread, decoded or refused, for its next gather", async () => {
    const size = (3 << 20) + 123; // larger than any buffer the queries above gathered
    const slice: PortableSlice = {
      load: {
        seriesCount: 1, mint: 0, maxt: 1e15,
        chunks: { data: new Uint8Array(size), offsets: Uint32Array.of(100), starts: Uint32Array.of(0), samples: Uint32Array.of(1) },
        columns: [], parts: null, partStarts: null,
      },
      corruption: (_chunk, err) => err,
    };
    expect(pool.available()).toBe(true);
    await expect(pool.run(slice, { kind: 'instant', grid: { start: 0, step: 1, steps: 1 }, lookbackMs: 1, timestamps: false })).rejects.toThrow(/decodeChunks/);
    expect(slice.load.chunks!.data.byteLength).toBe(0); // transferred to the worker
    expect(takeBytes(3 << 20).buffer.byteLength).toBe(size); // and back
  });

  it('workers stop when idle and start again for the next long query', async () => {
    const quick = new KernelPool({ size: 1, idleMs: 20 });
    try {
      await quick.warm();
      expect(quick.running).toBe(1);
      for (let k = 0; k < 100 && quick.running > 0; k++) await new Promise((r) => setTimeout(r, 20));
      expect(quick.running).toBe(0);
      expect(quick.available()).toBe(false); // starts one
      expect(quick.running).toBe(1);
    } finally {
      await quick.close();
    }
  });

  it('a selection of four slices or fewer starts no worker; a larger one does', async () => {
    const lazy = new KernelPool({ size: 1 });
    try {
      // About 50k samples: within four slices of 20k, and shared only with a worker already running.
      await new Engine({ sliceSamples: 20_000, workers: lazy }).rangeQuery(db, 'rate(work_total[5m])', T0, end, 60_000);
      expect(lazy.running).toBe(0);
      await new Engine({ sliceSamples: 5_000, workers: lazy }).rangeQuery(db, 'rate(work_total[5m])', T0, end, 60_000);
      expect(lazy.running).toBe(1);
    } finally {
      await lazy.close();
    }
  });

  it('--query.workers takes a whole number, or the default for an empty value', () => {
    expect(parseQueryWorkers('0')).toBe(0);
    expect(parseQueryWorkers('3')).toBe(3);
    expect(parseQueryWorkers('')).toBeGreaterThanOrEqual(0);
    expect(() => parseQueryWorkers('two')).toThrow(/invalid --query.workers=two/);
    expect(() => parseQueryWorkers('-1')).toThrow(/invalid --query.workers=-1/);
  });
});
