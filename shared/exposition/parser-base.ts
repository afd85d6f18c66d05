/**
 * ParserBase: the state and accessors that the text-format and OpenMetrics pull parsers share.
 * A subclass implements next(); it records each entry as spans of its input, and the accessors
 * here decode them on demand (labels, exemplar, metadata), so a scrape that already knows a
 * series from its raw text pays for nothing more than the scan.
 *
 * Input is a string (a page handed over as text) or the page's UTF-8 bytes (a scrape). Bytes are
 * read where they lie: a sample line in the common shape (see SeriesFastPath) is read from the
 * bytes, with its spans in `bytes`; any other line is decoded alone into `s` and read by the
 * subclass' string code, so a scraped page never becomes one large string (which V8 would put in
 * large-object space, to die only at the next full collection).
 */
import type { Labels } from '../model/labels.ts';
import { decodePlainLabels, SeriesFastPath } from './fast-path.ts';
import { decodeLabels, LabelScan, unescape, type PairBuffer } from './scan.ts';
import type { ByteSpan, EntryKind, Exemplar, ExpositionFormat, ExpositionParser, MetricType } from './types.ts';
import { ExpositionParseError } from './types.ts';

/** The suffixes each family type may add to its name, longest first (`''` = bare name). */
export const TYPE_SUFFIXES: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ['_created', '_total'],
  gauge: [''],
  histogram: ['_created', '_bucket', '_count', '_sum'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['_created', '_count', '_sum', ''],
  info: ['_info'],
  stateset: [''],
  unknown: [''],
  untyped: [''],
};

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();
const CREATED = '_created';
const NL = 10, SP = 32;

export abstract class ParserBase implements ExpositionParser {
  /** The text being read: the whole string input, or (byte input) the one line being read as text. */
  protected s: string;
  protected pos = 0;
  /** Byte input: the page, and the first byte not read yet. */
  protected readonly bytes: Uint8Array | null;
  protected bpos = 0;
  /** The current entry's spans refer to `bytes` (a line of byte input read by the fast path), not `s`. */
  protected inBytes = false;
  /** Byte input: the span of the line last decoded into `s`, without its '\n'. */
  protected lineStart = 0;
  protected lineEnd = 0;
  line = 0;
  value = NaN;
  timestamp = NaN;

  /**
   * Span of the series text, end of the legacy name, and the label block ('{' .. after '}').
   * nameEnd is -1 after nextKnownSeries until locate() finds it.
   */
  protected seriesStart = 0;
  protected seriesEnd = 0;
  protected nameEnd = 0;
  protected labelsOpen = -1;
  protected labelsClose = -1;
  protected readonly scan = new LabelScan();
  protected readonly fast = new SeriesFastPath();
  /** The current sample took the fast path: its labels are in the common shape. */
  protected plain = false;
  /** Span of the exemplar's label block, value and timestamp; exOpen is -1 when none. */
  protected exOpen = -1;
  protected exClose = -1;
  protected exValue = NaN;
  protected exTimestamp = NaN;

  /** Metadata of the current entry. */
  protected metaName = '';
  protected metaText = '';
  protected metaType: MetricType = 'unknown';
  /** The most recent TYPE line, for seriesType(). */
  protected typedName = '';
  protected typedType: MetricType = 'unknown';

  /** The format read: a known line's meaning depends on it. */
  abstract readonly format: ExpositionFormat;
  /** Whether a fast sample line may end with an integer timestamp (the text format's). */
  protected abstract readonly fastTimestamps: boolean;
  /** Whether values follow OpenMetrics' number grammar (else Go's). */
  protected abstract readonly omNumbers: boolean;

  private readonly pairs: PairBuffer = [];
  /** seriesKey's buffer for series read as text. */
  #keyScratch = new Uint8Array(256);
  #view: DataView | null = null;
  #viewOf: Uint8Array | null = null;
  #kview: DataView | null = null;
  #kviewOf: Uint8Array | null = null;

  /** A parser reads one whole page: text, or UTF-8 bytes it borrows until parsing ends. */
  constructor(text: string | Uint8Array) {
    if (typeof text === 'string') {
      this.s = text;
      this.bytes = null;
    } else {
      this.s = '';
      this.bytes = text;
    }
  }

  /**
   * acceptFastSeries records the series the fast path just scanned (from `start` to the space at
   * `sp`) as the current one, in the common shape: the state labels() and series() read.
   */
  protected acceptFastSeries(start: number, sp: number): void {
    const fp = this.fast;
    this.seriesStart = start;
    this.nameEnd = fp.nameEnd;
    this.labelsOpen = fp.labelsOpen;
    this.labelsClose = fp.labelsOpen < 0 ? -1 : sp;
    this.seriesEnd = sp;
    this.exOpen = -1;
    this.plain = true;
    if (this.scan.quotedNameStart >= 0) this.scan.reset('');
  }

  /**
   * nextBytesLine, between entries of byte input, reads the next line: a sample line in the common
   * shape through the fast path (returns true, the entry is read), or else decodes the line into
   * `s` for the string code (returns false; `line` is not advanced). At the end of the bytes it
   * returns false leaving `s` read to its end.
   */
  protected nextBytesLine(): boolean {
    const b = this.bytes!;
    const start = this.bpos;
    if (start >= b.length) return false;
    this.line++;
    if (this.fastBytes(start)) return true;
    this.line--;
    let nl = b.indexOf(NL, start);
    if (nl < 0) nl = b.length;
    const end = Math.min(nl + 1, b.length);
    this.lineStart = start;
    this.lineEnd = nl;
    this.bpos = end;
    // The line keeps its '\n', so that an empty line is a line and not the end of the text.
    this.s = utf8.decode(b.subarray(start, end));
    this.pos = 0;
    this.inBytes = false;
    return false;
  }

  /**
   * fastBytes reads the line of byte input at `start` when it is a sample in the common shape: a
   * series text, one space, a value, an integer timestamp where the format has them, and the
   * line's end. It returns false, having changed nothing, for any other line.
   */
  protected fastBytes(start: number): boolean {
    if (!this.fastAllowed()) return false;
    const sp = this.fast.scanSeriesBytes(this.bytes!, start);
    return sp >= 0 && this.fastTail(start, sp);
  }

  /** fastAllowed: the fast path may read lines (subclasses turn it off: strict mode, tests). */
  protected fastAllowed(): boolean {
    return true;
  }

  /** fastTail reads the value (and timestamp) after the series text b[start, sp) and accepts the line. */
  private fastTail(start: number, sp: number): boolean {
    const b = this.bytes!;
    const fp = this.fast;
    let e = fp.valueBytes(b, sp + 1, this.omNumbers);
    const value = fp.number;
    if (e < 0) return false;
    let ts = NaN;
    if (e < b.length && b[e] === SP) {
      if (!this.fastTimestamps) return false;
      ts = 0;
      let i = e + 1;
      const a = i;
      let c = i < b.length ? b[i] : -1;
      while (c >= 48 && c <= 57) {
        ts = ts * 10 + (c - 48);
        c = ++i < b.length ? b[i] : -1;
      }
      if (i === a || i - a > 15 || (c !== NL && c !== -1)) return false;
      e = i;
    }
    this.acceptFastSeries(start, sp);
    this.inBytes = true;
    this.value = value;
    this.timestamp = ts;
    this.bpos = e + 1;
    return true;
  }

  /**
   * nextKnownSeries: see ExpositionParser. The series text is compared four bytes at a time
   * instead of being scanned: the key passed the scan when seriesKey() returned true for it.
   */
  nextKnownSeries(key: Uint8Array, start: number, end: number): boolean {
    const b = this.bytes;
    if (b === null || this.pos < this.s.length || !this.fastAllowed()) return false;
    const p = this.bpos;
    const len = end - start;
    if (p + len >= b.length || b[p + len] !== SP || !this.#equals(b, p, key, start, len)) return false;
    this.line++;
    if (!this.fastTail(p, p + len)) {
      this.line--;
      return false;
    }
    this.nameEnd = -1; // located when an accessor needs it
    return true;
  }

  /**
   * nextKnownMetadata: see ExpositionParser. The line is compared, not parsed: the same bytes in
   * the same format mean the same entry, which is recorded as next() records it.
   */
  nextKnownMetadata(key: Uint8Array, start: number, end: number, kind: 'type' | 'help' | 'unit', name: string, value: string): boolean {
    const b = this.bytes;
    if (b === null || this.pos < this.s.length || !this.fastAllowed()) return false;
    const p = this.bpos;
    const len = end - start;
    if (p + len > b.length || (p + len < b.length && b[p + len] !== NL) || !this.#equals(b, p, key, start, len)) return false;
    this.line++;
    this.bpos = p + len + 1;
    this.lineStart = p;
    this.lineEnd = p + len;
    this.inBytes = false;
    this.metaName = name;
    if (kind === 'type') {
      this.metaType = value as MetricType;
      this.typedName = name;
      this.typedType = this.metaType;
    } else this.metaText = value;
    return true;
  }

  /** metadataKey: see ExpositionParser. The line of a metadata entry read from bytes is the one last decoded. */
  metadataKey(out: ByteSpan): boolean {
    if (this.bytes === null || this.inBytes) return false;
    out.bytes = this.bytes;
    out.start = this.lineStart;
    out.end = this.lineEnd;
    return true;
  }

  /** #equals: b[p, p + len) holds the bytes key[start, start + len), compared eight at a time. */
  #equals(b: Uint8Array, p: number, key: Uint8Array, start: number, len: number): boolean {
    const page = this.#pageView(b);
    const kv = this.#keyView(key);
    let j = 0;
    for (; j + 8 <= len; j += 8) {
      if (page.getInt32(p + j, true) !== kv.getInt32(start + j, true) || page.getInt32(p + j + 4, true) !== kv.getInt32(start + j + 4, true)) return false;
    }
    for (; j < len; j++) if (b[p + j] !== key[start + j]) return false;
    return true;
  }

  #pageView(b: Uint8Array): DataView {
    if (this.#viewOf !== b) {
      this.#view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.#viewOf = b;
    }
    return this.#view!;
  }

  #keyView(k: Uint8Array): DataView {
    if (this.#kviewOf !== k) {
      this.#kview = new DataView(k.buffer, k.byteOffset, k.byteLength);
      this.#kviewOf = k;
    }
    return this.#kview!;
  }

  /** locate finds the name's end and the label block of a series read by nextKnownSeries. */
  protected locate(): void {
    if (this.nameEnd >= 0) return;
    const b = this.bytes!;
    let i = this.seriesStart;
    while (i < this.seriesEnd && b[i] !== 123) i++;
    this.nameEnd = i;
    this.labelsOpen = i < this.seriesEnd ? i : -1;
    this.labelsClose = i < this.seriesEnd ? this.seriesEnd : -1;
  }

  /** moreInput: input follows the current line (byte input, read line by line). */
  protected moreInput(): boolean {
    return this.bytes !== null && this.bpos < this.bytes.length;
  }

  abstract next(): EntryKind;

  series(): string {
    if (this.inBytes) return utf8.decode(this.bytes!.subarray(this.seriesStart, this.seriesEnd));
    return this.s.slice(this.seriesStart, this.seriesEnd);
  }

  /**
   * seriesKey: see ExpositionParser. A series read from bytes is its span of the page; one read as
   * text is encoded into a buffer of the parser's, reused by the next call.
   */
  seriesKey(out: ByteSpan): boolean {
    if (this.inBytes) {
      out.bytes = this.bytes!;
      out.start = this.seriesStart;
      out.end = this.seriesEnd;
      this.locate();
      return !this.#nameEndsWithCreated();
    }
    const text = this.series();
    if (this.#keyScratch.length < text.length * 3) this.#keyScratch = new Uint8Array(text.length * 3);
    out.bytes = this.#keyScratch;
    out.start = 0;
    out.end = utf8Encoder.encodeInto(text, this.#keyScratch).written;
    return false;
  }

  /** #nameEndsWithCreated: the legacy name of the current byte-read series ends in `_created`. */
  #nameEndsWithCreated(): boolean {
    const b = this.bytes!;
    const ne = this.nameEnd;
    if (ne - this.seriesStart < CREATED.length) return false;
    for (let k = 0; k < CREATED.length; k++) if (b[ne - CREATED.length + k] !== CREATED.charCodeAt(k)) return false;
    return true;
  }

  /** seriesName decodes the current sample's metric name (legacy or quoted). */
  protected seriesName(): string {
    if (this.inBytes) {
      this.locate();
      return utf8.decode(this.bytes!.subarray(this.seriesStart, this.nameEnd));
    }
    if (this.nameEnd > this.seriesStart) return this.s.slice(this.seriesStart, this.nameEnd);
    const sc = this.scan;
    if (sc.quotedNameStart >= 0) return unescape(this.s, sc.quotedNameStart + 1, sc.quotedNameEnd - 1, true);
    return '';
  }

  labels(): Labels {
    if (this.inBytes) {
      // The series text as a string: its legacy name is ASCII, so the block starts at nameLength.
      this.locate();
      const text = this.series();
      const nameLength = this.nameEnd - this.seriesStart;
      return decodePlainLabels(text, text.slice(0, nameLength), this.labelsOpen < 0 ? -1 : nameLength, text.length, this.line);
    }
    // Fast path: a series in the common shape needs no character-level decoding.
    if (this.plain) return decodePlainLabels(this.s, this.s.slice(this.seriesStart, this.nameEnd), this.labelsOpen, this.labelsClose, this.line);
    const name = this.nameEnd > this.seriesStart ? this.s.slice(this.seriesStart, this.nameEnd) : '';
    return decodeLabels(this.s, name, this.labelsOpen, this.labelsClose, this.pairs, this.line);
  }

  exemplar(): Exemplar | undefined {
    if (this.inBytes || this.exOpen < 0) return undefined;
    const labels = decodeLabels(this.s, '', this.exOpen, this.exClose, this.pairs, this.line);
    return { labels, value: this.exValue, timestamp: this.exTimestamp };
  }

  seriesType(): MetricType {
    const t = this.typedName;
    if (t === '') return 'unknown';
    if (this.inBytes) {
      const name = this.seriesName();
      return name.startsWith(t) && suffixFits(this.typedType, name.slice(t.length)) ? this.typedType : 'unknown';
    }
    if (!this.s.startsWith(t, this.seriesStart)) {
      if (this.nameEnd > this.seriesStart) return 'unknown';
      // A quoted name: compare decoded.
      const name = this.seriesName();
      if (!name.startsWith(t)) return 'unknown';
      return suffixFits(this.typedType, name.slice(t.length)) ? this.typedType : 'unknown';
    }
    return suffixFits(this.typedType, this.s.slice(this.seriesStart + t.length, this.nameEnd)) ? this.typedType : 'unknown';
  }

  isCreatedSeries(): boolean {
    if (this.inBytes) {
      // Fast path: a name that does not end in `_created` (nearly every sample).
      this.locate();
      if (!this.#nameEndsWithCreated()) return false;
    } else {
      const ne = this.nameEnd;
      if (ne > this.seriesStart && (ne - this.seriesStart < 8 || this.s.charCodeAt(ne - 1) !== 100 || !this.s.startsWith(CREATED, ne - 8))) return false;
    }
    const t = this.seriesType();
    if (t !== 'counter' && t !== 'histogram' && t !== 'summary') return false;
    return this.seriesName().endsWith(CREATED);
  }

  metricName(): string {
    return this.metaName;
  }

  help(): string {
    return this.metaText;
  }

  type(): MetricType {
    return this.metaType;
  }

  unit(): string {
    return this.metaText;
  }

  comment(): string {
    return this.metaText;
  }

  protected fail(reason: string): never {
    throw new ExpositionParseError(this.line, reason);
  }
}

/** suffixFits: `suffix` (what follows the family name) is one that `type` produces. */
export function suffixFits(type: MetricType, suffix: string): boolean {
  return TYPE_SUFFIXES[type].includes(suffix);
}
