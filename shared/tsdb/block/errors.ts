/**
 * Errors of persisted blocks that callers check for. Damage found while opening or reading a
 * block (a bad checksum, a truncated file, bytes that do not decode) is a CorruptionError naming
 * the file and the byte offset where the damage was found; it concerns that block alone, so a
 * reader can set the block aside and keep serving the others.
 */

/**
 * CorruptionError: `file` (a path inside a block directory) is damaged at byte `offset` (for a
 * compressed page: the offset of the page in the file). `reason` says what was found.
 */
export class CorruptionError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`block corruption in ${file} at byte offset ${offset}: ${reason}`, options);
    this.name = 'CorruptionError';
  }
}

/**
 * DecodeError: bytes ran out or made no sense while decoding a buffer. It carries the offset
 * inside that buffer; the code that knows which file the buffer came from turns it into a
 * CorruptionError. It never escapes this folder.
 */
export class DecodeError extends Error {
  constructor(
    readonly at: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'DecodeError';
  }
}
