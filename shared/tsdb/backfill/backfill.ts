/**
 * backfillOpenMetrics: create blocks from an OpenMetrics file, as `promtool tsdb
 * create-blocks-from openmetrics` does, in one pass. The file is streamed in pieces of whole
 * lines through the OpenMetrics parser (a `# EOF` must end it); every sample needs a timestamp.
 * Samples are grouped by block range (see ranges.ts) into one RangeHead each, compressed as they
 * arrive, and each range is written as one block, series in label order, when the file ends.
 * Within a memory budget: when the buffered ranges outgrow it, the ranges that ended before the
 * samples now being read are written first (finished, for files in time order), then, if that is
 * not enough, every range; samples that come later for a range already written go into another
 * block of that range, which queries merge and compaction joins (overlapping blocks).
 *
 * The data directory is locked for the run: the backfill is refused while a hub (or anything else
 * that opened the TSDB) holds the lock, and no hub starts on it meanwhile. Bad input throws BackfillInputError naming the file and line,
 * and every block this run wrote is removed again: the directory is left as it was.
 */
import { mkdir } from 'node:fs/promises';
import { OpenMetricsParser } from '../../exposition/openmetrics-parser.ts';
import { ExpositionParseError } from '../../exposition/types.ts';
import { deleteBlockDir, type BlockEncoding, type BlockMeta, type PageCompression } from '../block/index.ts';
import { lockDir } from '../db/lock.ts';
import { readPieces, DEFAULT_PIECE_BYTES } from './pieces.ts';
import { RangeHead, type BlockOptions, type RejectedSample } from './range-head.ts';
import { compatibleBlockDuration, DEFAULT_BLOCK_DURATION_MS } from './ranges.ts';
import { SeriesTable } from './series-table.ts';

/** BackfillOptions for backfillOpenMetrics; every field is optional. */
export interface BackfillOptions {
  /** Upper bound of the block duration (default 2 h); see compatibleBlockDuration. */
  maxBlockDurationMs?: number;
  /** Encoding of the blocks written (default 'dense'). */
  encoding?: BlockEncoding;
  /** How dense blocks' pages are stored (default 'none': fast to write and read; compaction compresses later). */
  compression?: PageCompression;
  /** Brotli quality of compressed pages (writeBlock's default when absent). */
  quality?: number;
  /** Memory the buffered samples may take before ranges are written early (default 1 GiB). */
  memoryBudgetBytes?: number;
  /** Bytes read at a time (default 16 MiB). */
  pieceBytes?: number;
  /** Called with each block written, in the order written. */
  onBlock?: (meta: BlockMeta) => void;
  /** Called with notices: ranges written early to stay within the memory budget. */
  log?: (message: string) => void;
}

/** BackfillResult: what a backfill wrote. */
export interface BackfillResult {
  blocks: BlockMeta[];
  /** Block duration used (ms). */
  blockDurationMs: number;
  /** Samples stored, and exact duplicates (same series, timestamp and value) dropped. */
  samples: number;
  duplicates: number;
  series: number;
  lines: number;
  /** How many times ranges were written early to stay within the memory budget. */
  spills: number;
}

/** BackfillInputError: the input file is malformed at `line` (1-based); `reason` says how. */
export class BackfillInputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'BackfillInputError';
  }
}

export const DEFAULT_MEMORY_BUDGET_BYTES = 1 << 30;

/**
 * backfillOpenMetrics reads the OpenMetrics file `file` and writes its samples as blocks into
 * `dataDir` (created if needed), locking it meanwhile (DirectoryLockedError when a hub or another
 * backfill holds it). Resolves with what was written; on any failure, removes the blocks it wrote
 * and rejects (BackfillInputError for bad input). Bad options throw a RangeError.
 */
export async function backfillOpenMetrics(file: string, dataDir: string, options: BackfillOptions = {}): Promise<BackfillResult> {
  const budget = options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  if (!(budget > 0)) throw new RangeError(`backfill: memoryBudgetBytes must be positive, got ${budget}`);
  const maxDuration = options.maxBlockDurationMs ?? DEFAULT_BLOCK_DURATION_MS;
  if (!(maxDuration > 0)) throw new RangeError(`backfill: maxBlockDurationMs must be positive, got ${maxDuration}`);
  const encoding = options.encoding ?? 'dense';
  if (encoding !== 'xor' && encoding !== 'dense') throw new RangeError(`backfill: encoding must be 'xor' or 'dense', got ${String(encoding)}`);
  const compression = options.compression ?? 'none';
  if (compression !== 'none' && compression !== 'brotli') throw new RangeError(`backfill: compression must be 'none' or 'brotli', got ${String(compression)}`);
  await mkdir(dataDir, { recursive: true });
  const lock = await lockDir(dataDir);
  const run = new Run(file, dataDir, compatibleBlockDuration(maxDuration), budget, options, { encoding, compression, quality: options.quality });
  try {
    return await run.run();
  } catch (err) {
    await run.removeWritten();
    throw err;
  } finally {
    await lock.release();
  }
}

/** Run: the state of one backfill. */
class Run {
  readonly #file: string;
  readonly #dir: string;
  readonly #d: number;
  readonly #budget: number;
  readonly #o: BackfillOptions;
  /** How blocks are written: the options' encoding and compression, defaults applied. */
  readonly #blockOptions: BlockOptions;
  readonly #series = new SeriesTable();
  readonly #heads = new Map<number, RangeHead>();
  readonly #blocks: BlockMeta[] = [];
  #samples = 0;
  #duplicates = 0;
  #spills = 0;

  constructor(file: string, dir: string, blockDurationMs: number, budget: number, o: BackfillOptions, blockOptions: BlockOptions) {
    this.#file = file;
    this.#dir = dir;
    this.#d = blockDurationMs;
    this.#budget = budget;
    this.#o = o;
    this.#blockOptions = blockOptions;
  }

  async run(): Promise<BackfillResult> {
    let lineBase = 0;
    for await (const piece of readPieces(this.#file, this.#o.pieceBytes ?? DEFAULT_PIECE_BYTES)) {
      // A piece before the last ends where the file goes on: a sentinel `# EOF` closes it for the parser.
      const lines = this.#parse(piece.final ? piece.text : piece.text + '# EOF\n', lineBase, piece.final);
      lineBase += lines;
      if (this.#memoryBytes() > this.#budget) await this.#spill();
    }
    const heads = [...this.#heads.values()].sort((a, b) => a.start - b.start);
    this.#heads.clear();
    for (const h of heads) await this.#write(h);
    return {
      blocks: this.#blocks,
      blockDurationMs: this.#d,
      samples: this.#samples,
      duplicates: this.#duplicates,
      series: this.#series.size,
      lines: lineBase,
      spills: this.#spills,
    };
  }

  /** removeWritten deletes the blocks written so far (after a failure). */
  async removeWritten(): Promise<void> {
    for (const m of this.#blocks) await deleteBlockDir(this.#dir, m.ulid).catch(() => undefined);
  }

  /** #lowWater: the oldest sample of the last piece parsed; ranges ending before it are taken as finished. */
  #lowWater = Infinity;

  /**
   * #parse reads every sample of `text` (lines lineBase+1 …) into the range heads and returns the
   * number of lines of the piece (the sentinel of a piece before the last not counted).
   */
  #parse(text: string, lineBase: number, final: boolean): number {
    const p = new OpenMetricsParser(text);
    const series = this.#series;
    const d = this.#d;
    let prevText = '';
    let prevId = -1;
    let lastRange = NaN;
    let head: RangeHead | undefined;
    let low = Infinity;
    try {
      for (;;) {
        const kind = p.next();
        if (kind === 'eof') break;
        if (kind !== 'series') continue;
        const s = p.series();
        let id: number;
        if (s === prevText) id = prevId;
        else {
          id = series.get(s) ?? series.add(s, p.labels());
          prevText = s;
          prevId = id;
        }
        const t = p.timestamp;
        if (!Number.isSafeInteger(t)) {
          const what = Number.isNaN(t) ? 'got none' : `got ${t / 1000} s, out of range`;
          throw new BackfillInputError(this.#file, lineBase + p.line, `expected timestamp for series ${series.labels[id]}, ${what}`);
        }
        if (t < low) low = t;
        const r = Math.floor(t / d);
        if (r !== lastRange) {
          head = this.#heads.get(r);
          if (head === undefined) this.#heads.set(r, (head = new RangeHead(r * d, d)));
          lastRange = r;
        }
        const rejected = head!.add(id, t, p.value, lineBase + p.line);
        if (rejected) throw this.#rejected(rejected);
      }
    } catch (err) {
      if (err instanceof ExpositionParseError) throw new BackfillInputError(this.#file, lineBase + err.line, err.reason);
      throw err;
    }
    for (const h of this.#heads.values()) {
      const rejected = h.flush();
      if (rejected) throw this.#rejected(rejected);
    }
    this.#lowWater = low;
    return final ? p.line : p.line - 1;
  }

  #rejected(r: RejectedSample): BackfillInputError {
    const labels = this.#series.labels[r.series];
    const reason =
      r.reason === 'out of order sample'
        ? `out of order sample at ${r.t / 1000} for series ${labels}: an earlier line of the series has a later timestamp`
        : `duplicate sample for timestamp ${r.t / 1000} with a different value (${r.v}) for series ${labels}`;
    return new BackfillInputError(this.#file, r.line, reason);
  }

  #memoryBytes(): number {
    let bytes = this.#series.bytes;
    for (const h of this.#heads.values()) bytes += h.memoryBytes() + h.queueBytes();
    return bytes;
  }

  /** #spill writes the finished ranges, then every range if still over budget. */
  async #spill(): Promise<void> {
    this.#spills++;
    const before = this.#memoryBytes();
    const heads = [...this.#heads].sort((a, b) => a[1].start - b[1].start);
    let finished = 0;
    for (const [r, h] of heads) {
      if (h.start + this.#d > this.#lowWater) continue;
      this.#heads.delete(r);
      await this.#write(h);
      finished++;
    }
    let all = 0;
    if (this.#memoryBytes() > this.#budget) {
      for (const [r, h] of heads) {
        if (!this.#heads.has(r)) continue;
        this.#heads.delete(r);
        await this.#write(h);
        all++;
      }
    }
    this.#o.log?.(
      `backfill: ${(before / 2 ** 20).toFixed(0)} MiB buffered, over the budget of ${(this.#budget / 2 ** 20).toFixed(0)} MiB: ` +
        `wrote ${finished} finished range(s)` + (all ? ` and ${all} unfinished one(s) (later samples of those ranges go into further blocks)` : ''),
    );
  }

  async #write(h: RangeHead): Promise<void> {
    const meta = await h.write(this.#dir, this.#series.labels, this.#series.rank(), this.#blockOptions);
    this.#samples += h.samples;
    this.#duplicates += h.duplicates;
    if (meta === null) return;
    this.#blocks.push(meta);
    this.#o.onBlock?.(meta);
  }
}
