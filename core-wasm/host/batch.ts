/**
 * CoreBatch: the columns one decode call wrote into the core's memory, satisfying SampleBatch
 * (shared/storage/interface.ts) structurally. Series i owns sample indexes
 * [offsets[i], offsets[i+1]) of timestamps() and values(), in time order, without duplicates.
 * Its `kernels` evaluate PromQL selectors and range functions on the columns in place.
 */
import type { RawCore } from './exports.ts';
import type { ArgBlock, MemoryViews } from './memory.ts';
import { CoreKernels } from './kernels.ts';

/** CoreBatch: see the module comment. Getters return fresh views; release() frees the columns. */
export class CoreBatch {
  readonly seriesCount: number;
  readonly sampleCount: number;
  readonly offsetsPtr: number;
  readonly timestampsPtr: number;
  readonly valuesPtr: number;
  /** The PromQL kernels over this batch's columns (core-wasm/host/kernels.ts). */
  readonly kernels: CoreKernels;
  #raw: RawCore;
  #views: MemoryViews;
  #ptr: number;

  /**
   * The constructor reads the Batch header at ptr (see core-wasm/assembly/batch.ts); `sums` is the
   * core's block for the group sums its kernels fold into (host/fold.ts).
   */
  constructor(raw: RawCore, views: MemoryViews, ptr: number, sums: ArgBlock) {
    this.#raw = raw;
    this.#views = views;
    this.#ptr = ptr;
    const u32 = views.refresh().u32;
    const h = ptr >>> 2;
    this.seriesCount = u32[h];
    this.sampleCount = u32[h + 1];
    this.offsetsPtr = u32[h + 2];
    this.timestampsPtr = u32[h + 3];
    this.valuesPtr = u32[h + 4];
    this.kernels = new CoreKernels(raw, views, sums, {
      seriesCount: this.seriesCount,
      offsetsPtr: this.offsetsPtr,
      timestampsPtr: this.timestampsPtr,
      valuesPtr: this.valuesPtr,
      check: () => this.#live(),
    });
  }

  /** offsets: seriesCount + 1 sample indexes, a view valid until memory grows. */
  offsets(): Int32Array {
    this.#live();
    return new Int32Array(this.#views.refresh().i32.buffer, this.offsetsPtr, this.seriesCount + 1);
  }

  /** timestamps: sampleCount Unix-ms timestamps, a view valid until memory grows. */
  timestamps(): Float64Array {
    this.#live();
    return new Float64Array(this.#views.refresh().f64.buffer, this.timestampsPtr, this.sampleCount);
  }

  /** values: sampleCount values (exact bits, NaN payloads kept), a view valid until memory grows. */
  values(): Float64Array {
    this.#live();
    return new Float64Array(this.#views.refresh().f64.buffer, this.valuesPtr, this.sampleCount);
  }

  /** addressIn: the batch's address for a call into `raw`, which must be the core that made it. */
  addressIn(raw: RawCore): number {
    this.#live();
    if (raw !== this.#raw) throw new Error('BUG: a batch of one core passed to another');
    return this.#ptr;
  }

  /** release frees the columns; later calls of release do nothing, of the getters throw. */
  release(): void {
    if (this.#ptr === 0) return;
    this.#raw.freeBatch(this.#ptr);
    this.#ptr = 0;
  }

  #live(): void {
    if (this.#ptr === 0) throw new Error('BUG: CoreBatch used after release()');
  }
}
