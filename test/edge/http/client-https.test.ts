/**
 * HttpClient over https (node:https): a gzip-coded body is decoded by a zlib stream, which a
 * failed exchange (a timeout, the size limit) destroys along with the request.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpClient } from '../../../edge/http/client.ts';
import { BodyBuffer } from '../../../edge/http/body-buffer.ts';
import { BodyPool } from '../../../edge/http/body-pool.ts';

/** The gunzip streams the client made, in order. */
const made = vi.hoisted(() => [] as Gunzip[]);
vi.mock('node:zlib', async (original) => {
  const zlib = await original<typeof import('node:zlib')>();
  return {
    ...zlib,
    createGunzip: (...args: Parameters<typeof zlib.createGunzip>) => {
      const g = zlib.createGunzip(...args);
      made.push(g);
      return g;
    },
  };
});
const { gzipSync } = await import('node:zlib');

const body = Buffer.from('m 1\n'.repeat(50_000));
const coded = gzipSync(body);
let dir = '';
let server: Server;
let url = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-https-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost'], { cwd: dir, stdio: 'pipe' });
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    if (req.url === '/hang') res.write(coded.subarray(0, coded.length >> 1)); // and never the rest
    else res.end(coded);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

const tlsConfig = { caFile: '', certFile: '', keyFile: '', ca: '', cert: '', key: '', serverName: '', insecureSkipVerify: true, minVersion: '', maxVersion: '' };

describe('HttpClient over https', () => {
  it('decodes gzip bodies, and destroys the decoder of a failed exchange', async () => {
    const c = new HttpClient({ basicAuth: null, authorization: null, tlsConfig, proxyUrl: '', noProxy: '', proxyFromEnvironment: false, followRedirects: true, enableHttp2: false });
    try {
      const into = new BodyBuffer(new BodyPool());
      expect((await c.get(`${url}/metrics`, { timeoutMs: 5000, into })).body.equals(body)).toBe(true);
      await expect(c.get(`${url}/hang`, { timeoutMs: 300, into })).rejects.toThrow(/deadline exceeded/);
      await expect(c.get(`${url}/metrics`, { timeoutMs: 5000, maxBytes: 10_000, into })).rejects.toThrow(/body size limit exceeded/);
      expect(made.map((g) => g.destroyed)).toEqual([true, true, true]); // the first one ended
    } finally {
      c.close();
    }
  });
});
