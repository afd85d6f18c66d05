/**
 * The HTTP client settings Prometheus inlines into scrape configs, HTTP SD, Alertmanager and
 * remote read/write sections (prometheus/common's HTTPClientConfig): basic_auth, authorization,
 * bearer_token(_file), tls_config, proxy and redirect settings, with the same validation rules.
 */
import type { Fields, YamlValue } from './yaml-value.ts';

export interface BasicAuth {
  readonly username: string;
  readonly usernameFile: string;
  readonly password: string;
  readonly passwordFile: string;
}

export interface Authorization {
  /** The scheme, `Bearer` unless set. */
  readonly type: string;
  readonly credentials: string;
  readonly credentialsFile: string;
}

/** TLSConfig: file paths are resolved against the config file's directory. */
export interface TLSConfig {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Inline PEM text, the alternative to the *_file fields. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly serverName: string;
  readonly insecureSkipVerify: boolean;
  /** `TLS10` … `TLS13`, or '' for the default. */
  readonly minVersion: string;
  readonly maxVersion: string;
}

export interface HTTPClientConfig {
  readonly basicAuth: BasicAuth | null;
  /** Set by `authorization`, or by the older `bearer_token` / `bearer_token_file`. */
  readonly authorization: Authorization | null;
  readonly tlsConfig: TLSConfig;
  readonly proxyUrl: string;
  readonly noProxy: string;
  readonly proxyFromEnvironment: boolean;
  readonly followRedirects: boolean;
  readonly enableHttp2: boolean;
}

export const HTTP_CLIENT_FIELDS = [
  'basic_auth', 'authorization', 'bearer_token', 'bearer_token_file', 'tls_config', 'proxy_url', 'no_proxy',
  'proxy_from_environment', 'follow_redirects', 'enable_http2',
] as const;

const TLS_VERSIONS = new Set(['TLS10', 'TLS11', 'TLS12', 'TLS13']);

/** parseTLSConfig reads a `tls_config` mapping. */
export function parseTLSConfig(v: YamlValue | undefined): TLSConfig {
  if (v === undefined) {
    return { caFile: '', certFile: '', keyFile: '', ca: '', cert: '', key: '', serverName: '', insecureSkipVerify: false, minVersion: '', maxVersion: '' };
  }
  const f = v.fields();
  const str = (k: string) => f.opt(k, (x) => x.str(), '');
  const file = (k: string) => f.opt(k, (x) => x.file(), '');
  const version = (k: string) => {
    const s = str(k);
    if (s !== '' && !TLS_VERSIONS.has(s)) f.at(k).fail(`unknown TLS version ${JSON.stringify(s)} (use TLS10, TLS11, TLS12 or TLS13)`);
    return s;
  };
  const c: TLSConfig = {
    caFile: file('ca_file'), certFile: file('cert_file'), keyFile: file('key_file'),
    ca: str('ca'), cert: str('cert'), key: str('key'),
    serverName: str('server_name'),
    insecureSkipVerify: f.opt('insecure_skip_verify', (x) => x.bool(), false),
    minVersion: version('min_version'), maxVersion: version('max_version'),
  };
  f.done();
  if (c.ca !== '' && c.caFile !== '') v.fail('at most one of ca and ca_file must be configured');
  if (c.cert !== '' && c.certFile !== '') v.fail('at most one of cert and cert_file must be configured');
  if (c.key !== '' && c.keyFile !== '') v.fail('at most one of key and key_file must be configured');
  const hasCert = c.cert !== '' || c.certFile !== '';
  const hasKey = c.key !== '' || c.keyFile !== '';
  if (hasCert && !hasKey) v.fail('exactly one of key or key_file must be configured when a client certificate is configured');
  if (hasKey && !hasCert) v.fail('exactly one of cert or cert_file must be configured when a client key is configured');
  if (c.minVersion !== '' && c.maxVersion !== '' && c.minVersion > c.maxVersion) {
    v.fail(`max_version ${c.maxVersion} must not be lower than min_version ${c.minVersion}`);
  }
  return c;
}

/**
 * parseHTTPClient reads the inlined HTTP client fields from `f` (a mapping that also holds the
 * section's own fields). `defaults` adjusts the two flags whose defaults differ by section.
 */
export function parseHTTPClient(f: Fields, defaults: { followRedirects?: boolean; enableHttp2?: boolean } = {}): HTTPClientConfig {
  let basicAuth: BasicAuth | null = null;
  const ba = f.get('basic_auth');
  if (ba) {
    const bf = ba.fields();
    basicAuth = {
      username: bf.opt('username', (x) => x.str(), ''),
      usernameFile: bf.opt('username_file', (x) => x.file(), ''),
      password: bf.opt('password', (x) => x.str(), ''),
      passwordFile: bf.opt('password_file', (x) => x.file(), ''),
    };
    bf.done();
    if (basicAuth.username !== '' && basicAuth.usernameFile !== '') ba.fail('at most one of basic_auth username & username_file must be configured');
    if (basicAuth.password !== '' && basicAuth.passwordFile !== '') ba.fail('at most one of basic_auth password & password_file must be configured');
  }
  let authorization: Authorization | null = null;
  const au = f.get('authorization');
  if (au) {
    const af = au.fields();
    authorization = {
      type: af.opt('type', (x) => x.str(), '') || 'Bearer',
      credentials: af.opt('credentials', (x) => x.str(), ''),
      credentialsFile: af.opt('credentials_file', (x) => x.file(), ''),
    };
    af.done();
    if (authorization.credentials !== '' && authorization.credentialsFile !== '') {
      au.fail('at most one of authorization credentials & credentials_file must be configured');
    }
    if (authorization.type.toLowerCase() === 'basic') {
      af.at('type').fail('authorization type cannot be set to "basic", use "basic_auth" instead');
    }
  }
  const bearer = f.opt('bearer_token', (x) => x.str(), '');
  const bearerFile = f.opt('bearer_token_file', (x) => x.file(), '');
  if (bearer !== '' && bearerFile !== '') f.at('bearer_token').fail('at most one of bearer_token & bearer_token_file must be configured');
  if (bearer !== '' || bearerFile !== '') {
    if (basicAuth) f.at('bearer_token').fail('at most one of basic_auth, bearer_token & bearer_token_file must be configured');
    if (authorization) f.at('bearer_token').fail('at most one of authorization, bearer_token & bearer_token_file must be configured');
    authorization = { type: 'Bearer', credentials: bearer, credentialsFile: bearerFile };
  }
  if (basicAuth && authorization) f.at('authorization').fail('at most one of basic_auth & authorization must be configured');
  const proxyUrl = f.opt('proxy_url', (x) => x.str(), '');
  if (proxyUrl !== '' && !URL.canParse(proxyUrl)) f.at('proxy_url').fail(`${JSON.stringify(proxyUrl)} is not a valid URL`);
  const noProxy = f.opt('no_proxy', (x) => x.str(), '');
  const proxyFromEnvironment = f.opt('proxy_from_environment', (x) => x.bool(), false);
  if (proxyFromEnvironment && proxyUrl !== '') f.at('proxy_url').fail('if proxy_from_environment is configured, proxy_url must not be configured');
  if (noProxy !== '' && proxyUrl === '') f.at('no_proxy').fail('if no_proxy is configured, proxy_url must also be configured');
  return {
    basicAuth,
    authorization,
    tlsConfig: parseTLSConfig(f.get('tls_config')),
    proxyUrl,
    noProxy,
    proxyFromEnvironment,
    followRedirects: f.opt('follow_redirects', (x) => x.bool(), defaults.followRedirects ?? true),
    enableHttp2: f.opt('enable_http2', (x) => x.bool(), defaults.enableHttp2 ?? true),
  };
}
