/**
 * `remote_write` and `remote_read` endpoints, with Prometheus 3's defaults (queue sizes, backoff,
 * metadata sending, timeouts) and checks (a URL is required, reserved headers cannot be set, names
 * are unique, the queue's bounds are consistent).
 */
import type { NameValidationScheme, RelabelConfig } from '../relabel/index.ts';
import { parseHTTPClient, type HTTPClientConfig } from './http-client.ts';
import { parseRelabelConfigs } from './relabel-yaml.ts';
import type { Fields, YamlValue } from './yaml-value.ts';

export interface QueueConfig {
  readonly capacity: number;
  readonly maxShards: number;
  readonly minShards: number;
  readonly maxSamplesPerSend: number;
  readonly batchSendDeadline: number;
  readonly minBackoff: number;
  readonly maxBackoff: number;
  readonly retryOnRateLimit: boolean;
  /** Samples older than this are dropped; 0 keeps everything. */
  readonly sampleAgeLimit: number;
}

export interface MetadataConfig {
  readonly send: boolean;
  readonly sendInterval: number;
  readonly maxSamplesPerSend: number;
}

/** The two remote-write protocol messages: 1.0 and 2.0. */
export const REMOTE_WRITE_MESSAGES = ['prometheus.WriteRequest', 'io.prometheus.write.v2.Request'] as const;
export type RemoteWriteMessage = (typeof REMOTE_WRITE_MESSAGES)[number];

export interface RemoteWriteConfig {
  readonly url: string;
  readonly remoteTimeout: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly writeRelabelConfigs: readonly RelabelConfig[];
  /** '' when not set. */
  readonly name: string;
  readonly sendExemplars: boolean;
  readonly sendNativeHistograms: boolean;
  readonly roundRobinDns: boolean;
  readonly protobufMessage: RemoteWriteMessage;
  readonly httpClient: HTTPClientConfig;
  readonly queueConfig: QueueConfig;
  readonly metadataConfig: MetadataConfig;
}

export interface RemoteReadConfig {
  readonly url: string;
  readonly remoteTimeout: number;
  readonly chunkedReadLimit: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly readRecent: boolean;
  readonly name: string;
  readonly httpClient: HTTPClientConfig;
  /** Equality matchers a selector must contain for this endpoint to be queried. */
  readonly requiredMatchers: ReadonlyMap<string, string>;
  readonly filterExternalLabels: boolean;
}

const RESERVED_HEADERS = new Set([
  'host', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection', 'keep-alive',
  'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding',
  'x-prometheus-remote-write-version', 'x-prometheus-remote-read-version',
  'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256',
]);

function parseHeaders(f: Fields): Map<string, string> {
  const v = f.get('headers');
  const out = new Map<string, string>();
  for (const [name, val] of v?.entries() ?? []) {
    if (name.toLowerCase() === 'authorization') {
      val.fail('authorization header must be changed via the basic_auth or authorization parameter');
    }
    if (RESERVED_HEADERS.has(name.toLowerCase())) val.fail(`${name} is a reserved header. It must not be changed`);
    out.set(name, val.str());
  }
  return out;
}

function parseURL(f: Fields, v: YamlValue, section: string): string {
  const u = f.get('url');
  if (!u) v.fail(`url for ${section} is empty`);
  return u.url(['http:', 'https:']);
}

function positive(f: Fields, key: string, dflt: number, what: string): number {
  const n = f.opt(key, (x) => x.int(), dflt);
  if (n <= 0) f.at(key).fail(`remote write queue ${what} must be positive`);
  return n;
}

function parseQueue(v: YamlValue | undefined): QueueConfig {
  const f = v?.fields();
  const get = <T>(key: string, read: (x: YamlValue) => T, dflt: T): T => (f ? f.opt(key, read, dflt) : dflt);
  const q: QueueConfig = {
    capacity: f ? positive(f, 'capacity', 10_000, 'capacity') : 10_000,
    maxShards: f ? positive(f, 'max_shards', 50, 'max_shards') : 50,
    minShards: f ? positive(f, 'min_shards', 1, 'min_shards') : 1,
    maxSamplesPerSend: f ? positive(f, 'max_samples_per_send', 2000, 'max_samples_per_send') : 2000,
    batchSendDeadline: get('batch_send_deadline', (x) => x.duration(), 5000),
    minBackoff: get('min_backoff', (x) => x.duration(), 30),
    maxBackoff: get('max_backoff', (x) => x.duration(), 5000),
    retryOnRateLimit: get('retry_on_http_429', (x) => x.bool(), false),
    sampleAgeLimit: get('sample_age_limit', (x) => x.duration(), 0),
  };
  f?.done();
  if (q.minShards > q.maxShards) f!.at('min_shards').fail('remote write queue min_shards must not be greater than max_shards');
  if (q.maxBackoff < q.minBackoff) f!.at('max_backoff').fail('remote write queue max_backoff must not be less than min_backoff');
  return q;
}

function parseMetadata(v: YamlValue | undefined): MetadataConfig {
  const f = v?.fields();
  const get = <T>(key: string, read: (x: YamlValue) => T, dflt: T): T => (f ? f.opt(key, read, dflt) : dflt);
  const m: MetadataConfig = {
    send: get('send', (x) => x.bool(), true),
    sendInterval: get('send_interval', (x) => x.duration(), 60_000),
    maxSamplesPerSend: get('max_samples_per_send', (x) => x.uint(), 2000),
  };
  f?.done();
  return m;
}

/** parseRemoteWrite reads one `remote_write` entry. */
export function parseRemoteWrite(v: YamlValue, scheme: NameValidationScheme): RemoteWriteConfig {
  if (v.isNull) v.fail('empty or null remote write config section');
  const f = v.fields();
  const url = parseURL(f, v, 'remote_write');
  const msg = f.opt('protobuf_message', (x) => x.oneOf(REMOTE_WRITE_MESSAGES, 'protobuf_message'), 'prometheus.WriteRequest');
  const out: RemoteWriteConfig = {
    url,
    remoteTimeout: f.opt('remote_timeout', (x) => x.duration(), 30_000),
    headers: parseHeaders(f),
    writeRelabelConfigs: parseRelabelConfigs(f.get('write_relabel_configs'), scheme),
    name: f.opt('name', (x) => x.str(), ''),
    sendExemplars: f.opt('send_exemplars', (x) => x.bool(), false),
    sendNativeHistograms: f.opt('send_native_histograms', (x) => x.bool(), false),
    roundRobinDns: f.opt('round_robin_dns', (x) => x.bool(), false),
    protobufMessage: msg,
    httpClient: parseHTTPClient(f, { followRedirects: true, enableHttp2: false }),
    queueConfig: parseQueue(f.get('queue_config')),
    metadataConfig: parseMetadata(f.get('metadata_config')),
  };
  f.done();
  return out;
}

/** parseRemoteRead reads one `remote_read` entry. */
export function parseRemoteRead(v: YamlValue): RemoteReadConfig {
  if (v.isNull) v.fail('empty or null remote read config section');
  const f = v.fields();
  const url = parseURL(f, v, 'remote_read');
  const out: RemoteReadConfig = {
    url,
    remoteTimeout: f.opt('remote_timeout', (x) => x.duration(), 60_000),
    chunkedReadLimit: f.opt('chunked_read_limit', (x) => x.uint(), 50_000_000),
    headers: parseHeaders(f),
    readRecent: f.opt('read_recent', (x) => x.bool(), false),
    name: f.opt('name', (x) => x.str(), ''),
    httpClient: parseHTTPClient(f),
    requiredMatchers: f.get('required_matchers')?.stringMap() ?? new Map(),
    filterExternalLabels: f.opt('filter_external_labels', (x) => x.bool(), true),
  };
  f.done();
  return out;
}
