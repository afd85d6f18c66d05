// The hub as users run it (bin/outpost.js, the bundled program): with --query.workers=1 a long
// range query hands slices to a query worker thread (dist/query-worker.mjs) and answers exactly
// what a hub with --query.workers=0 answers over a copy of the same blocks; /metrics counts the
// worker's slices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/net.ts';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'outpost-workers-e2e-'));
const children: ChildProcess[] = [];
const logs: string[] = [];
const T0 = 1_700_000_000; // s
const SAMPLES = 2_400;
let withWorkers = '';
let without = '';

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(join(root, 'bin/outpost.js'), args, { cwd: root, timeout: 120_000 }, (err, _out, stderr) => (err ? reject(new Error(`outpost ${args.join(' ')}: ${stderr || err.message}`)) : resolve()));
  });
}

async function startHub(data: string, workers: number): Promise<string> {
  const port = await freePort();
  const child = spawn(join(root, 'bin/outpost.js'), ['hub', `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=0', `--query.workers=${workers}`], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  for (let k = 0; k < 300; k++) {
    try {
      if ((await fetch(`${base}/-/ready`)).ok) return base;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`hub on ${data} did not become ready: ${logs.join('')}`);
}

beforeAll(async () => {
  // 500 counters over 2,400 scrapes at 15 s (10 h, 1.2 M samples: more than the million that
  // starts a worker), in four groups.
  const lines: string[] = ['# TYPE work counter'];
  for (let i = 0; i < 500; i++) {
    for (let s = 0; s < SAMPLES; s++) lines.push(`work_total{group="g${i % 4}",i="${i}"} ${(s * (1 + (i % 7))) % (500 + i)} ${T0 + s * 15}`);
  }
  lines.push('# EOF', '');
  writeFileSync(join(dir, 'in.om'), lines.join('\n'));
  await run(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'in.om'), join(dir, 'a')]);
  cpSync(join(dir, 'a'), join(dir, 'b'), { recursive: true });
  [withWorkers, without] = await Promise.all([startHub(join(dir, 'a'), 1), startHub(join(dir, 'b'), 0)]);
}, 180_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  rmSync(dir, { recursive: true, force: true });
});

async function query(base: string, q: string): Promise<unknown> {
  const url = `${base}/api/v1/query_range?query=${encodeURIComponent(q)}&start=${T0 + 600}&end=${T0 + (SAMPLES - 1) * 15}&step=60`;
  const res = await fetch(url);
  const body = (await res.json()) as { status: string; data: unknown };
  expect(body.status).toBe('success');
  return body.data;
}

async function workerSlices(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^outpost_query_worker_slices_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

describe('hub --query.workers', () => {
  it('answers long range queries as a hub without workers, with slices run by a worker', async () => {
    expect(await workerSlices(withWorkers)).toBe(0);
    const queries = ['sum by (group) (rate(work_total[5m]))', 'work_total', 'max_over_time(work_total[30m])'];
    // The first query starts the worker; it takes slices once it is ready (bounded retries).
    for (let k = 0; k < 20 && (await workerSlices(withWorkers)) === 0; k++) {
      await query(withWorkers, queries[0]);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await workerSlices(withWorkers)).toBeGreaterThan(0);
    for (const q of queries) expect(await query(withWorkers, q)).toEqual(await query(without, q));
    expect(await workerSlices(without)).toBe(0);
  }, 120_000);
});
