/**
 * RangeHead: the samples of one block range buffered during a backfill, in a WebAssembly head of
 * their own (core-wasm), so they are held as compressed XOR chunks rather than as columns, and
 * duplicates and out-of-order samples are found the way the head finds them. Samples are queued
 * in TypeScript and cross into WebAssembly one batch at a time; each queued sample keeps the line
 * it came from, so a refused sample is reported by line. Writing the range out exports its
 * chunks once, series in label order, into writeBlock.
 */
import { AppendStatus, loadCore, type Core } from '../../../core-wasm/host/index.ts';
import type { Labels } from '../../model/labels.ts';
import { seriesFromExport, writeBlock, type BlockEncoding, type BlockMeta, type PageCompression } from '../block/index.ts';
import { timeBucketMs } from '../block/format.ts';

/** Samples queued before they cross into WebAssembly in one call. */
const BATCH = 32_768;
const QUEUE_START = 512;

/** RejectedSample: a sample the head refused; `reason` in Prometheus' words. */
export interface RejectedSample {
  line: number;
  series: number;
  t: number;
  v: number;
  reason: 'out of order sample' | 'duplicate sample for timestamp';
}

/** BlockOptions: how RangeHead.write writes its block. */
export interface BlockOptions {
  encoding: BlockEncoding;
  compression: PageCompression;
  quality?: number;
}

/** RangeHead: see the module comment. Not safe for concurrent use. */
export class RangeHead {
  /** The range's start (Unix ms); it ends at start + the block duration. */
  readonly start: number;
  readonly core: Core;
  /** Head ref of each series id (0: none yet), grown on demand. */
  #refs = new Uint32Array(1024);
  /** The queue, grown from QUEUE_START to BATCH samples (a range that gets few samples stays small). */
  #qRefs = new Uint32Array(QUEUE_START);
  #qSeries = new Uint32Array(QUEUE_START);
  #qTs = new Float64Array(QUEUE_START);
  #qVals = new Float64Array(QUEUE_START);
  #qLines = new Float64Array(QUEUE_START);
  #n = 0;
  /** Samples stored, and exact duplicates dropped. */
  samples = 0;
  duplicates = 0;
  minT = Infinity;
  maxT = -Infinity;

  constructor(start: number, blockDurationMs: number) {
    this.start = start;
    this.core = loadCore({ chunkRangeMs: blockDurationMs });
  }

  /**
   * add queues sample (t, v) of series id `series` (a dense id of the caller's) read at `line`.
   * When the queue is full it is appended, and the first refused sample is returned, if any.
   */
  add(series: number, t: number, v: number, line: number): RejectedSample | undefined {
    let ref = series < this.#refs.length ? this.#refs[series] : 0;
    if (ref === 0) ref = this.#newRef(series);
    if (this.#n === this.#qTs.length) this.#growQueue();
    const i = this.#n++;
    this.#qRefs[i] = ref;
    this.#qSeries[i] = series;
    this.#qTs[i] = t;
    this.#qVals[i] = v;
    this.#qLines[i] = line;
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    return this.#n === BATCH ? this.flush() : undefined;
  }

  /** flush appends the queued samples in one call; returns the first refused one, if any. */
  flush(): RejectedSample | undefined {
    const n = this.#n;
    if (n === 0) return undefined;
    this.#n = 0;
    const status = this.core.appendSamples(this.#qRefs, this.#qTs, this.#qVals, n);
    let rejected: RejectedSample | undefined;
    let stored = n;
    for (let i = 0; i < n; i++) {
      const s = status[i];
      if (s === AppendStatus.APPENDED) continue;
      stored--;
      if (s === AppendStatus.DUPLICATE) {
        this.duplicates++;
        continue;
      }
      rejected ??= {
        line: this.#qLines[i],
        series: this.#qSeries[i],
        t: this.#qTs[i],
        v: this.#qVals[i],
        reason: s === AppendStatus.CONFLICT ? 'duplicate sample for timestamp' : 'out of order sample',
      };
    }
    this.samples += stored;
    return rejected;
  }

  /** memoryBytes: the WebAssembly memory this range's head has grown to. */
  memoryBytes(): number {
    return this.core.stats().memoryBytes;
  }

  /**
   * write flushes the queue and writes the range as one block under `dir`, series in the order
   * of `rank` (rank[id] orders series ids by their labels), labels[id] naming them. Resolves with
   * the block's meta, or null when the range holds no samples. A refused queued sample throws.
   */
  async write(dir: string, labels: readonly Labels[], rank: Uint32Array, options: BlockOptions): Promise<BlockMeta | null> {
    const rejected = this.flush();
    if (rejected) throw new Error(`BUG: write with a refused sample queued (line ${rejected.line})`);
    const ids: number[] = [];
    for (let id = 0; id < this.#refs.length; id++) if (this.#refs[id] !== 0) ids.push(id);
    if (ids.length === 0) return null;
    ids.sort((a, b) => rank[a] - rank[b]);
    const exp = this.core.exportChunks(Uint32Array.from(ids, (id) => this.#refs[id]), { includeOpen: true });
    return writeBlock(dir, seriesFromExport(exp, ids.map((id) => labels[id])), {
      encoding: options.encoding,
      compression: options.compression,
      core: this.core,
      quality: options.quality,
      bucketMs: timeBucketMs(this.maxT - this.minT + 1, this.samples / ids.length),
    });
  }

  /** queueBytes: what the TypeScript queue takes. */
  queueBytes(): number {
    return this.#qTs.length * 32;
  }

  #growQueue(): void {
    const size = this.#qTs.length * 2;
    const grow = <T extends Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.#qRefs = grow(this.#qRefs, (k) => new Uint32Array(k));
    this.#qSeries = grow(this.#qSeries, (k) => new Uint32Array(k));
    this.#qTs = grow(this.#qTs, (k) => new Float64Array(k));
    this.#qVals = grow(this.#qVals, (k) => new Float64Array(k));
    this.#qLines = grow(this.#qLines, (k) => new Float64Array(k));
  }

  #newRef(series: number): number {
    if (series >= this.#refs.length) {
      let size = this.#refs.length * 2;
      while (size <= series) size *= 2;
      const grown = new Uint32Array(size);
      grown.set(this.#refs);
      this.#refs = grown;
    }
    return (this.#refs[series] = this.core.newSeries(1));
  }
}
