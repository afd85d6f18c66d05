/**
 * Scrape pages: turns one scraped page into appended samples, as Prometheus' scrape loop does. A
 * per-target cache maps each series' text as written (`name{labels}`, as bytes) to its storage
 * ref and final labels, so a series seen before costs a comparison of bytes: no string, no label
 * parsing, relabeling or hashing. Pages rarely change, so the previous page's lines (series and
 * metadata, in order) are a template: the parser is first asked whether the next line is the one
 * that followed on the previous page (ExpositionParser.nextKnownSeries, nextKnownMetadata), which
 * compares the line's bytes with the cached ones instead of scanning them; a line that is not
 * goes through next() and a look-up of its bytes, after which the previous page's order is
 * followed again from that series on.
 * Series that were in the previous page and are missing from this one get a staleness marker
 * (series with their own timestamps only under track_timestamps_staleness, as in Prometheus). New
 * series are checked against the label limits, and the page's TYPE/HELP/UNIT lines are kept as the
 * target's metadata. The per-series state lives in typed arrays indexed by the series' id in a
 * KeyTable: nothing per sample is allocated, and nothing per series is an object for the garbage
 * collector to mark. A known series is appended by its storage ref alone (Appender.appendRef);
 * its final labels are not kept (issue 6) but built again from its cached text, through the same
 * parse, target labels and metric relabeling, only when the storage no longer knows the ref or
 * the appender needs labels. Once a page is read the cache keeps no view of it (what it keeps of
 * a line is copied), so the page's memory can go back to the BodyPool for the next scrape of any
 * target.
 */
import { grown } from '../../shared/model/grown.ts';
import { Labels } from '../../shared/model/labels.ts';
import { STALE_NAN } from '../../shared/model/stale.ts';
import { relabel } from '../../shared/relabel/index.ts';
import type { RelabelConfig } from '../../shared/relabel/relabel-config.ts';
import { newParser } from '../../shared/exposition/content-type.ts';
import type { ByteSpan, ExpositionParser } from '../../shared/exposition/types.ts';
import type { Appender, AppendResult } from '../../shared/storage/interface.ts';
import { KeyTable, grownCapacity } from './key-table.ts';
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

/** Cache entries allowed beyond twice the page's series before unseen ones are dropped. */
const CACHE_SLACK = 256;

/** Series flag: its text may be handed back to nextKnownSeries. */
const KNOWN_FAST = 1;
/** Series flag: metric relabeling drops it. */
const DROPPED = 2;

const NO_BYTES = new Uint8Array(0);

/** ScrapeCache: one target's series cache and staleness state. Not safe for concurrent use. */
export class ScrapeCache {
  /** The series texts; every per-series column below is indexed by a text's id there. */
  #keys!: KeyTable;
  #refs!: Float64Array;
  /** The scrape iteration that last saw the series. */
  #seen!: Int32Array;
  /** Where the series was last seen in the page's order of series lines. */
  #pos!: Int32Array;
  #flags!: Uint8Array;
  #iteration = 0;
  /** Every series line of the previous page in page order (ids, repeats included), and the next page's. */
  #order!: Int32Array;
  #orderLength = 0;
  #nextOrder!: Int32Array;
  /** Series kept by the previous successful page (candidates for staleness markers), and the next page's. */
  #previous!: Int32Array;
  #previousLength = 0;
  #current!: Int32Array;
  /** The series added last and its final labels, for its first append (none between pages). */
  #addedId = 0;
  #addedLabels: Labels | null = null;
  /** The current series' text, on the page being read (none between pages). */
  readonly #span: ByteSpan = { bytes: NO_BYTES, start: 0, end: 0 };
  /** metadata: the TYPE, HELP and UNIT of the metric families on the last good page. */
  readonly metadata = new MetadataCache();

  constructor() {
    this.#empty();
  }

  /** #empty gives the cache its empty tables: it holds no series. */
  #empty(): void {
    this.#keys = new KeyTable();
    this.#refs = new Float64Array(1024);
    this.#seen = new Int32Array(1024);
    this.#pos = new Int32Array(1024);
    this.#flags = new Uint8Array(1024);
    this.#order = new Int32Array(1024);
    this.#nextOrder = new Int32Array(1024);
    this.#previous = new Int32Array(1024);
    this.#current = new Int32Array(1024);
    this.#orderLength = this.#previousLength = 0;
  }

  /**
   * appendPage parses the whole page into `app` at scrape time `t` (ms). It throws the parser's
   * error or SampleLimitError before anything is committed; the caller then rolls back and calls
   * markAllStale if the target failed. On success the caller commits. Either way the cache keeps
   * no view of the parser's page when it returns. `page`, the bytes the parser reads, lets an
   * empty cache size itself for them at once (see #reserve); should the page fail, the cache is
   * emptied again, so that a large page of garbage leaves no large tables behind.
   */
  appendPage(app: Appender, parser: ExpositionParser, t: number, opts: PageOptions, page?: Uint8Array): PageReport {
    const sized = page !== undefined && this.#keys.size === 0;
    try {
      if (sized) this.#reserve(page);
      return this.#readPage(app, parser, t, opts);
    } catch (err) {
      if (sized) this.#empty();
      throw err;
    } finally {
      this.#span.bytes = NO_BYTES;
      this.#keys.forgetSource();
      this.#addedId = 0;
      this.#addedLabels = null;
    }
  }

  #readPage(app: Appender, parser: ExpositionParser, t: number, opts: PageOptions): PageReport {
    const iteration = ++this.#iteration;
    const keys = this.#keys;
    const order = this.#order, orderLength = this.#orderLength;
    let next = this.#nextOrder;
    let current = this.#current;
    let kept = 0, scraped = 0, added = 0, live = 0, nCurrent = 0;
    let at = 0; // index of this line among the page's series and metadata lines
    let cursor = 0; // the previous page's line expected next
    const trackAll = opts.trackTimestampsStaleness === true || !opts.honorTimestamps;
    const { honorTimestamps, sampleLimit } = opts;
    const meta = this.metadata.begin(parser.format);
    for (;;) {
      // The template: a series by its id, or (negative) a metadata line by its index, plus one.
      let id = cursor < orderLength ? order[cursor] : 0;
      if (id > 0 && (this.#flags[id] & KNOWN_FAST) !== 0 && parser.nextKnownSeries(keys.arena, keys.start[id], keys.start[id] + keys.length[id])) {
        // Fast path: the series that followed the previous line on the previous page.
        cursor++;
      } else if (id < 0 && meta.known(parser, -id - 1)) {
        // Fast path: the metadata line that followed the previous line on the previous page.
        cursor++;
        id = -meta.count;
      } else {
        const kind = parser.next();
        if (kind === 'eof') break;
        if (kind !== 'series') {
          if (kind !== 'type' && kind !== 'help' && kind !== 'unit') continue;
          // A metadata line where one was expected: taken as changed in place, the template goes on after it.
          if (id < 0) cursor++;
          meta.read(parser, kind);
          id = -meta.count;
        } else {
          if (parser.isCreatedSeries()) continue;
          const span = this.#span;
          const fast = parser.seriesKey(span);
          const h = keys.hash(span.bytes, span.start, span.end);
          id = keys.find(span.bytes, span.start, span.end, h);
          if (id === 0) {
            id = this.#add(parser, span, h, fast, opts);
            if ((this.#flags[id] & DROPPED) === 0) added++;
          } else if (this.#seen[id] !== iteration) {
            // Follow the previous page's order again from this series on.
            cursor = this.#pos[id] + 1;
          }
        }
      }
      if (at === next.length) next = this.#nextOrder = grown(next, at + 1, grownCapacity);
      next[at] = id;
      if (id < 0) {
        at++;
        continue; // a metadata line: the template holds its index, plus one, negated
      }
      scraped++;
      if (this.#seen[id] === iteration) {
        at++;
        continue; // repeated on the page
      }
      this.#seen[id] = iteration;
      this.#pos[id] = at++;
      live++;
      if ((this.#flags[id] & DROPPED) !== 0) continue; // dropped by metric relabeling
      kept++;
      if (sampleLimit > 0 && kept > sampleLimit) continue; // counted, failed below
      const ts = parser.timestamp;
      const explicit = honorTimestamps && !Number.isNaN(ts);
      // Series with their own timestamps are left out of staleness unless asked for (Prometheus).
      if (trackAll || !explicit) {
        if (nCurrent === current.length) current = this.#current = grown(current, nCurrent + 1, grownCapacity);
        current[nCurrent++] = id;
      }
      this.#append(app, id, explicit ? ts : t, parser.value, opts);
    }
    if (sampleLimit > 0 && kept > sampleLimit) throw new SampleLimitError(sampleLimit, kept);
    meta.commit();
    // Series that vanished since the previous page go stale now.
    const previous = this.#previous;
    for (let i = 0; i < this.#previousLength; i++) {
      const id = previous[i];
      if (this.#seen[id] !== iteration) this.#append(app, id, t, STALE_NAN, opts);
    }
    this.#previous = current;
    this.#previousLength = nCurrent;
    this.#current = previous;
    this.#order = next;
    this.#orderLength = at;
    this.#nextOrder = order;
    // Churned series (and other spellings of a series) would grow the cache for ever: once it
    // holds far more than this page, forget what this page did not show (Prometheus' iterDone).
    if (keys.size > 2 * live + CACHE_SLACK) {
      for (let id = 1; id <= keys.top; id++) {
        if (keys.live(id) && this.#seen[id] !== iteration) keys.delete(id);
      }
    }
    return { scraped, kept, added, refused: 0 };
  }

  /**
   * #reserve sizes the empty cache for `page`: a column per line and the page's bytes for the
   * series texts, upper bounds (a line may be metadata, a text is shorter than its line). Grown a
   * quarter at a time instead, a target's first page left about four times the cache's final
   * size behind as holes in the malloc heap, which stay resident (issue 6).
   */
  #reserve(page: Uint8Array): void {
    let lines = 1;
    for (let i = page.indexOf(10); i >= 0; i = page.indexOf(10, i + 1)) lines++;
    this.#keys.reserve(lines, page.length);
    this.#growColumns(lines + 1);
    this.#order = grown(this.#order, lines);
    this.#nextOrder = grown(this.#nextOrder, lines);
    this.#previous = grown(this.#previous, lines);
    this.#current = grown(this.#current, lines);
  }

  /** #growColumns makes room in the per-series columns for ids below `min`, growing by a quarter at least. */
  #growColumns(min: number): void {
    if (min <= this.#refs.length) return;
    const cap = grownCapacity(this.#refs.length, min);
    this.#refs = grown(this.#refs, cap, grownCapacity);
    this.#seen = grown(this.#seen, cap, grownCapacity);
    this.#pos = grown(this.#pos, cap, grownCapacity);
    this.#flags = grown(this.#flags, cap, grownCapacity);
  }

  /**
   * #add caches the current series, not seen before, under its text `span` (hash `h`). It is
   * checked before it is cached, so a series over a limit fails every scrape it appears in.
   */
  #add(parser: ExpositionParser, span: ByteSpan, h: number, fast: boolean, opts: PageOptions): number {
    const labels = finalLabels(parser.labels(), opts);
    if (labels !== null) checkLabelLimits(labels, opts);
    const id = this.#keys.add(span.bytes, span.start, span.end, h);
    this.#growColumns(id + 1);
    this.#refs[id] = 0;
    this.#seen[id] = 0;
    this.#flags[id] = (fast ? KNOWN_FAST : 0) | (labels === null ? DROPPED : 0);
    this.#addedId = id;
    this.#addedLabels = labels;
    return id;
  }

  /**
   * #append appends (t, v) to the series of `id`, which metric relabeling keeps. Fast path: by
   * its storage ref. Slow path (its first sample, a storage that dropped the ref, an appender
   * without appendRef): its labels are built again from its text, and the ref kept.
   */
  #append(app: Appender, id: number, t: number, v: number, opts: PageOptions): void {
    const ref = this.#refs[id];
    if (ref !== 0 && app.appendRef !== undefined && app.appendRef(ref, t, v)) return;
    this.#refs[id] = app.append(ref, this.#labelsOf(id, opts), t, v);
  }

  /** #labelsOf builds the final labels of the kept series `id` from its cached text. */
  #labelsOf(id: number, opts: PageOptions): Labels {
    if (id === this.#addedId && this.#addedLabels !== null) return this.#addedLabels; // fast path: just parsed
    const keys = this.#keys;
    const s = keys.start[id], n = keys.length[id];
    // The text as a one-sample page of the text format: `name{labels} 0`.
    const line = new Uint8Array(n + 3);
    line.set(keys.arena.subarray(s, s + n));
    line.set(SAMPLE_TAIL, n);
    const parser = newParser('text', line);
    if (parser.next() !== 'series') throw new Error(`BUG: cached series text ${JSON.stringify(new TextDecoder().decode(line))} does not parse`);
    const labels = finalLabels(parser.labels(), opts);
    if (labels === null) throw new Error('BUG: a series kept by metric relabeling is now dropped');
    return labels;
  }

  /**
   * markAllStale writes staleness markers for every series of the last page (target failed or
   * gone); `opts` are the options of the pages the cache read.
   */
  markAllStale(app: Appender, t: number, opts: PageOptions): void {
    const previous = this.#previous;
    for (let i = 0; i < this.#previousLength; i++) this.#append(app, previous[i], t, STALE_NAN, opts);
    this.#previousLength = 0;
  }

  /** size is the number of cached series texts. */
  get size(): number {
    return this.#keys.size;
  }
}

/** ` 0\n`: what turns a cached series text into a one-sample page. */
const SAMPLE_TAIL = new Uint8Array([0x20, 0x30, 0x0a]);

/** finalLabels: a scraped set after the target's labels and metric relabeling; null when dropped. */
function finalLabels(scraped: Labels, opts: PageOptions): Labels | null {
  return relabel(mergeTargetLabels(scraped, opts), opts.metricRelabel);
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
  // Fast path: no name in common (the usual case), so the two sorted lists merge in one pass.
  const a = scraped.flat, b = target.flat;
  const flat = new Array<string>(a.length + b.length);
  let i = 0, j = 0, k = 0;
  while (i < a.length && j < b.length && a[i] !== b[j]) {
    const from = a[i] < b[j] ? a : b;
    const at = from === a ? (i += 2) - 2 : (j += 2) - 2;
    flat[k++] = from[at];
    flat[k++] = from[at + 1];
  }
  if (i === a.length || j === b.length) {
    while (i < a.length) flat[k++] = a[i++];
    while (j < b.length) flat[k++] = b[j++];
    return Labels.fromSortedFlat(flat);
  }
  // Slow path: a clash, settled by honor_labels.
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
