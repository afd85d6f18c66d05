/**
 * Staleness markers: the special NaN (bits 0x7ff0000000000002) that Prometheus writes when a series
 * disappears from its target or the target goes away. It is an ordinary float to storage, so it
 * must be compared by bits, never by value: every NaN compares unequal.
 */
const buf = new DataView(new ArrayBuffer(8));
buf.setUint32(0, 0x7ff00000);
buf.setUint32(4, 0x00000002);

/** STALE_NAN: the staleness marker value. */
export const STALE_NAN: number = buf.getFloat64(0);

/** isStaleNaN tells whether v carries the staleness marker's exact bits. */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false; // fast path: not NaN at all
  buf.setFloat64(0, v);
  return buf.getUint32(0) === 0x7ff00000 && buf.getUint32(4) === 0x00000002;
}
