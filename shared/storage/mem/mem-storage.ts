/**
 * MemStorage: the in-memory TSDB, the Storage of shared/storage/interface.ts on top of the
 * WebAssembly head (core-wasm/host). Samples live in the head as XOR chunks; labels, series
 * identity and the label index stay in TypeScript (shared/storage/index). The head hands out the
 * series refs, the index adopts them. Nothing is persisted: the durable TSDB wraps the same
 * pieces with a WAL and blocks. Appending is in mem-append.ts, reading in mem-read.ts.
 */
import { loadCore, type Core, type CoreStats } from '../../../core-wasm/host/index.ts';
import type { Labels } from '../../model/labels.ts';
import { validateLabels, type ValidationScheme } from '../../model/validate.ts';
import { LabelIndex } from '../index/index.ts';
import type { Appender, Querier, SeriesRef, Storage } from '../interface.ts';
import { MemAppender } from './mem-append.ts';
import { MemQuerier } from './mem-read.ts';

/** MemStorageOptions for openMemStorage. */
export interface MemStorageOptions {
  /** Samples up to this many ms older than their series' newest are accepted (default 0). */
  outOfOrderWindowMs?: number;
  /** Label name rules for new series (default 'utf8', Prometheus 3's). */
  validation?: ValidationScheme;
}

/** StorageClosedError: the storage was used after close(). */
export class StorageClosedError extends Error {
  constructor(what: string) {
    super(`${what}: storage is closed`);
    this.name = 'StorageClosedError';
  }
}

/** MemStorageStats: sizes for monitoring and the memory benchmark. */
export interface MemStorageStats {
  series: number;
  index: ReturnType<LabelIndex['stats']>;
  core: CoreStats;
}

/**
 * openMemStorage creates an empty in-memory storage. Invalid options throw (the core's
 * CoreInputError, wrapped with context).
 */
export function openMemStorage(options: MemStorageOptions = {}): MemStorage {
  let core: Core;
  try {
    core = loadCore({ outOfOrderWindowMs: options.outOfOrderWindowMs ?? 0 });
  } catch (err) {
    throw new Error(`open memory storage: ${(err as Error).message}`, { cause: err });
  }
  return new MemStorage(core, options.validation ?? 'utf8');
}

/** MemStorage: see the module comment. Use openMemStorage to create one. */
export class MemStorage implements Storage {
  readonly core: Core;
  readonly index: LabelIndex;
  readonly #scheme: ValidationScheme;
  #closed = false;

  constructor(core: Core, scheme: ValidationScheme) {
    this.core = core;
    this.#scheme = scheme;
    this.index = new LabelIndex({ overlapping: (refs, mint, maxt) => core.overlapping(refs, mint, maxt) });
  }

  appender(): Appender {
    this.checkOpen('appender');
    return new MemAppender(this);
  }

  querier(mint: number, maxt: number): Querier {
    this.checkOpen('querier');
    if (Number.isNaN(mint) || Number.isNaN(maxt)) throw new RangeError(`querier: time range [${mint}, ${maxt}] has NaN`);
    return new MemQuerier(this, mint, maxt);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** closed: true once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * resolveRef returns the series ref for an append: `ref` itself when it names a live series
   * (the labels are then trusted, not compared), else the ref of `labels`, creating the series
   * (in the head and in the index) when it is new. New label sets are validated first and
   * refused with an InvalidLabelError.
   */
  resolveRef(ref: SeriesRef, labels: Labels): SeriesRef {
    if (ref !== 0 && this.index.has(ref)) return ref; // fast path: a scrape cache hit
    const known = this.index.getRef(labels);
    if (known !== 0) return known;
    validateLabels(labels, { scheme: this.#scheme });
    const created = this.core.newSeries(1);
    return this.index.add(labels, created);
  }

  /** seriesLabels: see Storage.seriesLabels (built from the label index). */
  seriesLabels(ref: SeriesRef): Labels | undefined {
    return this.index.labels(ref);
  }

  /** seriesRef: see Storage.seriesRef. */
  seriesRef(labels: Labels): SeriesRef {
    return this.index.getRef(labels);
  }

  /** stats: series count, label index sizes and the head's statistics (walks every series). */
  #minTime = Infinity;
  #maxTime = -Infinity;

  /**
   * minTime / maxTime: the oldest and newest timestamps committed (ms), for status reporting; they
   * include samples a commit refused when others of the same commit were stored. NaN when empty.
   */
  get minTime(): number {
    return this.#minTime === Infinity ? NaN : this.#minTime;
  }

  get maxTime(): number {
    return this.#maxTime === -Infinity ? NaN : this.#maxTime;
  }

  /** samplesAppended: samples committed since the storage opened (exact duplicates included). */
  samplesAppended = 0;

  /** noteAppended counts a commit's samples and widens the committed time range; called by the appender. */
  noteAppended(n: number, lo: number, hi: number): void {
    this.samplesAppended += n;
    if (lo < this.#minTime) this.#minTime = lo;
    if (hi > this.#maxTime) this.#maxTime = hi;
  }

  stats(): MemStorageStats {
    return { series: this.index.size, index: this.index.stats(), core: this.core.stats() };
  }

  /** checkOpen throws StorageClosedError after close(). */
  checkOpen(what: string): void {
    if (this.#closed) throw new StorageClosedError(what);
  }
}
