/**
 * Scrape metadata: the TYPE, HELP and UNIT that a target's page gives each metric family, kept per
 * target for the metadata APIs. Only a page that was scraped whole replaces what is kept; families
 * that leave the page leave the metadata with it.
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

/** MetadataCache: one target's metadata by family name. Not safe for concurrent use. */
export class MetadataCache {
  #byName = new Map<string, MetricMetadata>();

  /** begin starts collecting one page; nothing changes until the returned builder commits. */
  begin(): MetadataBuilder {
    return new MetadataBuilder(this.#byName, (next) => {
      this.#byName = next;
    });
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
}

/** MetadataBuilder: the metadata of one page being read. */
export class MetadataBuilder {
  readonly #next = new Map<string, MetricMetadata>();
  constructor(
    readonly previous: ReadonlyMap<string, MetricMetadata>,
    private readonly done: (next: Map<string, MetricMetadata>) => void,
  ) {}

  #entry(name: string): MetricMetadata {
    let e = this.#next.get(name);
    if (e === undefined) {
      e = { metric: name, type: 'unknown', help: '', unit: '' };
      this.#next.set(name, e);
    }
    return e;
  }

  type(name: string, type: MetricType): void {
    this.#entry(name).type = type === 'untyped' ? 'unknown' : type;
  }

  help(name: string, help: string): void {
    // Fast path: the same text as last time keeps the old string and lets the page's copy go.
    const old = this.previous.get(name);
    this.#entry(name).help = old !== undefined && old.help === help ? old.help : (' ' + help).slice(1);
  }

  unit(name: string, unit: string): void {
    this.#entry(name).unit = unit;
  }

  /** commit makes this page's metadata the target's. */
  commit(): void {
    this.done(this.#next);
  }
}
