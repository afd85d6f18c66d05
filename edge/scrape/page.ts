/**
 * Scrape pages: turns one scraped page into appended samples, as Prometheus' scrape loop does. A
 * per-target cache maps each series' text as written (`name{labels}`) to its storage ref and final
 * labels, so a series seen before costs a map look-up: no label parsing, relabeling or hashing.
 * Pages rarely change their order, so the series at the same position on the previous page is
 * tried first: comparing its text with the page costs a quarter of a hashed map look-up.
 * Series that were in the previous page and are missing from this one get a staleness marker
 * (series with their own timestamps only under track_timestamps_staleness, as in Prometheus). New
 * series are checked against the label limits, and the page's TYPE/HELP/UNIT lines are kept as the
 * target's metadata.
 */
import { Labels } from '../../shared/model/labels.ts';
import { STALE_NAN } from '../../shared/model/stale.ts';
import { relabel } from '../../shared/relabel/index.ts';
import type { RelabelConfig } from '../../shared/relabel/relabel-config.ts';
import type { ExpositionParser } from '../../shared/exposition/types.ts';
import type { Appender, AppendResult, SeriesRef } from '../../shared/storage/interface.ts';
import { checkLabelLimits, type LabelLimits } from './limits.ts';
import { MetadataCache } from './metadata.ts';

/** PageOptions: how a target's samples are labelled and limited. */
export interface PageOptions extends LabelLimits {
  /** The target's labels (job, instance, …) after target relabeling. */
  targetLabels: Labels;
  /** honor_labels: scraped labels win over target labels (else they are kept as `exported_…`). */
  honorLabels: boolean;
  /** honor_timestamps: use timestamps the page gives (else the scrape time). */
  honorTimestamps: boolean;
  metricRelabel: readonly RelabelConfig[];
  /** sample_limit: more samples than this after relabeling fail the scrape; 0 means no limit. */
  sampleLimit: number;
  /** track_timestamps_staleness: series with explicit timestamps also get staleness markers. */
  trackTimestampsStaleness?: boolean;
}

/** SampleLimitError: the page had more samples than sample_limit allows; nothing was stored. */
export class SampleLimitError extends Error {
  constructor(readonly limit: number, readonly got: number) {
    super(`sample limit exceeded: ${got} samples after relabeling, limit ${limit}`);
    this.name = 'SampleLimitError';
  }
}

/** PageReport: the figures of one page, which the synthetic scrape_* series record. */
export interface PageReport {
  /** Samples on the page (scrape_samples_scraped). */
  scraped: number;
  /** Samples kept after metric relabeling (scrape_samples_post_metric_relabeling). */
  kept: number;
  /** Series not seen on this target before (scrape_series_added). */
  added: number;
  /** Samples the storage refused (out of order, duplicate timestamp), with the first reason. */
  refused: number;
  firstRefusal?: string;
}

interface Entry {
  /** The series text (a flat string, not a slice of a page). */
  readonly key: string;
  ref: SeriesRef;
  /** Final labels, or null when metric relabeling drops the series. */
  labels: Labels | null;
  /** The scrape iteration that last saw the series. */
  seen: number;
}

/** Cache entries allowed beyond twice the page's series before unseen ones are dropped. */
const CACHE_SLACK = 256;

/** ScrapeCache: one target's series cache and staleness state. Not safe for concurrent use. */
export class ScrapeCache {
  readonly #entries = new Map<string, Entry>();
  #iteration = 0;
  /** Series kept by the previous successful page: candidates for staleness markers. */
  #previous: Entry[] = [];
  /** The array #previous held before, reused for the next page's list. */
  #spare: Entry[] = [];
  /** Every series line of the previous page in page order (repeats included), for the fast path. */
  readonly #order: Entry[] = [];
  /** metadata: the TYPE, HELP and UNIT of the metric families on the last good page. */
  readonly metadata = new MetadataCache();

  /**
   * appendPage parses the whole page into `app` at scrape time `t` (ms). It throws the parser's
   * error or SampleLimitError before anything is committed; the caller then rolls back and calls
   * markAllStale if the target failed. On success the caller commits.
   */
  appendPage(app: Appender, parser: ExpositionParser, t: number, opts: PageOptions): PageReport {
    const iteration = ++this.#iteration;
    const current = this.#spare;
    current.length = 0;
    const order = this.#order;
    let at = 0; // index of this series line among the page's series lines
    const trackAll = opts.trackTimestampsStaleness === true || !opts.honorTimestamps;
    let scraped = 0, kept = 0, added = 0, live = 0;
    const meta = this.metadata.begin();
    for (let kind = parser.next(); kind !== 'eof'; kind = parser.next()) {
      if (kind !== 'series') {
        if (kind === 'type') meta.type(parser.metricName(), parser.type());
        else if (kind === 'help') meta.help(parser.metricName(), parser.help());
        else if (kind === 'unit') meta.unit(parser.metricName(), parser.unit());
        continue;
      }
      if (parser.isCreatedSeries()) continue;
      scraped++;
      // Fast path: the same series as at this position on the previous page.
      let entry: Entry | undefined = order[at];
      if (entry === undefined || !parser.seriesIs(entry.key)) {
        const key = parser.series();
        entry = this.#entries.get(key);
        if (entry === undefined) {
          const labels = relabel(mergeTargetLabels(parser.labels(), opts), opts.metricRelabel);
          // Slow path: a series not seen before. It is checked before it is cached, so a series
          // over a limit fails every scrape it appears in.
          if (labels !== null) checkLabelLimits(labels, opts);
          // The page's text is a slice of the page; a flat copy lets the page be collected.
          entry = { key: flatCopy(key), ref: 0, labels, seen: 0 };
          this.#entries.set(entry.key, entry);
          if (labels !== null) added++;
        }
      }
      order[at++] = entry;
      if (entry.seen === iteration) continue; // repeated on the page
      entry.seen = iteration;
      live++;
      if (entry.labels === null) continue; // dropped by metric relabeling
      kept++;
      if (opts.sampleLimit > 0 && kept > opts.sampleLimit) continue; // counted, failed below
      const explicit = opts.honorTimestamps && !Number.isNaN(parser.timestamp);
      // Series with their own timestamps are left out of staleness unless asked for (Prometheus).
      if (trackAll || !explicit) current.push(entry);
      entry.ref = app.append(entry.ref, entry.labels, explicit ? parser.timestamp : t, parser.value);
    }
    order.length = at;
    if (opts.sampleLimit > 0 && kept > opts.sampleLimit) throw new SampleLimitError(opts.sampleLimit, kept);
    meta.commit();
    // Series that vanished since the previous page go stale now.
    for (const e of this.#previous) {
      if (e.seen !== iteration && e.labels !== null) e.ref = app.append(e.ref, e.labels, t, STALE_NAN);
    }
    this.#spare = this.#previous;
    this.#previous = current;
    // Churned series (and other spellings of a series) would grow the cache for ever: once it
    // holds far more than this page, forget what this page did not show (Prometheus' iterDone).
    if (this.#entries.size > 2 * live + CACHE_SLACK) {
      for (const [k, e] of this.#entries) if (e.seen !== iteration) this.#entries.delete(k);
    }
    return { scraped, kept, added, refused: 0 };
  }

  /** markAllStale writes staleness markers for every series of the last page (target failed or gone). */
  markAllStale(app: Appender, t: number): void {
    for (const e of this.#previous) if (e.labels !== null) e.ref = app.append(e.ref, e.labels, t, STALE_NAN);
    this.#previous.length = 0;
  }

  /** size is the number of cached series texts. */
  get size(): number {
    return this.#entries.size;
  }
}

/** countRefusals folds a commit's refused samples into a report. */
export function countRefusals(report: PageReport, result: AppendResult): PageReport {
  if (result.errors.length === 0) return report;
  return { ...report, refused: result.errors.length, firstRefusal: result.errors[0].message };
}

/**
 * mergeTargetLabels adds the target's labels to a scraped set. With honor_labels the scraped value
 * wins; without it the target's wins and a clashing scraped label is kept as `exported_<name>`
 * (prefixed again while that name is taken too), as Prometheus does.
 */
export function mergeTargetLabels(scraped: Labels, opts: Pick<PageOptions, 'targetLabels' | 'honorLabels'>): Labels {
  const target = opts.targetLabels;
  if (target.size === 0) return scraped;
  const out = new Map<string, string>(scraped);
  const conflicts: Array<[string, string]> = [];
  for (const [name, value] of target) {
    const mine = out.get(name);
    if (mine === undefined) {
      out.set(name, value);
    } else if (!opts.honorLabels) {
      conflicts.push([name, mine]);
      out.set(name, value);
    }
  }
  // Shorter names first, each to the first free exported_… name (Prometheus' order).
  conflicts.sort((a, b) => a[0].length - b[0].length);
  for (const [name, value] of conflicts) {
    let exported = `exported_${name}`;
    while (out.has(exported)) exported = `exported_${exported}`;
    out.set(exported, value);
  }
  return Labels.fromPairs(out);
}

function flatCopy(s: string): string {
  // Concatenating forces V8 to materialise a flat string instead of keeping a sliced view of the page.
  return (' ' + s).slice(1);
}
