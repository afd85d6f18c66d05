/**
 * Scrape metadata: the TYPE, HELP and UNIT that a target's page gives each metric family, kept per
 * target for the metadata APIs. Only a page that was scraped whole replaces what is kept; families
 * that leave the page leave the metadata with it.
 *
 * Pages rarely change their metadata. The cache keeps the last good page's metadata lines, with
 * their bytes, so that the scrape cache can ask the parser whether the next line is one of them
 * (ExpositionParser.nextKnownMetadata: the bytes are compared, nothing is decoded); and a page
 * whose metadata lines are those of the last good page, in the same order, keeps the same
 * objects: nothing is built, and nothing lives on from scrape to scrape for the garbage collector
 * to move.
 */
import type { ByteSpan, ExpositionFormat, ExpositionParser } from '../../shared/exposition/types.ts';

/** MetricMetadata: one family's metadata, as the Prometheus API reports it. */
export interface MetricMetadata {
  metric: string;
  /** Prometheus' spelling: the text format's `untyped` is reported as `unknown`. */
  type: string;
  help: string;
  unit: string;
}

type MetadataKind = 'type' | 'help' | 'unit';

/**
 * MetadataLines: a page's metadata lines in page order, as parallel lists: the kind, family name
 * and value the parser gave (its own type spelling), and the line's bytes, arena[start, end)
 * (start -1: none, the page was read from a string).
 */
interface MetadataLines {
  format: ExpositionFormat | '';
  kinds: MetadataKind[];
  names: string[];
  values: string[];
  starts: number[];
  ends: number[];
  arena: Uint8Array;
}

const NO_BYTES = new Uint8Array(0);

const noLines = (format: ExpositionFormat | ''): MetadataLines => ({ format, kinds: [], names: [], values: [], starts: [], ends: [], arena: new Uint8Array(0) });

/** MetadataCache: one target's metadata by family name. Not safe for concurrent use. */
export class MetadataCache {
  #byName = new Map<string, MetricMetadata>();
  /** The last good page's metadata lines, from which #byName was built. */
  #lines: MetadataLines = noLines('');
  readonly #builder = new MetadataBuilder(this);

  /**
   * begin starts collecting one page read in `format`; nothing changes until the returned builder
   * commits. Lines kept from a page in another format are not offered (they may mean otherwise).
   */
  begin(format: ExpositionFormat): MetadataBuilder {
    this.#builder.reset(this.#lines.format === format ? this.#lines : null, format);
    return this.#builder;
  }

  /** list returns every family's metadata, sorted by name. */
  list(): MetricMetadata[] {
    return [...this.#byName.values()].sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
  }

  get(name: string): MetricMetadata | undefined {
    return this.#byName.get(name);
  }

  get size(): number {
    return this.#byName.size;
  }

  /** install makes `byName`, built from `lines`, the target's metadata (MetadataBuilder.commit). */
  install(byName: Map<string, MetricMetadata>, lines: MetadataLines): void {
    this.#byName = byName;
    this.#lines = lines;
  }
}

/**
 * MetadataBuilder: the metadata of one page being read. Fast path: while the page's lines are the
 * last good page's, in order, it only counts them. Slow path: from the first line that differs, it
 * builds new metadata and lines (the equal lines before it included).
 */
export class MetadataBuilder {
  readonly #cache: MetadataCache;
  #previous: MetadataLines = noLines('');
  /** Whether #previous is what the cache keeps: only then does a page equal to it change nothing. */
  #kept = false;
  #format: ExpositionFormat = 'text';
  /** Lines so far equal to the previous page's, in order. */
  #same = 0;
  /** This page's lines and metadata, once it differs from the previous page. */
  #lines: MetadataLines | null = null;
  #next: Map<string, MetricMetadata> | null = null;
  #arenaUsed = 0;
  readonly #span: ByteSpan = { bytes: NO_BYTES, start: 0, end: 0 };

  constructor(cache: MetadataCache) {
    this.#cache = cache;
  }

  /**
   * reset starts a page whose predecessor had `previous`; null when the cache's lines are not
   * offered (another format): the page's metadata then replaces the cache's, even when empty.
   */
  reset(previous: MetadataLines | null, format: ExpositionFormat): void {
    this.#previous = previous ?? noLines(format);
    this.#kept = previous !== null;
    this.#format = format;
    this.#same = 0;
    this.#lines = null;
    this.#next = null;
    this.#arenaUsed = 0;
  }

  /** count: the page's metadata lines so far; line i of the page is the one counted i + 1. */
  get count(): number {
    return this.#lines === null ? this.#same : this.#lines.kinds.length;
  }

  /**
   * known reads the parser's next line when it is the previous page's metadata line `i` (see
   * ExpositionParser.nextKnownMetadata) and records it; false when it is not.
   */
  known(parser: ExpositionParser, i: number): boolean {
    const p = this.#previous;
    if (i >= p.kinds.length || p.starts[i] < 0) return false;
    if (!parser.nextKnownMetadata(p.arena, p.starts[i], p.ends[i], p.kinds[i], p.names[i], p.values[i])) return false;
    if (this.#lines === null && i === this.#same) this.#same++;
    else this.#line(p.kinds[i], p.names[i], p.values[i], p.arena, p.starts[i], p.ends[i]);
    return true;
  }

  /** read records the metadata entry of `kind` that parser.next() just returned. */
  read(parser: ExpositionParser, kind: MetadataKind): void {
    const name = parser.metricName();
    const value = kind === 'type' ? parser.type() : kind === 'help' ? parser.help() : parser.unit();
    const span = this.#span;
    if (parser.metadataKey(span)) this.#line(kind, name, value, span.bytes, span.start, span.end);
    else this.#line(kind, name, value, span.bytes, -1, -1);
    span.bytes = NO_BYTES; // the line is copied: keep no view of the page
  }

  /** commit makes this page's metadata the target's. */
  commit(): void {
    if (this.#lines === null) {
      if (this.#kept && this.#same === this.#previous.kinds.length) return; // unchanged: keep it all
      this.#diverge(); // the page ended early
    }
    const lines = this.#lines!;
    lines.arena = lines.arena.subarray(0, this.#arenaUsed);
    this.#cache.install(this.#next!, lines);
  }

  /** #line records a line: the fast path while it is the previous page's next one. */
  #line(kind: MetadataKind, name: string, value: string, bytes: Uint8Array, start: number, end: number): void {
    if (this.#lines === null) {
      const p = this.#previous, at = this.#same;
      if (at < p.kinds.length && p.kinds[at] === kind && p.names[at] === name && p.values[at] === value && p.starts[at] >= 0 === start >= 0) {
        this.#same++;
        return;
      }
      this.#diverge();
    }
    this.#apply(kind, name, value, bytes, start, end);
  }

  /** #diverge starts building this page's lines and metadata from those it shares with the previous page. */
  #diverge(): void {
    this.#lines = noLines(this.#format);
    this.#next = new Map();
    const p = this.#previous;
    for (let i = 0; i < this.#same; i++) this.#apply(p.kinds[i], p.names[i], p.values[i], p.arena, p.starts[i], p.ends[i]);
  }

  #apply(kind: MetadataKind, name: string, value: string, bytes: Uint8Array, start: number, end: number): void {
    const lines = this.#lines!;
    lines.kinds.push(kind);
    lines.names.push(name);
    lines.values.push(value);
    if (start < 0) {
      lines.starts.push(-1);
      lines.ends.push(-1);
    } else {
      // The line's bytes outlive the page: copied into this page's arena.
      const n = end - start;
      if (this.#arenaUsed + n > lines.arena.length) {
        const grown = new Uint8Array(Math.max(1024, 2 * (this.#arenaUsed + n)));
        grown.set(lines.arena.subarray(0, this.#arenaUsed));
        lines.arena = grown;
      }
      lines.arena.set(bytes.subarray(start, end), this.#arenaUsed);
      lines.starts.push(this.#arenaUsed);
      lines.ends.push((this.#arenaUsed += n));
    }
    let e = this.#next!.get(name);
    if (e === undefined) {
      e = { metric: name, type: 'unknown', help: '', unit: '' };
      this.#next!.set(name, e);
    }
    if (kind === 'type') e.type = value === 'untyped' ? 'unknown' : value;
    else if (kind === 'help') e.help = value;
    else e.unit = value;
  }
}
