/**
 * harness: runs ../shared/bench (the side-by-side harness beside the repository) with Outpost as
 * one more system, next to Prometheus (and VictoriaMetrics if asked). It writes the systems file
 * for this checkout and passes every argument through, e.g.
 *
 *   npx tsx test/bench/harness.ts ingest --series 100000 --targets 10 --interval 5 --duration 300 --warmup 60
 *   npx tsx test/bench/harness.ts query --series 10000 --hours 24 --hist-interval 15 --reps 11 --reps-heavy 7
 *
 * Not part of `npm run bench`: a run takes minutes and needs Debian's prometheus installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bench = fileURLToPath(new URL('../../../shared/bench/', import.meta.url));

/** The Outpost column: a hub scraping the harness' targets, counted by its own metrics. */
const systems = {
  outpost: {
    addr: '127.0.0.1:19500',
    start: [join(repo, 'bin/outpost.js'), 'hub', '--config.file={config}', '--storage.tsdb.path={data}',
      '--web.listen-address={addr}', '--storage.tsdb.retention.time=0'],
    ready: '/-/ready',
    metrics: '/metrics',
    samplesMetric: 'outpost_head_samples_appended_total',
    seriesMetric: 'outpost_head_series',
    storage: null,
    // The query benchmark's 24 h history, loaded before start as Prometheus loads it (promtool).
    history: {
      kind: 'command-before-start',
      format: 'om',
      cmd: [join(repo, 'bin/outpost.js'), 'tsdb', 'create-blocks-from', 'openmetrics', '--quiet', '--max-block-duration=24h', '{om}', '{data}'],
    },
  },
};

const file = join(mkdtempSync(join(tmpdir(), 'outpost-harness-')), 'outpost.systems.json');
writeFileSync(file, JSON.stringify(systems, null, 2));
const args = process.argv.slice(2);
const withSystems = args.includes('--systems') ? args : [...args, '--systems', 'prometheus,outpost'];
// Raw results go to this checkout (git-ignored), never into ../shared.
if (!args.includes('--out')) withSystems.push('--out', join(repo, 'test/bench/results'));
const res = spawnSync(process.execPath, ['bench.js', ...withSystems, '--systems-file', file], { cwd: bench, stdio: 'inherit' });
process.exitCode = res.status ?? 1;
