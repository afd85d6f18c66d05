/**
 * The WebAssembly core's figures: bytes per sample in XOR chunks (on the textparse corpus
 * replayed as 15 s scrapes, and on a synthetic mix of counters, gauges and histogram buckets,
 * beside Prometheus' own bytes per sample for that mix when promtool is installed), append and
 * decode throughput of the head against the plain TypeScript reference codec, and head memory
 * per series. Medians of several runs; nothing is asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCore } from '../../core-wasm/host/index.ts';
import { decodeXorReference, encodeXorReference } from '../support/xor-reference.ts';

const here = dirname(fileURLToPath(import.meta.url));
const TEXTPARSE = resolve(here, '../../../shared/conformance/textparse/testdata');
const RANGE = 7_200_000;
const T0 = 236_112 * RANGE; // a chunk-range boundary
const STEP = 15_000;
const RUNS = 5;

/** Dataset: `names` series, values[s * scrapes + k] is series s at scrape k. */
interface Dataset {
  names: string[];
  scrapes: number;
  values: Float64Array;
}

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** textparseDataset: every sample line of the corpus is a series; values evolve from its value. */
function textparseDataset(scrapes: number): Dataset {
  const rand = rng(1);
  const seen = new Map<string, number>();
  for (const file of readdirSync(TEXTPARSE)) {
    for (const line of readFileSync(join(TEXTPARSE, file), 'utf8').split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const cut = line.lastIndexOf('}') >= 0 ? line.lastIndexOf('}') + 1 : line.indexOf(' ');
      const series = line.slice(0, cut).trim();
      const value = Number(line.slice(cut).trim().split(/\s+/)[0].replace(/^\+?Inf$/, 'Infinity'));
      if (series && !seen.has(series)) seen.set(series, Number.isNaN(value) && !/NaN/.test(line) ? 0 : value);
    }
  }
  const names = [...seen.keys()];
  const values = new Float64Array(names.length * scrapes);
  names.forEach((name, s) => {
    const v0 = seen.get(name)!;
    const counter = /(_total|_count|_sum|_bucket)\b/.test(name);
    const integral = Number.isInteger(v0);
    const moves = rand() < 0.4;
    let v = v0;
    for (let k = 0; k < scrapes; k++) {
      values[s * scrapes + k] = v;
      if (!Number.isFinite(v)) continue;
      if (counter) v += integral ? Math.floor(rand() * 20) : rand() * 0.05;
      else if (moves) v = integral ? Math.max(0, v + Math.round((rand() - 0.5) * Math.max(2, Math.abs(v) * 0.01))) : v * (1 + (rand() - 0.5) * 0.01);
    }
  });
  return { names, scrapes, values };
}

/** syntheticDataset: counters, gauges and histograms (10 buckets, sum, count) at 15 s. */
function syntheticDataset(counters: number, gauges: number, histograms: number, scrapes: number): Dataset {
  const rand = rng(2);
  const names: string[] = [];
  const rows: Float64Array[] = [];
  for (let i = 0; i < counters; i++) {
    names.push(`requests_total{i="${i}"}`);
    const rate = 1 + rand() * 50;
    const row = new Float64Array(scrapes);
    let v = Math.floor(rand() * 1e6);
    for (let k = 0; k < scrapes; k++) {
      row[k] = v;
      v += Math.round(rate * 15 * (0.8 + rand() * 0.4));
    }
    rows.push(row);
  }
  for (let i = 0; i < gauges; i++) {
    const kind = i % 3;
    names.push(`gauge_${['bytes', 'ratio', 'temp'][kind]}{i="${i}"}`);
    const row = new Float64Array(scrapes);
    let v = kind === 0 ? 1e8 + Math.floor(rand() * 1e9) : kind === 1 ? rand() : 20 + rand() * 30;
    for (let k = 0; k < scrapes; k++) {
      row[k] = v;
      if (kind === 0) v = Math.max(0, v + Math.round((rand() - 0.5) * 4096) * 4096);
      else if (kind === 1) v = Math.min(1, Math.max(0, v + (rand() - 0.5) * 0.02));
      else v = Math.round((v + (rand() - 0.5)) * 10) / 10;
    }
    rows.push(row);
  }
  const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, Infinity];
  for (let h = 0; h < histograms; h++) {
    const buckets = bounds.map(() => new Float64Array(scrapes));
    const sum = new Float64Array(scrapes);
    const count = new Float64Array(scrapes);
    const cum = bounds.map(() => 0);
    let total = 0;
    const rate = 1 + rand() * 20;
    for (let k = 0; k < scrapes; k++) {
      const events = Math.round(rate * 15 * (0.8 + rand() * 0.4));
      for (let e = 0; e < events; e++) {
        const latency = Math.exp(Math.log(0.05) + (rand() - 0.5) * 3);
        total += latency;
        for (let b = 0; b < bounds.length; b++) if (latency <= bounds[b]) cum[b]++;
      }
      bounds.forEach((_, b) => (buckets[b][k] = cum[b]));
      sum[k] = total;
      count[k] = cum[bounds.length - 1];
    }
    bounds.forEach((le, b) => {
      names.push(`latency_seconds_bucket{h="${h}",le="${le === Infinity ? '+Inf' : le}"}`);
      rows.push(buckets[b]);
    });
    names.push(`latency_seconds_sum{h="${h}"}`, `latency_seconds_count{h="${h}"}`);
    rows.push(sum, count);
  }
  const values = new Float64Array(names.length * scrapes);
  rows.forEach((row, s) => values.set(row, s * scrapes));
  return { names, scrapes, values };
}

/** ingest appends a dataset scrape by scrape into a fresh core; returns the core, refs and ms taken. */
function ingest(d: Dataset) {
  const core = loadCore();
  const n = d.names.length;
  const first = core.newSeries(n);
  const refs = Uint32Array.from({ length: n }, (_, i) => first + i);
  const columns = Array.from({ length: d.scrapes }, (_, k) => Float64Array.from({ length: n }, (_, s) => d.values[s * d.scrapes + k]));
  const start = performance.now();
  for (let k = 0; k < d.scrapes; k++) core.appendScrape(T0 + k * STEP, refs, columns[k]);
  return { core, refs, ms: performance.now() - start };
}

function chunkFigures(d: Dataset): { closed: number; all: number } {
  const { core } = ingest(d);
  const s = core.stats();
  return { closed: s.closedChunkBytes / s.closedSamples, all: s.chunkBytes / (d.names.length * d.scrapes) };
}

/** prometheusBytesPerSample backfills the dataset with promtool; null when promtool is missing. */
function prometheusBytesPerSample(d: Dataset): { payload: number; file: number } | null {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-'));
  try {
    const lines: string[] = [];
    let family = '';
    d.names.forEach((name, s) => {
      const metric = name.slice(0, name.indexOf('{'));
      if (metric !== family) lines.push(`# TYPE ${metric} gauge`);
      family = metric;
      for (let k = 0; k < d.scrapes; k++) {
        const v = d.values[s * d.scrapes + k];
        lines.push(`${name} ${v === Infinity ? '+Inf' : String(v)} ${((T0 + k * STEP) / 1000).toFixed(3)}`);
      }
    });
    lines.push('# EOF');
    writeFileSync(join(dir, 'in.om'), lines.join('\n') + '\n');
    execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'in.om'), join(dir, 'out')], { stdio: 'ignore' });
    let payload = 0, file = 0, samples = 0;
    for (const block of readdirSync(join(dir, 'out'))) {
      samples += JSON.parse(readFileSync(join(dir, 'out', block, 'meta.json'), 'utf8')).stats.numSamples;
      for (const seg of readdirSync(join(dir, 'out', block, 'chunks'))) {
        const bytes = readFileSync(join(dir, 'out', block, 'chunks', seg));
        file += statSync(join(dir, 'out', block, 'chunks', seg)).size;
        // Segment: 8-byte header, then per chunk uvarint length, encoding byte, data, CRC32.
        for (let pos = 8; pos < bytes.length; ) {
          let len = 0;
          for (let shift = 0; ; shift += 7) {
            const b = bytes[pos++];
            len += (b & 0x7f) * 2 ** shift;
            if (b < 0x80) break;
          }
          payload += 1 + len;
          pos += 1 + len + 4;
        }
      }
    }
    return { payload: payload / samples, file: file / samples };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** throughput measures append and decode of the head, and encode and decode of the TS reference. */
function throughput(d: Dataset) {
  const total = d.names.length * d.scrapes;
  const append: number[] = [], decode: number[] = [], refEncode: number[] = [], refDecode: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const { core, refs, ms } = ingest(d);
    append.push(total / (ms / 1000));
    let start = performance.now();
    const b = core.decode(refs, -Infinity, Infinity);
    decode.push(b.sampleCount / ((performance.now() - start) / 1000));
    b.release();
    // The reference on the same samples, one 120-sample chunk at a time.
    const chunks: Uint8Array[] = [];
    const ts = Array.from({ length: 120 }, (_, k) => T0 + k * STEP);
    start = performance.now();
    for (let s = 0; s < d.names.length; s++) {
      for (let c = 0; c + 120 <= d.scrapes; c += 120) {
        chunks.push(encodeXorReference(ts, d.values.subarray(s * d.scrapes + c, s * d.scrapes + c + 120)));
      }
    }
    refEncode.push((chunks.length * 120) / ((performance.now() - start) / 1000));
    start = performance.now();
    let sink = 0;
    for (const c of chunks) sink += decodeXorReference(c).ts.length;
    refDecode.push(sink / ((performance.now() - start) / 1000));
  }
  return { append: median(append), decode: median(decode), refEncode: median(refEncode), refDecode: median(refDecode) };
}

/** memory: head bytes per series after `scrapes` samples each, median over runs. */
function memory(d: Dataset) {
  const head: number[] = [], linear: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const { core } = ingest(d);
    const s = core.stats();
    head.push(s.headBytes / s.series);
    linear.push(s.memoryBytes / s.series);
  }
  return { head: median(head), linear: median(linear) };
}

const fmt = (x: number, digits = 2): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const msps = (x: number): string => `${fmt(x / 1e6)} M/s`;

export default async function run(): Promise<void> {
  const corpus = textparseDataset(480);
  const mix = syntheticDataset(300, 300, 30, 480);
  const corpusB = chunkFigures(corpus);
  const mixB = chunkFigures(mix);
  const prom = prometheusBytesPerSample(mix);
  console.log('### Bytes per sample (XOR, 480 scrapes at 15 s = one 2 h range)\n');
  console.log('| data | series | Outpost closed chunks | Outpost all chunks | Prometheus chunk payload | Prometheus segment file |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(`| textparse corpus replayed | ${corpus.names.length} | ${fmt(corpusB.closed, 3)} | ${fmt(corpusB.all, 3)} | – | – |`);
  console.log(`| synthetic counters/gauges/histograms | ${mix.names.length} | ${fmt(mixB.closed, 3)} | ${fmt(mixB.all, 3)} | ${prom ? fmt(prom.payload, 3) : 'promtool missing'} | ${prom ? fmt(prom.file, 3) : 'promtool missing'} |`);

  const big = syntheticDataset(3000, 3000, 300, 240);
  const t = throughput(big);
  console.log(`\n### Throughput, one core (${big.names.length} series × ${big.scrapes} scrapes, median of ${RUNS})\n`);
  console.log('| operation | WebAssembly head | TypeScript reference | gain |');
  console.log('|---|---:|---:|---:|');
  console.log(`| append / encode | ${msps(t.append)} | ${msps(t.refEncode)} | ${fmt(t.append / t.refEncode, 1)}× |`);
  console.log(`| decode | ${msps(t.decode)} | ${msps(t.refDecode)} | ${fmt(t.decode / t.refDecode, 1)}× |`);
  console.log('\nWebAssembly append is appendScrape over every series (statuses, chunk cutting included); decode is one decode() of all series into columns. The reference encodes/decodes 120-sample chunks.');

  const mem = memory(syntheticDataset(3000, 3000, 300, 120));
  console.log(`\n### Head memory per series at 120 samples each (${6000 + 300 * 12} series, median of ${RUNS})\n`);
  console.log('| measure | bytes/series |');
  console.log('|---|---:|');
  console.log(`| heap blocks the head owns (series row, chunk buffers at capacity, lists) | ${fmt(mem.head, 0)} |`);
  console.log(`| whole WebAssembly memory (incl. allocator overhead, free space, scratch) | ${fmt(mem.linear, 0)} |`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
