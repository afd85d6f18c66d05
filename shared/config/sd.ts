/**
 * Service discovery sections Outpost implements: `static_configs`, `file_sd_configs`,
 * `http_sd_configs` and `dns_sd_configs`, with Prometheus' defaults and validation. File paths and
 * globs are resolved against the config file's directory.
 */
import { Labels } from '../model/labels.ts';
import { isValidName, type NameValidationScheme } from '../relabel/index.ts';
import { parseHTTPClient, type HTTPClientConfig } from './http-client.ts';
import type { Fields, YamlValue } from './yaml-value.ts';

/** StaticConfig: one target group: `__address__` values plus labels shared by them. */
export interface StaticConfig {
  readonly targets: readonly string[];
  readonly labels: Labels;
}

export interface FileSDConfig {
  /** Absolute or config-relative globs, already joined with the config directory. */
  readonly files: readonly string[];
  readonly refreshInterval: number;
}

export interface HTTPSDConfig {
  readonly url: string;
  readonly refreshInterval: number;
  readonly httpClient: HTTPClientConfig;
}

export type DNSRecordType = 'SRV' | 'A' | 'AAAA' | 'MX' | 'NS';

export interface DNSSDConfig {
  readonly names: readonly string[];
  readonly type: DNSRecordType;
  /** The port for A/AAAA/MX/NS records; 0 for SRV (the record carries it). */
  readonly port: number;
  readonly refreshInterval: number;
}

/** ServiceDiscovery: every discovery mechanism of one scrape job or Alertmanager section. */
export interface ServiceDiscovery {
  readonly staticConfigs: readonly StaticConfig[];
  readonly fileSdConfigs: readonly FileSDConfig[];
  readonly httpSdConfigs: readonly HTTPSDConfig[];
  readonly dnsSdConfigs: readonly DNSSDConfig[];
}

export const DEFAULT_FILE_SD_REFRESH = 5 * 60_000;
export const DEFAULT_HTTP_SD_REFRESH = 60_000;
export const DEFAULT_DNS_SD_REFRESH = 30_000;

const FILE_SD_NAME = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

/** parseServiceDiscovery reads the discovery fields of `f`. */
export function parseServiceDiscovery(f: Fields, scheme: NameValidationScheme): ServiceDiscovery {
  return {
    staticConfigs: (f.get('static_configs')?.list() ?? []).map((v) => parseStaticConfig(v, scheme)),
    fileSdConfigs: (f.get('file_sd_configs')?.list() ?? []).map(parseFileSD),
    httpSdConfigs: (f.get('http_sd_configs')?.list() ?? []).map(parseHTTPSD),
    dnsSdConfigs: (f.get('dns_sd_configs')?.list() ?? []).map(parseDNSSD),
  };
}

/** parseLabelSet reads a mapping of label names to values, checking both; `map` rewrites values. */
export function parseLabelSet(v: YamlValue | undefined, scheme: NameValidationScheme, map?: (value: string) => string): Labels {
  if (v === undefined) return Labels.EMPTY;
  const pairs: [string, string][] = [];
  for (const [name, val] of v.entries()) {
    if (!isValidName(name, scheme)) val.fail(`${JSON.stringify(name)} is not a valid label name`);
    const s = map ? map(val.str()) : val.str();
    if (!isValidName(s, 'utf8') && s !== '') val.fail(`${JSON.stringify(s)} is not a valid label value`);
    pairs.push([name, s]);
  }
  return Labels.fromPairs(pairs);
}

function parseStaticConfig(v: YamlValue, scheme: NameValidationScheme): StaticConfig {
  const f = v.fields();
  const targets = f.get('targets')?.list() ?? [];
  const out: StaticConfig = {
    targets: targets.map((t) => {
      const s = t.str();
      if (s === '') t.fail('target address is empty');
      return s;
    }),
    labels: parseLabelSet(f.get('labels'), scheme),
  };
  f.done();
  return out;
}

/**
 * checkStaticTargets: without relabel rules to rewrite them, targets must be host:port, not URLs
 * (Prometheus' check for a common mistake).
 */
export function checkStaticTargets(f: Fields): void {
  const list = f.get('static_configs')?.list() ?? [];
  for (const sc of list) {
    const targets = sc.fields().get('targets')?.list() ?? [];
    for (const t of targets) {
      const s = t.str();
      if (s.includes('/')) t.fail(`${JSON.stringify(s)} is not a valid hostname`);
    }
  }
}

function parseFileSD(v: YamlValue): FileSDConfig {
  const f = v.fields();
  const filesV = f.get('files');
  const files = (filesV?.list() ?? []).map((item) => {
    const name = item.str();
    if (!FILE_SD_NAME.test(name)) item.fail(`path name ${JSON.stringify(name)} is not valid for file discovery`);
    return item.file();
  });
  if (files.length === 0) (filesV ?? v).fail('file service discovery config must contain at least one path name');
  const out = { files, refreshInterval: f.opt('refresh_interval', (x) => x.duration(), DEFAULT_FILE_SD_REFRESH) };
  f.done();
  return out;
}

function parseHTTPSD(v: YamlValue): HTTPSDConfig {
  const f = v.fields();
  const urlV = f.get('url');
  if (!urlV) v.fail('URL is missing');
  const url = urlV.url(['http:', 'https:']);
  const out = {
    url,
    refreshInterval: f.opt('refresh_interval', (x) => x.duration(), DEFAULT_HTTP_SD_REFRESH),
    httpClient: parseHTTPClient(f),
  };
  f.done();
  return out;
}

function parseDNSSD(v: YamlValue): DNSSDConfig {
  const f = v.fields();
  const namesV = f.get('names');
  const names = namesV?.strList() ?? [];
  if (names.length === 0) (namesV ?? v).fail('DNS-SD config must contain at least one SRV record name');
  const typeText = f.opt('type', (x) => x.str(), 'SRV');
  const type = typeText.toUpperCase();
  const port = f.opt('port', (x) => x.uint(), 0);
  if (port > 65535) f.at('port').fail(`port ${port} is out of range`);
  if (!['SRV', 'A', 'AAAA', 'MX', 'NS'].includes(type)) f.at('type').fail(`invalid DNS-SD records type ${typeText}`);
  if (type !== 'SRV' && port === 0) v.fail('a port is required in DNS-SD configs for all record types except SRV');
  const out = {
    names, type: type as DNSRecordType, port,
    refreshInterval: f.opt('refresh_interval', (x) => x.duration(), DEFAULT_DNS_SD_REFRESH),
  };
  f.done();
  return out;
}
