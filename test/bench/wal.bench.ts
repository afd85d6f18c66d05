/**
 * WAL benchmark: append throughput under each fsync policy (one log() per scrape, and with
 * concurrent callers group-committed), bytes per sample on disk for XOR and raw value coding,
 * replay throughput, and the restart replay of 100k series × 2 h of 15 s scrapes. Figures are
 * medians of several runs; nothing asserts. `npm run bench wal`; WAL_BENCH_SERIES scales the
 * restart case down (default 100000).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Labels } from '../../shared/model/labels.ts';
import type { WALRecord } from '../../shared/tsdb/wal/record.ts';
import { WAL, type SyncPolicy } from '../../shared/tsdb/wal/wal.ts';
import type { ValueEncoding } from '../../shared/tsdb/wal/record-encode.ts';

const T0 = 1_700_000_000_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Workload: n series — a third counters, a third gauges moving slowly, a third constant. */
function makeScrape(n: number): (k: number) => WALRecord {
  const refs = Float64Array.from({ length: n }, (_, i) => i + 1);
  const base = Float64Array.from({ length: n }, (_, i) => (i * 7919) % 100_000);
  return (k) => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const kind = i % 3;
      values[i] = kind === 0 ? base[i] + k * ((i % 17) + 1) : kind === 1 ? Math.round(50 + 10 * Math.sin(k / 20 + i)) / 4 : 1;
    }
    return { type: 'samples', t: T0 + k * 15_000, refs, values };
  };
}

function seriesRecords(n: number): WALRecord[] {
  const out: WALRecord[] = [];
  for (let start = 0; start < n; start += 10_000) {
    const series = [];
    for (let i = start; i < Math.min(n, start + 10_000); i++) {
      series.push({ ref: i + 1, labels: Labels.from({ __name__: `metric_${i % 200}`, instance: `host-${(i / 200) | 0}:9100`, job: 'node' }) });
    }
    out.push({ type: 'series', series });
  }
  return out;
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-wal-bench-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** appendRun logs `scrapes` scrapes of `n` series with `callers` concurrent writers; returns samples/s and bytes/sample. */
async function appendRun(policy: SyncPolicy, values: ValueEncoding, n: number, scrapes: number, callers: number) {
  return withDir(async (dir) => {
    const wal = await WAL.open(dir, { sync: policy, values });
    await wal.replay(() => undefined);
    await wal.log(seriesRecords(n));
    const scrape = makeScrape(n);
    const before = dirBytes(dir);
    const start = performance.now();
    let k = 0;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (k < scrapes) await wal.log([scrape(k++)]);
      }),
    );
    const secs = (performance.now() - start) / 1000;
    await wal.close();
    return { rate: (n * scrapes) / secs, bytes: (dirBytes(dir) - before) / (n * scrapes) };
  });
}

async function replayRun(dir: string) {
  const wal = await WAL.open(dir);
  const start = performance.now();
  const r = await wal.replay(() => undefined);
  const secs = (performance.now() - start) / 1000;
  await wal.close();
  return { secs, samples: r.samples };
}

export default async function run(): Promise<void> {
  const RUNS = 3;
  console.log('| policy | values | series × scrapes | callers | samples/s (median of 3) | bytes/sample |');
  console.log('|---|---|---|---|---|---|');
  const cases: [SyncPolicy, ValueEncoding, number, number, number][] = [
    ['always', 'xor', 1000, 200, 1],
    ['always', 'xor', 1000, 400, 8],
    ['batch', 'xor', 1000, 1000, 1],
    ['never', 'xor', 1000, 1000, 1],
    ['never', 'raw', 1000, 1000, 1],
  ];
  for (const [policy, values, n, scrapes, callers] of cases) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await appendRun(policy, values, n, scrapes, callers));
    const rate = median(runs.map((r) => r.rate));
    const bytes = median(runs.map((r) => r.bytes));
    console.log(`| ${policy} | ${values} | ${n} × ${scrapes} | ${callers} | ${Math.round(rate).toLocaleString('en')} | ${bytes.toFixed(2)} |`);
  }

  // Restart: 100k series × 2 h of 15 s scrapes = 480 scrapes, 48M samples.
  const n = Number(process.env.WAL_BENCH_SERIES ?? 100_000);
  const scrapes = 480;
  await withDir(async (dir) => {
    const wal = await WAL.open(dir, { sync: 'never' });
    await wal.replay(() => undefined);
    await wal.log(seriesRecords(n));
    const scrape = makeScrape(n);
    const start = performance.now();
    for (let k = 0; k < scrapes; k++) await wal.log([scrape(k)]);
    const writeSecs = (performance.now() - start) / 1000;
    await wal.close();
    const bytes = dirBytes(dir);
    const times = [];
    let samples = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await replayRun(dir);
      times.push(r.secs);
      samples = r.samples;
    }
    const secs = median(times);
    console.log('');
    console.log(`| restart case | series | samples | WAL bytes | bytes/sample | write s | replay s (median of ${RUNS}) | replay samples/s |`);
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(
      `| 2 h of 15 s scrapes | ${n.toLocaleString('en')} | ${samples.toLocaleString('en')} | ${(bytes / 2 ** 20).toFixed(1)} MiB | ${(bytes / samples).toFixed(2)} | ${writeSecs.toFixed(1)} | ${secs.toFixed(2)} | ${Math.round(samples / secs).toLocaleString('en')} |`,
    );
  });
}
