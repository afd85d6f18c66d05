/**
 * The `global` section: defaults that flow into every scrape job and rule group, and the external
 * labels. Defaults and checks are Prometheus 3's (config.DefaultGlobalConfig).
 */
import type { Labels } from '../model/labels.ts';
import type { NameValidationScheme } from '../relabel/index.ts';
import { parseLabelSet } from './sd.ts';
import type { Fields, YamlValue } from './yaml-value.ts';

/** ScrapeProtocol: a content type a scrape may negotiate, in Prometheus' spelling. */
export type ScrapeProtocol =
  | 'PrometheusProto' | 'PrometheusText0.0.4' | 'PrometheusText1.0.0' | 'OpenMetricsText0.0.1' | 'OpenMetricsText1.0.0';

/** SCRAPE_PROTOCOL_HEADERS: the Accept media type of each protocol. */
export const SCRAPE_PROTOCOL_HEADERS: Readonly<Record<ScrapeProtocol, string>> = {
  PrometheusProto: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
};

export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4',
];
export const DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = ['PrometheusProto', ...DEFAULT_SCRAPE_PROTOCOLS];

/** EscapingScheme: how names are escaped for scrapes that cannot take UTF-8. */
export type EscapingScheme = 'allow-utf-8' | 'underscores' | 'dots' | 'values';
export const ESCAPING_SCHEMES: readonly EscapingScheme[] = ['allow-utf-8', 'underscores', 'dots', 'values'];

/** GlobalConfig: durations in milliseconds, sizes in bytes, 0 meaning "no limit" for limits. */
export interface GlobalConfig {
  readonly scrapeInterval: number;
  readonly scrapeTimeout: number;
  /** null when not set: each job then picks its default by whether it scrapes native histograms. */
  readonly scrapeProtocols: readonly ScrapeProtocol[] | null;
  readonly evaluationInterval: number;
  readonly ruleQueryOffset: number;
  readonly queryLogFile: string;
  readonly scrapeFailureLogFile: string;
  readonly externalLabels: Labels;
  readonly bodySizeLimit: number;
  readonly sampleLimit: number;
  readonly targetLimit: number;
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
  readonly keepDroppedTargets: number;
  readonly metricNameValidationScheme: NameValidationScheme;
  /** '' when not set; jobs then derive theirs from the validation scheme. */
  readonly metricNameEscapingScheme: EscapingScheme | '';
  readonly scrapeNativeHistograms: boolean;
  readonly convertClassicHistogramsToNhcb: boolean;
  readonly alwaysScrapeClassicHistograms: boolean;
  readonly extraScrapeMetrics: boolean;
}

export const DEFAULT_SCRAPE_INTERVAL = 60_000;
export const DEFAULT_SCRAPE_TIMEOUT = 10_000;
export const DEFAULT_EVALUATION_INTERVAL = 60_000;

/** parseScrapeProtocols reads and checks a `scrape_protocols` list. */
export function parseScrapeProtocols(v: YamlValue): ScrapeProtocol[] {
  const items = v.list();
  if (items.length === 0) v.fail('scrape_protocols cannot be empty');
  const seen = new Set<string>();
  return items.map((item) => {
    const p = parseScrapeProtocol(item);
    if (seen.has(p.toLowerCase())) item.fail(`duplicated protocol ${p} in scrape_protocols`);
    seen.add(p.toLowerCase());
    return p;
  });
}

/** parseScrapeProtocol reads one protocol name (case-sensitive, as in Prometheus). */
export function parseScrapeProtocol(v: YamlValue): ScrapeProtocol {
  const s = v.str();
  if (!(s in SCRAPE_PROTOCOL_HEADERS)) {
    v.fail(`unknown scrape protocol ${JSON.stringify(s)}, supported: ${Object.keys(SCRAPE_PROTOCOL_HEADERS).sort().join(', ')}`);
  }
  return s as ScrapeProtocol;
}

/** parseValidationScheme reads `metric_name_validation_scheme`; '' when absent. */
export function parseValidationScheme(f: Fields): NameValidationScheme | '' {
  return f.opt('metric_name_validation_scheme', (x) => x.oneOf(['utf8', 'legacy'] as const, 'name validation scheme'), '');
}

/** parseEscapingScheme reads `metric_name_escaping_scheme`; '' when absent. */
export function parseEscapingScheme(f: Fields): EscapingScheme | '' {
  return f.opt('metric_name_escaping_scheme', (x) => x.oneOf(ESCAPING_SCHEMES, 'name escaping scheme'), '');
}

/** parseGlobal reads the `global` section (undefined when absent). */
export function parseGlobal(v: YamlValue | undefined, env: Readonly<Record<string, string | undefined>>): GlobalConfig {
  const f = v?.fields();
  const opt = <T>(key: string, read: (x: YamlValue) => T, dflt: T): T => (f ? f.opt(key, read, dflt) : dflt);
  const scheme = (f ? parseValidationScheme(f) : '') || 'utf8';
  const escaping = f ? parseEscapingScheme(f) : '';
  if (escaping === 'allow-utf-8' && scheme === 'legacy') {
    f!.at('metric_name_escaping_scheme').fail('utf8 metric names requested but validation scheme is not set to UTF8');
  }
  const scrapeInterval = opt('scrape_interval', (x) => x.duration(), 0) || DEFAULT_SCRAPE_INTERVAL;
  let scrapeTimeout = opt('scrape_timeout', (x) => x.duration(), 0);
  if (scrapeTimeout > scrapeInterval) f!.at('scrape_timeout').fail('global scrape timeout greater than scrape interval');
  if (scrapeTimeout === 0) scrapeTimeout = Math.min(DEFAULT_SCRAPE_TIMEOUT, scrapeInterval);
  const extV = f?.get('external_labels');
  const externalLabels = parseLabelSet(extV, scheme, (value) => expandEnv(value, env));
  const g: GlobalConfig = {
    scrapeInterval,
    scrapeTimeout,
    scrapeProtocols: opt<ScrapeProtocol[] | null>('scrape_protocols', parseScrapeProtocols, null),
    evaluationInterval: opt('evaluation_interval', (x) => x.duration(), 0) || DEFAULT_EVALUATION_INTERVAL,
    ruleQueryOffset: opt('rule_query_offset', (x) => x.duration(), 0),
    queryLogFile: opt('query_log_file', (x) => x.file(), ''),
    scrapeFailureLogFile: opt('scrape_failure_log_file', (x) => x.file(), ''),
    externalLabels,
    bodySizeLimit: opt('body_size_limit', (x) => x.size(), 0),
    sampleLimit: opt('sample_limit', (x) => x.uint(), 0),
    targetLimit: opt('target_limit', (x) => x.uint(), 0),
    labelLimit: opt('label_limit', (x) => x.uint(), 0),
    labelNameLengthLimit: opt('label_name_length_limit', (x) => x.uint(), 0),
    labelValueLengthLimit: opt('label_value_length_limit', (x) => x.uint(), 0),
    keepDroppedTargets: opt('keep_dropped_targets', (x) => x.uint(), 0),
    metricNameValidationScheme: scheme,
    metricNameEscapingScheme: escaping,
    scrapeNativeHistograms: opt('scrape_native_histograms', (x) => x.bool(), false),
    convertClassicHistogramsToNhcb: opt('convert_classic_histograms_to_nhcb', (x) => x.bool(), false),
    alwaysScrapeClassicHistograms: opt('always_scrape_classic_histograms', (x) => x.bool(), false),
    extraScrapeMetrics: opt('extra_scrape_metrics', (x) => x.bool(), false),
  };
  f?.done();
  return g;
}

/** defaultGlobal: the global section of an empty config. */
export function defaultGlobal(): GlobalConfig {
  return parseGlobal(undefined, {});
}

const SHELL_SPECIAL = /[*#$@!?\-0-9]/;

/** expandEnv replaces `$NAME`, `${NAME}` and `$$` in `s` with the rules of Go's os.Expand. */
export function expandEnv(s: string, env: Readonly<Record<string, string | undefined>>): string {
  if (!s.includes('$')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== '$' || i + 1 >= s.length) {
      out += c;
      i++;
      continue;
    }
    const rest = s.slice(i + 1);
    let name = '';
    let width = 0;
    if (rest[0] === '{') {
      if (rest.length > 2 && SHELL_SPECIAL.test(rest[1]) && rest[2] === '}') {
        name = rest[1];
        width = 3;
      } else {
        const end = rest.indexOf('}');
        if (end > 1) {
          name = rest.slice(1, end);
          width = end + 1;
        } else width = end === 1 ? 2 : 1; // bad syntax: eat the braces
      }
    } else if (SHELL_SPECIAL.test(rest[0])) {
      name = rest[0];
      width = 1;
    } else {
      const m = /^[A-Za-z0-9_]*/.exec(rest)!;
      name = m[0];
      width = name.length;
    }
    if (name === '' && width === 0) {
      out += '$'; // a lone $: kept
      i++;
      continue;
    }
    if (name !== '') out += name === '$' ? '$' : (env[name] ?? '');
    i += 1 + width;
  }
  return out;
}
