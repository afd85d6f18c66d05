// The harness of the streaming end-to-end tests (test/e2e/streaming*.test.ts): real `outpost hub`
// and `outpost edge` processes on 127.0.0.1 with temp dirs, a scrape target in the test process,
// and the queries that compare what the hub stored with what the edge holds. Every process is
// stopped by its PID; every wait is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../bin/outpost.js');

export { freePort } from '../support/net.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** waitFor polls `check` every 100 ms until it is truthy; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(100);
  }
}

/** Target: an exposition page whose counters grow on every scrape. */
export interface Target {
  readonly address: string;
  close(): Promise<void>;
}

export async function startTarget(): Promise<Target> {
  let scrapes = 0;
  const server: Server = createHttpServer((_req, res) => {
    scrapes++;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      [
        '# TYPE demo_requests_total counter',
        `demo_requests_total{path="/a"} ${scrapes * 3}`,
        `demo_requests_total{path="/b"} ${scrapes * 5}`,
        '# TYPE demo_temperature gauge',
        `demo_temperature ${20 + (scrapes % 7) * 0.25}`,
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** Proc: one outpost process. */
export class Proc {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr = '';

  /**
   * The process runs bin/outpost.js as users do, through its `#!` line (and its environment);
   * `nodeArgs` (e.g. --heapsnapshot-signal) reach node through NODE_OPTIONS.
   */
  constructor(
    readonly name: string,
    args: string[],
    nodeArgs: readonly string[] = [],
  ) {
    const env = nodeArgs.length ? { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS ?? '', ...nodeArgs].join(' ').trim() } : process.env;
    this.child = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((done) => this.child.once('exit', (code) => done(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** stop sends `signal` to the process (by its PID) and waits for it to exit, SIGKILL after 15 s. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    process.kill(this.child.pid!, signal);
    const timer = setTimeout(() => this.running && process.kill(this.child.pid!, 'SIGKILL'), 15_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Procs: every process a test file starts, stopped (SIGKILL) in afterAll. */
export class Procs {
  readonly all: Proc[] = [];

  start(name: string, args: string[], nodeArgs: readonly string[] = []): Proc {
    const p = new Proc(name, args, nodeArgs);
    this.all.push(p);
    return p;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop('SIGKILL')));
  }

  /** logs: every process' stderr, for a failing test's message. */
  logs(): string {
    return this.all.map((p) => `--- ${p.name} (pid ${p.child.pid})\n${p.stderr.slice(-4000)}`).join('\n');
  }
}

export interface HubSetup {
  dir: string;
  port: number;
  /** name → token */
  edges: Record<string, string>;
  dedup?: string;
  /** Scrape the hub's own /metrics (job `hub`). */
  scrapeSelf?: boolean;
}

/** writeHubConfig writes the hub's config (edges and optional dedup section), returning its path. */
export function writeHubConfig(h: HubSetup): string {
  mkdirSync(h.dir, { recursive: true });
  const file = join(h.dir, 'hub.yml');
  const tokens = Object.entries(h.edges).map(([name, token]) => `    - {name: ${name}, token: ${token}}`);
  const self = h.scrapeSelf ? ['scrape_configs:', '  - job_name: hub', `    static_configs: [{targets: ['127.0.0.1:${h.port}']}]`] : [];
  writeFileSync(file, ['global: {scrape_interval: 1s}', 'edges:', '  tokens:', ...tokens, h.dedup ? `dedup: ${h.dedup}` : '', ...self, ''].join('\n'));
  return file;
}

export function hubArgs(h: HubSetup, config: string): string[] {
  return [`hub`, `--config.file=${config}`, `--web.listen-address=127.0.0.1:${h.port}`, `--storage.tsdb.path=${join(h.dir, 'data')}`];
}

export interface EdgeSetup {
  dir: string;
  port: number;
  name: string;
  token: string;
  hubPort: number;
  target: string;
  externalLabels: Record<string, string>;
  /** More addresses in the `app` job (e.g. one where nothing listens, for a target that is down). */
  extraTargets?: string[];
  /** The scrape interval (default 1s). */
  scrapeInterval?: string;
}

/** writeEdgeConfig writes an edge's config: one job scraping `target` (every 1 s by default), streaming to the hub. */
export function writeEdgeConfig(e: EdgeSetup): string {
  mkdirSync(e.dir, { recursive: true });
  const file = join(e.dir, 'edge.yml');
  const ext = Object.entries(e.externalLabels).map(([k, v]) => `${k}: ${v}`).join(', ');
  writeFileSync(
    file,
    [
      `global: {scrape_interval: ${e.scrapeInterval ?? '1s'}, external_labels: {${ext}}}`,
      'scrape_configs:',
      '  - job_name: app',
      `    static_configs: [{targets: [${[e.target, ...(e.extraTargets ?? [])].map((t) => `'${t}'`).join(', ')}]}]`,
      `hub: {url: 'ws://127.0.0.1:${e.hubPort}', token: ${e.token}, edge_name: ${e.name}, min_backoff: 100ms, max_backoff: 500ms}`,
      '',
    ].join('\n'),
  );
  return file;
}

export function edgeArgs(e: EdgeSetup, config: string): string[] {
  return ['edge', `--config.file=${config}`, `--web.listen-address=127.0.0.1:${e.port}`, `--storage.tsdb.path=${join(e.dir, 'data')}`];
}

/** api GETs a JSON API path of a process on 127.0.0.1:port; throws unless status is success. */
export async function api<T>(port: number, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
  return body.data;
}

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** instant runs an instant query at `t` (ms) and returns its vector or matrix. */
export async function instant<T = VectorSample[]>(port: number, query: string, t: number): Promise<T> {
  const data = await api<{ result: T }>(port, `/api/v1/query?query=${encodeURIComponent(query)}&time=${t / 1000}`);
  return data.result;
}

/** keyWithout: a series' labels as a sorted key, without the named labels. */
export function keyWithout(metric: Record<string, string>, drop: readonly string[]): string {
  return JSON.stringify(Object.entries(metric).filter(([k]) => !drop.includes(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** countsByKey: `count_over_time` results keyed by labels without `drop`. */
export function countsByKey(v: VectorSample[], drop: readonly string[]): Map<string, number> {
  return new Map(v.map((s) => [keyWithout(s.metric, drop), Number(s.value[1])]));
}

/**
 * samplesByKey runs a range selection at `t` and returns each series' samples as "t=v" strings,
 * keyed by its labels without `drop`: two stores agree sample for sample when the maps are equal.
 */
export async function samplesByKey(port: number, selector: string, t: number, drop: readonly string[]): Promise<Map<string, string[]>> {
  const m = await instant<MatrixSeries[]>(port, selector, t);
  return new Map(m.map((s) => [keyWithout(s.metric, drop), s.values.map(([ts, v]) => `${ts}=${v}`)]));
}

export interface UplinkState {
  state: string;
  pendingBatches: number;
  hubSeq: number;
}

/** drained waits until the edge on `port` streams with nothing pending. */
export function drained(port: number, timeoutMs: number): Promise<UplinkState> {
  return waitFor(async () => {
    const u = await api<UplinkState>(port, '/api/v1/uplink');
    return u.state === 'streaming' && u.pendingBatches === 0 ? u : undefined;
  }, timeoutMs, `edge on port ${port} caught up with the hub`);
}
