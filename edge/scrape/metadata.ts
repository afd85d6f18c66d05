/**
 * Scrape metadata: the TYPE, HELP and UNIT that a target's page gives each metric family, kept per
 * target for the metadata APIs. Only a page that was scraped whole replaces what is kept; families
 * that leave the page leave the metadata with it. Pages rarely change their metadata, so a page
 * whose metadata lines are those of the last good page, in the same order, keeps the same objects:
 * nothing is built, and nothing lives on from scrape to scrape for the garbage collector to move.
 */
import type { MetricType } from '../../shared/exposition/types.ts';

/** MetricMetadata: one family's metadata, as the Prometheus API reports it. */
export interface MetricMetadata {
  metric: string;
  /** Prometheus' spelling: the text format's `untyped` is reported as `unknown`. */
  type: string;
  help: string;
  unit: string;
}

/** The kinds of metadata line. */
const TYPE = 0, HELP = 1, UNIT = 2;

/** MetadataLines: a page's metadata lines in page order, as parallel lists. */
interface MetadataLines {
  kinds: number[];
  names: string[];
  values: string[];
}

/** MetadataCache: one target's metadata by family name. Not safe for concurrent use. */
export class MetadataCache {
  #byName = new Map<string, MetricMetadata>();
  /** The last good page's metadata lines, from which #byName was built. */
  #lines: MetadataLines = { kinds: [], names: [], values: [] };
  readonly #builder = new MetadataBuilder(this);

  /** begin starts collecting one page; nothing changes until the returned builder commits. */
  begin(): MetadataBuilder {
    this.#builder.reset(this.#lines);
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
 * MetadataBuilder: the metadata of one page being read. Fast path: while the page's lines equal
 * the last good page's, it only counts them. Slow path: from the first line that differs, it
 * builds new metadata (the equal lines before it included).
 */
export class MetadataBuilder {
  readonly #cache: MetadataCache;
  #previous: MetadataLines = { kinds: [], names: [], values: [] };
  /** Lines so far equal to the previous page's. */
  #same = 0;
  /** This page's lines and metadata, once it differs from the previous page. */
  #lines: MetadataLines | null = null;
  #next: Map<string, MetricMetadata> | null = null;

  constructor(cache: MetadataCache) {
    this.#cache = cache;
  }

  /** reset starts a page whose predecessor had `previous`. */
  reset(previous: MetadataLines): void {
    this.#previous = previous;
    this.#same = 0;
    this.#lines = null;
    this.#next = null;
  }

  type(name: string, type: MetricType): void {
    this.#line(TYPE, name, type === 'untyped' ? 'unknown' : type);
  }

  help(name: string, help: string): void {
    this.#line(HELP, name, help);
  }

  unit(name: string, unit: string): void {
    this.#line(UNIT, name, unit);
  }

  /** commit makes this page's metadata the target's. */
  commit(): void {
    if (this.#lines === null) {
      if (this.#same === this.#previous.kinds.length) return; // unchanged: keep it all
      this.#diverge(); // the page ended early
    }
    this.#cache.install(this.#next!, this.#lines!);
  }

  #line(kind: number, name: string, value: string): void {
    if (this.#lines === null) {
      const p = this.#previous, at = this.#same;
      if (at < p.kinds.length && p.kinds[at] === kind && p.names[at] === name && p.values[at] === value) {
        this.#same++;
        return;
      }
      this.#diverge();
    }
    this.#apply(kind, name, value);
  }

  /** #diverge starts building this page's metadata from the lines it shares with the previous page. */
  #diverge(): void {
    this.#lines = { kinds: [], names: [], values: [] };
    this.#next = new Map();
    const p = this.#previous;
    for (let i = 0; i < this.#same; i++) this.#apply(p.kinds[i], p.names[i], p.values[i]);
  }

  #apply(kind: number, name: string, value: string): void {
    const lines = this.#lines!;
    lines.kinds.push(kind);
    lines.names.push(name);
    lines.values.push(value);
    let e = this.#next!.get(name);
    if (e === undefined) {
      e = { metric: name, type: 'unknown', help: '', unit: '' };
      this.#next!.set(name, e);
    }
    if (kind === TYPE) e.type = value;
    else if (kind === HELP) e.help = value;
    else e.unit = value;
  }
}
