/**
 * Errors of the write-ahead log that callers check for. Damage found while reading a segment is a
 * CorruptionError naming the file and the byte offset of the first bad record; replay reports it
 * (and repairs the log) instead of throwing it past open.
 */

/**
 * CorruptionError: the record at `offset` of `segment` is torn, fails its checksum or cannot be
 * decoded. Everything before `offset` in that file is intact. `segment` is the segment number
 * (for a checkpoint: the number of the file inside the checkpoint directory) and `file` the
 * path of the damaged file.
 */
export class CorruptionError extends Error {
  constructor(
    readonly file: string,
    readonly segment: number,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`WAL corruption in segment ${segment} (${file}) at byte offset ${offset}: ${reason}`);
    this.name = 'CorruptionError';
  }
}

/** WALClosedError: the log was closed (or is closing) when a write was asked of it. */
export class WALClosedError extends Error {
  constructor(what: string) {
    super(`${what}: the WAL is closed`);
    this.name = 'WALClosedError';
  }
}
