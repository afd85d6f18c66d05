// The hub's edge ingest as startHub wires it, in process: an `edges` section opens the stream
// endpoint on the API port (over TLS when the web config has a certificate, so edges dial wss://),
// an in-process edge streams its scrapes, /api/v1/edges lists it, and the TSDB gets the
// out-of-order window that backfill needs (6 h by default, the config's when set).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type Edge } from '../../edge/command.ts';
import { DEFAULT_INGEST_OOO_WINDOW_MS, startHub, type Hub } from '../../hub/command.ts';
import { loadWebConfig } from '../../shared/api/web-config.ts';
import { Labels } from '../../shared/model/labels.ts';
import { Matcher } from '../../shared/model/matcher.ts';

let dir: string, target: Server, targetAddress: string;
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-hub-ingest-'));
  let n = 0;
  target = createServer((_q, res) => res.end(`jobs_total ${++n}\n`));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  targetAddress = `127.0.0.1:${(target.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

afterAll(async () => {
  await new Promise<void>((r) => target.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

async function hub(name: string, yaml: string, web?: string): Promise<Hub> {
  const h = await startHub({
    configFile: write(`${name}.yml`, yaml),
    listen: { host: '127.0.0.1', port: 0 },
    storage: { path: join(dir, `${name}-data`), retentionMs: 0, retentionBytes: 0, walSync: 'batch' },
    web: web ? loadWebConfig(web) : undefined,
    log: () => {},
  });
  cleanup.push(() => h.close());
  return h;
}

function count(h: Hub, name: string): number {
  const q = h.storage.querier(0, Date.now() + 60_000);
  try {
    const set = q.select([new Matcher('=', '__name__', name)]);
    const b = set.load();
    const n = b.sampleCount;
    b.release();
    return n;
  } finally {
    q.close();
  }
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** appendAt appends one sample of `name` at t to the hub's storage and returns what it refused. */
function appendAt(h: Hub, name: string, t: number): string[] {
  const app = h.storage.appender();
  app.append(0, Labels.from({ __name__: name }), t, 1);
  return app.commit().errors.map((e) => e.reason);
}

describe('startHub with an edges section', () => {
  it('serves edge streams over wss on the API port and lists the edge on /api/v1/edges', async () => {
    const key = join(dir, 'key.pem'), cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const web = write('web.yml', `tls_server_config: {cert_file: ${cert}, key_file: ${key}}\n`);
    const h = await hub('tls', 'edges: {tokens: [{name: e1, token: s3cret}]}\n', web);
    expect(h.ingest).not.toBeNull();

    const edgeConfig = write(
      'edge.yml',
      [
        'global: {scrape_interval: 200ms, external_labels: {site: s1}}',
        `scrape_configs: [{job_name: app, static_configs: [{targets: ['${targetAddress}']}]}]`,
        `hub: {url: 'wss://127.0.0.1:${h.port}', token: s3cret, edge_name: e1, tls_config: {ca_file: ${cert}}}`,
        '',
      ].join('\n'),
    );
    const edge: Edge = await startEdge({ configFile: edgeConfig, listen: { host: '127.0.0.1', port: 0 }, storage: { path: join(dir, 'edge-data'), retentionMs: 0, walSync: 'never' }, log: () => {} });
    let closed = false;
    cleanup.push(async () => void (closed || (await edge.close())));
    expect(edge.uplink!.url).toBe(`wss://127.0.0.1:${h.port}/api/v1/edge/stream`);
    await until(() => count(h, 'jobs_total') >= 3, 10_000, 'samples on the hub');

    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`https://127.0.0.1:${h.port}/api/v1/edges`, { ca: readFileSync(cert) }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    const listed = JSON.parse(body) as { status: string; data: { edges: Array<Record<string, unknown>> } };
    expect(listed.status).toBe('success');
    expect(listed.data.edges).toEqual([
      expect.objectContaining({ edge: 'e1', state: 'streaming', remoteAddress: expect.stringContaining('127.0.0.1'), ackedSeq: expect.any(Number), series: expect.any(Number), samples: expect.any(Number) }),
    ]);
    expect(listed.data.edges[0].lastContact).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(listed.data.edges[0].ackedSeq as number).toBeGreaterThan(0);

    await edge.close();
    closed = true;
    await until(() => h.ingest!.edges()[0]?.state === 'disconnected', 5000, 'the edge listed as disconnected');
  });

  it('opens the TSDB with a 6 h out-of-order window by default, and the configured one when set', async () => {
    expect(DEFAULT_INGEST_OOO_WINDOW_MS).toBe(6 * 3600_000);
    const now = Date.now();
    const byDefault = await hub('ooo-default', 'edges: {tokens: [{name: e1, token: a}]}\n');
    expect(appendAt(byDefault, 'm', now)).toEqual([]);
    expect(appendAt(byDefault, 'm', now - 5 * 3600_000)).toEqual([]);

    const configured = await hub('ooo-set', 'storage: {tsdb: {out_of_order_time_window: 10m}}\nedges: {tokens: [{name: e1, token: a}]}\n');
    expect(appendAt(configured, 'm', now)).toEqual([]);
    expect(appendAt(configured, 'm', now - 5 * 60_000)).toEqual([]);
    expect(appendAt(configured, 'm', now - 3600_000)).toEqual(['out_of_bounds']);

    const noEdges = await hub('ooo-none', 'global: {}\n');
    expect(noEdges.ingest).toBeNull();
    expect(appendAt(noEdges, 'm', now)).toEqual([]);
    expect(appendAt(noEdges, 'm', now - 60_000)).toEqual(['out_of_bounds']);
  });
});
