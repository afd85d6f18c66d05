/**
 * Wire-protocol benchmark: bytes per sample at steady state and encode/decode throughput of the
 * edge → hub protocol, on data shaped like the benchmark workload (../shared/bench/gen/model.js:
 * counters, histogram buckets and gauges scraped every 15 s), beside the same samples as
 * Prometheus remote write 1.0 protobuf (hand-encoded here, uncompressed: snappy is not applied).
 * Prints Markdown tables; asserts nothing.
 */
import type { Labels } from '../../shared/model/labels.ts';
import { fileURLToPath } from 'node:url';
import { loadModel, median, modelScrapes, type Model, type Scrape } from './workload.ts';
import { EdgeEncoder } from '../../shared/protocol/edge-encoder.ts';
import { HubDecoder } from '../../shared/protocol/hub-decoder.ts';

const TARGETS = 10;
const HANDLERS = 10; // 35 series each: 3,500 series in all
const WARMUP_SCRAPES = 4;
const SCRAPES = 40;
const INTERVAL_MS = 15_000;
const REPEATS = 5;

/** workload: per target, WARMUP_SCRAPES + SCRAPES jittered scrapes of the model's values. */
function workload(model: Model): Scrape[][] {
  return modelScrapes(model, { targets: TARGETS, handlers: HANDLERS, scrapes: WARMUP_SCRAPES + SCRAPES, intervalMs: INTERVAL_MS, jitter: true });
}

// ---- Prometheus remote write 1.0, hand-encoded protobuf ----------------------------------------

function varintLen(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** remoteWriteBytes is the size of a WriteRequest holding one sample per series (no snappy). */
function remoteWriteBytes(series: readonly Labels[], t: number): number {
  let total = 0;
  for (const ls of series) {
    let tsLen = 0;
    for (const [n, v] of ls) {
      const nb = Buffer.byteLength(n), vb = Buffer.byteLength(v);
      const labelLen = 1 + varintLen(nb) + nb + 1 + varintLen(vb) + vb;
      tsLen += 1 + varintLen(labelLen) + labelLen; // TimeSeries.labels = 1
    }
    const sampleLen = 1 + 8 + 1 + varintLen(t); // Sample.value = 1 (double), Sample.timestamp = 2 (int64)
    tsLen += 1 + varintLen(sampleLen) + sampleLen; // TimeSeries.samples = 2
    total += 1 + varintLen(tsLen) + tsLen; // WriteRequest.timeseries = 1
  }
  return total;
}

/** remoteWriteEncode really writes the WriteRequest, to time it beside our encoder. */
function remoteWriteEncode(series: readonly Labels[], values: Float64Array, t: number): Uint8Array {
  const buf = new Uint8Array(remoteWriteBytes(series, t));
  const dv = new DataView(buf.buffer);
  const te = new TextEncoder();
  let p = 0;
  const varint = (n: number): void => {
    while (n >= 128) {
      buf[p++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    buf[p++] = n;
  };
  const str = (field: number, s: string): void => {
    buf[p++] = (field << 3) | 2;
    const bytes = te.encode(s);
    varint(bytes.length);
    buf.set(bytes, p);
    p += bytes.length;
  };
  for (let i = 0; i < series.length; i++) {
    let tsLen = 0;
    const labelLens: number[] = [];
    for (const [n, v] of series[i]) {
      const nb = Buffer.byteLength(n), vb = Buffer.byteLength(v);
      const l = 1 + varintLen(nb) + nb + 1 + varintLen(vb) + vb;
      labelLens.push(l);
      tsLen += 1 + varintLen(l) + l;
    }
    const sampleLen = 1 + 8 + 1 + varintLen(t);
    tsLen += 1 + varintLen(sampleLen) + sampleLen;
    buf[p++] = (1 << 3) | 2;
    varint(tsLen);
    let k = 0;
    for (const [n, v] of series[i]) {
      buf[p++] = (1 << 3) | 2;
      varint(labelLens[k++]);
      str(1, n);
      str(2, v);
    }
    buf[p++] = (2 << 3) | 2;
    varint(sampleLen);
    buf[p++] = (1 << 3) | 1;
    dv.setFloat64(p, values[i], true);
    p += 8;
    buf[p++] = 2 << 3;
    varint(t);
  }
  if (p !== buf.length) throw new Error(`BUG: remote write size ${p} != ${buf.length}`);
  return buf;
}

// ---- runs ---------------------------------------------------------------------------------------

interface Run {
  firstBytes: number;
  firstSamples: number;
  steadyBytes: number;
  steadySamples: number;
  encodeMs: number;
  decodeMs: number;
}

/** runOnce streams every scrape over one fresh connection, timing steady-state encode and decode. */
function runOnce(data: Scrape[][]): Run {
  const enc = new EdgeEncoder();
  const dec = new HubDecoder();
  dec.decode(enc.hello({ edge: 'bench', token: 'x', externalLabels: [], resume: 0 }));
  const run: Run = { firstBytes: 0, firstSamples: 0, steadyBytes: 0, steadySamples: 0, encodeMs: 0, decodeMs: 0 };
  let seq = 0;
  const rounds = data[0].length;
  for (let s = 0; s < rounds; s++) {
    const steady = s >= WARMUP_SCRAPES;
    const frames: Uint8Array[] = [];
    let samples = 0;
    const e0 = performance.now();
    for (const target of data) {
      const sc = target[s];
      for (const f of enc.encodeScrape(++seq, sc.t, sc.series, sc.values)) frames.push(f);
      samples += sc.values.length;
    }
    const e1 = performance.now();
    for (const f of frames) dec.decode(f);
    const e2 = performance.now();
    const bytes = frames.reduce((a, f) => a + f.length, 0);
    if (s === 0) {
      run.firstBytes = bytes;
      run.firstSamples = samples;
    }
    if (steady) {
      run.steadyBytes += bytes;
      run.steadySamples += samples;
      run.encodeMs += e1 - e0;
      run.decodeMs += e2 - e1;
    }
  }
  return run;
}

export default async function run(): Promise<void> {
  const data = workload(loadModel());
  const series = data.reduce((a, t) => a + t[0].series.length, 0);
  const runs: Run[] = [];
  for (let r = 0; r < REPEATS; r++) runs.push(runOnce(data));
  const r0 = runs[0];
  const steadyBps = r0.steadyBytes / r0.steadySamples;
  const encRate = median(runs.map((r) => r.steadySamples / (r.encodeMs / 1000)));
  const decRate = median(runs.map((r) => r.steadySamples / (r.decodeMs / 1000)));

  // Remote write 1.0: one WriteRequest per scrape, same samples.
  let rwBytes = 0, rwSamples = 0;
  const rwTimes: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    let ms = 0;
    for (let s = WARMUP_SCRAPES; s < data[0].length; s++) {
      for (const target of data) {
        const sc = target[s];
        const t0 = performance.now();
        const b = remoteWriteEncode(sc.series, sc.values, sc.t);
        ms += performance.now() - t0;
        if (r === 0) {
          rwBytes += b.length;
          rwSamples += sc.values.length;
        }
      }
    }
    rwTimes.push(rwSamples / (ms / 1000));
  }

  console.log(`${TARGETS} targets × ${HANDLERS} handlers = ${series} series, scraped every ${INTERVAL_MS / 1000} s; ` +
    `${SCRAPES} steady scrapes after ${WARMUP_SCRAPES} warm-up; medians of ${REPEATS} runs.\n`);
  console.log('| coding | bytes/sample | encode samples/s | decode samples/s |');
  console.log('|---|---:|---:|---:|');
  console.log(`| outpost, first scrape (labels, lists) | ${(r0.firstBytes / r0.firstSamples).toFixed(2)} | | |`);
  console.log(`| outpost, steady state | ${steadyBps.toFixed(3)} | ${fmt(encRate)} | ${fmt(decRate)} |`);
  console.log(`| remote write 1.0 protobuf (no snappy) | ${(rwBytes / rwSamples).toFixed(1)} | ${fmt(median(rwTimes))} | |`);
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
