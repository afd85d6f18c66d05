/**
 * Head: the durable TSDB's in-memory part. It is the in-memory storage (shared/storage/mem: the
 * label index and the WebAssembly head) plus what durability needs around it: each head series'
 * WAL ref, which series still need a series record in the WAL, the time span the head holds, and
 * the oldest time it still accepts (everything older is persisted in blocks).
 *
 * WAL refs are not head refs: the WebAssembly head numbers series 1, 2, 3, … in creation order,
 * which a restart does not reproduce, while a WAL ref must name one series for the life of the
 * log. So every series gets a WAL ref from a counter that continues past the highest ref replayed.
 */
import type { Labels } from '../../model/labels.ts';
import type { ValidationScheme } from '../../model/validate.ts';
import { loadCore, type Core } from '../../../core-wasm/host/index.ts';
import { MemStorage } from '../../storage/mem/index.ts';
import type { SeriesRecord } from '../wal/index.ts';

export interface HeadOptions {
  outOfOrderWindowMs: number;
  validation: ValidationScheme;
  /** The head's chunks never cross a multiple of this (the block range), so cuts free them whole. */
  chunkRangeMs: number;
}

export class Head {
  readonly mem: MemStorage;
  /** Samples older than this are refused as out of bounds: blocks hold (or a cut is writing) that time. */
  minValidTime = -Infinity;
  /**
   * Blocks in the set hold every sample older than this, so reads of the head start here. It
   * trails minValidTime while a cut writes its blocks: until they join the set, the head serves
   * that time.
   */
  readFloor = -Infinity;
  /** Oldest and newest sample time accepted since the head was last cut (Infinity/-Infinity: none). */
  minT = Infinity;
  maxT = -Infinity;
  #walRefs = new Float64Array(1024); // head ref → WAL ref (0: none yet)
  #nextWalRef = 1;
  /** Head refs up to this one have a series record queued for the WAL. */
  #loggedUpTo = 0;

  constructor(options: HeadOptions) {
    let core: Core;
    try {
      core = loadCore({ outOfOrderWindowMs: options.outOfOrderWindowMs, chunkRangeMs: options.chunkRangeMs });
    } catch (err) {
      throw new Error(`create the TSDB head: ${(err as Error).message}`, { cause: err });
    }
    this.mem = new MemStorage(core, options.validation);
  }

  /** seriesCount: the number of series in the head (refs are 1..seriesCount). */
  get seriesCount(): number {
    return this.mem.core.seriesCount();
  }

  /** walRef returns the WAL ref of head series `ref`, assigning the next one on first use. */
  walRef(ref: number): number {
    if (ref >= this.#walRefs.length) this.#growTo(ref + 1);
    let w = this.#walRefs[ref];
    if (w === 0) w = this.#walRefs[ref] = this.#nextWalRef++;
    return w;
  }

  /**
   * adoptReplayed creates (or finds) the head series of a replayed series record and binds it to
   * `walRef`, returning the head ref. Later WAL refs continue past the highest one seen.
   */
  adoptReplayed(walRef: number, labels: Labels): number {
    const ref = this.mem.resolveRef(0, labels);
    if (ref >= this.#walRefs.length) this.#growTo(ref + 1);
    this.#walRefs[ref] = walRef;
    if (walRef >= this.#nextWalRef) this.#nextWalRef = walRef + 1;
    return ref;
  }

  /** markAllLogged: every current series has a series record in the WAL (after replay). */
  markAllLogged(): void {
    this.#loggedUpTo = this.seriesCount;
  }

  /**
   * takeNewSeries returns the series record for the head series created since the last call, or
   * undefined when there are none. The caller must log it before any samples of those series.
   */
  takeNewSeries(): SeriesRecord | undefined {
    const to = this.seriesCount;
    const from = this.#loggedUpTo + 1;
    if (from > to) return undefined;
    const ix = this.mem.index;
    const series = new Array<{ ref: number; labels: Labels }>(to - from + 1);
    for (let r = from; r <= to; r++) {
      const labels = ix.labels(r);
      if (labels === undefined) throw new Error(`BUG: head series ${r} is not in the label index`);
      series[r - from] = { ref: this.walRef(r), labels };
    }
    this.#loggedUpTo = to;
    return { type: 'series', series };
  }

  /**
   * isLiveWalRef: whether `walRef` names a head series (the checkpoint keeps those). Head series
   * are never dropped (the WebAssembly head cannot delete series), so every ref handed out is.
   */
  isLiveWalRef(walRef: number): boolean {
    return walRef > 0 && walRef < this.#nextWalRef;
  }

  /** noteSpan widens the head's time span by [t0, t1]. */
  noteSpan(t0: number, t1: number): void {
    if (t0 < this.minT) this.minT = t0;
    if (t1 > this.maxT) this.maxT = t1;
  }

  #growTo(n: number): void {
    const next = new Float64Array(Math.max(n, this.#walRefs.length * 2));
    next.set(this.#walRefs);
    this.#walRefs = next;
  }
}
