// Rules through the hub: a rule file from the config is evaluated on its interval with the PromQL
// engine, the recorded series is queryable, and /api/v1/rules and /api/v1/alerts report it.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Labels } from '../../shared/model/labels.ts';
import { parseConfig } from '../../shared/config/index.ts';
import { Engine } from '../../shared/promql/engine/index.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import { hubApp } from '../../hub/app.ts';
import { hubRegistry } from '../../hub/metrics.ts';
import { hubStatus } from '../../hub/status.ts';
import { startRules, type RulesRuntime } from '../../shared/rules/runtime.ts';

const dir = mkdtempSync(join(tmpdir(), 'outpost-rules-'));
let rules: RulesRuntime | undefined;
afterAll(async () => {
  await rules?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('hub rules', () => {
  it('evaluates recording and alerting rules and serves them', async () => {
    writeFileSync(join(dir, 'rules.yml'), [
      'groups:',
      '  - name: demo',
      '    interval: 1s',
      '    rules:',
      '      - record: job:demo_total:sum',
      '        expr: sum by (job) (demo_total)',
      '      - alert: DemoHigh',
      '        expr: job:demo_total:sum > 5',
      '        labels: {severity: page}',
      '        annotations: {summary: "{{ $labels.job }} is at {{ $value }}"}',
      '',
    ].join('\n'));
    const config = parseConfig('rule_files: [rules.yml]\n', join(dir, 'outpost.yml'));
    const storage = openMemStorage();
    const engine = new Engine();
    const registry = hubRegistry(storage, 'test');
    // A sample every 100 ms for the rules to read.
    let stopFeed = false;
    const feed = (async () => {
      for (let i = 0; !stopFeed && i < 80; i++) {
        const a = storage.appender();
        a.append(0, Labels.from({ __name__: 'demo_total', job: 'api', instance: 'x' }), Date.now(), 7);
        a.commit();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    rules = await startRules({ config, storage, engine, registry, externalURL: 'http://localhost:9090/' });
    const app = hubApp({ storage, registry, version: 'test', engine, rules, status: hubStatus({ storage, flags: new Map(), config: () => ({ yaml: '', loadedAt: new Date(), lastReloadOk: true }) }) });
    const json = async (path: string) => (await (await app.request(path)).json()) as { data: any };

    let recorded: any[] = [];
    for (let i = 0; i < 60 && recorded.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      recorded = (await json('/api/v1/query?query=job:demo_total:sum')).data.result;
    }
    stopFeed = true;
    await feed;
    expect(recorded).toHaveLength(1);
    expect(recorded[0].metric).toEqual({ __name__: 'job:demo_total:sum', job: 'api' });
    expect(recorded[0].value[1]).toBe('7');

    const groups = (await json('/api/v1/rules')).data.groups;
    expect(groups).toHaveLength(1);
    expect(groups[0].name).toBe('demo');
    expect(groups[0].rules.map((r: any) => [r.type, r.name, r.health])).toEqual([['recording', 'job:demo_total:sum', 'ok'], ['alerting', 'DemoHigh', 'ok']]);
    expect((await json('/api/v1/rules?type=record')).data.groups[0].rules).toHaveLength(1);
    expect((await app.request('/api/v1/rules?type=nope')).status).toBe(400);

    // The alert has no `for`, so it fires at the first evaluation that sees the recorded series.
    let alerts: any[] = [];
    for (let i = 0; i < 30 && alerts.length === 0; i++) {
      alerts = (await json('/api/v1/alerts')).data.alerts;
      if (alerts.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ labels: { alertname: 'DemoHigh', job: 'api', severity: 'page' }, state: 'firing', annotations: { summary: 'api is at 7' } });
  });
});
