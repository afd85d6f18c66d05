/**
 * Backfill benchmark: `outpost tsdb create-blocks-from openmetrics` throughput (samples/s, wall
 * clock, parse to fsynced blocks) and the bytes per sample of the blocks it writes, beside the
 * anchors for the same kind of data (../shared/bench/results-anchors.md: promtool 140 s and
 * VictoriaMetrics' import 25 s for 58.5 M samples, i.e. 0.42 M and 2.3 M samples/s). The input
 * is the harness' history generator (../shared/bench/gen/history.js, seed 42, 24 h at 15 s,
 * OpenMetrics with seconds timestamps, grouped by series) for BENCH_BACKFILL_SERIES series
 * (default 1,000: one target of 1,015 series, 5.85 M samples, 790 MB). Runs the default (dense,
 * pages uncompressed), XOR, and dense in brotli pages (quality BENCH_BACKFILL_QUALITY, default 9).
 * Nothing asserts.
 * `npm run bench backfill`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backfillOpenMetrics } from '../../shared/tsdb/backfill/index.ts';
import type { BlockEncoding, PageCompression } from '../../shared/tsdb/block/index.ts';

const ANCHOR_SAMPLES = 58.5e6;
const ANCHORS = [
  ['promtool 2.42 `tsdb create-blocks-from openmetrics` (anchor)', 140],
  ['VictoriaMetrics 1.79 `/api/v1/import/prometheus` (anchor)', 25],
] as const;

export default async function run(): Promise<void> {
  const series = Number(process.env.BENCH_BACKFILL_SERIES ?? 1000);
  const quality = Number(process.env.BENCH_BACKFILL_QUALITY ?? 9);
  const gen = fileURLToPath(new URL('../../../shared/bench/gen/history.js', import.meta.url));
  const tmp = mkdtempSync(join(tmpdir(), 'outpost-backfill-bench-'));
  try {
    const file = join(tmp, 'history.om');
    const targets = Math.max(1, Math.round(series / 1000));
    const g = spawnSync(process.execPath, [gen, '--series', String(series), '--targets', String(targets), '--hours', '24', '--interval', '15', '--end', '1763700000', '--format', 'om', '--out', file], { encoding: 'utf8' });
    if (g.status !== 0) throw new Error(`history.js failed: ${g.stderr}`);
    const bytes = statSync(file).size;
    console.log(`Input: history.js --series ${series} --targets ${targets} --hours 24 --interval 15 (seed 42), ${(bytes / 2 ** 20).toFixed(0)} MiB of OpenMetrics.\n`);
    console.log('| run | samples | series | blocks | seconds | M samples/s | MB/s read | B/sample (chunks + index) | peak RSS MiB |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    const runs: [string, BlockEncoding, PageCompression][] = [
      ['Outpost (default: dense, --compression=none)', 'dense', 'none'],
      ['Outpost, --encoding=xor', 'xor', 'none'],
      [`Outpost, --compression=brotli (q${quality})`, 'dense', 'brotli'],
    ];
    for (const [name, encoding, compression] of runs) {
      const data = join(tmp, `data-${encoding}-${compression}`);
      let peak = process.memoryUsage().rss;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      const t = performance.now();
      const res = await backfillOpenMetrics(file, data, { encoding, compression, quality, log: () => undefined });
      const s = (performance.now() - t) / 1000;
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      const stored = res.blocks.reduce((n, m) => n + m.stats.chunkBytes + m.stats.indexBytes, 0);
      console.log(
        `| ${name} | ${res.samples} | ${res.series} | ${res.blocks.length} | ${s.toFixed(1)} | ${(res.samples / s / 1e6).toFixed(2)} | ` +
          `${(bytes / s / 1e6).toFixed(0)} | ${(stored / res.samples).toFixed(3)} | ${(peak / 2 ** 20).toFixed(0)} |`,
      );
      rmSync(data, { recursive: true, force: true });
    }
    for (const [name, seconds] of ANCHORS) {
      console.log(`| ${name} | ${ANCHOR_SAMPLES} | 10,150 | | ${seconds} | ${(ANCHOR_SAMPLES / seconds / 1e6).toFixed(2)} | | | |`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
