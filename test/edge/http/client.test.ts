/**
 * HttpClient over plain HTTP (Http1): responses written byte by byte by a raw TCP server, so that
 * every framing — Content-Length, chunked with extensions and trailers, until close, interim 1xx,
 * heads and bodies split anywhere — and every failure is read as node:http would read it, with
 * the same messages; keep-alive connections are reused, and dropped when they cannot be trusted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { HttpClient } from '../../../edge/http/client.ts';
import { BodyBuffer } from '../../../edge/http/body-buffer.ts';
import { BodyPool } from '../../../edge/http/body-pool.ts';

interface Raw {
  url: string;
  /** Requests received, as text, and the connection (0, 1, …) each came on. */
  requests: { text: string; conn: number }[];
  connections: number;
  close(): Promise<void>;
}

/**
 * raw serves each request with `respond(socket, request, connection)`: whatever bytes it writes
 * (it may end or destroy the socket).
 */
async function raw(respond: (s: net.Socket, req: string, conn: number) => void): Promise<Raw> {
  const sockets = new Set<net.Socket>();
  const r: Raw = { url: '', requests: [], connections: 0, close: async () => {} };
  const server = net.createServer((s) => {
    sockets.add(s);
    const conn = r.connections++;
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const req = buf.slice(0, end);
        buf = buf.slice(end + 4);
        r.requests.push({ text: req, conn });
        respond(s, req, conn);
      }
    });
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  r.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  r.close = () =>
    new Promise<void>((done) => {
      for (const s of sockets) s.destroy();
      server.close(() => done());
    });
  cleanup.push(() => r.close());
  return r;
}

/** dribble writes `bytes` a few at a time, on separate turns, then calls `then`. */
function dribble(s: net.Socket, bytes: string | Buffer, step: number, then?: () => void): void {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  let at = 0;
  const next = () => {
    if (s.destroyed) return;
    if (at >= b.length) return then?.();
    s.write(b.subarray(at, at + step));
    at += step;
    setTimeout(next, 1);
  };
  next();
}

const cleanup: (() => Promise<void>)[] = [];
const clients: HttpClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const f of cleanup.splice(0).reverse()) await f();
});

function client(): HttpClient {
  const c = new HttpClient();
  clients.push(c);
  return c;
}

async function get(c: HttpClient, url: string, opts: { maxBytes?: number; timeoutMs?: number; into?: BodyBuffer } = {}): Promise<string> {
  try {
    const res = await c.get(url, { timeoutMs: opts.timeoutMs ?? 2000, maxBytes: opts.maxBytes ?? 0, into: opts.into ?? new BodyBuffer() });
    return `${res.status} ${res.contentType} ${res.body.toString()}`;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe('HttpClient over plain HTTP', () => {
  it('reads Content-Length bodies and reuses the connection', async () => {
    const s = await raw((sock, _req, conn) => sock.write(ok(`hello ${conn}`)));
    const c = client();
    const into = new BodyBuffer();
    expect(await get(c, `${s.url}/metrics`, { into })).toBe('200 text/plain hello 0');
    expect(await get(c, `${s.url}/metrics`, { into })).toBe('200 text/plain hello 0');
    expect(s.connections).toBe(1);
    expect(s.requests[0].text).toMatch(/^GET \/metrics HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\naccept-encoding: gzip$/);
  });

  it('reads heads and bodies split anywhere, chunked with extensions and trailers, and 1xx first', async () => {
    const chunked =
      'HTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: a/b\r\n\r\n' +
      '5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n';
    const s = await raw((sock) => dribble(sock, chunked, 3));
    const c = client();
    expect(await get(c, s.url)).toBe('200 a/b hello 0123456789');
    expect(await get(c, s.url)).toBe('200 a/b hello 0123456789');
    expect(s.connections).toBe(1);
  });

  it('reads a body that ends with the connection', async () => {
    const s = await raw((sock) => dribble(sock, 'HTTP/1.0 200 OK\r\nContent-Type: t\r\n\r\nuntil the end', 4, () => sock.end()));
    const c = client();
    expect(await get(c, s.url)).toBe('200 t until the end');
    expect(await get(c, s.url)).toBe('200 t until the end');
    expect(s.connections).toBe(2); // HTTP/1.0 without keep-alive: never pooled
  });

  it('asks again on a fresh connection when the server closed the pooled one', async () => {
    let served = 0;
    const s = await raw((sock, _req, conn) => {
      served++;
      if (conn === 0 && served === 2) sock.destroy(); // closes as the second request arrives
      else sock.write(ok(`c${conn}`));
      if (conn === 1) setTimeout(() => sock.destroy(), 20); // closes while idle
    });
    const c = client();
    expect(await get(c, s.url)).toBe('200 text/plain c0');
    expect(await get(c, s.url)).toBe('200 text/plain c1');
    await new Promise((r) => setTimeout(r, 60));
    expect(await get(c, s.url)).toBe('200 text/plain c2');
    expect(s.connections).toBe(3);
  });

  it('never reuses a connection that sent more than its response', async () => {
    const s = await raw((sock, req, conn) => {
      if (req.includes('/later')) {
        sock.write(ok(`c${conn}`));
        setTimeout(() => sock.write('junk'), 20); // while idle in the pool
      } else sock.write(ok(`c${conn}`) + 'junk');
    });
    const c = client();
    expect(await get(c, s.url)).toBe('200 text/plain c0');
    expect(await get(c, `${s.url}/later`)).toBe('200 text/plain c1');
    await new Promise((r) => setTimeout(r, 60));
    expect(await get(c, s.url)).toBe('200 text/plain c2');
  });

  it('decodes gzip bodies within the body limit', async () => {
    const body = 'm 1\n'.repeat(1000);
    const gz = gzipSync(body);
    const gzSmall = gzipSync('s 1\n');
    const s = await raw((sock, req) => {
      if (req.includes('/small')) sock.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gzSmall.length}\r\n\r\n`), gzSmall]));
      else if (req.includes('/bad')) sock.write('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope');
      else if (req.includes('/huge')) sock.write(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 50000000\r\n\r\n'), gz]));
      else if (req.includes('/br')) sock.write('HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\nx');
      else sock.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz]));
    });
    const c = client();
    expect(await get(c, s.url)).toBe(`200 null ${body}`);
    expect(await get(c, s.url, { maxBytes: body.length })).toBe(`200 null ${body}`);
    // A shorter coded body after a longer one, on the same connection.
    expect(await get(c, `${s.url}/small`)).toBe('200 null s 1\n');
    expect(s.connections).toBe(1);
    expect(await get(c, s.url, { maxBytes: body.length - 1 })).toBe(`error: body size limit exceeded: more than ${body.length - 1} bytes`);
    // A coded length far over the limit reserves nothing for it: the bytes are received as they come.
    const into = new BodyBuffer(new BodyPool());
    expect(await get(c, `${s.url}/huge`, { maxBytes: body.length, timeoutMs: 100, into })).toMatch(/deadline exceeded/);
    expect(into.capacity).toBeLessThan(1 << 20);
    expect(await get(c, `${s.url}/bad`)).toBe(`error: decompress the body of ${s.url}/bad: incorrect header check`);
    expect(await get(c, `${s.url}/br`)).toBe(`error: unsupported Content-Encoding "br" from ${s.url}/br`);
  });

  it('follows redirects, and stops after ten', async () => {
    const s = await raw((sock, req) => {
      const path = /^GET (\S+)/.exec(req)![1];
      if (path === '/moved') sock.write('HTTP/1.1 302 Found\r\nLocation: /metrics\r\nContent-Length: 0\r\n\r\n');
      else if (path.startsWith('/loop')) sock.write(`HTTP/1.1 301 Moved\r\nLocation: /loop${path.length}\r\nContent-Length: 0\r\n\r\n`);
      else sock.write(ok('here'));
    });
    const c = client();
    expect(await get(c, `${s.url}/moved`)).toBe('200 text/plain here');
    expect(await get(c, `${s.url}/loop`)).toMatch(/^error: Get "http:\/\/127\.0\.0\.1:\d+\/loop\d+": stopped after 10 redirects$/);
  });

  it('fails with the messages node:http gives', async () => {
    const s = await raw((sock, req) => {
      const path = /^GET (\S+)/.exec(req)![1];
      if (path === '/404') sock.write('HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n');
      else if (path === '/cut') sock.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this');
      else if (path === '/hangup') sock.destroy();
      else if (path === '/garbage') sock.write('SPDY/9 200 OK\r\n\r\n');
      else if (path === '/length') sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx');
      else if (path === '/chunk') sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
      else if (path === '/big') sock.write(ok('x'.repeat(5000)));
      else if (path === '/lie') sock.end('HTTP/1.1 200 OK\r\nContent-Length: 999999999999999\r\n\r\nonly this');
      else if (path === '/ok') sock.write(ok('fine'));
      // '/hang': no answer
    });
    const c = client();
    const u = s.url;
    expect(await get(c, `${u}/404`)).toBe('error: server returned HTTP status 404 Not Found');
    expect(await get(c, `${u}/cut`)).toBe(`error: read the body of ${u}/cut: connection reset by peer`);
    expect(await get(c, `${u}/hangup`)).toBe(`error: Get "${u}/hangup": connection reset by peer`);
    expect(await get(c, `${u}/garbage`)).toBe(`error: Get "${u}/garbage": malformed HTTP response "SPDY/9 200 OK"`);
    expect(await get(c, `${u}/length`)).toBe(`error: Get "${u}/length": invalid Content-Length "2"`);
    expect(await get(c, `${u}/chunk`)).toBe(`error: Get "${u}/chunk": invalid chunk size "zz"`);
    // A length no Buffer can hold is not reserved (allocating it would throw, and end the process).
    expect(await get(c, `${u}/lie`)).toBe(`error: read the body of ${u}/lie: connection reset by peer`);
    expect(await get(c, `${u}/big`, { maxBytes: 4096 })).toBe('error: body size limit exceeded: more than 4096 bytes');
    expect(await get(c, `${u}/hang`, { timeoutMs: 100 })).toBe(`error: Get "${u}/hang": context deadline exceeded (timeout 0.1s)`);
    // Every failure dropped its connection: the next request still works.
    expect(await get(c, `${u}/ok`)).toBe('200 text/plain fine');
  });

  it('reports a refused connection as Prometheus does', async () => {
    const s = await raw(() => {});
    const url = s.url;
    await s.close();
    expect(await get(client(), url)).toMatch(/^error: Get "http:\/\/127\.0\.0\.1:\d+": dial tcp 127\.0\.0\.1:\d+: connect: connection refused$/);
  });

  it('sends credentials from the URL as Basic authorization and refuses header injection', async () => {
    const s = await raw((sock) => sock.write(ok('')));
    const c = client();
    const u = new URL(s.url);
    expect(await get(c, `http://us%20er:p%40ss@${u.host}/`)).toBe('200 text/plain ');
    expect(s.requests[0].text).toContain(`authorization: Basic ${Buffer.from('us er:p@ss').toString('base64')}`);
    const bad = await c.get(s.url, { timeoutMs: 1000, headers: { 'x-evil': 'a\r\nx-injected: 1' } }).then(
      () => 'no error',
      (err: Error) => err.message,
    );
    expect(bad).toBe(`Get "${s.url}": invalid character in header "x-evil"`);
  });
});
