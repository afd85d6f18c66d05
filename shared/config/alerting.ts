/**
 * The `alerting` section: rules applied to every alert before it is sent, and the Alertmanagers
 * to send to (discovered like scrape targets), with Prometheus 3's defaults: http, 10s timeout,
 * API v2 (the only version Prometheus 3 speaks).
 */
import type { NameValidationScheme, RelabelConfig } from '../relabel/index.ts';
import { parseHTTPClient, type HTTPClientConfig } from './http-client.ts';
import { parseRelabelConfigs } from './relabel-yaml.ts';
import { checkStaticTargets, parseServiceDiscovery, type ServiceDiscovery } from './sd.ts';
import type { YamlValue } from './yaml-value.ts';

export interface AlertmanagerConfig extends ServiceDiscovery {
  readonly scheme: 'http' | 'https';
  readonly pathPrefix: string;
  readonly timeout: number;
  readonly apiVersion: 'v2';
  readonly httpClient: HTTPClientConfig;
  /** Rules over discovered Alertmanager targets. */
  readonly relabelConfigs: readonly RelabelConfig[];
  /** Rules over alerts sent to this Alertmanager only. */
  readonly alertRelabelConfigs: readonly RelabelConfig[];
}

export interface AlertingConfig {
  readonly alertRelabelConfigs: readonly RelabelConfig[];
  readonly alertmanagers: readonly AlertmanagerConfig[];
}

export const DEFAULT_ALERTMANAGER_TIMEOUT = 10_000;

/** parseAlerting reads the `alerting` section (undefined when absent). */
export function parseAlerting(v: YamlValue | undefined, scheme: NameValidationScheme): AlertingConfig {
  if (v === undefined) return { alertRelabelConfigs: [], alertmanagers: [] };
  const f = v.fields();
  const out: AlertingConfig = {
    alertRelabelConfigs: parseRelabelConfigs(f.get('alert_relabel_configs'), scheme),
    alertmanagers: (f.get('alertmanagers')?.list() ?? []).map((am) => parseAlertmanager(am, scheme)),
  };
  f.done();
  return out;
}

function parseAlertmanager(v: YamlValue, scheme: NameValidationScheme): AlertmanagerConfig {
  if (v.isNull) v.fail('empty or null Alertmanager config');
  const f = v.fields();
  const urlScheme = f.opt('scheme', (x) => x.oneOf(['http', 'https'] as const, 'scheme'), 'http');
  const apiVersion = f.opt('api_version', (x) => x.oneOf(['v2'] as const, 'Alertmanager API version'), 'v2');
  const relabelConfigs = parseRelabelConfigs(f.get('relabel_configs'), scheme);
  if (relabelConfigs.length === 0) checkStaticTargets(f);
  const out: AlertmanagerConfig = {
    scheme: urlScheme,
    pathPrefix: f.opt('path_prefix', (x) => x.str(), ''),
    timeout: f.opt('timeout', (x) => x.duration(), DEFAULT_ALERTMANAGER_TIMEOUT),
    apiVersion,
    httpClient: parseHTTPClient(f),
    ...parseServiceDiscovery(f, scheme),
    relabelConfigs,
    alertRelabelConfigs: parseRelabelConfigs(f.get('alert_relabel_configs'), scheme),
  };
  f.done();
  return out;
}
