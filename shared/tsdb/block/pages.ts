/**
 * Pages of the chunks file. PageWriter gathers encoded chunks into page buffers (one open page
 * per lane, i.e. time bucket) and, once a page reaches its size, compresses it (brotli for dense
 * blocks, nothing for XOR blocks) and appends it, with a header and CRC-32C, to the file. readPage reads one page back, checks it
 * against the index's page table and its checksum, and returns its raw bytes.
 */
import type { FileHandle } from 'node:fs/promises';
import { readSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync, constants as Z } from 'node:zlib';
import { crc32c } from '../wal/crc32c.ts';
import { ByteWriter } from './bytes.ts';
import { CorruptionError } from './errors.ts';
import { CHUNKS_MAGIC, COMPRESS_BROTLI, COMPRESS_NONE, FILE_HEADER_BYTES, FORMAT_VERSION, PAGE_HEADER_BYTES } from './format.ts';
import type { PageTable } from './index-file.ts';

/** Lane: one open page, the chunks (writer's numbers) it holds so far, and where the last one ends. */
interface Lane {
  page: ByteWriter;
  chunks: number[];
  end: number;
}

/**
 * PageWriter: see the module comment. Chunks are written into a lane's open page directly by
 * encoders. A writer keeps one lane per time bucket (a page holds chunks of one lane only), so a
 * page can hold one bucket of many series; pages are numbered, and appended to the file, in the
 * order they fill up, lanes interleaved. `placed` learns the page number of every chunk once its
 * page is written.
 */
export class PageWriter {
  readonly stored: number[] = [];
  readonly raw: number[] = [];
  readonly #lanes = new Map<number, Lane>();
  readonly #placed: (page: number, chunks: readonly number[]) => void;
  #fh: FileHandle;
  #pos = 0;
  #compression: number;
  #quality: number;
  #pageBytes: number;

  constructor(fh: FileHandle, compress: boolean, quality: number, pageBytes: number, placed: (page: number, chunks: readonly number[]) => void) {
    this.#fh = fh;
    this.#compression = compress ? COMPRESS_BROTLI : COMPRESS_NONE;
    this.#quality = quality;
    this.#pageBytes = pageBytes;
    this.#placed = placed;
  }

  /** start writes the file header. */
  async start(): Promise<void> {
    const h = new ByteWriter(FILE_HEADER_BYTES);
    h.u32le(CHUNKS_MAGIC);
    h.u8(FORMAT_VERSION);
    h.u8(0), h.u8(0), h.u8(0);
    await this.#write(h.view());
  }

  /** page: the open page of `lane` (opened on first use); an encoder appends one chunk, then endChunk. */
  page(lane: number): ByteWriter {
    let l = this.#lanes.get(lane);
    if (l === undefined) {
      l = { page: new ByteWriter(Math.min(this.#pageBytes + (this.#pageBytes >> 3), 1 << 20)), chunks: [], end: 0 };
      this.#lanes.set(lane, l);
    }
    return l.page;
  }

  /**
   * endChunk records chunk number `chunk` as the last one in `lane`'s page (the bytes appended
   * since the previous chunk) and resolves with its length; a full page is written.
   */
  async endChunk(lane: number, chunk: number): Promise<number> {
    const l = this.#lanes.get(lane);
    if (l === undefined) throw new Error(`BUG: endChunk on lane ${lane}, which has no open page`);
    const length = l.page.len - l.end;
    l.end = l.page.len;
    l.chunks.push(chunk);
    if (l.page.len >= this.#pageBytes) await this.#flush(l);
    return length;
  }

  /** flush writes every lane's open page that holds anything, in lane order, and drops the lanes. */
  async flush(): Promise<void> {
    const lanes = [...this.#lanes.keys()].sort((a, b) => a - b);
    for (const k of lanes) await this.#flush(this.#lanes.get(k)!);
    this.#lanes.clear();
  }

  async #flush(l: Lane): Promise<void> {
    const raw = l.page.view();
    if (raw.length === 0) return;
    const stored =
      this.#compression === COMPRESS_BROTLI
        ? brotliCompressSync(raw, {
            params: { [Z.BROTLI_PARAM_QUALITY]: this.#quality, [Z.BROTLI_PARAM_SIZE_HINT]: raw.length, [Z.BROTLI_PARAM_LGWIN]: 24 },
          })
        : raw;
    const h = new ByteWriter(PAGE_HEADER_BYTES + stored.length);
    h.u8(this.#compression);
    h.u32le(stored.length);
    h.u32le(raw.length);
    h.u32le(crc32c(stored));
    h.bytes(stored);
    await this.#write(h.view());
    this.#placed(this.stored.length, l.chunks);
    this.stored.push(stored.length);
    this.raw.push(raw.length);
    l.page.len = 0;
    l.end = 0;
    l.chunks.length = 0;
  }

  /** bytes: the file's length so far. */
  get bytes(): number {
    return this.#pos;
  }

  async #write(b: Uint8Array): Promise<void> {
    let done = 0;
    while (done < b.length) {
      const { bytesWritten } = await this.#fh.write(b, done, b.length - done, this.#pos + done);
      if (bytesWritten === 0) throw new Error(`short write: 0 of ${b.length - done} bytes`);
      done += bytesWritten;
    }
    this.#pos += b.length;
  }
}

/**
 * readPage reads page `p` of the chunks file open as `fd` and returns its raw bytes. Anything
 * that does not match (short file, header unlike the index's page table, checksum, a stream that
 * does not decompress to the raw length) is a CorruptionError naming `file` and the page offset.
 * The checksum is computed the first time a page is read and marked in `checked` (one byte per
 * page); a block's files never change, so later reads of the page (a query that outgrows the
 * page cache reads every page again) check the header and lengths only.
 */
export function readPage(fd: number, file: string, pages: PageTable, p: number, checked: Uint8Array): Uint8Array {
  const off = pages.fileOffset[p];
  const stored = pages.stored[p];
  const buf = new Uint8Array(PAGE_HEADER_BYTES + stored);
  let got = 0;
  try {
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, off + got);
      if (n === 0) break;
      got += n;
    }
  } catch (err) {
    throw new Error(`read page ${p} of ${file} at offset ${off}: ${(err as Error).message}`, { cause: err });
  }
  if (got < buf.length) throw new CorruptionError(file, off, `page ${p} truncated: ${got} of ${buf.length} bytes`);
  const compression = buf[0];
  const dv = new DataView(buf.buffer, buf.byteOffset, PAGE_HEADER_BYTES);
  const sLen = dv.getUint32(1, true), rLen = dv.getUint32(5, true), crc = dv.getUint32(9, true);
  if (sLen !== stored || rLen !== pages.raw[p]) {
    throw new CorruptionError(file, off, `page ${p} header says ${sLen}/${rLen} bytes stored/raw, the index ${stored}/${pages.raw[p]}`);
  }
  const body = buf.subarray(PAGE_HEADER_BYTES);
  if (!checked[p]) {
    if (crc32c(body) !== crc) throw new CorruptionError(file, off, `page ${p} checksum mismatch`);
    checked[p] = 1;
  }
  if (compression === COMPRESS_NONE) {
    if (rLen !== sLen) throw new CorruptionError(file, off, `uncompressed page ${p} with different stored and raw lengths`);
    return body;
  }
  if (compression !== COMPRESS_BROTLI) throw new CorruptionError(file, off, `page ${p} has unknown compression ${compression}`);
  let raw: Uint8Array;
  try {
    raw = brotliDecompressSync(body);
  } catch (err) {
    throw new CorruptionError(file, off, `page ${p} does not decompress: ${(err as Error).message}`, { cause: err });
  }
  if (raw.length !== rLen) throw new CorruptionError(file, off, `page ${p} decompresses to ${raw.length} bytes, want ${rLen}`);
  return raw;
}
