/**
 * HTTP client for scrapes and HTTP service discovery: GET with keep-alive connections, the job's
 * `tls_config` (CA, client certificate, server name, insecure_skip_verify, TLS versions), its
 * authorization header, gzip decoding, a deadline that covers the whole exchange, and a cap on
 * the decoded body size. Plain `http:` goes through Http1 (http1.ts), which reads into buffers it
 * keeps instead of allocating one per socket read; `https:` through node:https. Every failure
 * is an HttpError whose message says what went wrong in Prometheus' words where it has some.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { SecureVersion } from 'node:tls';
import { createGunzip } from 'node:zlib';
import type { HTTPClientConfig, TLSConfig } from '../../shared/config/http-client.ts';
import { BodyBuffer } from './body-buffer.ts';
import { unpooled } from './body-pool.ts';
import { Http1Pool, type Http1Failure } from './http1.ts';

/** HttpError: a request that failed; `kind` tells timeouts and size limits from the rest. */
export class HttpError extends Error {
  constructor(readonly kind: 'timeout' | 'body_size' | 'status' | 'network' | 'decode', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpError';
  }
}

/** ClientSetupError: the client cannot be built (unreadable CA, certificate, key or credentials file). */
export class ClientSetupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientSetupError';
  }
}

/** GetOptions: one request's headers and bounds. */
export interface GetOptions {
  headers?: Record<string, string>;
  /** Deadline for the whole exchange, body included; 0 means none. */
  timeoutMs: number;
  /** The most decoded body bytes accepted; 0 means no limit. */
  maxBytes?: number;
  /** Accept gzip and decode it (default true). */
  gzip?: boolean;
  /**
   * A buffer to receive the body into; the result's body is then a view of it, valid until its
   * next reset or release (the caller releases it once the body is read, whether get resolved or
   * not). Without one, the body is a Buffer of its own.
   */
  into?: BodyBuffer;
}

/** GetResult: a 2xx response's status, headers and whole body. */
export interface GetResult {
  status: number;
  contentType: string | null;
  body: Buffer;
}

const MAX_REDIRECTS = 10;
const TLS_VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/**
 * HttpClient: GETs with shared keep-alive connections. Safe for concurrent use; close() ends its
 * idle connections.
 */
export class HttpClient {
  readonly #http1 = new Http1Pool();
  readonly #https: https.Agent;
  readonly #headers: Record<string, string>;
  readonly #followRedirects: boolean;

  /** HttpClient builds a client; files named by the config are read now (ClientSetupError if unreadable). */
  constructor(config?: HTTPClientConfig) {
    this.#https = new https.Agent({ keepAlive: true, maxSockets: 4, ...(config ? tlsOptions(config.tlsConfig) : {}) });
    this.#headers = config ? authHeaders(config) : {};
    this.#followRedirects = config?.followRedirects ?? true;
  }

  /** get fetches `url` and resolves with a 2xx response's body, or rejects with HttpError. */
  get(url: string, opts: GetOptions): Promise<GetResult> {
    return new Promise<GetResult>((resolve, reject) => {
      const deadline = opts.timeoutMs > 0 ? Date.now() + opts.timeoutMs : Infinity;
      let timer: NodeJS.Timeout | undefined;
      let abort: (() => void) | undefined;
      let settled = false;
      const finish = (err: Error | null, res?: GetResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          abort?.();
          reject(err);
        } else resolve(res!);
      };
      if (deadline !== Infinity) {
        timer = setTimeout(() => finish(new HttpError('timeout', `Get "${url}": context deadline exceeded (timeout ${opts.timeoutMs / 1000}s)`)), opts.timeoutMs);
      }
      const gzip = opts.gzip ?? true;
      const headers = { 'accept-encoding': gzip ? 'gzip' : 'identity', ...this.#headers, ...opts.headers };
      const attempt = (target: string, redirects: number) => {
        let u: URL;
        try {
          u = new URL(target);
        } catch (err) {
          finish(new HttpError('network', `Get "${target}": invalid URL`, { cause: err }));
          return;
        }
        const isHttps = u.protocol === 'https:';
        if (!isHttps && u.protocol !== 'http:') {
          finish(new HttpError('network', `Get "${target}": unsupported protocol scheme "${u.protocol.slice(0, -1)}"`));
          return;
        }
        const limit = opts.maxBytes ?? 0;
        const status = (code: number, message: string, location: string | null | undefined, drop: () => void): boolean => {
          if (code >= 300 && code < 400 && location && this.#followRedirects) {
            drop();
            if (redirects >= MAX_REDIRECTS) finish(new HttpError('network', `Get "${target}": stopped after ${MAX_REDIRECTS} redirects`));
            else attempt(new URL(location, u).toString(), redirects + 1);
            return false;
          }
          if (code < 200 || code >= 300) {
            drop();
            finish(new HttpError('status', `server returned HTTP status ${code} ${message}`.trimEnd()));
            return false;
          }
          return true;
        };
        if (!isHttps) {
          // Fast path: plain HTTP without node:http (see http1.ts).
          const into = opts.into ?? new BodyBuffer(unpooled);
          let contentType: string | null = null;
          let code = 0;
          try {
            abort = this.#http1.exchange({ url: u, headers: lowerCase(headers), into, maxBytes: limit }, {
              head: (h) => {
                code = h.status;
                contentType = h.contentType;
                return status(h.status, h.statusMessage, h.location, () => undefined);
              },
              done: (body) => finish(null, { status: code, contentType, body }),
              fail: (f) => finish(http1Error(f, target, limit)),
            });
          } catch (err) {
            finish(new HttpError('network', `Get "${target}": ${(err as Error).message}`, { cause: err }));
          }
          return;
        }
        const req = https.request(u, { method: 'GET', headers, agent: this.#https });
        abort = () => req.destroy();
        req.on('error', (err) => finish(new HttpError('network', `Get "${target}": ${describe(err)}`, { cause: err })));
        req.on('response', (res) => {
          const code = res.statusCode ?? 0;
          if (!status(code, res.statusMessage ?? '', res.headers.location, () => res.resume())) return;
          const encoding = (res.headers['content-encoding'] ?? '').toLowerCase();
          let stream: NodeJS.ReadableStream = res;
          if (encoding === 'gzip') {
            const gunzip = createGunzip();
            // A failure (timeout, size limit) stops the inflating too, not only the reading.
            abort = () => {
              req.destroy();
              gunzip.destroy();
            };
            gunzip.on('error', (err) => finish(new HttpError('decode', `decompress the body of ${target}: ${err.message}`, { cause: err })));
            stream = res.pipe(gunzip);
          } else if (encoding !== '' && encoding !== 'identity') {
            res.resume();
            finish(new HttpError('decode', `unsupported Content-Encoding ${JSON.stringify(encoding)} from ${target}`));
            return;
          }
          const into = opts.into;
          const chunks: Buffer[] = [];
          let size = 0;
          if (into) {
            const declared = encoding === 'gzip' ? 0 : Number(res.headers['content-length'] ?? 0);
            into.reset(Number.isSafeInteger(declared) && declared > 0 && (limit === 0 || declared <= limit) ? declared : 0);
          }
          stream.on('data', (chunk: Buffer) => {
            // A late chunk (the exchange timed out) must not write into a buffer given back since.
            if (settled) return;
            size += chunk.length;
            if (limit > 0 && size > limit) {
              // finish first: destroying the response emits events that must not win the race.
              finish(new HttpError('body_size', `body size limit exceeded: more than ${limit} bytes`));
              res.destroy();
              return;
            }
            // Fast path: copied into the caller's buffer. Slow path: kept for one concat at the end.
            if (into) into.append(chunk);
            else chunks.push(chunk);
          });
          stream.on('end', () => {
            if (settled) return;
            const body = into ? into.finish() : Buffer.concat(chunks, size);
            finish(null, { status: code, contentType: res.headers['content-type'] ?? null, body });
          });
          res.on('error', (err) => finish(new HttpError('network', `read the body of ${target}: ${describe(err)}`, { cause: err })));
          res.on('aborted', () => finish(new HttpError('network', `read the body of ${target}: connection reset by peer`)));
        });
        req.end();
      };
      attempt(url, 0);
    });
  }

  /** close ends idle keep-alive connections; requests in flight finish. */
  close(): void {
    this.#http1.close();
    this.#https.destroy();
  }
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) out[name.toLowerCase()] = headers[name];
  return out;
}

/** http1Error words an Http1 failure as node:http's would be worded for the same cause. */
function http1Error(f: Http1Failure, target: string, limit: number): HttpError {
  switch (f.kind) {
    case 'network':
      return new HttpError('network', `Get "${target}": ${describe(f.error as NodeJS.ErrnoException)}`, { cause: f.error });
    case 'protocol':
      return new HttpError('network', `Get "${target}": ${f.reason}`);
    case 'aborted':
      return new HttpError('network', `read the body of ${target}: connection reset by peer`);
    case 'body_size':
      return new HttpError('body_size', `body size limit exceeded: more than ${limit} bytes`);
    case 'decode':
      return new HttpError('decode', `decompress the body of ${target}: ${f.error.message}`, { cause: f.error });
    case 'encoding':
      return new HttpError('decode', `unsupported Content-Encoding ${JSON.stringify(f.encoding)} from ${target}`);
  }
}

function describe(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return `dial tcp ${(err as { address?: string }).address ?? ''}:${(err as { port?: number }).port ?? ''}: connect: connection refused`;
  if (err.code === 'ECONNRESET') return 'connection reset by peer';
  return err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message;
}

function readConfigFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ClientSetupError(`read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** tlsOptions maps a tls_config onto node:tls options, reading the files it names. */
export function tlsOptions(tls: TLSConfig): https.AgentOptions {
  const out: https.AgentOptions = {};
  const ca = tls.caFile ? readConfigFile(tls.caFile, 'ca_file') : tls.ca;
  if (ca) out.ca = ca;
  const cert = tls.certFile ? readConfigFile(tls.certFile, 'cert_file') : tls.cert;
  const key = tls.keyFile ? readConfigFile(tls.keyFile, 'key_file') : tls.key;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  if (tls.serverName) out.servername = tls.serverName;
  if (tls.insecureSkipVerify) out.rejectUnauthorized = false;
  if (tls.minVersion) out.minVersion = TLS_VERSIONS[tls.minVersion];
  if (tls.maxVersion) out.maxVersion = TLS_VERSIONS[tls.maxVersion];
  return out;
}

/** authHeaders builds the Authorization header of basic_auth or authorization, reading credential files. */
export function authHeaders(config: HTTPClientConfig): Record<string, string> {
  const { basicAuth, authorization } = config;
  if (basicAuth) {
    const user = basicAuth.usernameFile ? readConfigFile(basicAuth.usernameFile, 'username_file').trim() : basicAuth.username;
    const pass = basicAuth.passwordFile ? readConfigFile(basicAuth.passwordFile, 'password_file').trim() : basicAuth.password;
    return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
  }
  if (authorization) {
    const cred = authorization.credentialsFile ? readConfigFile(authorization.credentialsFile, 'credentials_file').trim() : authorization.credentials;
    return { authorization: `${authorization.type} ${cred}` };
  }
  return {};
}
