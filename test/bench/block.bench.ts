/**
 * Block benchmark: bytes per sample on disk (chunks and index separately, and in total) for XOR
 * and dense blocks, beside the anchors measured on this machine for the same data set
 * (../shared/bench/results-anchors.md: Prometheus 2.22 B/sample incl. index, VictoriaMetrics
 * 1.01), then write and read throughput. The data is the harness' 24 h history
 * (../shared/bench/gen/history.js: seed 42, 10 targets × 1,015 series, 5,761 points at 15 s,
 * 58.5 M samples), regenerated here from the same model. BENCH_BLOCK_TARGETS (default 10) takes
 * the first N targets only; BENCH_BLOCK_QUALITY sets the dense pages' brotli quality (default 11).
 * Sizes are exact; throughputs are medians of 3 runs on the first target (1,015 series × 24 h),
 * plus the single run of the full set; reads are of blocks opened without a page cache, of the
 * whole day and of its last 5 minutes (what a short query reads: one time bucket of a dense
 * block). Nothing asserts. `npm run bench block`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCore, type Core } from '../../core-wasm/host/index.ts';
import type { Labels } from '../../shared/model/labels.ts';
import { openBlock, writeBlock, type BlockMeta, type ColumnSeries } from '../../shared/tsdb/block/index.ts';
import { loadModel, median, parsePrefix } from './workload.ts';

const POINTS = 5761;
const STEP_S = 15;
const END_S = 1795238925; // the anchors' history end (results-anchors.md)

/** history regenerates history.js' samples for the first `targets` targets, in label order. */
export function history(targets: number): ColumnSeries[] {
  const model = loadModel() as ReturnType<typeof loadModel> & { BUCKETS: number[] };
  const handlers = Math.max(1, Math.round(10000 / 10 / model.SERIES_PER_HANDLER));
  const start = (END_S - (POINTS - 1) * STEP_S) * 1000;
  const ts = Float64Array.from({ length: POINTS }, (_, k) => start + k * STEP_S * 1000);
  const out: ColumnSeries[] = [];
  for (let ti = 0; ti < targets; ti++) {
    const tg = new model.Target({ handlers, seed: 42 * 1000 + ti });
    const S = tg.S;
    const mat = new Float64Array(S * POINTS);
    for (let k = 0; k < POINTS; k++) {
      if (k) tg.advance(STEP_S);
      for (let s = 0; s < S; s++) mat[s * POINTS + k] = tg.values[s];
    }
    for (let s = 0; s < S; s++) {
      const labels: Labels = parsePrefix(tg.prefixes[s], { job: model.jobFor(ti), instance: `127.0.0.1:${19200 + ti}` });
      out.push({ labels, timestamps: ts, values: mat.subarray(s * POINTS, (s + 1) * POINTS) });
    }
  }
  return out.sort((a, b) => a.labels.compare(b.labels));
}

interface Run {
  meta: BlockMeta;
  writeS: number;
  readS: number;
  /** Loading the last 5 minutes of every series (pages not cached): what a short query reads. */
  lastS: number;
}

/** The stores compared: XOR chunks, dense chunks in brotli pages (compaction's), and in plain pages (head cuts', the backfill's). */
const STORES = [
  { name: 'xor', encoding: 'xor', compression: 'none' },
  { name: 'dense', encoding: 'dense', compression: 'brotli' },
  { name: 'dense, plain pages', encoding: 'dense', compression: 'none' },
] as const;
type Store = (typeof STORES)[number];

async function writeAndRead(series: ColumnSeries[], store: Store, core: Core, quality: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-block-bench-'));
  try {
    let t = performance.now();
    const meta = (await writeBlock(dir, series, { encoding: store.encoding, compression: store.compression, core, quality }))!;
    const writeS = (performance.now() - t) / 1000;
    const block = await openBlock(join(dir, meta.ulid), { core, pageCacheBytes: 0 });
    const ids = Uint32Array.from({ length: block.seriesCount }, (_, i) => i + 1);
    t = performance.now();
    // Load in batches of 1,000 series, as a query over many series would, into WebAssembly memory.
    let samples = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      const b = block.load(ids.subarray(i, i + 1000));
      samples += b.sampleCount;
      b.release();
    }
    const readS = (performance.now() - t) / 1000;
    if (samples !== meta.stats.numSamples) throw new Error(`BUG: read ${samples} samples of ${meta.stats.numSamples}`);
    t = performance.now();
    for (let i = 0; i < ids.length; i += 1000) block.load(ids.subarray(i, i + 1000), meta.maxTime - 300_000, meta.maxTime).release();
    const lastS = (performance.now() - t) / 1000;
    block.close();
    return { meta, writeS, readS, lastS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f3 = (x: number) => x.toFixed(3);
const ms = (n: number, s: number) => `${(n / s / 1e6).toFixed(2)} M/s`;

export default async function run(): Promise<void> {
  const targets = Number(process.env.BENCH_BLOCK_TARGETS ?? 10);
  const quality = Number(process.env.BENCH_BLOCK_QUALITY ?? 11);
  const core = loadCore();
  let t = performance.now();
  const all = history(targets);
  const samples = all.length * POINTS;
  console.log(`data: ${all.length} series × ${POINTS} points @ ${STEP_S} s = ${(samples / 1e6).toFixed(1)} M samples (${targets} of 10 targets), generated in ${((performance.now() - t) / 1000).toFixed(1)} s; dense quality ${quality}\n`);

  const full: Record<string, Run> = {};
  for (const store of STORES) full[store.name] = await writeAndRead(all, store, core, quality);
  console.log('| store | chunks B/sample | index B/sample | total B/sample | write (1 run) | read into wasm (1 run) | last 5 min of every series (1 run) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  console.log('| Prometheus 2.42 (anchor, 18 h blocks) | 2.13 | 0.09 | 2.22 | | | |');
  console.log('| VictoriaMetrics 1.79 (anchor, merged) | 0.99 | 0.02 | 1.01 | | | |');
  for (const { name } of STORES) {
    const { meta, writeS, readS, lastS } = full[name];
    const s = meta.stats;
    console.log(`| Outpost ${name} block | ${f3(s.chunkBytes / s.numSamples)} | ${f3(s.indexBytes / s.numSamples)} | ${f3((s.chunkBytes + s.indexBytes) / s.numSamples)} | ${writeS.toFixed(1)} s, ${ms(s.numSamples, writeS)} | ${readS.toFixed(2)} s, ${ms(s.numSamples, readS)} | ${(lastS * 1000).toFixed(0)} ms |`);
  }

  const one = history(1);
  console.log(`\nThroughput, median of 3, first target (${one.length} series × 24 h, ${((one.length * POINTS) / 1e6).toFixed(2)} M samples):\n`);
  console.log('| encoding | write | read into wasm | last 5 min of every series |');
  console.log('|---|---:|---:|---:|');
  for (const store of STORES) {
    const runs: Run[] = [];
    for (let k = 0; k < 3; k++) runs.push(await writeAndRead(one, store, core, quality));
    const n = runs[0].meta.stats.numSamples;
    console.log(`| ${store.name}${store.compression === 'brotli' ? ` (brotli q${quality})` : ''} | ${ms(n, median(runs.map((r) => r.writeS)))} | ${ms(n, median(runs.map((r) => r.readS)))} | ${(median(runs.map((r) => r.lastS)) * 1000).toFixed(1)} ms |`);
  }
}
