/**
 * Shared vocabulary of the exposition formats: the entry kinds a pull parser returns, the metric
 * types of the Prometheus text format 0.0.4 and OpenMetrics 1.0, the exemplar shape, the
 * parser contract that the scraper, push receiver and tests program against, and the error
 * class every rejection of a page throws.
 */
import type { Labels } from '../model/labels.ts';

/** EntryKind: what ExpositionParser.next() found. */
export type EntryKind = 'series' | 'type' | 'help' | 'unit' | 'comment' | 'eof';

/**
 * MetricType: a family's type. `untyped` is the text format's spelling of OpenMetrics'
 * `unknown`; parsers report the spelling of their format.
 */
export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'gaugehistogram'
  | 'summary'
  | 'info'
  | 'stateset'
  | 'unknown'
  | 'untyped';

/** Exemplar: labels, value and optional timestamp (Unix ms, NaN when absent) of an exemplar. */
export interface Exemplar {
  labels: Labels;
  value: number;
  timestamp: number;
}

/**
 * ExpositionParser: a pull parser over one page of exposition text.
 *
 * Call next() until it returns 'eof'. After a 'series' entry, `value` and `timestamp` hold the
 * sample, series() the raw `name{labels}` text exactly as written (a cache key: equal text means
 * equal series), labels() the parsed label set (only computed when asked) and exemplar() the
 * exemplar if any. After 'type', 'help' or 'unit', metricName() and the matching accessor hold
 * the metadata; after 'comment', comment(). Every rejection throws ExpositionParseError naming
 * the line. A parser is single-use and not safe for concurrent use.
 */
export interface ExpositionParser {
  /** next advances to the next entry. It throws ExpositionParseError on malformed input. */
  next(): EntryKind;
  /** The 1-based line number of the current entry. */
  readonly line: number;
  /** The sample value of the current series entry. */
  readonly value: number;
  /** The sample timestamp in Unix milliseconds, or NaN when the line has none. */
  readonly timestamp: number;
  /**
   * series returns the current sample's `name{labels}` text as written. It is a slice of the
   * page: a cache that keeps it beyond the page's life should store a flat copy.
   */
  series(): string;
  /**
   * seriesIs reports whether series() would equal `key`: the scrape cache's fast path, cheaper
   * than a look-up of series() in a map.
   */
  seriesIs(key: string): boolean;
  /** labels parses the current sample's labels (with `__name__`); throws on duplicate names. */
  labels(): Labels;
  /** exemplar parses the current sample's exemplar, or returns undefined when it has none. */
  exemplar(): Exemplar | undefined;
  /** seriesType is the type of the family the current sample belongs to, from its TYPE line. */
  seriesType(): MetricType;
  /** isCreatedSeries: the current sample is a `_created` line of a counter/histogram/summary. */
  isCreatedSeries(): boolean;
  /** metricName is the family name of the current type/help/unit entry. */
  metricName(): string;
  /** help is the unescaped text of the current help entry. */
  help(): string;
  /** type is the metric type of the current type entry. */
  type(): MetricType;
  /** unit is the unit of the current unit entry ('' when empty). */
  unit(): string;
  /** comment is the text of the current comment entry, after the '#'. */
  comment(): string;
}

/**
 * ExpositionParseError: the page is malformed. `line` is the 1-based line number and `reason`
 * says what is wrong there; the message combines both. Callers check for this class to tell a
 * bad target from a bug.
 */
export class ExpositionParseError extends Error {
  readonly line: number;
  readonly reason: string;
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.name = 'ExpositionParseError';
    this.line = line;
    this.reason = reason;
  }
}

/** quoteForError renders a piece of input for an error message, cut at 40 characters. */
export function quoteForError(s: string): string {
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s);
}
