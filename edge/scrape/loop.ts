/**
 * Scrape loop: scrapes one target on its interval, as Prometheus does. Each target gets a stable
 * offset within the interval (from the hash of its labels) so targets spread out. A scrape is
 * stamped with its start time, moved onto the schedule (previous + interval) when it started
 * within 2 ms of it, as Prometheus aligns timestamps so that they compress well. A page is fetched
 * with the job's Accept header (gzip accepted), bounded by the scrape timeout and body_size_limit,
 * parsed and appended in one commit, and followed by the synthetic series `up`,
 * `scrape_duration_seconds`, `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling` and
 * `scrape_series_added`. A failing target fails only its own scrape: `up` is 0, the reason is kept
 * for the targets API, its series go stale.
 */
import { Labels, METRIC_NAME } from '../../shared/model/labels.ts';
import { hashLabels } from '../../shared/model/hash.ts';
import { STALE_NAN } from '../../shared/model/stale.ts';
import { acceptHeader, parserForContentType, type ExpositionFormat } from '../../shared/exposition/content-type.ts';
import type { Appendable } from '../../shared/storage/interface.ts';
import { BodyBuffer } from '../http/body-buffer.ts';
import { HttpClient } from '../http/client.ts';
import { ScrapeCache, countRefusals, type PageOptions, type PageReport } from './page.ts';
import type { MetricMetadata } from './metadata.ts';

/** Target: everything a loop needs to scrape one endpoint. */
export interface Target extends PageOptions {
  url: string;
  /** The job this target belongs to (the API's scrapePool); '' when unknown. */
  scrapePool?: string;
  intervalMs: number;
  timeoutMs: number;
  /** body_size_limit in bytes; 0 means no limit. */
  bodySizeLimit: number;
  /** Extra request headers (authorization). */
  headers?: Record<string, string>;
  /** The Accept header (default: Prometheus 3's). */
  accept?: string;
  /** Ask for gzip (enable_compression; default true). */
  gzip?: boolean;
  /** The format assumed for a missing or unusable Content-Type (fallback_scrape_protocol). */
  fallbackFormat?: ExpositionFormat;
  /** The job's HTTP client (TLS settings, keep-alive connections); a plain one when absent. */
  client?: HttpClient;
}

/** TargetHealth: the state the targets API reports. */
export interface TargetHealth {
  health: 'unknown' | 'up' | 'down';
  lastError: string;
  /** Unix ms of the last scrape's timestamp; 0 before the first. */
  lastScrape: number;
  lastScrapeDurationSeconds: number;
}

const SYNTHETIC = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'] as const;

/** How far from the schedule a scrape may start and still be stamped with the scheduled time. */
export const SCRAPE_TIMESTAMP_TOLERANCE_MS = 2;

let plainClient: HttpClient | undefined;

/**
 * ScrapeLoop: one target's schedule and state. start() it; stop() writes staleness markers. Its
 * methods must not be called concurrently with each other except stop() during a scrape.
 */
export class ScrapeLoop {
  readonly target: Target;
  readonly #storage: Appendable;
  readonly #cache: ScrapeCache;
  readonly #synthetic: Labels[];
  readonly #syntheticRefs = new Array<number>(SYNTHETIC.length).fill(0);
  readonly #accept: string;
  /**
   * Every page of this target is received into this buffer, unless a scrape still holds it. Its
   * memory is borrowed from the process' BodyPool for one scrape and given back once the page is
   * appended: between scrapes the loop holds no page.
   */
  readonly #body = new BodyBuffer();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #lastTimestamp = 0;
  /** forcedError, when set, fails every scrape with it instead of fetching (target_limit). */
  forcedError = '';
  health: TargetHealth = { health: 'unknown', lastError: '', lastScrape: 0, lastScrapeDurationSeconds: 0 };

  /**
   * ScrapeLoop builds a loop; `cache` hands over the series cache of a loop this one replaces
   * (same target, same labelling rules), so its series neither go stale nor count as added.
   */
  constructor(storage: Appendable, target: Target, cache: ScrapeCache = new ScrapeCache()) {
    if (!(target.intervalMs > 0)) throw new Error(`BUG: scrape interval ${target.intervalMs} ms`);
    this.#storage = storage;
    this.#cache = cache;
    this.target = target;
    this.#synthetic = SYNTHETIC.map((name) => target.targetLabels.with(METRIC_NAME, name));
    this.#accept = target.accept ?? acceptHeader();
  }

  /** offset is where in each interval this target is scraped: stable for the same labels. */
  get offsetMs(): number {
    return hashLabels(this.target.targetLabels) % this.target.intervalMs;
  }

  /** metadata is the TYPE/HELP/UNIT of each family on the target's last good page. */
  metadata(): MetricMetadata[] {
    return this.#cache.metadata.list();
  }

  /** seriesCached is the number of series texts the loop's cache holds. */
  get seriesCached(): number {
    return this.#cache.size;
  }

  /** start schedules scrapes at offset + k·interval (Unix ms). */
  start(): void {
    const { intervalMs } = this.target;
    const now = Date.now();
    let next = now - (now % intervalMs) + this.offsetMs;
    if (next < now) next += intervalMs;
    const tick = () => {
      if (this.#stopped) return;
      next += intervalMs;
      this.#running = this.scrape(this.stampFor(Date.now()));
      this.#timer = setTimeout(tick, Math.max(0, next - Date.now()));
    };
    this.#timer = setTimeout(tick, next - now);
  }

  /** cache is the loop's series cache, for a replacing loop to take over after stop({ stale: false }). */
  get cache(): ScrapeCache {
    return this.#cache;
  }

  /**
   * stop cancels the schedule, waits for a scrape in flight, and marks the target's series stale,
   * unless `stale` is false (a replacing loop takes the series over).
   */
  async stop(opts: { stale?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    if (opts.stale === false) return;
    const app = this.#storage.appender();
    const t = Math.max(Date.now(), this.#lastTimestamp + 1);
    this.#cache.markAllStale(app, t, this.target);
    // The synthetic series end with the target too.
    if (this.#lastTimestamp > 0) for (let i = 0; i < SYNTHETIC.length; i++) app.append(this.#syntheticRefs[i], this.#synthetic[i], t, STALE_NAN);
    app.commit();
  }

  /**
   * stampFor is the timestamp of a scrape starting at `now` (ms): the previous scrape's time plus
   * the interval when `now` is within SCRAPE_TIMESTAMP_TOLERANCE_MS of it, else `now`.
   */
  stampFor(now: number): number {
    const { intervalMs } = this.target;
    if (this.#lastTimestamp > 0 && intervalMs > 100 * SCRAPE_TIMESTAMP_TOLERANCE_MS) {
      const aligned = this.#lastTimestamp + intervalMs;
      if (Math.abs(now - aligned) <= SCRAPE_TIMESTAMP_TOLERANCE_MS) return aligned;
    }
    return now;
  }

  /** scrape runs one scrape stamped `t` (ms) and records its outcome. It never throws. */
  async scrape(t: number): Promise<void> {
    this.#lastTimestamp = t;
    const started = performance.now();
    let report: PageReport = { scraped: 0, kept: 0, added: 0, refused: 0 };
    let error = '';
    try {
      if (this.forcedError) throw new Error(this.forcedError);
      // Fast path: the loop's own buffer. Slow path: a scrape overlapping the previous one (it
      // outlived its interval) gets a buffer of its own.
      const into = this.#body.busy ? new BodyBuffer() : this.#body;
      into.busy = true;
      try {
        const { body, contentType } = await this.#fetch(into);
        const app = this.#storage.appender();
        try {
          // The parser reads the bytes where they lie: no page-sized string (see ParserBase).
          const parser = parserForContentType(contentType, body, { fallback: this.target.fallbackFormat });
          report = this.#cache.appendPage(app, parser, t, this.target, body);
        } catch (err) {
          app.rollback();
          throw err;
        }
        report = countRefusals(report, app.commit());
      } finally {
        // The page is read (the cache keeps no view of it): its memory serves the next scrape, of any target.
        into.release();
        into.busy = false;
      }
    } catch (err) {
      error = (err as Error).message;
      const app = this.#storage.appender();
      this.#cache.markAllStale(app, t, this.target);
      app.commit();
    }
    const seconds = (performance.now() - started) / 1000;
    this.health = { health: error ? 'down' : 'up', lastError: error, lastScrape: t, lastScrapeDurationSeconds: seconds };
    const values = [error ? 0 : 1, seconds, report.scraped, report.kept, report.added];
    const app = this.#storage.appender();
    for (let i = 0; i < SYNTHETIC.length; i++) this.#syntheticRefs[i] = app.append(this.#syntheticRefs[i], this.#synthetic[i], t, values[i]);
    app.commit();
  }

  async #fetch(into: BodyBuffer): Promise<{ body: Buffer; contentType: string | null }> {
    const { url, timeoutMs, bodySizeLimit, headers, gzip } = this.target;
    const client = this.target.client ?? (plainClient ??= new HttpClient());
    const res = await client.get(url, {
      headers: {
        accept: this.#accept,
        'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000),
        'user-agent': 'Outpost',
        ...headers,
      },
      timeoutMs,
      maxBytes: bodySizeLimit,
      gzip: gzip ?? true,
      into,
    });
    return { body: res.body, contentType: res.contentType };
  }
}
