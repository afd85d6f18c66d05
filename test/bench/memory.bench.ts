/**
 * Memory benchmark (issue 6): RSS per active series of a real `outpost edge` scraping the shared
 * workload (../shared/bench/gen/serve.js, 10 targets) every 5 s and streaming it to a real
 * `outpost hub`, both child processes on 127.0.0.1 with temporary data directories. Once every
 * series has reached the hub, the processes run for a hold time; the figures are medians of the
 * readings over its last 30 s: VmRSS (/proc/PID/status) and its split by mapping (/proc/PID/smaps), the JS heap used and V8's external
 * memory (their /metrics, prom-client's default metrics) and the hub's WebAssembly memory, and
 * the CPU each process used over those 30 s (/proc/PID/stat). Run
 * at two sizes, the difference gives the marginal cost per series beside the total; an idle pair
 * (one target where nothing listens) gives the cost net of the idle processes. Prints figures;
 * asserts nothing.
 *
 *     npm run bench -- memory
 *     OUTPOST_MEMORY_SIZES=50000,100000 OUTPOST_MEMORY_HOLD_S=100 npm run bench -- memory
 *     OUTPOST_MEMORY_SNAPSHOTS=/tmp/snaps npm run bench -- memory   # heap snapshots of both at the end
 *
 * Prometheus measured 3,239 B and VictoriaMetrics 1,436 B of RSS per series at 100k series
 * (../shared/bench/results-anchors.md).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, edgeArgs, freePort, hubArgs, Procs, sleep, waitFor, writeEdgeConfig, writeHubConfig, type Proc } from '../hub/streaming-harness.ts';
import { median } from './workload.ts';

const GEN = fileURLToPath(new URL('../../../shared/bench/gen/serve.js', import.meta.url));
/** scripts/bundle.js (plain JavaScript, without types): builds dist/outpost.mjs, which bin/outpost.js runs. */
const BUNDLE_SCRIPT: string = new URL('../../scripts/bundle.js', import.meta.url).href;
const TARGETS = 10;
const READ_EVERY_MS = 5000;
const WINDOW_MS = 30_000;

/** Reading: one process' memory at one moment, bytes. */
interface Reading {
  rss: number;
  /** VmRSS split by mapping (/proc/PID/smaps): files (the node binary, libraries), glibc's heap, other anonymous memory. */
  files: number;
  mallocHeap: number;
  anon: number;
  heapUsed: number;
  /** The JS heap's committed size (nodejs_heap_size_total_bytes). */
  heapTotal: number;
  external: number;
  wasm: number;
}

/** Figures: one size's medians per process, the cores each used over the window, and the series counts. */
interface Figures {
  series: number;
  hub: Reading;
  edge: Reading;
  hubCores: number;
  edgeCores: number;
}

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** cpuSeconds: user + system CPU time of a process so far (/proc/PID/stat). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

function vmRSS(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** rssByKind splits a process' resident memory by the kind of mapping that holds it. */
function rssByKind(pid: number): Pick<Reading, 'files' | 'mallocHeap' | 'anon'> {
  const out = { files: 0, mallocHeap: 0, anon: 0 };
  let kind: keyof typeof out = 'anon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(\S*)/.exec(line);
    if (head) kind = head[1].startsWith('/') ? 'files' : head[1] === '[heap]' ? 'mallocHeap' : 'anon';
    else if (line.startsWith('Rss:')) out[kind] += Number(line.split(/\s+/)[1]) * 1024;
  }
  return out;
}

/** metric reads one unlabelled sample of `name` from a Prometheus text page (NaN when absent). */
function metric(page: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)`, 'm').exec(page);
  return m ? Number(m[1]) : NaN;
}

async function read(p: Proc, port: number): Promise<Reading> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(20_000) });
  const page = await res.text();
  return {
    rss: vmRSS(p.child.pid!),
    ...rssByKind(p.child.pid!),
    heapUsed: metric(page, 'nodejs_heap_size_used_bytes'),
    heapTotal: metric(page, 'nodejs_heap_size_total_bytes'),
    external: metric(page, 'nodejs_external_memory_bytes'),
    wasm: metric(page, 'outpost_wasm_memory_bytes'),
  };
}

/** freeRange finds `n` consecutive free ports on 127.0.0.1 (the generator listens on base…base+n-1). */
async function freeRange(n: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30000 + Math.floor(Math.random() * 20000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await free(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports found`);
}

/** startGenerator starts the shared workload's targets and resolves once they answer. */
async function startGenerator(series: number, base: number, maxSeconds: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [GEN, '--series', String(series), '--targets', String(TARGETS), '--base-port', String(base), '--max-seconds', String(maxSeconds)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${base + TARGETS - 1}/stats`)).ok, 30_000, 'the workload generator');
  return child;
}

/** measure runs one size and returns the medians over the last WINDOW_MS of the hold. */
async function measure(series: number, holdMs: number, snapshots: string): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-memory-'));
  const procs = new Procs();
  let gen: ChildProcess | undefined;
  const nodeArgs = snapshots ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshots}`] : [];
  try {
    // Size 0: one target where nothing listens (its 5 synthetic series): the idle processes.
    const base = await freeRange(TARGETS);
    if (series > 0) gen = await startGenerator(series, base, Math.ceil(holdMs / 1000) + 600);
    const hub = { dir: join(dir, 'hub'), port: await freePort(), edges: { e1: 'secret-e1' } };
    const edge = {
      dir: join(dir, 'edge'),
      port: await freePort(),
      name: 'e1',
      token: 'secret-e1',
      hubPort: hub.port,
      target: `127.0.0.1:${base}`,
      extraTargets: series > 0 ? Array.from({ length: TARGETS - 1 }, (_, i) => `127.0.0.1:${base + 1 + i}`) : [],
      externalLabels: { site: 's1' },
      scrapeInterval: '5s',
    };
    // Built here, not by the processes: a process that rebuilds a bundle made stale by a source
    // edited since `npm run bench` started keeps esbuild loaded (a heap snapshot of such a hub
    // showed esbuild's 1.7 MiB output buffer), which users' processes do not.
    await ((await import(BUNDLE_SCRIPT)) as { ensureBundle(): Promise<string> }).ensureBundle();
    const h = procs.start('hub', hubArgs(hub, writeHubConfig(hub)), nodeArgs);
    const e = procs.start('edge', edgeArgs(edge, writeEdgeConfig(edge)), nodeArgs);
    try {
      // Every generated series (and the 5 synthetic ones per target) on the hub.
      const want = series > 0 ? Math.round(series / TARGETS / 35) * 35 * TARGETS + 5 * TARGETS : 5;
      let stored = 0;
      await waitFor(async () => {
        const edges = await api<{ edges: Array<{ series: number }> }>(hub.port, '/api/v1/edges');
        stored = edges.edges[0]?.series ?? 0;
        return stored >= want;
      }, 300_000, `${want} series streamed to the hub`);
      const until = Date.now() + holdMs;
      const hubReadings: Reading[] = [], edgeReadings: Reading[] = [];
      let cpu0: { at: number; hub: number; edge: number } | undefined;
      while (Date.now() < until) {
        await sleep(Math.min(READ_EVERY_MS, until - Date.now()));
        if (until - Date.now() > WINDOW_MS) continue;
        cpu0 ??= { at: Date.now(), hub: cpuSeconds(h.child.pid!), edge: cpuSeconds(e.child.pid!) };
        hubReadings.push(await read(h, hub.port));
        edgeReadings.push(await read(e, edge.port));
      }
      const wall = (Date.now() - cpu0!.at) / 1000;
      const hubCores = (cpuSeconds(h.child.pid!) - cpu0!.hub) / wall, edgeCores = (cpuSeconds(e.child.pid!) - cpu0!.edge) / wall;
      if (snapshots) await snapshot([h, e], snapshots);
      const med = (rs: Reading[]): Reading => ({
        rss: median(rs.map((r) => r.rss)),
        files: median(rs.map((r) => r.files)),
        mallocHeap: median(rs.map((r) => r.mallocHeap)),
        anon: median(rs.map((r) => r.anon)),
        heapUsed: median(rs.map((r) => r.heapUsed)),
        heapTotal: median(rs.map((r) => r.heapTotal)),
        external: median(rs.map((r) => r.external)),
        wasm: median(rs.map((r) => r.wasm)),
      });
      return { series: want, hub: med(hubReadings), edge: med(edgeReadings), hubCores, edgeCores };
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${procs.logs()}`, { cause: err });
    }
  } finally {
    await procs.stopAll();
    if (gen?.exitCode === null) gen.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** snapshot asks each process for a heap snapshot (SIGUSR2) and waits until the files stop growing. */
async function snapshot(ps: Proc[], dir: string): Promise<void> {
  for (const p of ps) {
    const before = new Set(readdirSync(dir));
    process.kill(p.child.pid!, 'SIGUSR2');
    let last = -1;
    await waitFor(() => {
      const fresh = readdirSync(dir).filter((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
      if (fresh.length === 0) return false;
      const size = statSync(join(dir, fresh[0])).size;
      const done = size > 0 && size === last;
      last = size;
      if (done) console.log(`heap snapshot of the ${p.name} (pid ${p.child.pid}): ${join(dir, fresh[0])}`);
      return done;
    }, 300_000, `the ${p.name}'s heap snapshot`).catch(() => sleep(0));
    await sleep(1000);
  }
}

export default async function run(): Promise<void> {
  if (!existsSync(GEN)) {
    console.log(`skipped: the workload generator ${GEN} is missing`);
    return;
  }
  const sizes = (process.env.OUTPOST_MEMORY_SIZES ?? '50000,100000').split(',').map(Number);
  const holdMs = Number(process.env.OUTPOST_MEMORY_HOLD_S ?? 100) * 1000;
  const snapshots = process.env.OUTPOST_MEMORY_SNAPSHOTS ?? '';
  if (snapshots) mkdirSync(snapshots, { recursive: true });
  console.log(`An edge scrapes ${TARGETS} targets of ../shared/bench/gen every 5 s and streams to a hub (both real processes).`);
  console.log(`Medians of readings every 5 s over the last 30 s of a ${holdMs / 1000} s hold after every series reached the hub.`);
  console.log('Anchors (RSS per series, 100k): Prometheus 3,239 B, VictoriaMetrics 1,436 B.\n');
  const idle = await measure(0, Math.min(holdMs, 60_000), '');
  const runs: Figures[] = [];
  for (const [i, n] of sizes.entries()) runs.push(await measure(n, holdMs, i === sizes.length - 1 ? snapshots : ''));
  const b = (x: number) => (Number.isNaN(x) ? '–' : `${Math.round(x).toLocaleString('en')} B`);
  const mb = (x: number) => (Number.isNaN(x) ? '–' : `${(x / 2 ** 20).toFixed(1)} MiB`);
  const rows: Array<[string, (r: Figures) => number]> = [
    ['hub VmRSS', (r) => r.hub.rss],
    ['… in files (node binary, libraries)', (r) => r.hub.files],
    ['… in glibc malloc heap', (r) => r.hub.mallocHeap],
    ['… other anonymous (V8 heap, WebAssembly, large buffers)', (r) => r.hub.anon],
    ['hub JS heap used', (r) => r.hub.heapUsed],
    ['hub JS heap committed', (r) => r.hub.heapTotal],
    ['hub external (array buffers, WebAssembly)', (r) => r.hub.external],
    ['hub WebAssembly memory (size; pages never touched are not resident)', (r) => r.hub.wasm],
    ['edge VmRSS', (r) => r.edge.rss],
    ['… in files (node binary, libraries)', (r) => r.edge.files],
    ['… in glibc malloc heap', (r) => r.edge.mallocHeap],
    ['… other anonymous (V8 heap, WebAssembly, large buffers)', (r) => r.edge.anon],
    ['edge JS heap used', (r) => r.edge.heapUsed],
    ['edge JS heap committed', (r) => r.edge.heapTotal],
    ['edge external (array buffers, WebAssembly)', (r) => r.edge.external],
    ['edge WebAssembly memory (size)', (r) => r.edge.wasm],
  ];
  const first = runs[0], last = runs[runs.length - 1];
  const cols = runs.map((r) => `${r.series.toLocaleString('en')} series: total, per series, net of idle`);
  console.log(`| figure | idle | ${cols.join(' | ')} | marginal per series, ${first.series.toLocaleString('en')} → ${last.series.toLocaleString('en')} |`);
  console.log(`|---|---:|${runs.map(() => '---:|').join('')}---:|`);
  for (const [name, f] of rows) {
    const cells = runs.map((r) => `${mb(f(r))}, ${b(f(r) / r.series)}, ${b((f(r) - f(idle)) / r.series)}`);
    const marginal = runs.length > 1 ? b((f(last) - f(first)) / (last.series - first.series)) : '–';
    console.log(`| ${name} | ${mb(f(idle))} | ${cells.join(' | ')} | ${marginal} |`);
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  console.log(`\nCPU over the window, % of one core: ${[idle, ...runs].map((r) => `${r.series.toLocaleString('en')} series: hub ${pct(r.hubCores)}, edge ${pct(r.edgeCores)}`).join('; ')}.`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
