/**
 * Targets: from a scrape job's discovered groups to the targets its loops scrape, as Prometheus
 * builds them. Each address starts with the discovered labels plus `job`, `__address__`,
 * `__scheme__`, `__metrics_path__`, `__scrape_interval__`, `__scrape_timeout__` and one
 * `__param_<name>` per URL parameter; `relabel_configs` run over them (and may drop the target);
 * then `instance` defaults to the address, the `__`-prefixed labels are removed, and what is left
 * labels every sample of the target. The URL comes from the relabeled `__scheme__`, `__address__`,
 * `__metrics_path__` and `__param_*` labels.
 */
import { readFileSync } from 'node:fs';
import { Labels } from '../../shared/model/labels.ts';
import { relabel } from '../../shared/relabel/index.ts';
import { formatDuration } from '../../shared/config/units.ts';
import type { ScrapeConfig } from '../../shared/config/scrape.ts';
import type { StaticConfig } from '../../shared/config/sd.ts';
import type { Target } from './loop.ts';

/** TargetError: a discovered target cannot be scraped; the message names it. */
export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

/** DroppedTarget: a target that relabeling dropped, with what it was discovered with. */
export interface DroppedTarget {
  discoveredLabels: Labels;
}

/** BuiltTargets: the targets of one job, and those dropped by relabeling. */
export interface BuiltTargets {
  active: Array<Target & { discoveredLabels: Labels }>;
  dropped: DroppedTarget[];
}

/**
 * buildTargets turns a job's target groups into scrape targets. It throws TargetError for a target
 * left without an address or with an unusable one; credentials files are read here.
 */
export function buildTargets(job: ScrapeConfig, groups: readonly StaticConfig[]): BuiltTargets {
  const out: BuiltTargets = { active: [], dropped: [] };
  const headers = authHeaders(job);
  for (const group of groups) {
    for (const address of group.targets) {
      const base = new Map<string, string>(group.labels);
      base.set('__address__', address);
      base.set('job', job.jobName);
      base.set('__scheme__', job.scheme);
      base.set('__metrics_path__', job.metricsPath);
      base.set('__scrape_interval__', formatDuration(job.scrapeInterval));
      base.set('__scrape_timeout__', formatDuration(job.scrapeTimeout));
      for (const [name, values] of job.params) if (values.length) base.set(`__param_${name}`, values[0]);
      const discovered = Labels.fromPairs(base);
      const relabeled = relabel(discovered, job.relabelConfigs);
      if (relabeled === null) {
        out.dropped.push({ discoveredLabels: discovered });
        continue;
      }
      const addr = relabeled.get('__address__');
      if (addr === '') throw new TargetError(`job ${job.jobName}: target has no __address__ label after relabeling: ${discovered}`);
      if (addr.includes('/')) throw new TargetError(`job ${job.jobName}: ${JSON.stringify(addr)} is not a valid target address (host:port)`);
      const url = new URL(`${relabeled.get('__scheme__') || 'http'}://${addr}`);
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
        discoveredLabels: discovered,
        targetLabels: Labels.fromPairs(kept),
        intervalMs: job.scrapeInterval,
        timeoutMs: job.scrapeTimeout,
        bodySizeLimit: job.bodySizeLimit,
        honorLabels: job.honorLabels,
        honorTimestamps: job.honorTimestamps,
        metricRelabel: job.metricRelabelConfigs,
        sampleLimit: job.sampleLimit,
        headers,
      });
    }
  }
  return out;
}

function authHeaders(job: ScrapeConfig): Record<string, string> {
  const { basicAuth, authorization } = job.httpClient;
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new TargetError(`job ${job.jobName}: read ${what} ${file}: ${(err as Error).message}`);
    }
  };
  if (basicAuth) {
    const user = basicAuth.usernameFile ? read(basicAuth.usernameFile, 'username_file') : basicAuth.username;
    const pass = basicAuth.passwordFile ? read(basicAuth.passwordFile, 'password_file') : basicAuth.password;
    return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
  }
  if (authorization) {
    const cred = authorization.credentialsFile ? read(authorization.credentialsFile, 'credentials_file') : authorization.credentials;
    return { authorization: `${authorization.type} ${cred}` };
  }
  return {};
}
