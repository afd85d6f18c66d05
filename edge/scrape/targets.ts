/**
 * Targets: from a scrape job's discovered groups to the targets its loops scrape, as Prometheus
 * builds them. Each target starts with its own discovered labels, then its group's labels where
 * it has none of that name, then `job`, `__scheme__`, `__metrics_path__`, `__scrape_interval__`,
 * `__scrape_timeout__` and one `__param_<name>` per URL parameter where discovery set none;
 * `relabel_configs` run over them (and may drop the target); then `instance` defaults to the
 * address, the `__`-prefixed labels are removed, and what is left labels every sample of the
 * target. The URL comes from the relabeled `__scheme__`, `__address__`, `__metrics_path__` and
 * `__param_*` labels. A target that cannot be scraped is reported by itself and spoils no other.
 */
import { Labels } from '../../shared/model/labels.ts';
import { relabel } from '../../shared/relabel/index.ts';
import { formatDuration } from '../../shared/config/units.ts';
import { acceptHeader, type ScrapeProtocol as ExpositionProtocol } from '../../shared/exposition/content-type.ts';
import type { ScrapeConfig } from '../../shared/config/scrape.ts';
import type { StaticConfig } from '../../shared/config/sd.ts';
import { authHeaders, ClientSetupError, type HttpClient } from '../http/client.ts';
import type { TargetGroup } from '../discovery/types.ts';
import type { Target } from './loop.ts';

/** TargetError: a job's targets cannot be built (unreadable credentials file); the message names the job. */
export class TargetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TargetError';
  }
}

/** DroppedTarget: a target that relabeling dropped, with what it was discovered with. */
export interface DroppedTarget {
  discoveredLabels: Labels;
}

/** ActiveTarget: a target to scrape, with the labels it was discovered with. */
export type ActiveTarget = Target & { discoveredLabels: Labels };

/** BuiltTargets: the targets of one job, those dropped by relabeling, and those that are unusable. */
export interface BuiltTargets {
  active: ActiveTarget[];
  dropped: DroppedTarget[];
  /** One message per target that could not be built (no address, bad address), naming it. */
  errors: string[];
}

/**
 * buildTargets turns a job's target groups into scrape targets. Targets are given either as
 * discovered label sets (TargetGroup) or as bare addresses (StaticConfig). It throws TargetError
 * only when a credentials file of the job cannot be read; bad single targets land in `errors`.
 * `client`, when given, is the job's HTTP client that every target shares.
 */
export function buildTargets(job: ScrapeConfig, groups: readonly (TargetGroup | StaticConfig)[], client?: HttpClient): BuiltTargets {
  const out: BuiltTargets = { active: [], dropped: [], errors: [] };
  let headers: Record<string, string>;
  try {
    headers = authHeaders(job.httpClient);
  } catch (err) {
    if (err instanceof ClientSetupError) throw new TargetError(`job ${job.jobName}: ${err.message}`, { cause: err });
    throw err;
  }
  const defaults: Array<[string, string]> = [
    ['job', job.jobName],
    ['__scrape_interval__', formatDuration(job.scrapeInterval)],
    ['__scrape_timeout__', formatDuration(job.scrapeTimeout)],
    ['__metrics_path__', job.metricsPath],
    ['__scheme__', job.scheme],
  ];
  for (const [name, values] of job.params) if (values.length) defaults.push([`__param_${name}`, values[0]]);
  // Outpost reads the text formats only: protobuf is left out of the Accept header.
  const protocols = job.scrapeProtocols.filter((p) => p !== 'PrometheusProto') as ExpositionProtocol[];
  const accept = acceptHeader(protocols.length ? protocols : undefined, job.metricNameEscapingScheme === 'allow-utf-8' ? 'allow-utf-8' : 'underscores');
  for (const group of groups) {
    for (const t of group.targets) {
      const base = new Map<string, string>(typeof t === 'string' ? [['__address__', t]] : t);
      for (const [name, value] of group.labels) if (!base.get(name)) base.set(name, value);
      for (const [name, value] of defaults) if (!base.get(name)) base.set(name, value);
      const discovered = Labels.fromPairs(base);
      const relabeled = relabel(discovered, job.relabelConfigs);
      if (relabeled === null) {
        out.dropped.push({ discoveredLabels: discovered });
        continue;
      }
      const addr = relabeled.get('__address__');
      if (addr === '') {
        out.errors.push(`job ${job.jobName}: target has no __address__ label after relabeling: ${discovered}`);
        continue;
      }
      let url: URL;
      try {
        if (addr.includes('/')) throw new Error('contains a slash');
        url = new URL(`${relabeled.get('__scheme__') || 'http'}://${addr}`);
        if (url.host === '') throw new Error('no host');
      } catch {
        out.errors.push(`job ${job.jobName}: ${JSON.stringify(addr)} is not a valid target address (host:port)`);
        continue;
      }
      url.pathname = relabeled.get('__metrics_path__') || '/metrics';
      for (const [name, values] of job.params) {
        const override = relabeled.get(`__param_${name}`);
        url.searchParams.append(name, override || values[0] || '');
        for (const v of values.slice(1)) url.searchParams.append(name, v);
      }
      const kept = [...relabeled].filter(([n]) => !n.startsWith('__'));
      if (!relabeled.has('instance')) kept.push(['instance', addr]);
      out.active.push({
        url: url.toString(),
        scrapePool: job.jobName,
        discoveredLabels: discovered,
        targetLabels: Labels.fromPairs(kept),
        intervalMs: job.scrapeInterval,
        timeoutMs: job.scrapeTimeout,
        bodySizeLimit: job.bodySizeLimit,
        honorLabels: job.honorLabels,
        honorTimestamps: job.honorTimestamps,
        trackTimestampsStaleness: job.trackTimestampsStaleness,
        metricRelabel: job.metricRelabelConfigs,
        sampleLimit: job.sampleLimit,
        labelLimit: job.labelLimit,
        labelNameLengthLimit: job.labelNameLengthLimit,
        labelValueLengthLimit: job.labelValueLengthLimit,
        accept,
        gzip: job.enableCompression,
        fallbackFormat: job.fallbackScrapeProtocol === null ? undefined : job.fallbackScrapeProtocol.startsWith('OpenMetrics') ? 'openmetrics' : 'text',
        headers,
        client,
      });
    }
  }
  return out;
}
