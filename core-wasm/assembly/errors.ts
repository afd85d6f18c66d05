// Error reporting across the boundary: a call that refuses its input returns a sentinel and
// leaves a code and the index of the offending element here for the host to read and explain.
// Bugs are not reported here: they throw (abort), with "BUG:" in the message.

@inline export const ERR_NONE: i32 = 0;
/** A ref that names no series; index into the refs column. */
@inline export const ERR_BAD_REF: i32 = 1;
/** A timestamp that is not a safe integer; index into the timestamps column. */
@inline export const ERR_BAD_TIMESTAMP: i32 = 2;
/** A chunk that does not decode; index of the chunk. */
@inline export const ERR_CORRUPT_CHUNK: i32 = 3;
/** A chunk whose encoding byte is neither XOR (1) nor dense (2); index of the chunk. */
@inline export const ERR_BAD_ENCODING: i32 = 4;
/** A chunk offset out of order or out of the data; index of the chunk. */
@inline export const ERR_BAD_CHUNK_OFFSET: i32 = 5;
/** A series' first-chunk index out of order or past the chunks; index of the series. */
@inline export const ERR_BAD_SERIES_START: i32 = 6;
/** A batch too large for one allocation; index unused. */
@inline export const ERR_TOO_LARGE: i32 = 7;
/** More samples than a chunk can count (65535); index unused. */
@inline export const ERR_TOO_MANY_SAMPLES: i32 = 8;
/** A merge part naming a batch or a series that does not exist; index of the part. */
@inline export const ERR_BAD_PART: i32 = 9;
/** A chunk holding another number of samples than its caller expects; index of the chunk. */
@inline export const ERR_SAMPLE_COUNT: i32 = 10;

let code: i32 = ERR_NONE;
let index: u32 = 0;

/** setError records why the current call refused its input. */
export function setError(c: i32, i: u32): void {
  code = c;
  index = i;
}

/** lastErrorCode/lastErrorIndex describe the last refusal (the host reads them after a sentinel). */
export function lastErrorCode(): i32 {
  return code;
}
export function lastErrorIndex(): u32 {
  return index;
}
