import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/index.ts';
import { Labels } from '../../shared/model/labels.ts';
import { fromRuleAlerts, Notifier } from '../../shared/notifier/index.ts';
import type { Alert } from '../../shared/rules/index.ts';

interface Received {
  path: string;
  auth: string | undefined;
  body: Record<string, unknown>[];
}

async function receiver(status = 200): Promise<{ server: Server; port: number; got: Received[]; next: () => Promise<Received> }> {
  const got: Received[] = [];
  let waiting: ((r: Received) => void) | null = null;
  const server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const r = { path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(data) };
      got.push(r);
      res.writeHead(status).end();
      waiting?.(r);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const next = () => new Promise<Received>((resolve) => (waiting = resolve));
  return { server, port, got, next };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function alert(over: Partial<Alert> = {}): Alert {
  return {
    labels: Labels.from({ alertname: 'Down', instance: 'x', env: 'rule' }), annotations: Labels.from({ summary: 's' }),
    state: 'firing', value: 0, activeAt: 1000, firedAt: 2000, resolvedAt: 0, lastSentAt: 2000, validUntil: 242_000, keepFiringSince: 0, ...over,
  };
}

describe('notifier', () => {
  it('posts API v2 alerts with external labels and relabeling applied', async () => {
    const rx = await receiver();
    cleanups.push(() => new Promise((r) => rx.server.close(() => r())));
    const cfg = parseConfig(`global:
  external_labels: { env: prod, dc: eu1 }
alerting:
  alert_relabel_configs:
    - { source_labels: [instance], regex: drop-me, action: drop }
  alertmanagers:
    - path_prefix: /am
      basic_auth: { username: u, password: p }
      static_configs: [{ targets: ['127.0.0.1:${rx.port}'] }]
      alert_relabel_configs:
        - { target_label: via, replacement: am1 }
`, 'cfg.yml');
    const registry = new Registry();
    const n = new Notifier({ alerting: cfg.alerting, externalLabels: cfg.global.externalLabels, registry, warn: () => {} });
    cleanups.push(() => n.stop());
    expect(n.alertmanagers()).toEqual([`http://127.0.0.1:${rx.port}/am/api/v2/alerts`]);
    const got = rx.next();
    n.send([...fromRuleAlerts('up == 0', [alert(), alert({ labels: Labels.from({ alertname: 'Down', instance: 'drop-me' }) })], 'http://hub:9090/')]);
    const r = await got;
    expect(r.path).toBe('/am/api/v2/alerts');
    expect(r.auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(r.body).toEqual([{
      labels: { alertname: 'Down', dc: 'eu1', env: 'rule', instance: 'x', via: 'am1' },
      annotations: { summary: 's' },
      startsAt: new Date(2000).toISOString(),
      endsAt: new Date(242_000).toISOString(),
      generatorURL: 'http://hub:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1',
    }]);
    const resolved = fromRuleAlerts('up', [alert({ state: 'inactive', resolvedAt: 9000 })], '');
    expect(resolved[0].endsAt).toBe(9000);
  });

  it('drops the oldest alerts when the queue is full and counts failed sends', async () => {
    const rx = await receiver(500);
    cleanups.push(() => new Promise((r) => rx.server.close(() => r())));
    const cfg = parseConfig(`alerting:\n  alertmanagers:\n    - static_configs: [{ targets: ['127.0.0.1:${rx.port}'] }]\n`, 'cfg.yml');
    const registry = new Registry();
    const n = new Notifier({ alerting: cfg.alerting, registry, queueCapacity: 3, maxBatchSize: 2, warn: () => {} });
    cleanups.push(() => n.stop());
    const many = Array.from({ length: 5 }, (_, i) => alert({ labels: Labels.from({ alertname: `A${i}` }) }));
    const first = rx.next();
    n.send(fromRuleAlerts('up', many, ''));
    await first;
    // 2 dropped at enqueue; the first batch failed everywhere: its alerts are dropped too.
    await new Promise((r) => setTimeout(r, 50));
    const text = await registry.metrics();
    expect(text).toMatch(/prometheus_notifications_dropped_total (4|5)/);
    expect(text).toContain(`prometheus_notifications_errors_total{alertmanager="http://127.0.0.1:${rx.port}/api/v2/alerts"}`);
    expect(text).toContain('prometheus_notifications_queue_capacity 3');
    expect(rx.got[0].body.map((a) => (a.labels as Record<string, string>).alertname)).toEqual(['A2', 'A3']);
  });
});
