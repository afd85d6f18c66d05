/**
 * Views over the core's linear memory, rebuilt whenever memory has grown (a grow detaches the old
 * ArrayBuffer), and growable argument blocks that calls reuse to pass columns in.
 */
import type { RawCore } from './exports.ts';

/** MemoryViews: typed arrays over the whole memory; call refresh() after anything that may allocate. */
export class MemoryViews {
  #memory: WebAssembly.Memory;
  #buffer: ArrayBuffer | undefined;
  u8!: Uint8Array;
  u32!: Uint32Array;
  i32!: Int32Array;
  f64!: Float64Array;

  constructor(memory: WebAssembly.Memory) {
    this.#memory = memory;
    this.refresh();
  }

  /** refresh rebuilds the views if the memory's buffer changed, and returns this. */
  refresh(): this {
    const buffer = this.#memory.buffer;
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.u8 = new Uint8Array(buffer);
      this.u32 = new Uint32Array(buffer);
      this.i32 = new Int32Array(buffer);
      this.f64 = new Float64Array(buffer);
    }
    return this;
  }

  get byteLength(): number {
    return this.#memory.buffer.byteLength;
  }
}

/**
 * ArgBlock: one reusable heap block in the core for passing a column in. ptr(bytes) returns an
 * address with room for `bytes` (16-byte aligned), growing the block when needed. Not safe to use
 * for two arguments of one call.
 */
export class ArgBlock {
  #raw: RawCore;
  #ptr = 0;
  #cap = 0;

  constructor(raw: RawCore) {
    this.#raw = raw;
  }

  ptr(bytes: number): number {
    if (bytes > this.#cap) {
      const cap = Math.max(bytes, this.#cap * 2, 256);
      // Forget the old block before allocating: if alloc throws, a later call must not hand out
      // the freed address.
      if (this.#ptr !== 0) this.#raw.free(this.#ptr);
      this.#ptr = 0;
      this.#cap = 0;
      this.#ptr = this.#raw.alloc(cap);
      this.#cap = cap;
    }
    return this.#ptr;
  }
}
