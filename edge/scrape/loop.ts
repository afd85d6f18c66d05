/**
 * Scrape loop: scrapes one target on its interval, as Prometheus does. Each target gets a stable
 * offset within the interval (from the hash of its labels) so targets spread out; timestamps are
 * the scheduled times. A page is fetched with Prometheus' Accept header (gzip accepted), bounded
 * by the scrape timeout and body_size_limit, parsed and appended in one commit, and followed by
 * the synthetic series `up`, `scrape_duration_seconds`, `scrape_samples_scraped`,
 * `scrape_samples_post_metric_relabeling` and `scrape_series_added`. A failing target fails only
 * its own scrape: `up` is 0, the reason is kept for the targets API, its series go stale.
 */
import { Labels, METRIC_NAME } from '../../shared/model/labels.ts';
import { hashLabels } from '../../shared/model/hash.ts';
import { acceptHeader, parserForContentType } from '../../shared/exposition/content-type.ts';
import type { Appendable } from '../../shared/storage/interface.ts';
import { ScrapeCache, countRefusals, type PageOptions, type PageReport } from './page.ts';

/** Target: everything a loop needs to scrape one endpoint. */
export interface Target extends PageOptions {
  url: string;
  intervalMs: number;
  timeoutMs: number;
  /** body_size_limit in bytes; 0 means no limit. */
  bodySizeLimit: number;
  /** Extra request headers (authorization). */
  headers?: Record<string, string>;
}

/** TargetHealth: the state the targets API reports. */
export interface TargetHealth {
  health: 'unknown' | 'up' | 'down';
  lastError: string;
  /** Unix ms of the last scrape's scheduled time; 0 before the first. */
  lastScrape: number;
  lastScrapeDurationSeconds: number;
}

const SYNTHETIC = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'] as const;

/** ScrapeLoop: one target's schedule and state. start() it; stop() writes staleness markers. */
export class ScrapeLoop {
  readonly target: Target;
  readonly #storage: Appendable;
  readonly #cache = new ScrapeCache();
  readonly #synthetic: Labels[];
  readonly #syntheticRefs = new Array<number>(SYNTHETIC.length).fill(0);
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  health: TargetHealth = { health: 'unknown', lastError: '', lastScrape: 0, lastScrapeDurationSeconds: 0 };

  constructor(storage: Appendable, target: Target) {
    if (!(target.intervalMs > 0)) throw new Error(`BUG: scrape interval ${target.intervalMs} ms`);
    this.#storage = storage;
    this.target = target;
    this.#synthetic = SYNTHETIC.map((name) => target.targetLabels.with(METRIC_NAME, name));
  }

  /** offset is where in each interval this target is scraped: stable for the same labels. */
  get offsetMs(): number {
    return hashLabels(this.target.targetLabels) % this.target.intervalMs;
  }

  /** start schedules scrapes at offset + k·interval (Unix ms). */
  start(): void {
    const { intervalMs } = this.target;
    const now = Date.now();
    let next = now - (now % intervalMs) + this.offsetMs;
    if (next < now) next += intervalMs;
    const tick = () => {
      if (this.#stopped) return;
      const scheduled = next;
      next += intervalMs;
      this.#running = this.scrape(scheduled);
      this.#timer = setTimeout(tick, Math.max(0, next - Date.now()));
    };
    this.#timer = setTimeout(tick, next - now);
  }

  /** stop cancels the schedule, waits for a scrape in flight, and marks the target's series stale. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    const app = this.#storage.appender();
    this.#cache.markAllStale(app, Date.now());
    app.commit();
  }

  /** scrape runs one scrape stamped `t` (ms) and records its outcome. It never throws. */
  async scrape(t: number): Promise<void> {
    const started = performance.now();
    let report: PageReport = { scraped: 0, kept: 0, added: 0, refused: 0 };
    let error = '';
    try {
      const { body, contentType } = await this.#fetch();
      const app = this.#storage.appender();
      try {
        report = this.#cache.appendPage(app, parserForContentType(contentType, body), t, this.target);
      } catch (err) {
        app.rollback();
        throw err;
      }
      report = countRefusals(report, app.commit());
    } catch (err) {
      error = (err as Error).message;
      const app = this.#storage.appender();
      this.#cache.markAllStale(app, t);
      app.commit();
    }
    const seconds = (performance.now() - started) / 1000;
    this.health = { health: error ? 'down' : 'up', lastError: error, lastScrape: t, lastScrapeDurationSeconds: seconds };
    const values = [error ? 0 : 1, seconds, report.scraped, report.kept, report.added];
    const app = this.#storage.appender();
    for (let i = 0; i < SYNTHETIC.length; i++) this.#syntheticRefs[i] = app.append(this.#syntheticRefs[i], this.#synthetic[i], t, values[i]);
    app.commit();
  }

  async #fetch(): Promise<{ body: string; contentType: string | null }> {
    const { url, timeoutMs, bodySizeLimit, headers } = this.target;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: {
          accept: acceptHeader(),
          'accept-encoding': 'gzip',
          'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000),
          'user-agent': 'Outpost',
          ...headers,
        },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'follow',
      });
    } catch (err) {
      const e = err as Error;
      throw new Error(e.name === 'TimeoutError' ? `scrape timed out after ${timeoutMs / 1000}s` : `scrape ${url}: ${(e.cause as Error | undefined)?.message ?? e.message}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`server returned HTTP status ${res.status} ${res.statusText}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (bodySizeLimit > 0 && size > bodySizeLimit) {
        await res.body?.cancel().catch(() => {});
        throw new Error(`body size limit exceeded: more than ${bodySizeLimit} bytes`);
      }
      chunks.push(chunk);
    }
    return { body: Buffer.concat(chunks, size).toString('utf8'), contentType: res.headers.get('content-type') };
  }
}
