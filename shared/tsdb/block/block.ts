/**
 * Block: an opened, immutable block directory. openBlock reads meta.json and the index, checks
 * the chunks file's header and length, and rebuilds the label postings (a LabelIndex whose refs
 * are the block's series ids, 1-based in label order). load() decodes the samples of many series
 * over a time range into one SampleBatch in the core's WebAssembly memory, with one
 * Core.decodeChunks call whatever the encoding (XOR or dense); readColumns() decodes dense chunks
 * in TypeScript, into TypeScript memory. Damage raises CorruptionError naming the file and offset,
 * and concerns this block only. Pages are read with positional reads and kept in a small LRU cache.
 * A Block is not safe for concurrent use across awaits (its calls are synchronous after open).
 */
import { closeSync, openSync, fstatSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Core } from '../../../core-wasm/host/index.ts';
import type { Labels } from '../../model/labels.ts';
import type { Matcher } from '../../model/matcher.ts';
import { LabelIndex, selectRefs } from '../../storage/index/index.ts';
import type { Querier, SampleBatch } from '../../storage/interface.ts';
import { ByteReader } from './bytes.ts';
import { decodeDense } from './dense-decode.ts';
import { ENC_DENSE, ENC_XOR } from './dense-encode.ts';
import { CorruptionError, DecodeError } from './errors.ts';
import { CHUNKS_FILE, CHUNKS_MAGIC, FILE_HEADER_BYTES, INDEX_FILE, PAGE_HEADER_BYTES, versionProblem } from './format.ts';
import { decodeGathered, giveBack, type ChunkPlan, type GatheredChunks } from './gather.ts';
import { takeBytes } from './gather-buffers.ts';
import { decodeIndex, type ChunkTable, type PageTable } from './index-file.ts';
import { readMeta, type BlockMeta } from './meta.ts';
import { readPage } from './pages.ts';
import { BlockQuerier } from './block-querier.ts';

/** OpenBlockOptions for openBlock. */
export interface OpenBlockOptions {
  /** The core whose memory load() fills; without it only readColumns works. */
  core?: Core;
  /** Raw page bytes kept in the cache (default 16 MiB). */
  pageCacheBytes?: number;
}

/** Columns: samples in TypeScript memory, series i at [offsets[i], offsets[i+1]). */
export interface Columns {
  offsets: Int32Array;
  timestamps: Float64Array;
  values: Float64Array;
}

/** openBlock opens the block in `dir`; a damaged block raises CorruptionError. */
export async function openBlock(dir: string, options: OpenBlockOptions = {}): Promise<Block> {
  const meta = await readMeta(dir);
  const indexFile = join(dir, INDEX_FILE);
  let buf: Uint8Array;
  try {
    buf = await readFile(indexFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CorruptionError(indexFile, 0, 'index is missing', { cause: err });
    throw new Error(`read block index ${indexFile}: ${(err as Error).message}`, { cause: err });
  }
  const data = decodeIndex(buf, indexFile, meta.minTime, meta.maxTime);
  if (data.labels.length !== meta.stats.numSeries) {
    throw new CorruptionError(indexFile, 0, `${data.labels.length} series, meta.json says ${meta.stats.numSeries}`);
  }
  const chunksFile = join(dir, CHUNKS_FILE);
  let fd: number;
  try {
    fd = openSync(chunksFile, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CorruptionError(chunksFile, 0, 'chunks file is missing', { cause: err });
    throw new Error(`open block chunks ${chunksFile}: ${(err as Error).message}`, { cause: err });
  }
  try {
    checkChunksFile(fd, chunksFile, data.pages);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return new Block(dir, meta, data.labels, data.chunks, data.pages, fd, options);
}

function checkChunksFile(fd: number, file: string, pages: PageTable): void {
  const n = pages.stored.length;
  const want = n === 0 ? FILE_HEADER_BYTES : pages.fileOffset[n - 1] + PAGE_HEADER_BYTES + pages.stored[n - 1];
  const size = fstatSync(fd).size;
  if (size !== want) throw new CorruptionError(file, Math.min(size, want), `file is ${size} bytes, the index accounts for ${want}`);
  const h = new Uint8Array(FILE_HEADER_BYTES);
  readSync(fd, h, 0, FILE_HEADER_BYTES, 0);
  const magic = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
  if (magic !== CHUNKS_MAGIC) throw new CorruptionError(file, 0, 'bad magic: not a block chunks file');
  const version = versionProblem(h[4]);
  if (version) throw new CorruptionError(file, 4, version);
}

/** Block: see the module comment. */
export class Block {
  readonly dir: string;
  readonly meta: BlockMeta;
  /** The series' label sets and postings; refs are series ids (1-based, label order). */
  readonly index: LabelIndex;
  readonly #chunks: ChunkTable;
  readonly #pages: PageTable;
  /** Per page, 1 once its checksum was verified (see readPage). */
  readonly #checked: Uint8Array;
  readonly #file: string;
  readonly #core: Core | undefined;
  #fd: number;
  readonly #cache = new Map<number, Uint8Array>();
  #cacheBytes = 0;
  readonly #cacheLimit: number;
  #pagesRead = 0;

  constructor(dir: string, meta: BlockMeta, labels: Labels[], chunks: ChunkTable, pages: PageTable, fd: number, o: OpenBlockOptions) {
    this.dir = dir;
    this.meta = meta;
    this.#chunks = chunks;
    this.#pages = pages;
    this.#checked = new Uint8Array(pages.stored.length);
    this.#fd = fd;
    this.#file = join(dir, CHUNKS_FILE);
    this.#core = o.core;
    this.#cacheLimit = o.pageCacheBytes ?? 16 << 20;
    this.index = new LabelIndex({ overlapping: (refs, mint, maxt) => this.#overlapping(refs, mint, maxt) });
    // The index keeps the sets as numbers; `labels` is dropped after this.
    for (let i = 0; i < labels.length; i++) this.index.add(labels[i], i + 1);
  }

  get id(): string {
    return this.meta.ulid;
  }

  /** seriesCount: the number of series; ids are 1..seriesCount (a block never removes one). */
  get seriesCount(): number {
    return this.index.size;
  }

  /** labels of series `id` (1-based), built from the index; throws "BUG:" for an id outside the block. */
  labels(id: number): Labels {
    const l = this.index.labels(id);
    if (l === undefined) throw new Error(`BUG: series id ${id} outside block ${this.id} (1..${this.seriesCount})`);
    return l;
  }

  /** select returns the sorted ids (= label order) of series matching every matcher with samples in [mint, maxt]. */
  select(matchers: readonly Matcher[], mint = -Infinity, maxt = Infinity): Uint32Array {
    return selectRefs(this.index, matchers, mint, maxt);
  }

  /** querier: a storage Querier over this block for [mint, maxt] (inclusive); needs the core. */
  querier(mint: number, maxt: number): Querier {
    return new BlockQuerier(this, this.#needCore('query'), mint, maxt);
  }

  /** pagesRead: pages read from the chunks file (and decompressed) since open, page-cache hits excluded. */
  get pagesRead(): number {
    return this.#pagesRead;
  }

  /** bytes: the block's size on disk (index + chunks + meta excluded). */
  get bytes(): number {
    return this.meta.stats.indexBytes + this.meta.stats.chunkBytes;
  }

  /**
   * load decodes the samples of `ids` (in the given order) within [mint, maxt] (inclusive) into
   * one batch in the core's memory; series i of the batch is ids[i]. Release the batch.
   */
  load(ids: ArrayLike<number>, mint = -Infinity, maxt = Infinity, valuesUnused = false): SampleBatch {
    return decodeGathered(this.#needCore('load'), this.gather(ids, mint, maxt), mint, maxt, valuesUnused);
  }

  /** readColumns decodes like load but into TypeScript memory (for compaction and merging). */
  readColumns(ids: ArrayLike<number>, mint = -Infinity, maxt = Infinity): Columns {
    if (this.meta.encoding === 'xor') {
      const b = decodeGathered(this.#needCore('read XOR chunks'), this.gather(ids, mint, maxt), mint, maxt);
      try {
        return { offsets: b.offsets().slice(), timestamps: b.timestamps().slice(), values: b.values().slice() };
      } finally {
        b.release();
      }
    }
    return this.#readDense(ids, mint, maxt);
  }

  /** close releases the chunks file; the block must not be used afterwards. */
  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
    this.#cache.clear();
  }

  #readDense(ids: ArrayLike<number>, mint: number, maxt: number): Columns {
    const t = this.#chunks;
    const { chunks, starts, pos: at, total } = this.#select(ids, mint, maxt, t.samples);
    const count = chunks.length;
    const ts = new Float64Array(total), vals = new Float64Array(total);
    const bits = new Uint32Array(vals.buffer);
    // Decode page by page (each page read once), every chunk at its place in series order.
    let pageNo = -1, page: Uint8Array | undefined;
    for (const j of this.#byPage(chunks)) {
      const c = chunks[j];
      if (t.page[c] !== pageNo) page = this.#page((pageNo = t.page[c]));
      const r = new ByteReader(page!, t.offset[c], t.offset[c] + t.length[c]);
      try {
        decodeDense(r, t.samples[c], ts, vals, bits, at[j]);
        if (ts[at[j]] !== t.mint[c] || ts[at[j] + t.samples[c] - 1] !== t.maxt[c]) throw new DecodeError(t.offset[c], 'chunk times differ from the index');
      } catch (err) {
        if (err instanceof DecodeError) throw this.#corrupt(t.page[c], `dense chunk ${c} at raw byte ${err.at}: ${err.message}`, err);
        throw err;
      }
    }
    // Trim each series to [mint, maxt] (only its first and last chunk can stick out), packing.
    const n = ids.length;
    const offsets = new Int32Array(n + 1);
    let out = 0;
    for (let i = 0; i < n; i++) {
      const first = starts[i], last = i + 1 < n ? starts[i + 1] : count;
      let lo = first < count ? at[first] : total, hi = last < count ? at[last] : total;
      while (lo < hi && ts[lo] < mint) lo++;
      while (hi > lo && ts[hi - 1] > maxt) hi--;
      if (lo !== out) {
        ts.copyWithin(out, lo, hi);
        vals.copyWithin(out, lo, hi);
      }
      out += hi - lo;
      offsets[i + 1] = out;
    }
    return out === total ? { offsets, timestamps: ts, values: vals } : { offsets, timestamps: ts.slice(0, out), values: vals.slice(0, out) };
  }

  /**
   * gather copies the chunks of `ids` overlapping [mint, maxt] out of the pages, in the shape
   * Core.decodeChunks takes (which decodes XOR and dense chunks alike, checking each chunk's
   * sample count against the index): plan(), then each chunk copied back to back.
   */
  gather(ids: ArrayLike<number>, mint = -Infinity, maxt = Infinity): GatheredChunks {
    const plan = this.plan(ids, mint, maxt);
    const offsets = new Uint32Array(plan.lengths.length);
    let bytes = 0;
    for (let j = 0; j < offsets.length; j++) {
      offsets[j] = bytes;
      bytes += plan.lengths[j];
    }
    const data = takeBytes(bytes);
    plan.copy(data, offsets);
    return { data, offsets, starts: plan.starts, samples: plan.samples, corruption: plan.corruption, release: giveBack(data) };
  }

  /**
   * plan chooses the chunks of `ids` overlapping [mint, maxt] without copying them, so that a
   * reader over several blocks can lay every block's chunks out series by series in one buffer
   * (gather.ts, interleave). ChunkPlan.copy copies them page by page, so that each page is read
   * once whatever the page cache holds (a time-bucketed block has a series' chunks in as many
   * pages as buckets). Chunks that lie back to back both in their page and in `data` are copied
   * as one run: consecutive series' chunks when the read covers one bucket (or the block has one,
   * format 1's layout), but not when it spans buckets or blocks are interleaved.
   */
  plan(ids: ArrayLike<number>, mint = -Infinity, maxt = Infinity): ChunkPlan {
    const t = this.#chunks;
    const { chunks: chunkIds, starts } = this.#select(ids, mint, maxt, t.length);
    const count = chunkIds.length;
    const lengths = new Uint32Array(count), samples = new Uint32Array(count);
    for (let j = 0; j < count; j++) {
      lengths[j] = t.length[chunkIds[j]];
      samples[j] = t.samples[chunkIds[j]];
    }
    const kind = this.meta.encoding === 'xor' ? 'XOR' : 'dense';
    const enc = this.meta.encoding === 'xor' ? ENC_XOR : ENC_DENSE;
    const copy = (data: Uint8Array, offsets: Uint32Array): void => {
      // The run being copied: bytes [runFrom, runTo) of page runPage, to data at runAt.
      let runPage = -1, runFrom = 0, runTo = 0, runAt = 0;
      let pageNo = -1, page: Uint8Array | undefined;
      const flush = (): void => {
        if (runPage < 0) return;
        if (runPage !== pageNo) page = this.#page((pageNo = runPage));
        data.set(page!.subarray(runFrom, runTo), runAt);
      };
      for (const j of this.#byPage(chunkIds)) {
        const c = chunkIds[j];
        if (t.page[c] !== runPage || t.offset[c] !== runTo || offsets[j] !== runAt + (runTo - runFrom)) {
          flush();
          runPage = t.page[c];
          runFrom = runTo = t.offset[c];
          runAt = offsets[j];
        }
        runTo += t.length[c];
      }
      flush();
      for (let j = 0; j < count; j++) {
        const c = chunkIds[j];
        if (t.length[c] < 3 || data[offsets[j]] !== enc) {
          throw this.#corrupt(t.page[c], `${kind} chunk ${c} at raw byte ${t.offset[c]}: ${t.length[c]} bytes with encoding byte ${data[offsets[j]]}, want 3 or more and ${enc}`);
        }
      }
    };
    return {
      lengths, samples, starts, copy,
      corruption: (j, err) => {
        const c = chunkIds[j];
        return this.#corrupt(t.page[c], `${kind} chunk ${c} at raw byte ${t.offset[c]}: ${err.message}`, err);
      },
    };
  }

  /**
   * #select lists the chunks of `ids` (in that order; each series' in time order) overlapping
   * [mint, maxt]: series i owns chunks[starts[i] .. starts[i + 1]). total: the sum of `size`
   * over them (their samples or bytes); pos[k]: the sum over chunks before chunks[k], i.e. where
   * it goes when they are laid out back to back.
   */
  #select(ids: ArrayLike<number>, mint: number, maxt: number, size: Uint32Array): { chunks: Uint32Array; starts: Uint32Array; pos: Uint32Array; total: number } {
    const t = this.#chunks;
    const n = ids.length;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const s = this.#series(ids[i]);
      for (let c = t.seriesStart[s]; c < t.seriesStart[s + 1]; c++) if (t.maxt[c] >= mint && t.mint[c] <= maxt) count++;
    }
    const chunks = new Uint32Array(count);
    const pos = new Uint32Array(count);
    const starts = new Uint32Array(n);
    let k = 0, total = 0;
    for (let i = 0; i < n; i++) {
      const s = ids[i] - 1;
      starts[i] = k;
      for (let c = t.seriesStart[s]; c < t.seriesStart[s + 1]; c++) {
        if (t.maxt[c] < mint || t.mint[c] > maxt) continue;
        pos[k] = total;
        chunks[k++] = c;
        total += size[c];
      }
    }
    return { chunks, starts, pos, total };
  }

  /**
   * #byPage: the positions 0 … chunks.length−1 of `chunks` ordered by page (a counting sort, stable:
   * within a page they stay in the given order, which is offset order for ascending ids).
   */
  #byPage(chunks: Uint32Array): Uint32Array {
    const page = this.#chunks.page, count = chunks.length;
    const order = new Uint32Array(count);
    let sorted = true;
    for (let j = 1; j < count && sorted; j++) sorted = page[chunks[j - 1]] <= page[chunks[j]];
    if (sorted) {
      // Fast path: series-major pages, or one bucket read.
      for (let j = 0; j < count; j++) order[j] = j;
      return order;
    }
    const at = new Uint32Array(this.#pages.stored.length + 1);
    for (let j = 0; j < count; j++) at[page[chunks[j]] + 1]++;
    for (let p = 1; p < at.length; p++) at[p] += at[p - 1];
    for (let j = 0; j < count; j++) order[at[page[chunks[j]]]++] = j;
    return order;
  }

  #series(id: number): number {
    if (!Number.isInteger(id) || id < 1 || id > this.seriesCount) {
      throw new Error(`BUG: series id ${id} outside block ${this.id} (1..${this.seriesCount})`);
    }
    return id - 1;
  }

  #page(p: number): Uint8Array {
    const hit = this.#cache.get(p);
    if (hit !== undefined) {
      this.#cache.delete(p);
      this.#cache.set(p, hit);
      return hit;
    }
    if (this.#fd < 0) throw new Error(`BUG: block ${this.id} used after close()`);
    const raw = readPage(this.#fd, this.#file, this.#pages, p, this.#checked);
    this.#pagesRead++;
    this.#cache.set(p, raw);
    this.#cacheBytes += raw.length;
    for (const [k, v] of this.#cache) {
      if (this.#cacheBytes <= this.#cacheLimit || k === p) break;
      this.#cache.delete(k);
      this.#cacheBytes -= v.length;
    }
    return raw;
  }

  #corrupt(page: number, reason: string, cause?: unknown): CorruptionError {
    return new CorruptionError(this.#file, this.#pages.fileOffset[page], `page ${page}: ${reason}`, { cause });
  }

  #overlapping(refs: Uint32Array, mint: number, maxt: number): Uint32Array {
    const t = this.#chunks;
    const out = new Uint32Array(refs.length);
    let k = 0;
    for (let i = 0; i < refs.length; i++) {
      const s = refs[i] - 1;
      for (let c = t.seriesStart[s]; c < t.seriesStart[s + 1]; c++) {
        if (t.maxt[c] >= mint && t.mint[c] <= maxt) {
          out[k++] = refs[i];
          break;
        }
      }
    }
    return k === out.length ? out : out.slice(0, k);
  }

  #needCore(what: string): Core {
    if (!this.#core) throw new Error(`block ${this.id}: ${what} needs a Core (openBlock's options.core)`);
    return this.#core;
  }
}

