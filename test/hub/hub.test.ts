// The hub end to end in one process: a real HTTP target, the scrape loop, the storage and the API
// served by the same app a user runs, queried over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { ApiResponse } from './api-response.ts';
import { parseConfig } from '../../shared/config/index.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import { serve, type Server } from '../../shared/api/serve.ts';
import { ScrapeLoop } from '../../edge/scrape/loop.ts';
import { buildTargets } from '../../edge/scrape/targets.ts';
import { hubApp } from '../../hub/app.ts';
import { hubRegistry } from '../../hub/metrics.ts';
import { hubStatus } from '../../hub/status.ts';

let target: HttpServer;
let targetPort = 0;
let page = '# TYPE requests_total counter\nrequests_total{path="/a"} 1\nrequests_total{path="/b"} 2\n';
let status = 200;
const seenAccept: string[] = [];
const storage = openMemStorage();
let hub: Server;
let base = '';

beforeAll(async () => {
  target = createServer((req, res) => {
    seenAccept.push(String(req.headers.accept));
    res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4', 'content-encoding': 'gzip' });
    res.end(gzipSync(page));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetPort = (target.address() as AddressInfo).port;
  hub = await serve(hubApp({ storage, registry: hubRegistry(storage, 'test'), version: 'test', status: hubStatus({ storage, flags: new Map([['web.listen-address', '127.0.0.1:0']]), config: () => ({ yaml: 'global: {}\n', loadedAt: new Date(), lastReloadOk: true }) }) }), { host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${hub.port}`;
});
afterAll(async () => {
  await hub.close();
  await new Promise((r) => target.close(r));
  await storage.close();
});

const get = async (path: string) => {
  const res = await fetch(base + path);
  return { status: res.status, body: (await res.json()) as ApiResponse };
};

describe('hub', () => {
  it('scrapes a target found through the config and serves its series', async () => {
    const config = parseConfig(
      `scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:${targetPort}']\n        labels: {env: test}\n`,
      'test.yml',
    );
    const [t] = buildTargets(config.scrapeConfigs[0], config.scrapeConfigs[0].staticConfigs).active;
    const loop = new ScrapeLoop(storage, t);
    await loop.scrape(Date.now());
    expect(loop.health).toMatchObject({ health: 'up', lastError: '' });
    expect(seenAccept[0]).toContain('application/openmetrics-text');

    const series = await get('/api/v1/series?match[]=requests_total');
    expect(series.body.data).toEqual([
      { __name__: 'requests_total', env: 'test', instance: `127.0.0.1:${targetPort}`, job: 'app', path: '/a' },
      { __name__: 'requests_total', env: 'test', instance: `127.0.0.1:${targetPort}`, job: 'app', path: '/b' },
    ]);
    const up = await get('/api/v1/series?match[]=up');
    expect(up.body.data).toHaveLength(1);
    const paths = await get('/api/v1/label/path/values');
    expect(paths.body.data).toEqual(['/a', '/b']);
    const names = await get('/api/v1/labels?match[]={job="app"}');
    expect(names.body.data).toEqual(['__name__', 'env', 'instance', 'job', 'path']);

    status = 500;
    await loop.scrape(Date.now() + 1);
    expect(loop.health.health).toBe('down');
    expect(loop.health.lastError).toContain('500');
  });

  it('answers bad requests with Prometheus error JSON', async () => {
    const cases: Array<[string, number, string]> = [
      ['/api/v1/series', 400, 'no match[] parameter provided'],
      ['/api/v1/series?match[]=' + encodeURIComponent('up{'), 400, 'invalid parameter "match[]"'],
      ['/api/v1/series?match[]=' + encodeURIComponent('{a=""}'), 400, 'invalid parameter "match[]"'],
      ['/api/v1/labels?start=yesterday', 400, 'invalid parameter "start"'],
      ['/api/v1/labels?start=10&end=5', 400, 'end timestamp must not be before start time'],
      ['/api/v1/labels?limit=-1', 400, 'invalid parameter "limit"'],
      ['/api/v1/nope', 404, 'unknown API endpoint'],
    ];
    for (const [path, code, text] of cases) {
      const { status, body } = await get(path);
      expect({ path, status }).toEqual({ path, status: code });
      expect(body.status).toBe('error');
      expect(body.error).toContain(text);
    }
  });

  it('serves its own metrics and health', async () => {
    const metrics = await (await fetch(base + '/metrics')).text();
    expect(metrics).toMatch(/^outpost_head_series \d+$/m);
    // The scrape test above appended its samples: 2 scraped + 5 synthetic, then 5 synthetic + stale markers.
    const appended = Number(/^outpost_head_samples_appended_total (\d+)$/m.exec(metrics)?.[1]);
    expect(appended).toBe(storage.samplesAppended);
    expect(appended).toBeGreaterThanOrEqual(7);
    expect((await fetch(base + '/-/healthy')).status).toBe(200);
    expect((await fetch(base + '/-/ready')).status).toBe(200);
  });
});
