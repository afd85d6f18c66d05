/**
 * Scrape pool: the loops of one scrape job. It turns the job's discovered groups into targets,
 * drops duplicates (same labels and URL), enforces target_limit, keeps the dropped targets for
 * the API (at most keep_dropped_targets of them), and makes the running loops match: a target
 * whose settings are unchanged keeps its loop and cache, a changed one restarts (taking its cache
 * over when its labelling rules are the same), a vanished one stops with staleness markers.
 * Syncs and reloads run one at a time, in the order they were asked for.
 */
import type { ScrapeConfig } from '../../shared/config/scrape.ts';
import { formatDuration } from '../../shared/config/units.ts';
import type { Appendable } from '../../shared/storage/interface.ts';
import type { ActiveTargetInfo, DroppedTargetInfo, TargetMetadataInfo } from '../../shared/api/targets-routes.ts';
import type { TargetGroup } from '../discovery/types.ts';
import { authHeaders, HttpClient } from '../http/client.ts';
import { fingerprint } from './fingerprint.ts';
import { ScrapeLoop } from './loop.ts';
import { buildTargets, type ActiveTarget, type DroppedTarget } from './targets.ts';

interface Running {
  loop: ScrapeLoop;
  target: ActiveTarget;
  /** Everything about the target that a loop depends on. */
  settings: string;
  /** What decides the labels of the target's series: equal means the cache can be handed over. */
  labelling: string;
}

/** ScrapePool: one job's loops. Not safe for concurrent use except through its own queue. */
export class ScrapePool {
  readonly name: string;
  #job: ScrapeConfig;
  #client: HttpClient;
  #clientKey: string;
  readonly #storage: Appendable;
  readonly #log: (msg: string) => void;
  readonly #running = new Map<string, Running>();
  #dropped: DroppedTarget[] = [];
  #droppedCount = 0;
  #groups: TargetGroup[] = [];
  /** Problems of the last sync: targets that could not be built, target_limit. */
  errors: string[] = [];
  #queue: Promise<void> = Promise.resolve();
  #stopped = false;

  /** ScrapePool builds the job's HTTP client now: an unreadable TLS file throws ClientSetupError. */
  constructor(storage: Appendable, job: ScrapeConfig, log: (msg: string) => void) {
    this.name = job.jobName;
    this.#storage = storage;
    this.#job = job;
    this.#log = log;
    this.#clientKey = fingerprint(job.httpClient);
    this.#client = new HttpClient(job.httpClient);
  }

  get job(): ScrapeConfig {
    return this.#job;
  }

  /** sync replaces the job's groups and brings the loops in line; it resolves when done. */
  sync(groups: TargetGroup[]): Promise<void> {
    return this.#enqueue(async () => {
      this.#groups = groups;
      await this.#apply();
    });
  }

  /**
   * reload switches to a new config of the same job and re-applies the current groups. A new
   * client is built only when the HTTP client settings changed (ClientSetupError when its files
   * cannot be read; the pool then keeps its old config).
   */
  reload(job: ScrapeConfig): Promise<void> {
    return this.#enqueue(async () => {
      authHeaders(job.httpClient); // unreadable credentials refuse the new config before anything changes
      const key = fingerprint(job.httpClient);
      let retired: HttpClient | undefined;
      if (key !== this.#clientKey) {
        const client = new HttpClient(job.httpClient);
        retired = this.#client;
        this.#client = client;
        this.#clientKey = key;
      }
      this.#job = job;
      await this.#apply();
      // Every loop on the old client has been replaced by now.
      retired?.close();
    });
  }

  /** stop stops every loop, writing staleness markers for their series. */
  stop(): Promise<void> {
    return this.#enqueue(async () => {
      this.#stopped = true;
      await Promise.all([...this.#running.values()].map((r) => r.loop.stop()));
      this.#running.clear();
      this.#client.close();
    });
  }

  /** active describes every running target for the API. */
  active(): ActiveTargetInfo[] {
    return [...this.#running.values()].map(({ loop, target }) => ({
      discoveredLabels: target.discoveredLabels,
      labels: target.targetLabels,
      scrapePool: this.name,
      scrapeUrl: target.url,
      lastError: loop.health.lastError,
      lastScrape: loop.health.lastScrape,
      lastScrapeDuration: loop.health.lastScrapeDurationSeconds,
      health: loop.health.health,
      scrapeInterval: formatDuration(target.intervalMs),
      scrapeTimeout: formatDuration(target.timeoutMs),
    }));
  }

  /** dropped lists the dropped targets kept (keep_dropped_targets), and how many were dropped in all. */
  dropped(): { targets: DroppedTargetInfo[]; count: number } {
    return { targets: this.#dropped.map((d) => ({ discoveredLabels: d.discoveredLabels, scrapePool: this.name })), count: this.#droppedCount };
  }

  /** metadata lists each target's metric metadata. */
  metadata(): TargetMetadataInfo[] {
    const out: TargetMetadataInfo[] = [];
    for (const { loop, target } of this.#running.values()) {
      for (const m of loop.metadata()) out.push({ target: target.targetLabels, ...m });
    }
    return out;
  }

  /** loops is the running loops, for tests and figures. */
  loops(): ScrapeLoop[] {
    return [...this.#running.values()].map((r) => r.loop);
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(() => (this.#stopped ? undefined : work()));
    this.#queue = next.catch(() => {});
    return next;
  }

  async #apply(): Promise<void> {
    const job = this.#job;
    const built = buildTargets(job, this.#groups, this.#client);
    const errors = [...built.errors];
    this.#droppedCount = built.dropped.length;
    this.#dropped = job.keepDroppedTargets > 0 ? built.dropped.slice(0, job.keepDroppedTargets) : built.dropped;

    const wanted = new Map<string, ActiveTarget>();
    for (const t of built.active) {
      const key = `${t.targetLabels.key()}\u0000${t.url}`;
      if (!wanted.has(key)) wanted.set(key, t);
    }
    let forced = '';
    if (job.targetLimit > 0 && wanted.size > job.targetLimit) {
      forced = `target_limit exceeded (number of targets: ${wanted.size}, limit: ${job.targetLimit})`;
      errors.push(`job ${job.jobName}: ${forced}`);
    }

    const stopping: Promise<void>[] = [];
    for (const [key, r] of this.#running) {
      if (!wanted.has(key)) {
        this.#running.delete(key);
        stopping.push(r.loop.stop());
      }
    }
    const restarts: Array<{ key: string; target: ActiveTarget; settings: string; labelling: string; old?: Running }> = [];
    for (const [key, target] of wanted) {
      const settings = settingsOf(target, this.#clientKey);
      const labelling = labellingOf(target);
      const old = this.#running.get(key);
      if (old !== undefined && old.settings === settings) {
        old.target = target;
        old.loop.forcedError = forced;
        continue;
      }
      restarts.push({ key, target, settings, labelling, old });
    }
    // Changed targets stop together (each waits for its scrape in flight), then start again.
    await Promise.all(restarts.map(({ old, labelling }) => old?.loop.stop({ stale: old.labelling !== labelling })));
    for (const { key, target, settings, labelling, old } of restarts) {
      const cache = old !== undefined && old.labelling === labelling ? old.loop.cache : undefined;
      const loop = new ScrapeLoop(this.#storage, target, cache);
      loop.forcedError = forced;
      this.#running.set(key, { loop, target, settings, labelling });
      loop.start();
    }
    await Promise.all(stopping);
    for (const e of errors) if (!this.errors.includes(e)) this.#log(e);
    this.errors = errors;
  }
}

function settingsOf(t: ActiveTarget, clientKey: string): string {
  const { client: _client, discoveredLabels: _d, ...rest } = t;
  return fingerprint({ ...rest, clientKey });
}

function labellingOf(t: ActiveTarget): string {
  return fingerprint({
    labels: t.targetLabels,
    honorLabels: t.honorLabels,
    metricRelabel: t.metricRelabel,
    limits: [t.labelLimit, t.labelNameLengthLimit, t.labelValueLengthLimit],
  });
}
