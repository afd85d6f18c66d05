/**
 * writeBlock: persist series, in label order, as a new immutable block directory. Series come as
 * sample columns or as XOR chunks shaped like Core.exportChunks' output; the block is written
 * densely (dense chunks in brotli pages, the default) or as Prometheus XOR chunks. Everything is
 * written into `<id>.tmp-create`, fsynced, then renamed to `<id>` and the parent fsynced: a
 * crash leaves either no block or a whole one (scanBlockDirs removes the leftovers).
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Core } from '../../../core-wasm/host/index.ts';
import type { Labels } from '../../model/labels.ts';
import { DENSE_MAX_SAMPLES, DenseEncoder, ENC_XOR, TS_LIMIT } from './dense-encode.ts';
import { CHUNKS_FILE, DEFAULT_PAGE_BYTES, timeBucketMs, DEFAULT_QUALITY, FORMAT_VERSION, INDEX_FILE, META_FILE, TMP_SUFFIX, XOR_CHUNK_SAMPLES, type BlockEncoding, type PageCompression } from './format.ts';
import { syncDir, writeFileDurable } from './fs.ts';
import { encodeIndex, growChunks, newChunkTable, type ChunkTable } from './index-file.ts';
import { encodeMeta, type BlockCompaction, type BlockMeta } from './meta.ts';
import { PageWriter } from './pages.ts';
import { newULID } from './ulid.ts';

/** ColumnSeries: one series' samples, timestamps (integer ms) strictly increasing. */
export interface ColumnSeries {
  labels: Labels;
  timestamps: Float64Array;
  values: Float64Array;
}

/**
 * ChunkSeries: one series as XOR chunks, each an encoding byte (1) then Prometheus XOR bytes,
 * back to back in `chunks`; chunk i starts at chunkOffsets[i] and ends where the next starts.
 * mint/maxt: each chunk's first and last timestamp. Chunks in time order, not overlapping.
 */
export interface ChunkSeries {
  labels: Labels;
  chunks: Uint8Array;
  chunkOffsets: Uint32Array;
  mint: Float64Array;
  maxt: Float64Array;
}

export type SeriesInput = ColumnSeries | ChunkSeries;
export type BlockSource = Iterable<SeriesInput> | AsyncIterable<SeriesInput>;

/** WriteBlockOptions for writeBlock. */
export interface WriteBlockOptions {
  /** The block's time range [minTime, maxTime); default: from the first to one past the last sample. */
  minTime?: number;
  maxTime?: number;
  /** 'dense' (default) or 'xor'. */
  encoding?: BlockEncoding;
  /** Needed to turn XOR chunks into dense ones, or columns into XOR chunks. */
  core?: Core;
  /** How dense pages are stored (default 'brotli'; see PageCompression). */
  compression?: PageCompression;
  /** Brotli quality of compressed dense pages (default 11). */
  quality?: number;
  /** Raw bytes at which a page is cut (default 256 KiB). */
  pageBytes?: number;
  /**
   * The time bucket (ms) at which series are cut into chunks; a page holds chunks of one bucket
   * only (default: timeBucketMs of the block's range and samplesPerSeries). XOR chunks given
   * as chunks are not cut: each goes to the bucket it starts in. Infinity: one bucket, each
   * series' chunks back to back (the layout of format 1).
   */
  bucketMs?: number;
  /** The mean samples per series, if known, for the default bucketMs. */
  samplesPerSeries?: number;
  /** Provenance (default: level 1, the block its own source). */
  compaction?: { level: number; sources: string[]; parents: string[] };
  /** The id's time (default Date.now()). */
  now?: number;
}

/** Series are converted from XOR to dense through the core this many at a time. */
const DECODE_BATCH_SERIES = 2048;
const DECODE_BATCH_BYTES = 16 << 20;

/**
 * writeBlock writes the series of `source` (strictly increasing label order, else an Error) into
 * a new block under `parent` and returns its meta, or null when the source held no samples
 * (nothing is written). Series without samples are left out. A sample outside a given
 * [minTime, maxTime) is refused with an Error naming the series; nothing is left behind then.
 */
export async function writeBlock(parent: string, source: BlockSource, options: WriteBlockOptions = {}): Promise<BlockMeta | null> {
  const id = newULID(options.now ?? Date.now());
  const tmp = join(parent, `${id}${TMP_SUFFIX}-create`);
  await mkdir(tmp, { recursive: true });
  try {
    const w = new BlockWriter(options);
    const fh = await open(join(tmp, CHUNKS_FILE), 'wx');
    try {
      await w.run(fh, source);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const meta = await w.finish(tmp, id);
    if (meta === null) {
      await rm(tmp, { recursive: true, force: true });
      return null;
    }
    await syncDir(tmp);
    await rename(tmp, join(parent, id));
    await syncDir(parent);
    return meta;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** seriesFromExport splits a Core.exportChunks result into ChunkSeries, series i labelled labels[i]. */
export function* seriesFromExport(
  exp: { chunks: Uint8Array; chunkOffsets: Uint32Array; seriesChunkStarts: Uint32Array; mint: Float64Array; maxt: Float64Array },
  labels: readonly Labels[],
): Generator<ChunkSeries> {
  const n = exp.seriesChunkStarts.length;
  if (labels.length !== n) throw new Error(`BUG: ${labels.length} label sets for ${n} exported series`);
  for (let s = 0; s < n; s++) {
    const from = exp.seriesChunkStarts[s];
    const to = s + 1 < n ? exp.seriesChunkStarts[s + 1] : exp.chunkOffsets.length;
    const start = from < exp.chunkOffsets.length ? exp.chunkOffsets[from] : exp.chunks.length;
    const end = to < exp.chunkOffsets.length ? exp.chunkOffsets[to] : exp.chunks.length;
    const offsets = exp.chunkOffsets.slice(from, to);
    for (let i = 0; i < offsets.length; i++) offsets[i] -= start;
    yield { labels: labels[s], chunks: exp.chunks.subarray(start, end), chunkOffsets: offsets, mint: exp.mint.subarray(from, to), maxt: exp.maxt.subarray(from, to) };
  }
}

class BlockWriter {
  readonly #o: WriteBlockOptions;
  readonly #encoding: BlockEncoding;
  readonly #bucketMs: number;
  readonly #dense = new DenseEncoder();
  #pages!: PageWriter;
  readonly #labels: Labels[] = [];
  #chunks: ChunkTable = newChunkTable(0, 1024);
  #starts: number[] = [0];
  #nc = 0;
  #samples = 0;
  #minT = Infinity;
  #maxT = -Infinity;
  #prev: Labels | undefined;
  #pending: ChunkSeries[] = [];
  #pendingBytes = 0;

  constructor(o: WriteBlockOptions) {
    this.#o = o;
    this.#encoding = o.encoding ?? 'dense';
    if (o.minTime !== undefined && o.maxTime !== undefined && !(o.minTime < o.maxTime)) {
      throw new Error(`writeBlock: empty time range [${o.minTime}, ${o.maxTime})`);
    }
    const range = o.minTime !== undefined && o.maxTime !== undefined ? o.maxTime - o.minTime : undefined;
    this.#bucketMs = o.bucketMs ?? timeBucketMs(range, o.samplesPerSeries);
    if (!(this.#bucketMs === Infinity || (Number.isSafeInteger(this.#bucketMs) && this.#bucketMs > 0))) {
      throw new Error(`writeBlock: bucketMs ${o.bucketMs} is not a positive integer (ms) or Infinity`);
    }
  }

  async run(fh: import('node:fs/promises').FileHandle, source: BlockSource): Promise<void> {
    this.#pages = new PageWriter(fh, this.#encoding === 'dense' && this.#o.compression !== 'none', this.#o.quality ?? DEFAULT_QUALITY, this.#o.pageBytes ?? DEFAULT_PAGE_BYTES, (page, chunks) => {
      for (const c of chunks) this.#chunks.page[c] = page;
    });
    await this.#pages.start();
    for await (const s of source) {
      if (this.#prev !== undefined && this.#prev.compare(s.labels) >= 0) {
        throw new Error(`writeBlock: series ${s.labels} comes after ${this.#prev}, not in label order`);
      }
      this.#prev = s.labels;
      if ('timestamps' in s) await this.#columns(s);
      else if (this.#encoding === 'xor') await this.#xorChunks(s);
      else {
        this.#pending.push(s);
        this.#pendingBytes += s.chunks.length;
        if (this.#pending.length >= DECODE_BATCH_SERIES || this.#pendingBytes >= DECODE_BATCH_BYTES) await this.#decodePending();
      }
    }
    await this.#decodePending();
    await this.#pages.flush();
  }

  async finish(dir: string, id: string): Promise<BlockMeta | null> {
    if (this.#labels.length === 0) return null;
    const minTime = this.#o.minTime ?? this.#minT;
    const maxTime = this.#o.maxTime ?? this.#maxT + 1;
    const chunks = growChunks(this.#chunks, this.#nc, this.#nc);
    chunks.seriesStart = Uint32Array.from(this.#starts);
    const p = this.#pages;
    const index = encodeIndex(
      { labels: this.#labels, chunks, pages: { fileOffset: new Float64Array(0), stored: Uint32Array.from(p.stored), raw: Uint32Array.from(p.raw) } },
      minTime,
    );
    await writeFileDurable(join(dir, INDEX_FILE), index);
    const c = this.#o.compaction ?? { level: 1, sources: [id], parents: [] };
    const compaction: BlockCompaction = { level: c.level, sources: [...c.sources].sort(), parents: [...c.parents].sort() };
    const meta: BlockMeta = {
      ulid: id,
      minTime,
      maxTime,
      stats: {
        numSeries: this.#labels.length,
        numSamples: this.#samples,
        numChunks: this.#nc,
        numPages: p.stored.length,
        indexBytes: index.length,
        chunkBytes: p.bytes,
      },
      compaction,
      encoding: this.#encoding,
      version: FORMAT_VERSION,
    };
    await writeFileDurable(join(dir, META_FILE), encodeMeta(meta));
    return meta;
  }

  /** #columns writes a series given as columns, after checking its timestamps. */
  async #columns(s: ColumnSeries): Promise<void> {
    const ts = s.timestamps, n = ts.length;
    if (s.values.length !== n) throw new Error(`writeBlock: series ${s.labels}: ${n} timestamps but ${s.values.length} values`);
    if (n === 0) return;
    const lo = this.#o.minTime ?? -TS_LIMIT, hi = this.#o.maxTime ?? TS_LIMIT;
    for (let i = 0; i < n; i++) {
      const t = ts[i];
      if (!Number.isInteger(t) || t < lo || t >= hi || (i > 0 && !(t > ts[i - 1]))) {
        throw new Error(`writeBlock: series ${s.labels}: timestamp ${t} at ${i} is not an integer increasing within [${lo}, ${hi})`);
      }
    }
    this.#beginSeries(s.labels, ts[0], ts[n - 1], n);
    // A chunk per time bucket, in the bucket's lane, split into equal chunks past the encoding's
    // most samples a chunk (XOR: 120, as Prometheus' head cuts them; dense: 8,192).
    const dense = this.#encoding === 'dense';
    const most = dense ? DENSE_MAX_SAMPLES : XOR_CHUNK_SAMPLES;
    const core = dense ? undefined : this.#need('turn sample columns into XOR chunks');
    const bucket = this.#bucketMs;
    for (let start = 0; start < n; ) {
      const lane = Math.floor(ts[start] / bucket);
      const until = (lane + 1) * bucket;
      let end = start + 1;
      while (end < n && ts[end] < until) end++;
      const parts = Math.ceil((end - start) / most);
      for (let k = 0; k < parts; k++) {
        const from = start + Math.floor((k * (end - start)) / parts), to = start + Math.floor(((k + 1) * (end - start)) / parts);
        if (core) this.#pages.page(lane).bytes(core.encodeChunk(ts.subarray(from, to), s.values.subarray(from, to)));
        else this.#dense.encode(this.#pages.page(lane), ts, s.values, from, to);
        await this.#endChunk(lane, ts[from], ts[to - 1], to - from);
      }
      start = end;
    }
    this.#endSeries();
  }

  /** #xorChunks copies XOR chunks into an XOR block as they are. */
  async #xorChunks(s: ChunkSeries): Promise<void> {
    const k = s.chunkOffsets.length;
    if (k === 0) return;
    const lo = this.#o.minTime ?? -TS_LIMIT, hi = this.#o.maxTime ?? TS_LIMIT;
    let samples = 0;
    for (let i = 0; i < k; i++) {
      if (!(s.mint[i] >= lo && s.maxt[i] < hi && s.mint[i] <= s.maxt[i] && (i === 0 || s.mint[i] > s.maxt[i - 1]))) {
        throw new Error(`writeBlock: series ${s.labels}: chunk ${i} [${s.mint[i]}, ${s.maxt[i]}] is out of order or outside [${lo}, ${hi})`);
      }
      const off = s.chunkOffsets[i], end = i + 1 < k ? s.chunkOffsets[i + 1] : s.chunks.length;
      if (end - off < 3 || s.chunks[off] !== ENC_XOR) throw new Error(`writeBlock: series ${s.labels}: chunk ${i} is not an XOR chunk`);
      samples += (s.chunks[off + 1] << 8) | s.chunks[off + 2];
    }
    this.#beginSeries(s.labels, s.mint[0], s.maxt[k - 1], samples);
    for (let i = 0; i < k; i++) {
      // Into the lane of the bucket the chunk starts in (one that reaches into the next bucket
      // stays whole).
      const off = s.chunkOffsets[i], end = i + 1 < k ? s.chunkOffsets[i + 1] : s.chunks.length;
      const lane = Math.floor(s.mint[i] / this.#bucketMs);
      this.#pages.page(lane).bytes(s.chunks.subarray(off, end));
      await this.#endChunk(lane, s.mint[i], s.maxt[i], (s.chunks[off + 1] << 8) | s.chunks[off + 2]);
    }
    this.#endSeries();
  }

  /** #decodePending decodes the XOR series waiting for a dense block in one core call. */
  async #decodePending(): Promise<void> {
    const list = this.#pending;
    if (list.length === 0) return;
    this.#pending = [];
    this.#pendingBytes = 0;
    const core = this.#need('turn XOR chunks into dense ones');
    let bytes = 0, nchunks = 0;
    for (const s of list) {
      bytes += s.chunks.length;
      nchunks += s.chunkOffsets.length;
    }
    const data = new Uint8Array(bytes);
    const offsets = new Uint32Array(nchunks);
    const starts = new Uint32Array(list.length);
    let at = 0, c = 0;
    list.forEach((s, i) => {
      starts[i] = c;
      data.set(s.chunks, at);
      for (let k = 0; k < s.chunkOffsets.length; k++) offsets[c++] = at + s.chunkOffsets[k];
      at += s.chunks.length;
    });
    const batch = core.decodeChunks(data, offsets, starts, -Infinity, Infinity);
    let off: Int32Array, ts: Float64Array, vals: Float64Array;
    try {
      off = batch.offsets().slice();
      ts = batch.timestamps().slice();
      vals = batch.values().slice();
    } finally {
      batch.release();
    }
    for (let i = 0; i < list.length; i++) {
      await this.#columns({ labels: list[i].labels, timestamps: ts.subarray(off[i], off[i + 1]), values: vals.subarray(off[i], off[i + 1]) });
    }
  }

  #beginSeries(labels: Labels, mint: number, maxt: number, samples: number): void {
    this.#labels.push(labels);
    this.#samples += samples;
    if (mint < this.#minT) this.#minT = mint;
    if (maxt > this.#maxT) this.#maxT = maxt;
  }

  #endSeries(): void {
    this.#starts.push(this.#nc);
  }

  /**
   * #endChunk records the chunk just written into `lane`'s page; its page number comes when the
   * page is written. (Format 2 indexes do not store a chunk's offset: readers add up lengths.)
   */
  async #endChunk(lane: number, mint: number, maxt: number, samples: number): Promise<void> {
    if (this.#nc === this.#chunks.mint.length) this.#chunks = growChunks(this.#chunks, this.#nc * 2, this.#nc);
    const t = this.#chunks, c = this.#nc++;
    t.mint[c] = mint;
    t.maxt[c] = maxt;
    t.samples[c] = samples;
    t.length[c] = await this.#pages.endChunk(lane, c);
  }

  #need(what: string): Core {
    if (!this.#o.core) throw new Error(`writeBlock: a Core is needed to ${what} (options.core)`);
    return this.#o.core;
  }
}
