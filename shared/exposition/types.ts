/**
 * Shared vocabulary of the exposition formats: the entry kinds a pull parser returns, the metric
 * types of the Prometheus text format 0.0.4 and OpenMetrics 1.0, the exemplar shape, the
 * parser contract that the scraper, push receiver and tests program against, and the error
 * class every rejection of a page throws.
 */
import type { Labels } from '../model/labels.ts';

/** ExpositionFormat: the text formats Outpost reads and writes. */
export type ExpositionFormat = 'openmetrics' | 'text';

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

/** ByteSpan: bytes[start, end), a caller-owned holder that ExpositionParser.seriesKey fills in. */
export interface ByteSpan {
  bytes: Uint8Array;
  start: number;
  end: number;
}

/**
 * ExpositionParser: a pull parser over one page of exposition text.
 *
 * Call next() until it returns 'eof'. After a 'series' entry, `value` and `timestamp` hold the
 * sample, series() the raw `name{labels}` text exactly as written (a cache key: equal text means
 * equal series), seriesKey() the same text as UTF-8 bytes without building a string, labels()
 * the parsed label set (only computed when asked) and exemplar() the exemplar if any. After
 * 'type', 'help' or 'unit', metricName() and the matching accessor hold the metadata; after
 * 'comment', comment(). Every rejection throws ExpositionParseError naming the line. A parser is
 * single-use and not safe for concurrent use.
 */
export interface ExpositionParser {
  /** next advances to the next entry. It throws ExpositionParseError on malformed input. */
  next(): EntryKind;
  /**
   * nextKnownSeries is the scrape cache's fast path, in place of next(): when the next line is a
   * sample of exactly the series text key[start, end) — bytes for which seriesKey() returned true,
   * on this page or an earlier one — and its value (and timestamp) are in the common shape, it
   * reads the line as next() would read it, returns true and the sample is the current entry.
   * Otherwise it returns false and nothing changed: call next(). The line's series text is then
   * compared, not parsed. Always false when reading a string, and in strict mode.
   */
  nextKnownSeries(key: Uint8Array, start: number, end: number): boolean;
  /**
   * nextKnownMetadata does for a TYPE, HELP or UNIT line what nextKnownSeries does for a sample:
   * when the next line is exactly key[start, end) — bytes metadataKey() gave for an entry of this
   * `kind`, whose metricName() was `name` and type(), help() or unit() `value`, read by a parser of
   * the same format — it reads the line as next() would, returns true and that entry is current.
   * Otherwise it returns false and nothing changed. Always false when reading a string.
   */
  nextKnownMetadata(key: Uint8Array, start: number, end: number, kind: 'type' | 'help' | 'unit', name: string, value: string): boolean;
  /**
   * metadataKey, after next() returned 'type', 'help' or 'unit', points `out` at the entry's line as
   * bytes (without its '\n'; valid like seriesKey's) and returns true; false when the parser reads
   * a string.
   */
  metadataKey(out: ByteSpan): boolean;
  /** format: the exposition format read (the same bytes may mean another entry in another format). */
  readonly format: ExpositionFormat;
  /** The 1-based line number of the current entry. */
  readonly line: number;
  /** The sample value of the current series entry. */
  readonly value: number;
  /** The sample timestamp in Unix milliseconds, or NaN when the line has none. */
  readonly timestamp: number;
  /** series returns the current sample's `name{labels}` text as written, as a new string. */
  series(): string;
  /**
   * seriesKey points `out` at the current sample's series text as UTF-8 bytes: a span of the page,
   * or of a buffer of the parser's, valid until the next call of next(), nextKnownSeries() or
   * seriesKey(); copy what is kept. It returns true when the bytes may be given to
   * nextKnownSeries later: the text is in the common shape and not a possible `_created` series.
   */
  seriesKey(out: ByteSpan): boolean;
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
