/**
 * The web configuration file of `--web.config.file`, in the format of Prometheus' exporter-toolkit
 * (https://prometheus.io/docs/prometheus/latest/configuration/https/): `tls_server_config`
 * (cert_file, key_file, client_ca_file, client_auth_type, min_version, max_version),
 * `http_server_config` (headers; `http2` is accepted, Node's https serves HTTP/1.1) and
 * `basic_auth_users` (user: bcrypt hash, `$2a$`/`$2b$`/`$2y$`). Outpost adds `bearer_tokens`, a
 * list of tokens accepted as `Authorization: Bearer <token>` (Prometheus has no such key; a file
 * using it is Outpost-only). Unknown keys are errors, as exporter-toolkit parses strictly; relative
 * paths are relative to the file. The file is read once: a change needs a restart.
 *
 * webConfigAuth() is the hono middleware that enforces the users and tokens; tlsServerOptions()
 * gives the options for serve() in serve.ts, which enforces the client certificate policy.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { parse } from 'yaml';
import { BcryptFormatError, bcryptVerify, parseHash } from './bcrypt.ts';

/** WebConfigError: the web config file cannot be used; the message names the file and the key. */
export class WebConfigError extends Error {
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.name = 'WebConfigError';
  }
}

/** ClientAuthType: exporter-toolkit's names for Go's tls.ClientAuthType. */
export type ClientAuthType = 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';

const CLIENT_AUTH: Record<string, ClientAuthType> = {
  '': 'NoClientCert',
  NoClientCert: 'NoClientCert',
  RequestClientCert: 'RequestClientCert',
  RequireAnyClientCert: 'RequireAnyClientCert',
  RequireClientCert: 'RequireAnyClientCert', // the older name exporter-toolkit still accepts
  VerifyClientCertIfGiven: 'VerifyClientCertIfGiven',
  RequireAndVerifyClientCert: 'RequireAndVerifyClientCert',
};

const TLS_VERSIONS: Record<string, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/** Response headers exporter-toolkit lets the file set. */
const HEADERS = ['Content-Security-Policy', 'X-Frame-Options', 'X-Content-Type-Options', 'X-XSS-Protection', 'Strict-Transport-Security'];

/** TlsServerConfig: PEM contents and the client certificate policy. */
export interface TlsServerConfig {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  clientAuth: ClientAuthType;
  minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

/** WebConfig: a parsed web config file. */
export interface WebConfig {
  tls?: TlsServerConfig;
  headers: Record<string, string>;
  /** user → bcrypt hash. */
  users: Map<string, string>;
  bearerTokens: string[];
}

type Obj = Record<string, unknown>;

function section(file: string, v: unknown, at: string, keys: readonly string[]): Obj {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new WebConfigError(file, `${at}: want a mapping`);
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw new WebConfigError(file, `${at}: field ${k} not found in type ${at || 'web config'} (unknown key)`);
  return v as Obj;
}

function str(file: string, o: Obj, key: string, at: string): string {
  const v = o[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new WebConfigError(file, `${at}.${key}: want a string`);
  return v;
}

/** parseWebConfig parses the file's text; `file` names it in errors and anchors relative paths. */
export function parseWebConfig(text: string, file: string): WebConfig {
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: true });
  } catch (err) {
    throw new WebConfigError(file, `invalid YAML: ${(err as Error).message}`, { cause: err });
  }
  const top = section(file, doc, '', ['tls_server_config', 'http_server_config', 'basic_auth_users', 'bearer_tokens']);
  const read = (p: string, what: string) => {
    const path = isAbsolute(p) ? p : join(dirname(file), p);
    try {
      return readFileSync(path);
    } catch (err) {
      throw new WebConfigError(file, `tls_server_config.${what}: ${(err as Error).message}`, { cause: err });
    }
  };

  let tls: TlsServerConfig | undefined;
  if (top.tls_server_config !== undefined && top.tls_server_config !== null) {
    const at = 'tls_server_config';
    const t = section(file, top.tls_server_config, at, ['cert_file', 'key_file', 'client_ca_file', 'client_auth_type', 'min_version', 'max_version']);
    const certFile = str(file, t, 'cert_file', at);
    const keyFile = str(file, t, 'key_file', at);
    if (certFile === '') throw new WebConfigError(file, 'missing cert_file');
    if (keyFile === '') throw new WebConfigError(file, 'missing key_file');
    const auth = str(file, t, 'client_auth_type', at);
    const clientAuth = CLIENT_AUTH[auth];
    if (clientAuth === undefined) throw new WebConfigError(file, `Invalid ClientAuth: ${auth}`);
    const caFile = str(file, t, 'client_ca_file', at);
    if (caFile !== '' && clientAuth === 'NoClientCert') throw new WebConfigError(file, "Client CA's have been configured without a Client Auth Policy");
    const version = (key: string, fallback: string) => {
      const v = str(file, t, key, at) || fallback;
      if (v === '') return undefined;
      const node = TLS_VERSIONS[v];
      if (!node) throw new WebConfigError(file, `${at}.${key}: unknown TLS version: ${v}`);
      return node;
    };
    tls = {
      cert: read(certFile, 'cert_file'),
      key: read(keyFile, 'key_file'),
      ca: caFile ? read(caFile, 'client_ca_file') : undefined,
      clientAuth,
      minVersion: version('min_version', 'TLS12')!,
      maxVersion: version('max_version', ''),
    };
  }

  const http = section(file, top.http_server_config, 'http_server_config', ['http2', 'headers']);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(section(file, http.headers, 'http_server_config.headers', HEADERS))) {
    if (typeof v !== 'string') throw new WebConfigError(file, `http_server_config.headers.${k}: want a string`);
    headers[k] = v;
  }

  const users = new Map<string, string>();
  for (const [user, hash] of Object.entries(section(file, top.basic_auth_users, 'basic_auth_users', Object.keys((top.basic_auth_users ?? {}) as Obj)))) {
    if (typeof hash !== 'string') throw new WebConfigError(file, `basic_auth_users.${user}: want a bcrypt hash string`);
    try {
      parseHash(hash);
    } catch (err) {
      if (err instanceof BcryptFormatError) throw new WebConfigError(file, `basic_auth_users.${user}: ${err.message}`, { cause: err });
      throw err;
    }
    users.set(user, hash);
  }

  const tokens = top.bearer_tokens ?? [];
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string' || t === '')) throw new WebConfigError(file, 'bearer_tokens: want a list of non-empty strings');
  return { tls, headers, users, bearerTokens: tokens as string[] };
}

/** loadWebConfig reads and parses `--web.config.file`. */
export function loadWebConfig(file: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WebConfigError(file, `cannot read the web config file: ${(err as Error).message}`, { cause: err });
  }
  return parseWebConfig(text, file);
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** A hash to spend the same time on for unknown users, so that names cannot be probed by timing. */
const DUMMY_HASH = '$2b$10$Outpost.unknown.user.hYDV8hKTUuFiPDGZtXAXu.7rUMu8VwXo';

/**
 * webConfigAuth: middleware that lets a request through when it carries a listed user's password
 * (`Authorization: Basic`) or a listed token (`Authorization: Bearer`), and answers 401
 * `Unauthorized` with a `WWW-Authenticate` challenge otherwise. With neither users nor tokens it
 * only adds the configured headers. Successful password checks are cached (at most 256, keyed by
 * a SHA-256 of user, hash and password) since bcrypt is slow by design.
 */
export function webConfigAuth(config: WebConfig): MiddlewareHandler {
  const cache = new Map<string, true>();
  const tokens = config.bearerTokens.map(digest);
  const required = config.users.size > 0 || tokens.length > 0;
  const challenge = config.users.size > 0 ? 'Basic' : 'Bearer';
  const passwordOk = (user: string, password: string) => {
    const hash = config.users.get(user);
    const key = digest(`${user}\0${hash ?? ''}\0${password}`).toString('hex');
    if (hash !== undefined && cache.has(key)) return true;
    const ok = bcryptVerify(password, hash ?? DUMMY_HASH) && hash !== undefined;
    if (ok) {
      if (cache.size >= 256) cache.delete(cache.keys().next().value!);
      cache.set(key, true);
    }
    return ok;
  };
  const allowed = (header: string | undefined) => {
    if (!header) return false;
    const sp = header.indexOf(' ');
    const scheme = header.slice(0, sp).toLowerCase();
    const cred = header.slice(sp + 1).trim();
    if (scheme === 'basic' && config.users.size > 0) {
      const text = Buffer.from(cred, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      return colon >= 0 && passwordOk(text.slice(0, colon), text.slice(colon + 1));
    }
    if (scheme === 'bearer' && tokens.length > 0) {
      const d = digest(cred);
      return tokens.some((t) => timingSafeEqual(t, d));
    }
    return false;
  };
  const headers = Object.entries(config.headers);
  return async (c, next) => {
    if (required && !allowed(c.req.header('authorization'))) {
      for (const [k, v] of headers) c.header(k, v);
      c.header('WWW-Authenticate', challenge);
      return c.text('Unauthorized\n', 401);
    }
    await next();
    // After the handler: API handlers return Responses of their own (respond.ts jsonResponse),
    // which do not carry headers set on the context beforehand.
    for (const [k, v] of headers) c.res.headers.set(k, v);
  };
}
