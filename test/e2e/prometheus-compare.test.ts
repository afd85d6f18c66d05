// Against real software, the way users deploy Outpost: an `outpost edge` process scrapes Debian's
// node_exporter and its own /metrics every second and streams what it stores to an `outpost hub`
// process; a Prometheus 2.42 process scrapes the same two targets with the same configuration.
// promtool then asks the hub and Prometheus the same questions — instant, range, series and label
// queries — and the answers must agree: the same series sets, and values within what the two
// scrapers' different scrape times can explain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/net.ts';

const BINARIES = ['prometheus', 'promtool', 'prometheus-node-exporter'];
const which = (b: string) => new Promise<boolean>((r) => execFile('sh', ['-c', `command -v ${b}`], (err) => r(!err)));
const missing = (await Promise.all(BINARIES.map(async (b) => ((await which(b)) ? null : b)))).filter((b) => b !== null);
if (missing.length && process.env.CI === 'true') throw new Error(`e2e: CI=true but ${missing.join(', ')} not installed (see .ci/run)`);
const skipReason = missing.length ? ` — SKIPPED: ${missing.join(', ')} not installed` : '';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'outpost-e2e-'));
const children: ChildProcess[] = [];
const logs = new Map<string, string>();
let hub = '';
let prom = '';

function start(name: string, cmd: string, args: string[]): void {
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  logs.set(name, '');
  const keep = (d: Buffer) => logs.set(name, (logs.get(name)! + d.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  children.push(child);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** promtool runs `promtool query …` and parses its JSON output. */
function promtool(...args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile('promtool', ['query', ...args.slice(0, 1), '-o', 'json', ...args.slice(1)], { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`promtool query ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** upCount asks a server how many of its `up` series are 1 (0 while it is not answering). */
async function upCount(base: string): Promise<number> {
  try {
    const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent('count(up == 1)')}`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
    return Number(body.data.result[0]?.value[1] ?? 0);
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  if (missing.length) return;
  const [nePort, hubPort, edgePort, promPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  hub = `http://127.0.0.1:${hubPort}`;
  prom = `http://127.0.0.1:${promPort}`;
  const config = join(dir, 'scrape.yml');
  const scrape = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: node',
    `    static_configs: [{targets: ['127.0.0.1:${nePort}']}]`,
    '  - job_name: outpost',
    `    static_configs: [{targets: ['127.0.0.1:${edgePort}']}]`,
    '',
  ].join('\n');
  writeFileSync(config, scrape);
  // The edge: the same scrape config, plus where to stream. No external labels, so the hub's
  // series are labelled exactly as Prometheus' are.
  const edgeConfig = join(dir, 'edge.yml');
  writeFileSync(edgeConfig, `${scrape}hub: {url: "ws://127.0.0.1:${hubPort}", edge_name: e2e, token: e2e-secret}\n`);
  const hubConfig = join(dir, 'hub.yml');
  writeFileSync(hubConfig, 'edges: {tokens: [{name: e2e, token: e2e-secret}]}\n');
  start('node_exporter', 'prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nePort}`]);
  start('hub', './bin/outpost.js', ['hub', `--config.file=${hubConfig}`, `--web.listen-address=127.0.0.1:${hubPort}`, `--storage.tsdb.path=${join(dir, 'hub-data')}`]);
  start('edge', './bin/outpost.js', ['edge', `--config.file=${edgeConfig}`, `--web.listen-address=127.0.0.1:${edgePort}`, `--storage.tsdb.path=${join(dir, 'edge-data')}`]);
  start('prometheus', 'prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
  // Both up on both targets, then enough scrapes for a 1m rate to have several points.
  const deadline = Date.now() + 30_000;
  while ((await upCount(hub)) < 2 || (await upCount(prom)) < 2) {
    const dead = children.find((c) => c.exitCode !== null);
    if (dead || Date.now() > deadline) throw new Error(`e2e: ${dead ? `${dead.spawnargs[0]} exited` : 'servers not scraping after 30 s'}\n${[...logs].map(([n, l]) => `--- ${n}\n${l}`).join('\n')}`);
    await sleep(250);
  }
  // The servers answering are the ones started here (a port taken meanwhile would show here).
  for (const [base, file] of [[hub, hubConfig], [prom, config]]) {
    const flags = (await (await fetch(`${base}/api/v1/status/flags`)).json()) as { data: Record<string, string> };
    expect(flags.data['config.file']).toBe(file);
  }
  await sleep(6000);
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => {
    const t = setTimeout(() => c.pid && c.exitCode === null && process.kill(c.pid, 'SIGKILL'), 5000);
    c.once('exit', () => r(clearTimeout(t)));
  }))));
  rmSync(dir, { recursive: true, force: true });
});

type Vec = Array<{ metric: Record<string, string>; value: [number, string] }>;
const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort());
const byKey = (v: Vec) => new Map(v.map((s) => [key(s.metric), Number(s.value[1])]));

/** compare checks two instant vectors: the same series, each value pair within `tolerance`. */
function compare(name: string, ours: Vec, theirs: Vec, tolerance: (a: number, b: number) => boolean): void {
  const a = byKey(ours);
  const b = byKey(theirs);
  expect([...a.keys()].sort(), `${name}: series sets`).toEqual([...b.keys()].sort());
  expect(a.size, `${name}: some series`).toBeGreaterThan(0);
  const off = [...a].filter(([k, v]) => !tolerance(v, b.get(k)!)).map(([k, v]) => `${k}: outpost ${v}, prometheus ${b.get(k)}`);
  const diffs = [...a].map(([k, v]) => Math.abs(v - b.get(k)!)).filter((d) => !Number.isNaN(d));
  console.log(`e2e ${name}: ${a.size} series, largest |outpost - prometheus| = ${diffs.length ? Math.max(...diffs).toPrecision(3) : 'n/a (NaN)'}`);
  expect(off, `${name}: values`).toEqual([]);
}

const cpus = async () => Object.keys(Object.fromEntries((await promtool('instant', prom, 'node_cpu_seconds_total') as Vec).map((s) => [s.metric.cpu, 1]))).length;

describe(`an outpost edge streaming to a hub, beside Prometheus 2.42, on node_exporter${skipReason}`, () => {
  const t = () => String(Date.now() / 1000 - 0.5);

  it.skipIf(missing.length > 0)('instant: up', async () => {
    const at = t();
    compare('up', await promtool('instant', hub, 'up', `--time=${at}`), await promtool('instant', prom, 'up', `--time=${at}`), (a, b) => a === b && a === 1);
  });

  it.skipIf(missing.length > 0)('instant: rate(node_cpu_seconds_total[1m]) and sum by (mode)', async () => {
    const at = t();
    // A CPU second counter grows by at most 1 per second; the scrapers' samples are up to one
    // interval (1 s) apart over a window of several seconds, so rates agree to a fraction of a CPU.
    const near = (limit: number) => (a: number, b: number) => Math.abs(a - b) <= limit;
    const rate = 'rate(node_cpu_seconds_total[1m])';
    compare(rate, await promtool('instant', hub, rate, `--time=${at}`), await promtool('instant', prom, rate, `--time=${at}`), near(0.3));
    const sum = 'sum by (mode) (rate(node_cpu_seconds_total[1m]))';
    compare(sum, await promtool('instant', hub, sum, `--time=${at}`), await promtool('instant', prom, sum, `--time=${at}`), near(0.3 * (await cpus())));
  });

  it.skipIf(missing.length > 0)('instant: histogram_quantile over the edge\'s own GC histogram', async () => {
    const q = 'histogram_quantile(0.9, sum by (le) (rate(nodejs_gc_duration_seconds_bucket[1m])))';
    // prom-client creates the GC histogram's series at the edge's first collection, and the two
    // scrapers read /metrics at different offsets: for a few seconds after it appears one of them
    // may hold one point (no rate) where the other holds two. Wait until both have a rate.
    let ours: Vec = [], theirs: Vec = [], at = t();
    for (let i = 0; i < 20; i++) {
      at = t();
      [ours, theirs] = [await promtool('instant', hub, q, `--time=${at}`), await promtool('instant', prom, q, `--time=${at}`)];
      if (ours.length > 0 && theirs.length > 0) break;
      await sleep(500);
    }
    // The two scrapers read the edge's live counters at different moments, so a collection that
    // falls between their samples is in one window and not the other: either answer may be NaN
    // (no collection in its window) while the other is not. A finite answer must lie within the
    // histogram's bucket bounds.
    compare(q, ours, theirs, (a, b) => [a, b].every((x) => Number.isNaN(x) || (x >= 0 && x <= 10)));
  });

  it.skipIf(missing.length > 0)('range: up and sum by (mode) over the last seconds', async () => {
    const end = Math.floor(Date.now() / 1000) - 1;
    const args = (q: string) => ['range', `--start=${end - 4}`, `--end=${end}`, '--step=1s'];
    for (const q of ['up', 'sum by (mode) (rate(node_cpu_seconds_total[1m]))']) {
      const [cmd, ...flags] = args(q);
      const ours = (await promtool(cmd, ...flags, hub, q)) as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
      const theirs = (await promtool(cmd, ...flags, prom, q)) as typeof ours;
      expect(ours.map((s) => key(s.metric)).sort(), q).toEqual(theirs.map((s) => key(s.metric)).sort());
      const limit = q === 'up' ? 0 : 0.3 * (await cpus());
      const theirMap = new Map(theirs.map((s) => [key(s.metric), new Map(s.values.map(([ts, v]) => [ts, Number(v)]))]));
      for (const s of ours) {
        expect(s.values.length, `${q}: points`).toBeGreaterThanOrEqual(4);
        for (const [ts, v] of s.values) {
          const other = theirMap.get(key(s.metric))!.get(ts);
          if (other !== undefined) expect(Math.abs(Number(v) - other), `${q} ${key(s.metric)} @${ts}`).toBeLessThanOrEqual(limit);
        }
      }
    }
  });

  it.skipIf(missing.length > 0)('series and labels', async () => {
    const end = String(Math.floor(Date.now() / 1000));
    const series = async (base: string) => ((await promtool('series', base, '--match=node_cpu_seconds_total', `--end=${end}`)) as Array<Record<string, string>>).map(key).sort();
    expect(await series(hub)).toEqual(await series(prom));
    for (const name of ['job', 'mode']) {
      expect(await promtool('labels', hub, name), name).toEqual(await promtool('labels', prom, name));
    }
  });
});
