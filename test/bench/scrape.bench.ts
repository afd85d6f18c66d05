/**
 * Scrape benchmark: CPU seconds per million samples scraped, parsed and appended by the scrape
 * manager into the in-memory storage, with the team's synthetic targets (../shared/bench/gen:
 * 100k series over 10 targets, 5 s interval), and RSS per active series. CPU is this process's
 * process.cpuUsage() over a window after warm-up (series creation excluded), divided by the
 * samples the storage accepted in that window. Printed beside the anchors measured on this
 * machine (../shared/bench/results-anchors.md): Prometheus 2.42 1.05–1.11 s, VictoriaMetrics
 * 1.79 3.4 s per million. Nothing asserts. `npm run bench scrape`; SCRAPE_BENCH_SECONDS
 * (default 60), SCRAPE_BENCH_WARMUP (default 15) and SCRAPE_BENCH_SERIES (default 100000) scale it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../shared/config/index.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import type { Appendable, Appender } from '../../shared/storage/interface.ts';
import { ScrapeManager } from '../../edge/scrape/manager.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GENERATOR = resolve(ROOT, '../shared/bench/gen/serve.js');
const TARGETS = 10;
const INTERVAL_S = 5;

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)));
  });
}

/** freeBase finds `n` consecutive free loopback ports (bounded tries). */
async function freeBase(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await portFree(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports found on 127.0.0.1`);
}

/** startGenerator spawns the generator and resolves with its "serving" line once it listens. */
function startGenerator(series: number, base: number, maxSeconds: number): Promise<{ child: ChildProcess; jobs: string[]; ports: number[] }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [GENERATOR, '--series', String(series), '--targets', String(TARGETS), '--base-port', String(base), '--max-seconds', String(maxSeconds)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const timer = setTimeout(() => fail(new Error('generator did not start within 30 s')), 30_000);
    child.once('error', (err) => fail(new Error(`start ${GENERATOR}: ${err.message}`, { cause: err })));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"serving"'));
      if (!line) return;
      clearTimeout(timer);
      const msg = JSON.parse(line) as { ports: number[]; jobs: string[] };
      done({ child, jobs: msg.jobs, ports: msg.ports });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** counting wraps a storage so that every accepted sample is counted. */
function counting(storage: Appendable): { storage: Appendable; samples: () => number } {
  let samples = 0;
  return {
    samples: () => samples,
    storage: {
      appender(): Appender {
        const a = storage.appender();
        return {
          append: (ref, labels, t, v) => a.append(ref, labels, t, v),
          // Passed through, as the edge's streaming storage does: the scrape cache appends known series by ref.
          appendRef: a.appendRef ? (ref, t, v) => a.appendRef!(ref, t, v) : undefined,
          commit: () => {
            const r = a.commit();
            samples += r.appended;
            return r;
          },
          rollback: () => a.rollback(),
        };
      },
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export default async function run(): Promise<void> {
  const seconds = Number(process.env.SCRAPE_BENCH_SECONDS ?? 60);
  const warmup = Number(process.env.SCRAPE_BENCH_WARMUP ?? 15);
  const series = Number(process.env.SCRAPE_BENCH_SERIES ?? 100_000);
  const rssIdle = process.memoryUsage().rss;
  const base = await freeBase(TARGETS);
  const gen = await startGenerator(series, base, seconds + warmup + 60);
  const mem = openMemStorage();
  const { storage, samples } = counting(mem);
  const manager = new ScrapeManager(storage, { log: (m) => console.error(`scrape bench: ${m}`) });
  try {
    const byJob = new Map<string, string[]>();
    gen.ports.forEach((p, i) => byJob.set(gen.jobs[i], [...(byJob.get(gen.jobs[i]) ?? []), `'127.0.0.1:${p}'`]));
    const yaml = [
      'global:',
      `  scrape_interval: ${INTERVAL_S}s`,
      'scrape_configs:',
      ...[...byJob].flatMap(([job, targets]) => [`  - job_name: ${job}`, `    params: {system: [outpost]}`, `    static_configs: [{targets: [${targets.join(', ')}]}]`]),
      '',
    ].join('\n');
    const problems = await manager.applyConfig(parseConfig(yaml, '(scrape bench)'));
    if (problems.length) throw new Error(`scrape bench config: ${problems.join('; ')}`);

    await sleep(warmup * 1000);
    const cpu0 = cpuSeconds(), n0 = samples(), t0 = performance.now();
    // Watch every scrape of the window: failed ones (stale markers, re-created series) skew the figure.
    const seen = new Map<unknown, number>();
    let scrapes = 0;
    const failures: string[] = [];
    const watch = setInterval(() => {
      for (const loop of manager.loops()) {
        if (seen.get(loop) === loop.health.lastScrape) continue;
        seen.set(loop, loop.health.lastScrape);
        scrapes++;
        if (loop.health.health === 'down') failures.push(`${loop.target.url}: ${loop.health.lastError}`);
      }
    }, 250);
    await sleep(seconds * 1000);
    clearInterval(watch);
    const cpu1 = cpuSeconds(), n1 = samples(), t1 = performance.now();
    const rss = process.memoryUsage().rss;
    const active = mem.stats().series;
    const down = manager.targets().active.filter((t) => t.health !== 'up');

    const perMillion = ((cpu1 - cpu0) / (n1 - n0)) * 1e6;
    console.log(`${series} series over ${TARGETS} targets, ${INTERVAL_S} s interval; window ${((t1 - t0) / 1000).toFixed(0)} s after ${warmup} s warm-up; node ${process.version}\n`);
    console.log('| figure | Outpost edge (scrape manager → memory) | Prometheus 2.42 | VictoriaMetrics 1.79 |');
    console.log('|---|---:|---:|---:|');
    console.log(`| CPU s per 1M samples scraped, parsed, appended | **${perMillion.toFixed(2)}** | 1.05–1.11 | 3.38–3.48 |`);
    console.log(`| samples appended in the window | ${n1 - n0} | | |`);
    console.log(`| scrapes seen in the window / failed | ${scrapes} / ${failures.length} | | |`);
    console.log(`| CPU use over the window (cores) | ${((cpu1 - cpu0) / ((t1 - t0) / 1000)).toFixed(3)} | | |`);
    console.log(`| RSS per active series (total RSS / series) | ${Math.round(rss / active)} B | 3,239 B | 1,436 B |`);
    console.log(`| RSS per active series net of the idle process (${(rssIdle / 2 ** 20).toFixed(0)} MiB) | ${Math.round((rss - rssIdle) / active)} B | 2,808 B | 1,210 B |`);
    console.log(`| active series / RSS at end | ${active} / ${(rss / 2 ** 20).toFixed(0)} MiB | | |`);
    if (failures.length) console.log(`\nfailed scrapes in the window: ${[...new Set(failures)].slice(0, 5).join('; ')}`);
    if (down.length) console.log(`\n${down.length} target(s) not up at the end: ${down.map((t) => `${t.scrapeUrl}: ${t.lastError}`).join('; ')}`);
  } finally {
    await manager.stop();
    await mem.close();
    await stopChild(gen.child);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
