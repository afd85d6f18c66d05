/**
 * Durable TSDB benchmark: append throughput through openDB's appender under each fsync policy
 * (one commit per scrape, awaiting each commit's durability, and with commits pipelined — several
 * in flight, as a scrape pool does), and the restart time (lock, WAL replay into the head) for
 * 100k series × 2 h of 15 s scrapes. Medians of several runs; nothing asserts.
 * `npm run bench tsdb`; TSDB_BENCH_SERIES scales the restart case (default 100000).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Labels } from '../../shared/model/labels.ts';
import { openDB, type DB } from '../../shared/tsdb/db/index.ts';
import type { SyncPolicy } from '../../shared/tsdb/wal/index.ts';

const T0 = 1_700_000_000_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function labelSets(n: number): Labels[] {
  return Array.from({ length: n }, (_, i) => Labels.from({ __name__: `metric_${i % 200}`, instance: `host-${(i / 200) | 0}:9100`, job: 'node' }));
}

/** Workload values: a third counters, a third slowly moving gauges, a third constant. */
function value(i: number, k: number): number {
  const kind = i % 3;
  return kind === 0 ? ((i * 7919) % 100_000) + k * ((i % 17) + 1) : kind === 1 ? Math.round(50 + 10 * Math.sin(k / 20 + i)) / 4 : 1;
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-tsdb-bench-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function dirBytes(dir: string): number {
  let sum = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    sum += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return sum;
}

/** scrape commits scrape k of all series and returns its durability promise. */
function scrape(db: DB, sets: Labels[], refs: number[], k: number): Promise<void> {
  const app = db.appender();
  const t = T0 + k * 15_000;
  for (let i = 0; i < sets.length; i++) refs[i] = app.append(refs[i], sets[i], t, value(i, k));
  const res = app.commit();
  if (res.errors.length) throw new Error(`scrape ${k}: ${res.errors[0].message}`);
  return res.durable;
}

/** appendRun: samples/s committing `scrapes` scrapes of `n` series, at most `inFlight` awaiting durability. */
async function appendRun(policy: SyncPolicy, n: number, scrapes: number, inFlight: number): Promise<number> {
  return withDir(async (dir) => {
    const db = await openDB(dir, { sync: policy, background: false });
    const sets = labelSets(n);
    const refs = new Array<number>(n).fill(0);
    await scrape(db, sets, refs, 0); // series creation is not what is measured
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let k = 1; k <= scrapes; k++) {
      pending.push(scrape(db, sets, refs, k));
      if (pending.length >= inFlight) await pending.shift();
    }
    await Promise.all(pending);
    const secs = (performance.now() - start) / 1000;
    await db.close();
    return (n * scrapes) / secs;
  });
}

export default async function run(): Promise<void> {
  const RUNS = 3;
  console.log(`| policy | series × scrapes | commits in flight | samples/s (median of ${RUNS}) |`);
  console.log('|---|---|---|---|');
  const cases: [SyncPolicy, number, number, number][] = [
    ['always', 1000, 200, 1],
    ['always', 1000, 400, 8],
    ['batch', 1000, 1000, 1],
    ['batch', 1000, 1000, 8],
    ['never', 1000, 1000, 1],
    ['never', 1000, 1000, 8],
  ];
  for (const [policy, n, scrapes, inFlight] of cases) {
    const rates = [];
    for (let i = 0; i < RUNS; i++) rates.push(await appendRun(policy, n, scrapes, inFlight));
    console.log(`| ${policy} | ${n} × ${scrapes} | ${inFlight} | ${Math.round(median(rates)).toLocaleString('en')} |`);
  }

  // Restart: 100k series × 2 h of 15 s scrapes = 480 scrapes (48M samples), all in the head and WAL.
  const n = Number(process.env.TSDB_BENCH_SERIES ?? 100_000);
  const scrapes = 480;
  await withDir(async (dir) => {
    let db = await openDB(dir, { sync: 'never', background: false });
    const sets = labelSets(n);
    const refs = new Array<number>(n).fill(0);
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let k = 0; k < scrapes; k++) {
      pending.push(scrape(db, sets, refs, k));
      if (pending.length >= 4) await pending.shift();
    }
    await Promise.all(pending);
    const writeSecs = (performance.now() - start) / 1000;
    await db.close();
    const bytes = dirBytes(dir);
    const times: number[] = [];
    let samples = 0;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      db = await openDB(dir, { background: false });
      times.push((performance.now() - t) / 1000);
      samples = db.replay.samples;
      await db.close();
    }
    const secs = median(times);
    console.log('');
    console.log(`| restart case | series | samples | data bytes | write s (sync never) | open s (median of ${RUNS}) | replay samples/s |`);
    console.log('|---|---|---|---|---|---|---|');
    console.log(
      `| 2 h of 15 s scrapes | ${n.toLocaleString('en')} | ${samples.toLocaleString('en')} | ${(bytes / 2 ** 20).toFixed(1)} MiB | ${writeSecs.toFixed(1)} | ${secs.toFixed(2)} | ${Math.round(samples / secs).toLocaleString('en')} |`,
    );
  });
}
