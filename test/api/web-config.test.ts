// --web.config.file: parsing as exporter-toolkit does (strict keys, its error messages), basic
// auth with bcrypt and Outpost's bearer tokens through the middleware, and HTTPS with client
// certificates over node:https with certificates made by openssl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { parseWebConfig, webConfigAuth, WebConfigError, loadWebConfig } from '../../shared/api/web-config.ts';
import { parseHash } from '../../shared/api/bcrypt.ts';
import { serve, type Server } from '../../shared/api/serve.ts';
import { success } from '../../shared/api/respond.ts';

const dir = mkdtempSync(join(tmpdir(), 'outpost-webcfg-'));
const file = join(dir, 'web.yml');
// "password" and "secret", hashed by libxcrypt (see bcrypt.test.ts).
const ALICE = '$2b$04$aaaaaaaaaaaaaaaaaaaaaOblT/EYRgvLJylJ1N6Cs.MKyXbwkUqYW';
const BOB = '$2b$10$zzzzzzzzzzzzzzzzzzzzzujqRTkJaqNAZInMAW3lZh9Kb8v6kSOgG';

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 20_000 });
let haveOpenssl = true;

beforeAll(() => {
  try {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
    for (const name of ['server', 'client']) {
      const ext = name === 'server' ? ['-extfile', 'san.ext'] : [];
      if (name === 'server') writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.crt`, ...ext);
    }
    // A client certificate from another CA, which verification must refuse.
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=stranger', '-keyout', 'stranger.key', '-out', 'stranger.crt');
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    haveOpenssl = false;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseWebConfig', () => {
  const cases: Array<[string, string | null]> = [
    ['basic_auth_users: {alice: "' + ALICE + '"}', null],
    ['bearer_tokens: [t0k3n]', null],
    ['http_server_config: {http2: true, headers: {X-Frame-Options: deny}}', null],
    ['nope: 1', 'unknown key'],
    ['basic_auth_users: {alice: plain}', 'basic_auth_users.alice: not a bcrypt hash'],
    ['bearer_tokens: [""]', 'bearer_tokens: want a list of non-empty strings'],
    ['tls_server_config: {key_file: k}', 'missing cert_file'],
    ['tls_server_config: {cert_file: c}', 'missing key_file'],
    ['tls_server_config: {cert_file: server.crt, key_file: server.key, client_auth_type: Sometimes}', 'Invalid ClientAuth: Sometimes'],
    ['tls_server_config: {cert_file: server.crt, key_file: server.key, client_ca_file: ca.crt}', "Client CA's have been configured without a Client Auth Policy"],
    ['tls_server_config: {cert_file: server.crt, key_file: server.key, min_version: TLS99}', 'unknown TLS version: TLS99'],
    ['tls_server_config: {cert_file: nowhere.crt, key_file: server.key}', 'tls_server_config.cert_file: ENOENT'],
    ['http_server_config: {headers: {Authorization: x}}', 'unknown key'],
    ['basic_auth_users: [1', 'invalid YAML'],
  ];
  for (const [yaml, err] of cases) {
    it(`${err ? 'refuses' : 'accepts'} ${yaml}`, () => {
      if (!haveOpenssl && yaml.includes('server.crt') && err === null) return;
      const run = () => parseWebConfig(yaml, file);
      if (err === null) expect(run).not.toThrow();
      else expect(run).toThrow(WebConfigError), expect(run).toThrow(err);
    });
  }

  it('has a valid dummy hash for unknown users', async () => {
    const src = readFileSync(new URL('../../shared/api/web-config.ts', import.meta.url), 'utf8');
    const dummy = /DUMMY_HASH = '([^']+)'/.exec(src)![1];
    expect(() => parseHash(dummy)).not.toThrow();
  });
});

describe('webConfigAuth', () => {
  const app = new Hono();
  app.use(webConfigAuth(parseWebConfig(`basic_auth_users: {alice: "${ALICE}", bob: "${BOB}"}\nbearer_tokens: [t0k3n]\nhttp_server_config: {headers: {X-Frame-Options: deny}}\n`, file)));
  app.get('/x', (c) => c.text('ok'));
  app.get('/api', (c) => success(c, 'ok'));
  const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
  const cases: Array<[string, Record<string, string>, number]> = [
    ['no credentials', {}, 401],
    ['alice', basic('alice', 'password'), 200],
    ['alice again (cached)', basic('alice', 'password'), 200],
    ['bob', basic('bob', 'secret'), 200],
    ['wrong password', basic('alice', 'secret'), 401],
    ['unknown user', basic('carol', 'password'), 401],
    ['bearer token', { authorization: 'Bearer t0k3n' }, 200],
    ['wrong token', { authorization: 'Bearer t0k3m' }, 401],
    ['garbage', { authorization: 'Basic !!!' }, 401],
  ];
  for (const [name, headers, status] of cases) {
    it(`${name} → ${status}`, async () => {
      const res = await app.request('/x', { headers });
      expect(res.status).toBe(status);
      expect(res.headers.get('x-frame-options')).toBe('deny');
      if (status === 401) {
        expect(res.headers.get('www-authenticate')).toBe('Basic');
        expect(await res.text()).toBe('Unauthorized\n');
      }
    });
  }

  it('adds the configured headers to API responses, which do not pass through the context', async () => {
    const res = await app.request('/api', { headers: { authorization: 'Bearer t0k3n' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frame-options')).toBe('deny');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ status: 'success', data: 'ok' });
  });
});

describe('HTTPS with client certificates', () => {
  let server: Server | undefined;
  afterAll(async () => server?.close());

  const get = (port: number, cert?: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port, path: '/x', ca: readFileSync(join(dir, 'ca.crt')), timeout: 5000,
        ...(cert ? { cert: readFileSync(join(dir, `${cert}.crt`)), key: readFileSync(join(dir, `${cert}.key`)) } : {}),
      }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });

  for (const policy of ['RequireAndVerifyClientCert', 'VerifyClientCertIfGiven', 'RequireAnyClientCert'] as const) {
    it(`enforces ${policy}`, async (ctx) => {
      if (!haveOpenssl) return ctx.skip();
      await server?.close();
      writeFileSync(file, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: ${policy}\n`);
      const config = loadWebConfig(file);
      const app = new Hono();
      app.get('/x', (c) => c.text('ok'));
      server = await serve(app, { host: '127.0.0.1', port: 0 }, { tls: config.tls });
      const outcome = async (cert?: string) => get(server!.port, cert).then((s) => s, () => 'refused');
      const want: Record<string, [unknown, unknown, unknown]> = {
        RequireAndVerifyClientCert: [200, 'refused', 'refused'],
        VerifyClientCertIfGiven: [200, 'refused', 200],
        RequireAnyClientCert: [200, 200, 'refused'],
      };
      expect([await outcome('client'), await outcome('stranger'), await outcome()]).toEqual(want[policy]);
    });
  }
});
