/**
 * OpenMetricsParser: the pull parser for OpenMetrics 1.0 text
 * (`application/openmetrics-text; version=1.0.0`). The line grammar is checked exactly as the
 * spec's ABNF has it: single spaces, HELP/TYPE/UNIT/EOF as the only `#` lines, seconds
 * timestamps, exemplars, a mandatory `# EOF` and nothing after it. With `strict`, the family
 * and metric-point rules are checked too (see OpenMetricsValidator); without, the parser
 * accepts what Prometheus' scraper accepts from real exporters, which often break those rules.
 */
import type { Labels } from '../model/labels.ts';
import { ParserBase } from './parser-base.ts';
import { countCodePoints, decodeLabels, LabelScan, scanLabels, scanMetricName, scanQuoted, unescape } from './scan.ts';
import { parseOpenMetricsNumber, parseRealNumber } from './numbers.ts';
import { OpenMetricsValidator } from './openmetrics-validator.ts';
import type { EntryKind, MetricType } from './types.ts';
import { quoteForError } from './types.ts';

/** OpenMetricsParserOptions: `strict` enables every MetricFamily/MetricPoint rule of the spec. */
export interface OpenMetricsParserOptions {
  strict?: boolean;
}

const OM_TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown']);

/** The most code points an exemplar's label names and values may have together. */
export const MAX_EXEMPLAR_LABEL_CHARS = 128;

export class OpenMetricsParser extends ParserBase {
  private readonly validator: OpenMetricsValidator | null;
  private readonly exScan = new LabelScan();
  private sawEof = false;
  private cachedLabels: Labels | null = null;
  readonly format = 'openmetrics';
  protected readonly fastTimestamps = false;
  protected readonly omNumbers = true;

  /** new OpenMetricsParser reads `text`, one whole exposition as a string or as UTF-8 bytes; see ExpositionParser. */
  constructor(text: string | Uint8Array, opts: OpenMetricsParserOptions = {}) {
    super(text);
    this.validator = opts.strict ? new OpenMetricsValidator() : null;
  }

  /** Strict mode checks every sample against its family, so it always takes the slow path. */
  protected override fastAllowed(): boolean {
    return this.validator === null;
  }

  next(): EntryKind {
    if (this.sawEof) return 'eof';
    if (this.pos >= this.s.length && this.bytes !== null) {
      // Byte input: the fast path reads the next line, or it becomes `s`.
      this.cachedLabels = null;
      if (this.nextBytesLine()) return 'series';
    }
    this.line++;
    if (this.pos >= this.s.length) this.fail('missing "# EOF" at the end of the exposition');
    const s = this.s;
    const len = s.length;
    const start = this.pos;
    // Fast path: a sample line in the common shape (see SeriesFastPath).
    if (this.bytes === null && this.fastSample(start)) return 'series';
    let end = s.indexOf('\n', start);
    if (end < 0) end = len;
    this.pos = end + 1;
    const c = s.charCodeAt(start);
    if (c === 35) return this.metadataLine(start, end);
    if (start === end) this.fail('empty line');
    this.sampleLine(start, end);
    return 'series';
  }

  override labels(): Labels {
    return this.cachedLabels ?? super.labels();
  }

  /**
   * fastSample reads the line at `start` when its series text is in the common shape and a
   * number follows it after one space, and returns true; otherwise it returns false having
   * changed nothing the slow path relies on. A timestamp or exemplar after the value goes
   * through the slow path's sampleTail, which throws its errors.
   */
  protected fastSample(start: number): boolean {
    if (!this.fastAllowed()) return false;
    const s = this.s;
    const fp = this.fast;
    const sp = fp.scanSeries(s, start);
    if (sp < 0) return false;
    const e = fp.value(s, sp + 1, true);
    const value = fp.number;
    if (e < 0) return false;
    this.acceptFastSeries(start, sp);
    this.cachedLabels = null;
    if (s.charCodeAt(e) === 32) {
      // Slow path for the rest of the line: a timestamp, an exemplar, or an error.
      let end = s.indexOf('\n', e);
      if (end < 0) end = s.length;
      this.pos = end + 1;
      this.sampleTail(start, sp, end);
      return true;
    }
    this.value = value;
    this.timestamp = NaN;
    this.pos = e + 1;
    return true;
  }

  private metadataLine(start: number, end: number): EntryKind {
    const s = this.s;
    if (end - start === 5 && s.startsWith('# EOF', start)) {
      if (end + 1 < s.length || this.moreInput()) this.fail('text after "# EOF"');
      this.validator?.end(this.line);
      this.sawEof = true;
      return 'eof';
    }
    const word = s.charCodeAt(start + 1) === 32 ? s.slice(start + 2, Math.min(end, start + 6)) : '';
    let kind: 'help' | 'type' | 'unit';
    if (word === 'HELP') kind = 'help';
    else if (word === 'TYPE') kind = 'type';
    else if (word === 'UNIT') kind = 'unit';
    else this.fail(`invalid line ${quoteForError(s.slice(start, end))}: OpenMetrics allows only "# HELP", "# TYPE", "# UNIT" and "# EOF" after '#'`);
    if (end <= start + 7 || s.charCodeAt(start + 6) !== 32) this.fail(`"# ${word}" needs a metric name`);
    const a = start + 7;
    let b: number;
    let name: string;
    if (s.charCodeAt(a) === 34) {
      b = scanQuoted(s, a, end, this.line, 'quoted metric name');
      name = unescape(s, a + 1, b - 1, true);
    } else {
      b = scanMetricName(s, a, end);
      if (b === a) this.fail(`invalid metric name in "# ${word}" line: ${quoteForError(s.slice(a, end))}`);
      name = s.slice(a, b);
    }
    if (b >= end || s.charCodeAt(b) !== 32) {
      this.fail(b >= end ? `"# ${word} ${name}" needs a space and a value after the name` : `unexpected ${quoteForError(s.slice(b, end))} after the metric name in "# ${word}"`);
    }
    this.metaName = name;
    if (kind === 'help') {
      this.metaText = unescape(s, b + 1, end, true);
    } else if (kind === 'type') {
      const t = s.slice(b + 1, end);
      if (!OM_TYPES.has(t)) this.fail(`invalid metric type ${quoteForError(t)} for ${quoteForError(name)}`);
      this.metaType = t as MetricType;
      this.typedName = name;
      this.typedType = this.metaType;
    } else {
      for (let i = b + 1; i < end; i++) {
        const c = s.charCodeAt(i);
        if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 58)) {
          this.fail(`invalid unit ${quoteForError(s.slice(b + 1, end))} for ${quoteForError(name)}`);
        }
      }
      this.metaText = s.slice(b + 1, end);
    }
    this.validator?.metadata(this.line, kind, name, kind === 'type' ? this.metaType : this.metaText);
    return kind;
  }

  private sampleLine(start: number, end: number): void {
    const s = this.s;
    const v = this.validator;
    const sc = this.scan;
    this.seriesStart = start;
    this.exOpen = -1;
    this.plain = false;
    this.cachedLabels = null;
    let i = scanMetricName(s, start, end);
    this.nameEnd = i;
    let quotedName: string | null = null;
    if (i === start) {
      if (s.charCodeAt(i) !== 123) this.fail(`invalid metric name at ${quoteForError(s.slice(start, end))}`);
      // Only a quoted name inside the braces can name this series: find it first.
      sc.reset('');
      scanLabels(s, i, end, true, true, sc, this.line);
      if (sc.quotedNameStart < 0) this.fail('series has no metric name');
      quotedName = unescape(s, sc.quotedNameStart + 1, sc.quotedNameEnd - 1, true);
    }
    sc.reset(v === null ? '' : v.beginSample(this.line, s, start, this.nameEnd, quotedName));
    if (s.charCodeAt(i) === 123) {
      this.labelsOpen = i;
      i = scanLabels(s, i, end, true, quotedName !== null, sc, this.line);
      this.labelsClose = i;
    } else {
      this.labelsOpen = this.labelsClose = -1;
    }
    this.seriesEnd = i;
    this.sampleTail(start, i, end);
  }

  /** sampleTail reads the value, timestamp and exemplar after the series text, which ends at i. */
  private sampleTail(start: number, i: number, end: number): void {
    const s = this.s;
    const v = this.validator;
    if (i >= end) this.fail(`missing value for ${quoteForError(s.slice(start, end))}`);
    if (s.charCodeAt(i) !== 32) this.fail(`expected a space after ${quoteForError(s.slice(start, i))}, got ${quoteForError(s.slice(i, end))}`);
    let a = i + 1;
    let b = tokenEnd(s, a, end);
    const value = parseOpenMetricsNumber(s, a, b);
    if (value === undefined) this.fail(b === a ? 'missing value (one space expected before it)' : `invalid value ${quoteForError(s.slice(a, b))}`);
    this.value = value;
    this.timestamp = NaN;
    let tsSec = NaN;
    if (b < end) {
      a = b + 1;
      if (s.charCodeAt(a) !== 35) {
        b = tokenEnd(s, a, end);
        const t = b > a ? parseRealNumber(s, a, b) : undefined;
        if (t === undefined) this.fail(b === a ? 'unexpected space after the value' : `invalid timestamp ${quoteForError(s.slice(a, b))}`);
        tsSec = t;
        this.timestamp = Math.round(t * 1000);
        if (b < end) {
          a = b + 1;
          if (s.charCodeAt(a) !== 35) this.fail(`unexpected ${quoteForError(s.slice(b, end))} after the timestamp`);
        }
      }
      if (b < end) this.exemplarAt(a, end);
    }
    if (v !== null) {
      // Strict mode decodes every label set, which also rejects duplicate label names.
      this.cachedLabels = super.labels();
      v.endSample(this.line, s, this.scan, this.labelsOpen, this.labelsClose, value, tsSec, this.exOpen >= 0);
    }
  }

  /** exemplarAt checks ` # {labels} value [timestamp]` whose '#' is at a, to the line end. */
  private exemplarAt(a: number, end: number): void {
    const s = this.s;
    if (s.charCodeAt(a + 1) !== 32 || s.charCodeAt(a + 2) !== 123) {
      this.fail(`invalid exemplar ${quoteForError(s.slice(a, end))}: expected "# {labels} value"`);
    }
    this.exOpen = a + 2;
    this.exScan.reset('');
    const close = scanLabels(s, a + 2, end, true, false, this.exScan, this.line);
    this.exClose = close;
    if (close >= end || s.charCodeAt(close) !== 32) this.fail('exemplar needs a space and a value after its labels');
    let i = close + 1;
    let j = tokenEnd(s, i, end);
    const value = parseOpenMetricsNumber(s, i, j);
    if (value === undefined) this.fail(j === i ? 'missing exemplar value' : `invalid exemplar value ${quoteForError(s.slice(i, j))}`);
    this.exValue = value;
    this.exTimestamp = NaN;
    if (j < end) {
      i = j + 1;
      j = tokenEnd(s, i, end);
      const t = j > i ? parseRealNumber(s, i, j) : undefined;
      if (t === undefined) this.fail(j === i ? 'unexpected space after the exemplar value' : `invalid exemplar timestamp ${quoteForError(s.slice(i, j))}`);
      if (j < end) this.fail(`unexpected ${quoteForError(s.slice(j, end))} after the exemplar timestamp`);
      this.exTimestamp = Math.round(t * 1000);
    }
    const labels = decodeLabels(s, '', this.exOpen, this.exClose, [], this.line);
    let chars = 0;
    labels.forEach((n, v) => (chars += countCodePoints(n) + countCodePoints(v)));
    if (chars > MAX_EXEMPLAR_LABEL_CHARS) this.fail(`exemplar labels have ${chars} characters, more than ${MAX_EXEMPLAR_LABEL_CHARS}`);
  }
}

/** tokenEnd returns the index of the first space at or after i, or end. */
function tokenEnd(s: string, i: number, end: number): number {
  while (i < end && s.charCodeAt(i) !== 32) i++;
  return i;
}
