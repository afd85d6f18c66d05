/**
 * Storage benchmark (issue: foundation): append throughput through the real path — label sets →
 * series refs → one WebAssembly call per commit — and head memory per active series, labels
 * included, on the side-by-side harness' workload (../shared/bench/gen/model.js: 17 % counters,
 * 74 % histogram series, 9 % gauges) at 15 s. Memory is measured in a child process started with
 * --expose-gc, so nothing else in this process counts. Prints figures; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import type { Labels } from '../../shared/model/labels.ts';
import { loadModel, median, parsePrefix, type ModelTarget } from './workload.ts';

const INTERVAL_MS = 15_000;

interface Source {
  targets: ModelTarget[];
  series: Labels[][];
}

function source(targets: number, handlers: number): Source {
  const model = loadModel();
  const ts = Array.from({ length: targets }, (_, i) => new model.Target({ handlers, seed: 1000 + i }));
  const series = ts.map((t, i) => t.prefixes.map((p) => parsePrefix(p, { job: model.jobFor(i), instance: `10.0.0.${i}:9100` })));
  return { targets: ts, series };
}

/** scrapeAll appends one scrape of every target, each target in its own commit, as scrapers do. */
function scrapeAll(storage: ReturnType<typeof openMemStorage>, src: Source, refs: number[][], t: number): number {
  let n = 0;
  for (let i = 0; i < src.targets.length; i++) {
    const target = src.targets[i], labels = src.series[i], r = refs[i];
    target.advance(INTERVAL_MS / 1000);
    const app = storage.appender();
    const values = target.values;
    for (let j = 0; j < labels.length; j++) r[j] = app.append(r[j], labels[j], t, values[j]);
    const res = app.commit();
    if (res.errors.length) throw new Error(`BUG: ${res.errors.length} samples refused: ${res.errors[0].message}`);
    n += labels.length;
  }
  return n;
}

/** throughput: samples/s of the first scrape (series creation) and of steady scrapes. */
function throughput(targets: number, handlers: number, scrapes: number) {
  const storage = openMemStorage();
  const src = source(targets, handlers);
  const refs = src.series.map((s) => new Array<number>(s.length).fill(0));
  const t0 = 1_700_000_000_000;
  let start = performance.now();
  const n = scrapeAll(storage, src, refs, t0);
  const first = n / ((performance.now() - start) / 1000);
  const steady: number[] = [];
  for (let s = 1; s <= scrapes; s++) {
    start = performance.now();
    scrapeAll(storage, src, refs, t0 + s * INTERVAL_MS);
    steady.push(n / ((performance.now() - start) / 1000));
  }
  void storage.close();
  return { series: n, first, steady: median(steady) };
}

/** memoryChild runs in the child: builds the head and prints one JSON line of figures. */
async function memoryChild(targets: number, handlers: number, samples: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('BUG: memory child needs --expose-gc');
  const storage = openMemStorage();
  const model = loadModel();
  const ts = Array.from({ length: targets }, (_, i) => new model.Target({ handlers, seed: 1000 + i }));
  gc();
  const before = process.memoryUsage();
  const src: Source = { targets: ts, series: ts.map((t, i) => t.prefixes.map((p) => parsePrefix(p, { job: model.jobFor(i), instance: `10.0.0.${i}:9100` }))) };
  const refs = src.series.map((s) => new Array<number>(s.length).fill(0));
  let n = 0;
  for (let s = 0; s < samples; s++) n = scrapeAll(storage, src, refs, 1_700_000_000_000 + s * INTERVAL_MS);
  gc();
  const after = process.memoryUsage();
  const stats = storage.stats();
  console.log(JSON.stringify({
    series: n,
    rss: (after.rss - before.rss) / n,
    heap: (after.heapUsed - before.heapUsed) / n,
    wasm: stats.core.memoryBytes / n,
    headBytes: (stats.core as { headBytes?: number }).headBytes ?? NaN,
    chunkBytes: stats.core.chunkBytes / n,
  }));
}

function memory(targets: number, handlers: number, samples: number) {
  const self = fileURLToPath(import.meta.url);
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, 'memory-child', String(targets), String(handlers), String(samples)], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  if (res.status !== 0) throw new Error(`memory child failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { series: number; rss: number; heap: number; wasm: number; headBytes: number; chunkBytes: number };
}

export default async function run(): Promise<void> {
  const f = (x: number) => `${(x / 1e6).toFixed(2)} M`;
  const b = (x: number) => `${Math.round(x)} B`;
  console.log('Append through the storage interface: Labels → refs (label index) → one WebAssembly call per commit.');
  console.log('Workload: ../shared/bench/gen/model.js, one commit per target per scrape, 15 s apart.\n');
  console.log('| series | first scrape (creates series), samples/s | steady scrapes, samples/s (median of 20) |');
  console.log('|---:|---:|---:|');
  for (const [targets, handlers] of [[10, 29], [10, 286]] as const) {
    const runs = [0, 1, 2].map(() => throughput(targets, handlers, 20));
    console.log(`| ${runs[0].series.toLocaleString('en')} | ${f(median(runs.map((r) => r.first)))} | ${f(median(runs.map((r) => r.steady)))} |`);
  }
  console.log('\nHead memory per active series, 120 samples each (Prometheus measured its RSS per series after');
  console.log('120 samples at 5 s, 100k series: 3,239 B; VictoriaMetrics 1,436 B — ../shared/bench/results-anchors.md).');
  console.log('"marginal" is the growth from 100,100 to 200,200 series, per added series: fixed costs (V8 young');
  console.log('generation, code, allocator reserves) cancel out.\n');
  const small = [0, 1, 2].map(() => memory(10, 286, 120));
  const large = [0, 1, 2].map(() => memory(20, 286, 120));
  const m = (xs: ReturnType<typeof memory>[], f: (x: ReturnType<typeof memory>) => number) => median(xs.map(f));
  const marginal = (f: (x: ReturnType<typeof memory>) => number) =>
    (m(large, (x) => f(x) * x.series) - m(small, (x) => f(x) * x.series)) / (m(large, (x) => x.series) - m(small, (x) => x.series));
  console.log('| figure, per active series (medians of 3 child processes) | 100,100 series | marginal, 100k → 200k |');
  console.log('|---|---:|---:|');
  console.log(`| RSS growth (labels, index, head, everything) | ${b(m(small, (x) => x.rss))} | ${b(marginal((x) => x.rss))} |`);
  console.log(`| JS heap growth (labels, label index) | ${b(m(small, (x) => x.heap))} | ${b(marginal((x) => x.heap))} |`);
  console.log(`| WebAssembly memory (head; grows by doubling, untouched pages are not resident) | ${b(m(small, (x) => x.wasm))} | ${b(marginal((x) => x.wasm))} |`);
  console.log(`| of which chunk data | ${b(m(small, (x) => x.chunkBytes))} | ${b(marginal((x) => x.chunkBytes))} |`);
}

if (process.argv[2] === 'memory-child') {
  await memoryChild(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await run();
}
