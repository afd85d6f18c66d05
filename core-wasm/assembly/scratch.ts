// Scratch columns shared by the kernels of one call: a growable pair of 8-byte columns used to
// decode a chunk for a lookup, and the second pair of columns a merge sort ping-pongs through.
// Nothing keeps a pointer into them across calls.

let aTs: usize = 0;
let aVs: usize = 0;
let aCap: u32 = 0;
let bTs: usize = 0;
let bVs: usize = 0;
let bCap: u32 = 0;

/** scratchTs/scratchVs: columns of at least n samples (call ensureScratch first). */
export function ensureScratch(n: u32): void {
  if (n <= aCap) return;
  const c = max<u32>(n, aCap * 2);
  if (aTs != 0) {
    heap.free(aTs);
    heap.free(aVs);
  }
  aTs = heap.alloc(<usize>c << 3);
  aVs = heap.alloc(<usize>c << 3);
  aCap = c;
}
@inline export function scratchTs(): usize {
  return aTs;
}
@inline export function scratchVs(): usize {
  return aVs;
}

/** ensureSortScratch makes sortTs/sortVs hold at least n samples. */
export function ensureSortScratch(n: u32): void {
  if (n <= bCap) return;
  const c = max<u32>(n, bCap * 2);
  if (bTs != 0) {
    heap.free(bTs);
    heap.free(bVs);
  }
  bTs = heap.alloc(<usize>c << 3);
  bVs = heap.alloc(<usize>c << 3);
  bCap = c;
}
@inline export function sortTs(): usize {
  return bTs;
}
@inline export function sortVs(): usize {
  return bVs;
}
