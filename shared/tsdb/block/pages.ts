/**
 * Pages of the chunks file. PageWriter gathers encoded chunks into a page buffer and, once the
 * page reaches its size, compresses it (brotli for dense blocks, nothing for XOR blocks) and
 * appends it, with a header and CRC-32C, to the file. readPage reads one page back, checks it
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

/** PageWriter: see the module comment. Chunks are written into `page` directly by encoders. */
export class PageWriter {
  /** The open page; encoders append a chunk to it, then call endChunk(). */
  readonly page = new ByteWriter(1 << 18);
  readonly stored: number[] = [];
  readonly raw: number[] = [];
  #fh: FileHandle;
  #pos = 0;
  #compression: number;
  #quality: number;
  #pageBytes: number;

  constructor(fh: FileHandle, compress: boolean, quality: number, pageBytes: number) {
    this.#fh = fh;
    this.#compression = compress ? COMPRESS_BROTLI : COMPRESS_NONE;
    this.#quality = quality;
    this.#pageBytes = pageBytes;
  }

  /** start writes the file header. */
  async start(): Promise<void> {
    const h = new ByteWriter(FILE_HEADER_BYTES);
    h.u32le(CHUNKS_MAGIC);
    h.u8(FORMAT_VERSION);
    h.u8(0), h.u8(0), h.u8(0);
    await this.#write(h.view());
  }

  /** pageIndex: the number of the open page. */
  get pageIndex(): number {
    return this.stored.length;
  }

  /** endChunk is called after each chunk; it flushes the page once it is full. */
  async endChunk(): Promise<void> {
    if (this.page.len >= this.#pageBytes) await this.flush();
  }

  /** flush writes the open page, if it holds anything. */
  async flush(): Promise<void> {
    const raw = this.page.view();
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
    this.stored.push(stored.length);
    this.raw.push(raw.length);
    this.page.len = 0;
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
