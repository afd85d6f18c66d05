/**
 * Hub ingest benchmark: samples per second (and per CPU core of the hub process) that one hub
 * takes from N simulated edges streaming over loopback WebSockets into an in-memory storage, and
 * wire bytes per sample. The edges run in two child processes (this file, started with
 * OUTPOST_INGEST_LOAD set), so the hub's CPU time is its own. Each edge streams 3 targets of the
 * benchmark workload (../shared/bench/gen/model.js, ~1,050 series) scraped every 15 s of
 * simulated time, as fast as acks allow (at most 8 batches in flight per edge), for ROUNDS
 * scrapes or LOAD_SECONDS, whichever comes first: 100 × 1,000 series scaled to 100 scrapes, about
 * 20 s on two cores. When the load processes share the hub's cores, samples/s is bounded by them;
 * samples/s per hub core is the hub's own figure. Prints Markdown; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { IngestServer, INGEST_PATH, attachIngest, TokenAuthenticator } from '../../hub/ingest/index.ts';
import { EdgeEncoder, decodeHubFrame } from '../../shared/protocol/index.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import { loadModel, modelScrapes } from './workload.ts';

const EDGES = 100;
/** Load processes: every core but one for the hub (at least one). */
const PROCESSES = Math.max(1, Math.min(4, availableParallelism() - 1));
const ROUNDS = 100;
const LOAD_SECONDS = 40;
const IN_FLIGHT = 8;
const TOKEN = 'bench-token';

export default async function run(): Promise<void> {
  const storage = openMemStorage();
  const registry = new Registry();
  const tokens = new Map(Array.from({ length: EDGES }, (_, i) => [`edge-${i}`, TOKEN] as [string, string]));
  const ingest = new IngestServer({
    hubName: 'bench',
    storage,
    auth: new TokenAuthenticator(tokens),
    registry,
    limits: { maxConcurrentHandshakes: EDGES },
    log: (m) => console.error(m),
  });
  const server = createServer();
  const ws = attachIngest(server, ingest);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}${INGEST_PATH}`;

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const per = Math.ceil(EDGES / PROCESSES);
  await Promise.all(Array.from({ length: PROCESSES }, (_, p) => load(url, p * per, Math.min(EDGES, (p + 1) * per))));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;

  const total = async (name: string) => ((await registry.getSingleMetric(name)!.get()).values as { value: number }[]).reduce((a, v) => a + v.value, 0);
  const samples = await total('outpost_ingest_samples_total');
  const bytes = await total('outpost_ingest_bytes_total');
  const series = storage.stats().series;
  await ws.close();
  await new Promise<void>((r) => server.close(() => r()));
  await storage.close();

  console.log(`${EDGES} edges × ~1,050 series (3 targets of the workload model), ${ROUNDS} scrapes each at most, ${PROCESSES} load process(es) on a ${availableParallelism()}-core machine, loopback, in-memory storage; node ${process.version}\n`);
  console.log('| samples | series | wall s | hub CPU s | samples/s | samples/s per hub core | wire bytes/sample |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`| ${f(samples)} | ${f(series)} | ${f(wall, 1)} | ${f(cpuSeconds, 1)} | ${f(samples / wall)} | ${f(samples / cpuSeconds)} | ${f(bytes / samples, 2)} |`);
}

/** load runs edges [from, to) in a child process and resolves when it exits. */
function load(url: string, from: number, to: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, OUTPOST_INGEST_LOAD: JSON.stringify({ url, from, to }) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ingest load process exited with ${code}`))));
  });
}

/** edge streams one edge's scrapes with a bounded number of batches in flight. */
async function edge(url: string, name: string, scrapes: ReturnType<typeof modelScrapes>, deadline: number): Promise<void> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const enc = new EdgeEncoder();
  let acked = 0;
  let wake: (() => void) | null = null;
  await new Promise<void>((resolve, reject) => {
    socket.on('open', () => socket.send(enc.hello({ edge: name, token: TOKEN, externalLabels: ['edge', name], resume: 0 })));
    socket.on('error', reject);
    socket.on('close', (code, reason) => reject(new Error(`${name}: closed ${code} ${reason}`)));
    socket.on('message', (data: Buffer) => {
      const f = decodeHubFrame(data, 1 << 24);
      if (f.type === 'welcome') {
        enc.welcome(f.welcome);
        resolve();
      } else if (f.type === 'refuse') reject(new Error(`${name}: refused ${f.refuse.reason}`));
      else if (f.type === 'ack') {
        acked = f.ack.seq;
        const w = wake;
        wake = null;
        w?.();
      }
    });
  });
  const last = { seq: 0 };
  for (let round = 0; round < scrapes[0].length && performance.now() < deadline; round++) {
    for (const target of scrapes) {
      while (last.seq - acked >= IN_FLIGHT) await new Promise<void>((r) => (wake = r));
      const s = target[round];
      last.seq = enc.nextSeq;
      for (const frame of enc.encodeScrape(last.seq, s.t, s.series, s.values)) socket.send(frame);
    }
  }
  while (acked < last.seq) await new Promise<void>((r) => (wake = r));
  socket.removeAllListeners('close');
  socket.close(1000);
}

if (process.env.OUTPOST_INGEST_LOAD) {
  const { url, from, to } = JSON.parse(process.env.OUTPOST_INGEST_LOAD) as { url: string; from: number; to: number };
  const scrapes = modelScrapes(loadModel(), { targets: 3, handlers: 10, scrapes: ROUNDS, intervalMs: 15_000, jitter: true });
  const deadline = performance.now() + LOAD_SECONDS * 1000;
  await Promise.all(Array.from({ length: to - from }, (_, i) => edge(url, `edge-${from + i}`, scrapes, deadline)));
  process.exit(0);
}
