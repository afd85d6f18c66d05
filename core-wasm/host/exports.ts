/**
 * The raw exports of core-wasm/build/outpost.wasm and the loader that compiles it once per
 * process. Every function takes numbers and addresses; see core-wasm/assembly/index.ts for each
 * contract. Only this folder may call them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** RawCore: the flat functions the module exports. Addresses are byte offsets into `memory`. */
export interface RawCore {
  memory: WebAssembly.Memory;
  init(oooWindowMs: number, chunkRangeMs: number, samplesPerChunk: number): void;
  alloc(size: number): number;
  free(ptr: number): void;
  newSeries(n: number): number;
  seriesCount(): number;
  appendScrape(t: number, refs: number, vals: number, n: number, status: number): number;
  appendSamples(refs: number, ts: number, vals: number, n: number, status: number): number;
  decodeHead(refs: number, n: number, mint: number, maxt: number): number;
  decodeChunks(data: number, dataLen: number, offsets: number, chunkCount: number, starts: number, seriesCount: number, mint: number, maxt: number, counts: number, skipValues: number): number;
  mergeBatches(batches: number, batchCount: number, parts: number, partStarts: number, seriesCount: number): number;
  overlapping(refs: number, n: number, mint: number, maxt: number, out: number): number;
  exportChunks(refs: number, n: number, flags: number): number;
  truncateBefore(t: number): number;
  encodeChunk(ts: number, vs: number, n: number): number;
  lastEncodedLength(): number;
  freeBatch(ptr: number): void;
  allocColumns(series: number, samples: number): number;
  instantKernel(offsets: number, ts: number, vs: number, series: number, start: number, step: number, steps: number, lookback: number, out: number): void;
  rangeKernel(fn: number, offsets: number, ts: number, vs: number, series: number, start: number, step: number, steps: number, range: number, params: number, out: number): number;
  sumRows(values: number, present: number, rows: number, steps: number, groupOf: number, sums: number, comps: number, seen: number): number;
  stats(): number;
  lastErrorCode(): number;
  lastErrorIndex(): number;
}

/** Error codes of core-wasm/assembly/errors.ts. */
export const ErrorCode = {
  BAD_REF: 1,
  BAD_TIMESTAMP: 2,
  CORRUPT_CHUNK: 3,
  BAD_ENCODING: 4,
  BAD_CHUNK_OFFSET: 5,
  BAD_SERIES_START: 6,
  TOO_LARGE: 7,
  TOO_MANY_SAMPLES: 8,
  BAD_PART: 9,
  SAMPLE_COUNT: 10,
} as const;

/**
 * wasmFile: core-wasm/build/outpost.wasm under the nearest directory above this module that has
 * core-wasm/: the repository's root both from the sources (core-wasm/host/) and from the
 * precompiled bundle (dist/).
 */
function wasmFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'core-wasm'))) return join(dir, 'core-wasm/build/outpost.wasm');
    if (dirname(dir) === dir) return join(here, '../build/outpost.wasm');
  }
}

const wasmPath = wasmFile();
let compiled: WebAssembly.Module | undefined;

/** compileCore compiles the module on first use and returns the cached WebAssembly.Module. */
export function compileCore(): WebAssembly.Module {
  if (compiled) return compiled;
  let bytes: Buffer;
  try {
    bytes = readFileSync(wasmPath);
  } catch (cause) {
    throw new Error(`load ${wasmPath}: the WebAssembly core is not built; run \`npm run build:wasm\``, { cause });
  }
  compiled = new WebAssembly.Module(bytes);
  return compiled;
}

/**
 * adoptCompiledCore makes `module`, compiled by another thread of this process and passed here
 * (a query worker's workerData), the one compileCore returns, so this thread neither reads nor
 * compiles the file again and runs the code V8 has already optimised.
 */
export function adoptCompiledCore(module: WebAssembly.Module): void {
  if (!(module instanceof WebAssembly.Module)) throw new Error('adoptCompiledCore: not a WebAssembly.Module');
  compiled ??= module;
}

/** instantiateCore creates a fresh instance (its own memory and head) of the compiled module. */
export function instantiateCore(): RawCore {
  let memory: WebAssembly.Memory | undefined;
  const abort = (msg: number, file: number, line: number, col: number): never => {
    const text = memory ? `${readString(memory, msg)} (${readString(memory, file)}:${line}:${col})` : 'no memory';
    throw new Error(text.startsWith('BUG:') ? text : `BUG: WebAssembly core aborted: ${text}`);
  };
  const instance = new WebAssembly.Instance(compileCore(), { env: { abort } });
  const raw = instance.exports as unknown as RawCore;
  memory = raw.memory;
  return raw;
}

/** readString decodes an AssemblyScript string (UTF-16, byte length 4 bytes before it). */
function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return '';
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return Buffer.from(memory.buffer, ptr, bytes).toString('utf16le');
}
