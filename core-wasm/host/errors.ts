/**
 * Errors the WebAssembly core reports to its callers. Input the core refuses raises a
 * CoreInputError naming the argument and element; a chunk that does not decode raises a
 * ChunkCorruptionError carrying the chunk's index. Bugs inside the core throw plain Errors whose
 * message starts with "BUG:".
 */

/** CoreInputError: an argument the core refused, such as an unknown ref or a non-integer timestamp. */
export class CoreInputError extends Error {
  constructor(
    message: string,
    /** The argument at fault, e.g. "refs". */
    readonly argument: string,
    /** The index of the offending element in that argument, or -1. */
    readonly index: number,
  ) {
    super(message);
    this.name = 'CoreInputError';
  }
}

/** ChunkCorruptionError: chunk `chunkIndex` of a decodeChunks call is not a valid chunk. */
export class ChunkCorruptionError extends Error {
  constructor(
    message: string,
    readonly chunkIndex: number,
  ) {
    super(message);
    this.name = 'ChunkCorruptionError';
  }
}
