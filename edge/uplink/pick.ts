/** pick: a copy of chosen elements of a Float64Array that keeps their exact bits. */

/**
 * pick copies src[idx[0]], src[idx[1]], … into a new array through 32-bit views, so that NaN
 * payloads (the staleness marker is a signalling NaN) keep their exact bits.
 */
export function pick(src: Float64Array, idx: readonly number[]): Float64Array {
  const out = new Float64Array(idx.length);
  const from = new Uint32Array(src.buffer, src.byteOffset, src.length * 2), to = new Uint32Array(out.buffer);
  for (let k = 0; k < idx.length; k++) {
    to[2 * k] = from[2 * idx[k]];
    to[2 * k + 1] = from[2 * idx[k] + 1];
  }
  return out;
}
