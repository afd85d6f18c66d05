import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEdge, type Edge } from '../../edge/command.ts';
import { ConfigError } from '../../shared/config/index.ts';
import type { ApiResponse } from '../hub/api-response.ts';
import { listen, waitFor, type TestServer } from './helpers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function target(body: string): Promise<TestServer> {
  const s = await listen((_q, res) => res.end(body));
  cleanup.push(() => s.close());
  return s;
}

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-edge-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'edge.yml');
  writeFileSync(f, text);
  return f;
}

const yaml = (targets: string[]) => `scrape_configs:\n  - job_name: app\n    scrape_interval: 200ms\n    static_configs:\n      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]\n`;

let dataDirs = 0;
const storage = (file: string) => ({ path: join(dirname(file), `data-${dataDirs++}`), retentionMs: 0, walSync: 'never' as const });

async function edge(file: string): Promise<Edge> {
  const e = await startEdge({ configFile: file, listen: { host: '127.0.0.1', port: 0 }, storage: storage(file), log: () => {}, scrape: { discoveryUpdateIntervalMs: 50 } });
  cleanup.push(() => e.close());
  return e;
}

const get = async (e: Edge, path: string, init?: RequestInit) => {
  const res = await fetch(`http://127.0.0.1:${e.port}${path}`, init);
  return { status: res.status, text: await res.text() };
};

describe('outpost edge', () => {
  it('scrapes its targets and serves them through the targets and series APIs', async () => {
    const a = await target('hello_total 3\n');
    const e = await edge(configFile(yaml([a.address])));
    await waitFor(() => e.manager.targets().active[0]?.health === 'up', 10_000, 'target up');
    const targets = JSON.parse((await get(e, '/api/v1/targets')).text) as ApiResponse;
    expect(targets.status).toBe('success');
    const data = targets.data as { activeTargets: Array<Record<string, unknown>>; droppedTargets: unknown[]; droppedTargetCounts: Record<string, number> };
    expect(data.activeTargets[0]).toMatchObject({ scrapePool: 'app', health: 'up', scrapeUrl: `http://${a.address}/metrics`, labels: { job: 'app', instance: a.address } });
    expect(data.droppedTargetCounts).toEqual({ app: 0 });
    const series = JSON.parse((await get(e, '/api/v1/series?match[]=hello_total')).text) as ApiResponse;
    expect(series.data).toEqual([{ __name__: 'hello_total', job: 'app', instance: a.address }]);
    // Its own metrics carry the storage's, as the hub's do.
    const metrics = (await get(e, '/metrics')).text;
    expect(Number(/^outpost_head_series (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(Number(/^outpost_wasm_memory_bytes (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^outpost_build_info\{version="[^"]+",nodeversion="v\d/m);
  });

  it('reloads on POST /-/reload and refuses an invalid config with its file and line, keeping the running one', async () => {
    const [a, b] = [await target('a_metric 1\n'), await target('b_metric 1\n')];
    const file = configFile(yaml([a.address]));
    const e = await edge(file);
    await waitFor(() => e.manager.targets().active.length === 1, 10_000, 'one target');

    writeFileSync(file, yaml([a.address, b.address]));
    expect(await get(e, '/-/reload', { method: 'POST' })).toEqual({ status: 200, text: '' });
    await waitFor(() => e.manager.targets().active.length === 2, 10_000, 'two targets');

    writeFileSync(file, 'scrape_configs:\n  - job_name: app\n    scrape_interval: soon\n');
    const refused = await get(e, '/-/reload', { method: 'POST' });
    expect(refused.status).toBe(500);
    expect(refused.text).toMatch(new RegExp(`^failed to reload config: ${file.replace(/[.]/g, '\\.')}:3`));
    await expect(e.reload()).rejects.toBeInstanceOf(ConfigError);
    expect(e.manager.targets().active.length).toBe(2);
  });

  it('refuses to start on an invalid config', async () => {
    const file = configFile('scrape_configs:\n  - job_name: ""\n');
    await expect(startEdge({ configFile: file, listen: { host: '127.0.0.1', port: 0 }, storage: storage(file), log: () => {} })).rejects.toThrow(/edge\.yml:2/);
  });
});

describe('outpost edge rules', () => {
  it('evaluates its own rule files and serves them', async () => {
    const a = await target('jobs_total 4\n');
    const file = configFile(`${yaml([a.address])}rule_files: [rules.yml]\n`);
    writeFileSync(join(dirname(file), 'rules.yml'), 'groups:\n  - name: local\n    interval: 200ms\n    rules:\n      - record: app:jobs:sum\n        expr: sum(jobs_total)\n      - alert: Busy\n        expr: app:jobs:sum > 3\n');
    const e = await edge(file);
    const query = async () => (JSON.parse((await get(e, '/api/v1/query?query=app:jobs:sum')).text) as { data: { result: Array<{ value: [number, string] }> } }).data.result;
    await waitFor(async () => (await query()).length === 1, 10_000, 'recorded series');
    expect((await query())[0].value[1]).toBe('4');
    await waitFor(async () => (JSON.parse((await get(e, '/api/v1/alerts')).text) as { data: { alerts: unknown[] } }).data.alerts.length === 1, 10_000, 'alert firing');
    const rules = JSON.parse((await get(e, '/api/v1/rules')).text) as { data: { groups: Array<{ name: string }> } };
    expect(rules.data.groups.map((g) => g.name)).toEqual(['local']);
  });

  it('refuses an invalid rule file at start', async () => {
    const file = configFile('rule_files: [rules.yml]\n');
    writeFileSync(join(dirname(file), 'rules.yml'), 'groups:\n  - name: g\n    rules:\n      - record: r\n        expr: sum(\n');
    await expect(startEdge({ configFile: file, listen: { host: '127.0.0.1', port: 0 }, storage: storage(file), log: () => {} })).rejects.toThrow(/rules\.yml.*parse error/s);
  });
});
