/**
 * End to end: an alerting rule driven from firing to resolved through the rule manager and the
 * notifier, into a real Alertmanager (Debian's prometheus-alertmanager), whose webhook receiver
 * this test serves. Skipped with a reason when the binary is missing, unless CI=true.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRuleAlerts, Notifier } from '../../shared/notifier/index.ts';
import { parseConfig } from '../../shared/config/index.ts';
import { Labels } from '../../shared/model/labels.ts';
import { parseRuleFile, RuleManager, type Sample } from '../../shared/rules/index.ts';
import { MemStore } from '../rules/mem-store.ts';
import { freePort } from '../support/net.ts';

const BINARY = ['/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager'].find((p) => existsSync(p));
if (!BINARY && process.env.CI === 'true') throw new Error('prometheus-alertmanager is not installed, and CI=true requires this test');
if (!BINARY) console.warn('SKIP alertmanager e2e: prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)');

interface Webhook {
  status: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string>; endsAt: string; generatorURL: string }[];
}

describe.skipIf(!BINARY)('Alertmanager end to end', () => {
  let am: ChildProcess;
  let hook: Server;
  let dir: string;
  let amPort: number;
  let amLog = '';
  const received: Webhook[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-am-'));
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookPort = (hook.address() as AddressInfo).port;
    writeFileSync(join(dir, 'am.yml'), `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:${hookPort}/hook
        send_resolved: true
`);
    amPort = await freePort();
    am = spawn(BINARY!, [
      `--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    am.stdout!.on('data', (d) => (amLog += d));
    am.stderr!.on('data', (d) => (amLog += d));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (am.exitCode !== null) throw new Error(`alertmanager exited with ${am.exitCode}: ${amLog}`);
      try {
        if ((await fetch(`http://127.0.0.1:${amPort}/-/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`alertmanager not ready after 20 s: ${amLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (am?.pid !== undefined && am.exitCode === null) {
      const exited = new Promise((r) => am.once('exit', r));
      process.kill(am.pid, 'SIGTERM');
      await exited;
    }
    await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function waitFor(pred: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; webhook got ${JSON.stringify(received)}; alertmanager log: ${amLog}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('delivers a firing alert and then its resolution to the webhook', async () => {
    let firing = true;
    const query = async (): Promise<Sample[]> => (firing ? [{ labels: Labels.from({ __name__: 'up', instance: 'edge-1', job: 'node' }), value: 0 }] : []);
    const cfg = parseConfig(`global:
  external_labels: { hub: h1 }
alerting:
  alertmanagers:
    - static_configs: [{ targets: ['127.0.0.1:${amPort}'] }]
      timeout: 5s
`, 'cfg.yml');
    const notifier = new Notifier({ alerting: cfg.alerting, externalLabels: cfg.global.externalLabels, registry: new Registry(), warn: (m) => (amLog += `\nnotifier: ${m}`) });
    const manager = new RuleManager({
      query, appendable: new MemStore(), externalURL: 'http://127.0.0.1:9090',
      notify: (expr, alerts) => notifier.send(fromRuleAlerts(expr, alerts, 'http://127.0.0.1:9090')), warn: () => {},
    });
    try {
      await manager.update(parseRuleFile(`groups:
  - name: e2e
    rules:
      - alert: EdgeDown
        expr: up == 0
        labels: { severity: page }
        annotations: { summary: "{{ $labels.instance }} is down" }
`, 'e2e.yml'));
      const g = manager.groups()[0];
      g.restoreForState(Date.now());
      await g.evaluate(Date.now());
      await waitFor(() => received.some((w) => w.status === 'firing'), 'the firing notification');
      const f = received.find((w) => w.status === 'firing')!.alerts[0];
      expect(f.labels).toEqual({ alertname: 'EdgeDown', hub: 'h1', instance: 'edge-1', job: 'node', severity: 'page' });
      expect(f.annotations).toEqual({ summary: 'edge-1 is down' });
      expect(f.generatorURL).toBe('http://127.0.0.1:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1');

      firing = false;
      await g.evaluate(Date.now());
      await waitFor(() => received.some((w) => w.status === 'resolved'), 'the resolved notification');
      const r = received.find((w) => w.status === 'resolved')!.alerts[0];
      expect(r.status).toBe('resolved');
      expect(r.labels.alertname).toBe('EdgeDown');
    } finally {
      await manager.stop();
      await notifier.stop();
    }
  });
});
