import { afterEach, describe, expect, it } from 'vitest';
import { HttpDiscoverer } from '../../../edge/discovery/http.ts';
import type { TargetGroup } from '../../../edge/discovery/types.ts';
import { config, listen, waitFor, type TestServer } from '../helpers.ts';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

interface Reply {
  status: number;
  type: string;
  body: string;
}

async function sdServer(reply: () => Reply, seen: Array<Record<string, string | string[] | undefined>> = []): Promise<TestServer> {
  const s = await listen((req, res) => {
    seen.push(req.headers);
    const r = reply();
    res.writeHead(r.status, { 'content-type': r.type });
    res.end(r.body);
  });
  stops.push(() => s.close());
  return s;
}

function discoverer(url: string, extra = '', refresh = '1m') {
  const c = config(`scrape_configs:\n  - job_name: j\n    http_sd_configs:\n      - url: ${url}\n        refresh_interval: ${refresh}\n${extra}`);
  const d = new HttpDiscoverer(c.scrapeConfigs[0].httpSdConfigs[0]);
  stops.push(() => d.stop());
  return d;
}

const ok = (body: unknown): Reply => ({ status: 200, type: 'application/json', body: JSON.stringify(body) });

describe('HttpDiscoverer', () => {
  it('reads groups, adds __meta_url, sends the refresh interval and the auth header', async () => {
    const seen: Array<Record<string, string | string[] | undefined>> = [];
    const s = await sdServer(() => ok([{ targets: ['a:1'], labels: { env: 'x' } }, { targets: ['b:2'] }]), seen);
    const url = `http://${s.address}/sd`;
    const d = discoverer(url, '        authorization: {credentials: s3cret}', '30s');
    const groups = await d.refresh();
    expect(groups.map((g) => [g.source, g.targets.map((t) => t.toObject()), g.labels.toObject()])).toEqual([
      [`${url}:0`, [{ __address__: 'a:1' }], { __meta_url: url, env: 'x' }],
      [`${url}:1`, [{ __address__: 'b:2' }], { __meta_url: url }],
    ]);
    expect(seen[0]).toMatchObject({ authorization: 'Bearer s3cret', 'x-prometheus-refresh-interval-seconds': '30', accept: 'application/json' });
  });

  it('keeps the last good groups when the server fails, answers the wrong type or garbage', async () => {
    const replies: Reply[] = [
      ok([{ targets: ['a:1'] }]),
      { status: 500, type: 'text/plain', body: 'boom' },
      { status: 200, type: 'text/html', body: '<html>' },
      { status: 200, type: 'application/json', body: '[{"targets": [1]}]' },
      ok([{ targets: ['c:3'] }]),
    ];
    let i = 0;
    const s = await sdServer(() => replies[Math.min(i++, replies.length - 1)]);
    const d = discoverer(`http://${s.address}/sd`, '', '100ms');
    const updates: TargetGroup[][] = [];
    const errors: string[] = [];
    d.start({ update: (g) => updates.push(g), error: (e) => errors.push(e.message) });
    await waitFor(() => updates.length === 2, 10_000, 'recovery');
    expect(updates[0][0].targets[0].get('__address__')).toBe('a:1');
    expect(updates[1][0].targets[0].get('__address__')).toBe('c:3');
    expect(errors).toEqual([
      expect.stringMatching(/^http_sd http:.*: server returned HTTP status 500 Internal Server Error$/),
      expect.stringMatching(/unsupported content type "text\/html"/),
      expect.stringMatching(/^http_sd http:.*\/sd:1: a target must be a host:port string$/),
    ]);
  });

  it('reports an unreachable server', async () => {
    const s = await sdServer(() => ok([]));
    const url = `http://${s.address}/sd`;
    await s.close();
    await expect(discoverer(url).refresh()).rejects.toThrow(/^http_sd http:\/\/127\.0\.0\.1:\d+\/sd: Get .*connection refused/);
  });
});
