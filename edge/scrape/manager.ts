/**
 * Scrape manager: everything the edge scrapes. It takes a Config and an Appendable, runs the
 * discovery of each scrape job, feeds the discovered groups into the job's scrape pool, and
 * answers the targets and metadata APIs. applyConfig() reloads without losing data: a job whose
 * discovery settings are unchanged keeps its discoverers, targets whose scrape settings are
 * unchanged keep their loops and caches, removed targets and jobs stop with staleness markers,
 * and changed ones restart. A job that cannot be set up (an unreadable TLS or credentials file)
 * is reported and left out; the other jobs run.
 */
import type { Config } from '../../shared/config/index.ts';
import type { ScrapeConfig } from '../../shared/config/scrape.ts';
import type { Appendable } from '../../shared/storage/interface.ts';
import type { TargetMetadataInfo, TargetsProvider, TargetsSnapshot } from '../../shared/api/targets-routes.ts';
import { JobDiscovery, type JobDiscoveryOptions } from '../discovery/job.ts';
import type { DnsResolver } from '../discovery/dns.ts';
import { fingerprint } from './fingerprint.ts';
import { ScrapePool } from './pool.ts';
import type { ScrapeLoop } from './loop.ts';

/** ScrapeManagerOptions: timing, logging and test seams. */
export interface ScrapeManagerOptions {
  /** Least time between two target updates of a job (default 5000 ms, as Prometheus). */
  discoveryUpdateIntervalMs?: number;
  /** DNS resolver for dns_sd_configs (default node:dns). */
  resolver?: DnsResolver;
  /** Receives discovery errors and target problems (default: console.error). */
  log?: (msg: string) => void;
}

interface Job {
  pool: ScrapePool;
  discovery: JobDiscovery;
  sdKey: string;
}

/**
 * ScrapeManager: the jobs of the current config. Calls to applyConfig and stop run one at a
 * time in call order; the read methods may be called at any time.
 */
export class ScrapeManager implements TargetsProvider {
  readonly #storage: Appendable;
  readonly #opts: ScrapeManagerOptions;
  readonly #log: (msg: string) => void;
  readonly #jobs = new Map<string, Job>();
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(storage: Appendable, opts: ScrapeManagerOptions = {}) {
    this.#storage = storage;
    this.#opts = opts;
    this.#log = opts.log ?? ((msg) => console.error(`scrape: ${msg}`));
  }

  /**
   * applyConfig makes the running jobs those of `config`. It resolves once every job is set up
   * (targets start as their discovery answers) with the problems of jobs that could not be set
   * up, each naming its job; those jobs keep running as before if they ran.
   */
  applyConfig(config: Config): Promise<string[]> {
    return this.#enqueue(() => this.#apply(config.scrapeConfigs));
  }

  /** stop stops every discoverer and loop; the loops write staleness markers. */
  stop(): Promise<void> {
    return this.#enqueue(async () => {
      this.#stopped = true;
      const jobs = [...this.#jobs.values()];
      this.#jobs.clear();
      await Promise.all(jobs.map(async (j) => {
        await j.discovery.stop();
        await j.pool.stop();
      }));
    });
  }

  /** targets describes every active and dropped target (the /api/v1/targets data). */
  targets(): TargetsSnapshot {
    const snap: TargetsSnapshot = { active: [], dropped: [], droppedCounts: {} };
    for (const { pool } of this.#jobs.values()) {
      snap.active.push(...pool.active());
      const d = pool.dropped();
      snap.dropped.push(...d.targets);
      snap.droppedCounts[pool.name] = d.count;
    }
    return snap;
  }

  /** targetMetadata lists the TYPE/HELP/UNIT of every family on every target. */
  targetMetadata(): TargetMetadataInfo[] {
    return [...this.#jobs.values()].flatMap((j) => j.pool.metadata());
  }

  /** jobNames lists the running jobs. */
  jobNames(): string[] {
    return [...this.#jobs.keys()];
  }

  /** loops lists the running loops of one job (or all), for tests and figures. */
  loops(job?: string): ScrapeLoop[] {
    const jobs = job === undefined ? [...this.#jobs.values()] : [this.#jobs.get(job)].filter((j): j is Job => j !== undefined);
    return jobs.flatMap((j) => j.pool.loops());
  }

  /** problems lists the current target problems of every job (bad addresses, target_limit). */
  problems(): string[] {
    return [...this.#jobs.values()].flatMap((j) => j.pool.errors);
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(() => {
      if (this.#stopped) throw new Error('scrape manager: already stopped');
      return work();
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  async #apply(configs: readonly ScrapeConfig[]): Promise<string[]> {
    const problems: string[] = [];
    const wanted = new Map(configs.map((c) => [c.jobName, c]));
    const work: Promise<void>[] = [];
    for (const [name, job] of this.#jobs) {
      if (wanted.has(name)) continue;
      this.#jobs.delete(name);
      work.push(job.discovery.stop().then(() => job.pool.stop()));
    }
    for (const config of configs) {
      const sdKey = sdFingerprint(config);
      const old = this.#jobs.get(config.jobName);
      try {
        if (old === undefined) {
          const pool = new ScrapePool(this.#storage, config, this.#log);
          this.#start(config, pool, this.#discovery(config, pool), sdKey);
        } else if (old.sdKey === sdKey) {
          work.push(old.pool.reload(config).catch((err: Error) => {
            problems.push(`job ${config.jobName}: ${err.message}`);
          }));
        } else {
          // Discovery changed: new discoverers; the pool keeps its loops until the new groups come.
          const discovery = this.#discovery(config, old.pool);
          await old.pool.reload(config);
          await old.discovery.stop();
          this.#start(config, old.pool, discovery, sdKey);
        }
      } catch (err) {
        problems.push(`job ${config.jobName}: ${(err as Error).message}`);
      }
    }
    await Promise.all(work);
    for (const p of problems) this.#log(p);
    return problems;
  }

  /** #discovery builds a job's discovery feeding `pool` (ClientSetupError for unreadable files). */
  #discovery(config: ScrapeConfig, pool: ScrapePool): JobDiscovery {
    const opts: JobDiscoveryOptions = {
      updateIntervalMs: this.#opts.discoveryUpdateIntervalMs,
      resolver: this.#opts.resolver,
      onError: (err) => this.#log(`job ${config.jobName}: ${err.message}`),
    };
    return new JobDiscovery(config, (groups) => {
      pool.sync(groups).catch((err: Error) => this.#log(`job ${config.jobName}: ${err.message}`));
    }, opts);
  }

  #start(config: ScrapeConfig, pool: ScrapePool, discovery: JobDiscovery, sdKey: string): void {
    this.#jobs.set(config.jobName, { pool, discovery, sdKey });
    discovery.start();
  }
}

function sdFingerprint(c: ScrapeConfig): string {
  return fingerprint([c.staticConfigs, c.fileSdConfigs, c.httpSdConfigs, c.dnsSdConfigs]);
}
