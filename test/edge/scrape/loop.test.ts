import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { ScrapeLoop, SCRAPE_TIMESTAMP_TOLERANCE_MS } from '../../../edge/scrape/loop.ts';
import { buildTargets } from '../../../edge/scrape/targets.ts';
import { staticGroups } from '../../../edge/discovery/static.ts';
import { HttpClient } from '../../../edge/http/client.ts';
import { config, listen, listenOn, series, type TestServer } from '../helpers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** scrapeOnce builds the job's single target from `yaml` and scrapes it once at t=1000. */
async function scrapeOnce(yaml: string) {
  const job = config(yaml, pki.dir).scrapeConfigs[0];
  const client = new HttpClient(job.httpClient);
  cleanup.push(() => client.close());
  const built = buildTargets(job, staticGroups(job.staticConfigs), client);
  expect(built.errors).toEqual([]);
  const storage = openMemStorage();
  cleanup.push(() => storage.close());
  const loop = new ScrapeLoop(storage, built.active[0]);
  await loop.scrape(1000);
  return { loop, storage, target: built.active[0] };
}

const pki = { dir: '' };
beforeAll(() => {
  pki.dir = mkdtempSync(join(tmpdir(), 'outpost-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: pki.dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Outpost Test CA');
  for (const [name, ext] of [['server', 'subjectAltName=DNS:outpost.test'], ['client', 'extendedKeyUsage=clientAuth']]) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(pki.dir, `${name}.ext`), `${ext}\n`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
}, 30_000);
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

describe('scrape over https', () => {
  let server: TestServer;
  beforeAll(async () => {
    const read = (f: string) => readFileSync(join(pki.dir, f));
    const https = createHttpsServer({ key: read('server.key'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const authorized = (req.socket as TLSSocket).authorized ? 1 : 0;
      res.end(`client_cert_verified ${authorized}\n`);
    });
    server = await listenOn(https as unknown as Server);
  });
  afterAll(() => server.close());

  const job = (tls: string) =>
    `scrape_configs:\n  - job_name: tls\n    scheme: https\n    tls_config: ${tls}\n    static_configs: [{targets: ['${server.address}']}]\n`;
  const verified = (storage: ReturnType<typeof openMemStorage>) => [...series(storage, 'client_cert_verified').values()][0]?.[0]?.[1];

  it('verifies the server with ca_file and server_name and presents the client certificate', async () => {
    const { loop, storage, target } = await scrapeOnce(job('{ca_file: ca.pem, server_name: outpost.test, cert_file: client.pem, key_file: client.key}'));
    expect(target.url).toBe(`https://${server.address}/metrics`);
    expect(loop.health).toMatchObject({ health: 'up', lastError: '' });
    expect(verified(storage)).toBe(1);
  });

  it('refuses a server it cannot verify', async () => {
    const { loop } = await scrapeOnce(job('{server_name: outpost.test}'));
    expect(loop.health.health).toBe('down');
    expect(loop.health.lastError).toMatch(/self.signed|unable to verify|SELF_SIGNED/i);
  });

  it('refuses a server whose name does not match', async () => {
    const { loop } = await scrapeOnce(job('{ca_file: ca.pem, server_name: other.test}'));
    expect(loop.health.lastError).toMatch(/other\.test|altnames|ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('skips verification with insecure_skip_verify', async () => {
    const { loop, storage } = await scrapeOnce(job('{insecure_skip_verify: true}'));
    expect(loop.health.health).toBe('up');
    expect(verified(storage)).toBe(0);
  });
});

describe('scrape request', () => {
  it('sends params (overridable by __param_ labels), the Accept header, the timeout header and auth', async () => {
    const seen: Array<{ url: string; headers: Record<string, unknown> }> = [];
    const s = await listen((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.end('m 1\n');
    });
    cleanup.push(() => s.close());
    const { loop } = await scrapeOnce(
      `scrape_configs:\n  - job_name: probe\n    metrics_path: /probe\n    scrape_timeout: 7s\n    basic_auth: {username: u, password: p}\n` +
        `    params: {module: [http_2xx], extra: [a, b]}\n` +
        `    relabel_configs: [{source_labels: [__address__], target_label: __param_target}, {target_label: __param_module, replacement: tcp}]\n` +
        `    static_configs: [{targets: ['${s.address}']}]\n`,
    );
    expect(loop.health.health).toBe('up');
    const u = new URL(seen[0].url, 'http://x');
    expect(u.pathname).toBe('/probe');
    expect(u.searchParams.getAll('module')).toEqual(['tcp']);
    expect(u.searchParams.getAll('extra')).toEqual(['a', 'b']);
    expect(seen[0].headers).toMatchObject({
      'x-prometheus-scrape-timeout-seconds': '7',
      authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
      'accept-encoding': 'gzip',
    });
    expect(String(seen[0].headers.accept)).toMatch(/^application\/openmetrics-text;version=1\.0\.0;escaping=/);
  });

  it('asks for no compression when enable_compression is false', async () => {
    const seen: string[] = [];
    const s = await listen((req, res) => {
      seen.push(String(req.headers['accept-encoding']));
      res.end('m 1\n');
    });
    cleanup.push(() => s.close());
    await scrapeOnce(`scrape_configs:\n  - job_name: j\n    enable_compression: false\n    static_configs: [{targets: ['${s.address}']}]\n`);
    expect(seen).toEqual(['identity']);
  });
});

describe('scrape timestamps', () => {
  it('snap to the schedule within the tolerance and keep the start time otherwise', async () => {
    const storage = openMemStorage();
    cleanup.push(() => storage.close());
    const s = await listen((_q, res) => res.end('m 1\n'));
    cleanup.push(() => s.close());
    const loop = new ScrapeLoop(storage, {
      url: `http://${s.address}/metrics`, intervalMs: 1000, timeoutMs: 500, bodySizeLimit: 0,
      targetLabels: Labels.from({ job: 'j', instance: s.address }), honorLabels: false, honorTimestamps: true, metricRelabel: [], sampleLimit: 0,
    });
    expect(loop.stampFor(5000)).toBe(5000); // no previous scrape
    await loop.scrape(5000);
    expect(loop.stampFor(6000 + SCRAPE_TIMESTAMP_TOLERANCE_MS)).toBe(6000);
    expect(loop.stampFor(6000 - SCRAPE_TIMESTAMP_TOLERANCE_MS)).toBe(6000);
    expect(loop.stampFor(6000 + SCRAPE_TIMESTAMP_TOLERANCE_MS + 1)).toBe(6003);
    await loop.stop();
    expect([...series(storage, 'up').values()][0].map(([, v]) => v)).toEqual([1, 'stale']);
  });
});
