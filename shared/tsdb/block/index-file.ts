/**
 * The block index file: symbols, the page table, and every series with its labels (as symbol
 * numbers) and its chunk references and time ranges, all in one brotli-compressed, checksummed
 * body (docs/block-format.md, "Index"). Postings are not stored: opening rebuilds them from the
 * labels through shared/storage/index's LabelIndex, which costs a few milliseconds per ten
 * thousand series and keeps the file small.
 */
import { brotliCompressSync, brotliDecompressSync, constants as Z } from 'node:zlib';
import { Labels } from '../../model/labels.ts';
import { crc32c } from '../wal/crc32c.ts';
import { ByteReader, ByteWriter } from './bytes.ts';
import { CorruptionError, DecodeError } from './errors.ts';
import { COMPRESS_BROTLI, FILE_HEADER_BYTES, FORMAT_VERSION, INDEX_BODY_HEADER_BYTES, INDEX_MAGIC, PAGE_HEADER_BYTES, versionProblem } from './format.ts';

/** ChunkTable: every chunk of a block, series by series, in flat columns. */
export interface ChunkTable {
  /** Series s (0-based) owns chunks seriesStart[s] up to seriesStart[s+1]. */
  seriesStart: Uint32Array;
  mint: Float64Array;
  maxt: Float64Array;
  samples: Uint32Array;
  /** The page that holds the chunk, and where in the page's raw bytes. */
  page: Uint32Array;
  offset: Uint32Array;
  length: Uint32Array;
}

/** PageTable: where each page is in the chunks file and how big it is. */
export interface PageTable {
  fileOffset: Float64Array;
  stored: Uint32Array;
  raw: Uint32Array;
}

/** IndexData: the decoded index. Series are in label order; series id = position + 1. */
export interface IndexData {
  labels: Labels[];
  chunks: ChunkTable;
  pages: PageTable;
}

/** encodeIndex builds the whole index file. `minTime` anchors the first chunk time of a series. */
export function encodeIndex(data: IndexData, minTime: number, quality = 9): Uint8Array {
  const { labels, chunks, pages } = data;
  const ids = new Map<string, number>();
  for (const l of labels) for (const s of l.flat) ids.set(s, 0);
  const symbols = [...ids.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  symbols.forEach((s, i) => ids.set(s, i));

  const w = new ByteWriter(1 << 16);
  w.uvarint(symbols.length);
  for (const s of symbols) w.string(s);
  w.uvarint(pages.stored.length);
  for (let p = 0; p < pages.stored.length; p++) {
    w.uvarint(pages.stored[p]);
    w.uvarint(pages.raw[p]);
  }
  w.uvarint(labels.length);
  const pageOf = new PagePredictor();
  for (let s = 0; s < labels.length; s++) {
    const f = labels[s].flat;
    w.uvarint(f.length >> 1);
    for (const x of f) w.uvarint(ids.get(x)!);
    const from = chunks.seriesStart[s], to = chunks.seriesStart[s + 1];
    w.uvarint(to - from);
    let prevMax = minTime;
    for (let c = from; c < to; c++) {
      w.varint(chunks.mint[c] - prevMax);
      w.uvarint(chunks.maxt[c] - chunks.mint[c]);
      prevMax = chunks.maxt[c];
      w.uvarint(chunks.samples[c]);
      w.varint(chunks.page[c] - pageOf.guess(c - from));
      pageOf.saw(c - from, chunks.page[c]);
      w.uvarint(chunks.length[c]);
    }
  }
  const raw = w.view();
  const stored = brotliCompressSync(raw, {
    params: { [Z.BROTLI_PARAM_QUALITY]: quality, [Z.BROTLI_PARAM_SIZE_HINT]: raw.length, [Z.BROTLI_PARAM_LGWIN]: 24 },
  });
  const out = new ByteWriter(FILE_HEADER_BYTES + INDEX_BODY_HEADER_BYTES + stored.length);
  out.u32le(INDEX_MAGIC);
  out.u8(FORMAT_VERSION);
  out.u8(0), out.u8(0), out.u8(0);
  out.u8(COMPRESS_BROTLI);
  out.u32le(stored.length);
  out.u32le(raw.length);
  out.u32le(crc32c(stored));
  out.bytes(stored);
  return out.view();
}

/** decodeIndex parses an index file read whole; damage is a CorruptionError naming `file`. */
export function decodeIndex(buf: Uint8Array, file: string, minTime: number, maxTime: number): IndexData {
  const head = FILE_HEADER_BYTES + INDEX_BODY_HEADER_BYTES;
  if (buf.length < head) throw new CorruptionError(file, 0, `truncated: ${buf.length} bytes, the header alone is ${head}`);
  const r = new ByteReader(buf);
  if (r.u32le() !== INDEX_MAGIC) throw new CorruptionError(file, 0, 'bad magic: not a block index');
  const version = r.u8();
  const bad = versionProblem(version);
  if (bad) throw new CorruptionError(file, 4, bad);
  r.pos = FILE_HEADER_BYTES;
  const compression = r.u8();
  const storedLen = r.u32le(), rawLen = r.u32le(), crc = r.u32le();
  if (compression !== COMPRESS_BROTLI) throw new CorruptionError(file, FILE_HEADER_BYTES, `unknown compression ${compression}`);
  if (head + storedLen !== buf.length) {
    throw new CorruptionError(file, head, `body is ${buf.length - head} bytes, the header says ${storedLen}`);
  }
  const stored = buf.subarray(head);
  if (crc32c(stored) !== crc) throw new CorruptionError(file, head, 'checksum mismatch');
  let raw: Uint8Array;
  try {
    raw = brotliDecompressSync(stored);
  } catch (err) {
    throw new CorruptionError(file, head, `body does not decompress: ${(err as Error).message}`, { cause: err });
  }
  if (raw.length !== rawLen) throw new CorruptionError(file, head, `body decompresses to ${raw.length} bytes, want ${rawLen}`);
  try {
    return parseBody(raw, minTime, maxTime, version);
  } catch (err) {
    if (err instanceof DecodeError) throw new CorruptionError(file, head, `decompressed body at byte ${err.at}: ${err.message}`, { cause: err });
    throw err;
  }
}

function parseBody(raw: Uint8Array, minTime: number, maxTime: number, version: number): IndexData {
  const r = new ByteReader(raw);
  const nsym = r.uvarint();
  if (nsym > raw.length) throw new DecodeError(0, `${nsym} symbols in ${raw.length} bytes`);
  const symbols: string[] = new Array(nsym);
  for (let i = 0; i < nsym; i++) symbols[i] = r.string();

  const npages = r.uvarint();
  if (npages > raw.length) throw new DecodeError(r.pos, `${npages} pages in ${raw.length} bytes`);
  const pages: PageTable = { fileOffset: new Float64Array(npages), stored: new Uint32Array(npages), raw: new Uint32Array(npages) };
  let off = FILE_HEADER_BYTES;
  for (let p = 0; p < npages; p++) {
    pages.fileOffset[p] = off;
    pages.stored[p] = r.uvarint();
    pages.raw[p] = r.uvarint();
    off += PAGE_HEADER_BYTES + pages.stored[p];
  }

  const nseries = r.uvarint();
  if (nseries > raw.length) throw new DecodeError(r.pos, `${nseries} series in ${raw.length} bytes`);
  const labels: Labels[] = new Array(nseries);
  const seriesStart = new Uint32Array(nseries + 1);
  let cap = Math.max(16, nseries);
  let t: ChunkTable = allocChunks(seriesStart, cap);
  let nc = 0;
  let page = 0;
  const pageOf = new PagePredictor();
  // Version 2: where each page's next chunk starts (chunks lie back to back in index order).
  const fill = new Float64Array(version === 1 ? 0 : npages);
  for (let s = 0; s < nseries; s++) {
    const at = r.pos;
    const nl = r.uvarint();
    if (nl > 1024) throw new DecodeError(at, `series with ${nl} labels`);
    const flat: string[] = new Array(nl * 2);
    for (let i = 0; i < nl * 2; i++) {
      const id = r.uvarint();
      if (id >= nsym) throw new DecodeError(at, `symbol ${id} of ${nsym}`);
      flat[i] = symbols[id];
    }
    for (let i = 2; i < flat.length; i += 2) if (!(flat[i - 2] < flat[i])) throw new DecodeError(at, 'labels out of order');
    labels[s] = Labels.fromSortedFlat(flat);
    if (s > 0 && labels[s - 1].compare(labels[s]) >= 0) throw new DecodeError(at, 'series out of label order');
    const k = r.uvarint();
    if (k === 0) throw new DecodeError(at, 'series without chunks');
    if (nc + k > cap) {
      if (k > raw.length) throw new DecodeError(at, `${k} chunks`);
      cap = Math.max(cap * 2, nc + k);
      t = growChunks(t, cap, nc);
    }
    let prevMax = minTime;
    for (let c = nc; c < nc + k; c++) {
      const mint = prevMax + r.varint();
      const maxt = mint + r.uvarint();
      if (mint < minTime || maxt >= maxTime || (c > nc && mint <= prevMax)) throw new DecodeError(at, `chunk range [${mint}, ${maxt}] out of order or outside the block`);
      prevMax = maxt;
      t.mint[c] = mint;
      t.maxt[c] = maxt;
      t.samples[c] = r.uvarint();
      if (version === 1) page += r.uvarint();
      else page = pageOf.guess(c - nc) + r.varint();
      if (page < 0 || page >= npages) throw new DecodeError(at, `chunk in page ${page} of ${npages}`);
      pageOf.saw(c - nc, page);
      t.page[c] = page;
      if (version === 1) {
        t.offset[c] = r.uvarint();
        t.length[c] = r.uvarint();
      } else {
        t.length[c] = r.uvarint();
        t.offset[c] = fill[page];
        fill[page] += t.length[c];
      }
      if (t.samples[c] < 1 || t.offset[c] + t.length[c] > pages.raw[page]) throw new DecodeError(at, 'chunk reference outside its page');
    }
    nc += k;
    seriesStart[s + 1] = nc;
  }
  if (r.remaining !== 0) throw new DecodeError(r.pos, `${r.remaining} bytes after the last series`);
  for (let p = 0; p < fill.length; p++) {
    if (fill[p] !== pages.raw[p]) throw new DecodeError(r.pos, `chunks fill ${fill[p]} bytes of page ${p}, which holds ${pages.raw[p]}`);
  }
  return { labels, chunks: growChunks(t, nc, nc), pages };
}

/**
 * PagePredictor: the page a series' chunk k is expected in, for the index's page deltas (format
 * 2): the page of chunk k of the last series that had one (else 0). Neighbouring series'
 * chunks of one time bucket share pages, so the deltas are mostly 0.
 */
class PagePredictor {
  readonly #last: number[] = [];

  guess(k: number): number {
    return k < this.#last.length ? this.#last[k] : 0;
  }

  saw(k: number, page: number): void {
    while (this.#last.length < k) this.#last.push(0);
    this.#last[k] = page;
  }
}

function allocChunks(seriesStart: Uint32Array, n: number): ChunkTable {
  return {
    seriesStart,
    mint: new Float64Array(n),
    maxt: new Float64Array(n),
    samples: new Uint32Array(n),
    page: new Uint32Array(n),
    offset: new Uint32Array(n),
    length: new Uint32Array(n),
  };
}

/** growChunks copies the first `used` chunks into a table of `n`. */
export function growChunks(t: ChunkTable, n: number, used: number): ChunkTable {
  if (t.mint.length === n) return t;
  const g = allocChunks(t.seriesStart, n);
  g.mint.set(t.mint.subarray(0, used));
  g.maxt.set(t.maxt.subarray(0, used));
  g.samples.set(t.samples.subarray(0, used));
  g.page.set(t.page.subarray(0, used));
  g.offset.set(t.offset.subarray(0, used));
  g.length.set(t.length.subarray(0, used));
  return g;
}

/** newChunkTable: an empty table with room for `n` chunks and `series` series, for writers. */
export function newChunkTable(series: number, n: number): ChunkTable {
  return allocChunks(new Uint32Array(series + 1), n);
}
