/**
 * One `scrape_configs` entry: a job, its targets' discovery, how to scrape them, its limits and
 * its relabeling. Unset fields take Prometheus 3's defaults, and the global section's values flow
 * in where Prometheus lets them (interval, timeout, limits, protocols, name validation).
 */
import type { NameValidationScheme, RelabelConfig } from '../relabel/index.ts';
import {
  DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS, DEFAULT_SCRAPE_PROTOCOLS, parseEscapingScheme, parseScrapeProtocol,
  parseScrapeProtocols, parseValidationScheme, type EscapingScheme, type GlobalConfig, type ScrapeProtocol,
} from './global.ts';
import { parseHTTPClient, type HTTPClientConfig } from './http-client.ts';
import { parseRelabelConfigs } from './relabel-yaml.ts';
import { checkStaticTargets, parseServiceDiscovery, type ServiceDiscovery } from './sd.ts';
import type { YamlValue } from './yaml-value.ts';

/** ScrapeConfig: durations in milliseconds, sizes in bytes, 0 meaning "no limit" for limits. */
export interface ScrapeConfig extends ServiceDiscovery {
  readonly jobName: string;
  readonly honorLabels: boolean;
  readonly honorTimestamps: boolean;
  readonly trackTimestampsStaleness: boolean;
  /** Query parameters added to every scrape URL, each name with its values. */
  readonly params: ReadonlyMap<string, readonly string[]>;
  readonly scrapeInterval: number;
  readonly scrapeTimeout: number;
  readonly scrapeProtocols: readonly ScrapeProtocol[];
  /** The protocol assumed when a target sends no usable Content-Type; null for none. */
  readonly fallbackScrapeProtocol: ScrapeProtocol | null;
  readonly scrapeNativeHistograms: boolean;
  readonly alwaysScrapeClassicHistograms: boolean;
  readonly convertClassicHistogramsToNhcb: boolean;
  readonly scrapeFailureLogFile: string;
  readonly metricsPath: string;
  readonly scheme: 'http' | 'https';
  readonly enableCompression: boolean;
  readonly bodySizeLimit: number;
  readonly sampleLimit: number;
  readonly targetLimit: number;
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
  readonly nativeHistogramBucketLimit: number;
  readonly nativeHistogramMinBucketFactor: number;
  readonly keepDroppedTargets: number;
  readonly metricNameValidationScheme: NameValidationScheme;
  readonly metricNameEscapingScheme: EscapingScheme;
  readonly extraScrapeMetrics: boolean;
  readonly httpClient: HTTPClientConfig;
  readonly relabelConfigs: readonly RelabelConfig[];
  readonly metricRelabelConfigs: readonly RelabelConfig[];
}

/** parseScrapeConfig reads one scrape job, applying `global`'s defaults. */
export function parseScrapeConfig(v: YamlValue, global: GlobalConfig): ScrapeConfig {
  if (v.isNull) v.fail('empty or null scrape config section');
  const f = v.fields();
  const jobName = f.opt('job_name', (x) => x.str(), '');
  if (jobName === '') f.at('job_name').fail('job_name is empty');
  const forJob = ` for scrape config with job name ${JSON.stringify(jobName)}`;

  const scrapeInterval = f.opt('scrape_interval', (x) => x.duration(), 0) || global.scrapeInterval;
  let scrapeTimeout = f.opt('scrape_timeout', (x) => x.duration(), 0);
  if (scrapeTimeout > scrapeInterval) f.at('scrape_timeout').fail(`scrape timeout greater than scrape interval${forJob}`);
  if (scrapeTimeout === 0) scrapeTimeout = Math.min(global.scrapeTimeout, scrapeInterval);

  const scrapeNativeHistograms = f.opt('scrape_native_histograms', (x) => x.bool(), global.scrapeNativeHistograms);
  const scrapeProtocols = f.opt<readonly ScrapeProtocol[] | null>('scrape_protocols', parseScrapeProtocols, null) ??
    global.scrapeProtocols ??
    (scrapeNativeHistograms ? DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS : DEFAULT_SCRAPE_PROTOCOLS);

  // Name validation: the job's own, else the global one. Escaping: the job's own, else derived
  // from its validation scheme when that was set locally, else the global one.
  const localScheme = parseValidationScheme(f);
  const scheme = localScheme || global.metricNameValidationScheme;
  let escaping = parseEscapingScheme(f);
  if (escaping === '') {
    if (localScheme === '') escaping = global.metricNameEscapingScheme || (scheme === 'legacy' ? 'underscores' : 'allow-utf-8');
    else escaping = scheme === 'legacy' ? 'underscores' : 'allow-utf-8';
  }
  if (escaping === 'allow-utf-8' && scheme !== 'utf8') {
    f.at('metric_name_escaping_scheme').fail('utf8 metric names requested but validation scheme is not set to UTF8');
  }

  const urlScheme = f.opt('scheme', (x) => x.oneOf(['http', 'https'] as const, 'scheme'), 'http');
  const metricsPath = f.opt('metrics_path', (x) => x.str(), '/metrics');

  const params = new Map<string, string[]>();
  for (const [name, vals] of f.get('params')?.entries() ?? []) params.set(name, vals.strList());

  const relabelV = f.get('relabel_configs');
  const relabelConfigs = parseRelabelConfigs(relabelV, scheme);
  if (relabelConfigs.length === 0) checkStaticTargets(f);
  const limit = (key: string, dflt: number) => f.opt(key, (x) => x.uint(), 0) || dflt;

  const sc: ScrapeConfig = {
    jobName,
    honorLabels: f.opt('honor_labels', (x) => x.bool(), false),
    honorTimestamps: f.opt('honor_timestamps', (x) => x.bool(), true),
    trackTimestampsStaleness: f.opt('track_timestamps_staleness', (x) => x.bool(), false),
    params,
    scrapeInterval,
    scrapeTimeout,
    scrapeProtocols,
    fallbackScrapeProtocol: f.opt<ScrapeProtocol | null>('fallback_scrape_protocol', parseScrapeProtocol, null),
    scrapeNativeHistograms,
    alwaysScrapeClassicHistograms: f.opt('always_scrape_classic_histograms', (x) => x.bool(), global.alwaysScrapeClassicHistograms),
    convertClassicHistogramsToNhcb: f.opt('convert_classic_histograms_to_nhcb', (x) => x.bool(), global.convertClassicHistogramsToNhcb),
    scrapeFailureLogFile: f.opt('scrape_failure_log_file', (x) => x.file(), '') || global.scrapeFailureLogFile,
    metricsPath,
    scheme: urlScheme,
    enableCompression: f.opt('enable_compression', (x) => x.bool(), true),
    bodySizeLimit: f.opt('body_size_limit', (x) => x.size(), 0) || global.bodySizeLimit,
    sampleLimit: limit('sample_limit', global.sampleLimit),
    targetLimit: limit('target_limit', global.targetLimit),
    labelLimit: limit('label_limit', global.labelLimit),
    labelNameLengthLimit: limit('label_name_length_limit', global.labelNameLengthLimit),
    labelValueLengthLimit: limit('label_value_length_limit', global.labelValueLengthLimit),
    nativeHistogramBucketLimit: f.opt('native_histogram_bucket_limit', (x) => x.uint(), 0),
    nativeHistogramMinBucketFactor: f.opt('native_histogram_min_bucket_factor', (x) => x.float(), 0),
    keepDroppedTargets: limit('keep_dropped_targets', global.keepDroppedTargets),
    metricNameValidationScheme: scheme,
    metricNameEscapingScheme: escaping,
    extraScrapeMetrics: f.opt('extra_scrape_metrics', (x) => x.bool(), global.extraScrapeMetrics),
    httpClient: parseHTTPClient(f),
    ...parseServiceDiscovery(f, scheme),
    relabelConfigs,
    metricRelabelConfigs: parseRelabelConfigs(f.get('metric_relabel_configs'), scheme),
  };
  f.done();
  return sc;
}
