// mem: the allocator front for everything the core keeps in linear memory. Every allocation goes
// through these helpers so that the head can report exactly how many heap bytes it holds
// (`heapBytes`), and so that growing buffers are zero-filled: the bit writer ORs into them. It
// also owns the scratch slots through which the host passes input columns in and small outputs out.

/** heapBytes: bytes currently requested from the allocator through this module. */
export let heapBytes: u64 = 0;

/** roundCap rounds a capacity up so that payload plus the allocator's 4-byte header fills 16-byte blocks. */
@inline export function roundCap(n: u32): u32 {
  return ((n + 4 + 15) & ~15) - 4;
}

/** zalloc allocates `size` zeroed bytes. */
export function zalloc(size: u32): usize {
  const p = heap.alloc(<usize>size);
  memory.fill(p, 0, <usize>size);
  heapBytes += size;
  return p;
}

/** zrealloc resizes `ptr` (of `oldSize` bytes) to `newSize`; bytes past `oldSize` are zeroed. */
export function zrealloc(ptr: usize, oldSize: u32, newSize: u32): usize {
  const p = heap.realloc(ptr, <usize>newSize);
  if (newSize > oldSize) memory.fill(p + oldSize, 0, <usize>(newSize - oldSize));
  heapBytes += <u64>newSize - <u64>oldSize;
  return p;
}

/** zfree releases `ptr` of `size` bytes; a null pointer is ignored. */
export function zfree(ptr: usize, size: u32): void {
  if (ptr == 0) return;
  heap.free(ptr);
  heapBytes -= size;
}

// Scratch slots: buffers the host writes inputs into and reads small outputs from. Their
// contents do not survive a call to `scratch` for the same slot with a larger size.
@inline export const SCRATCH_SLOTS: i32 = 8;
// Per slot: [ptr u32][cap u32], in static data.
const scratchTable: usize = memory.data(SCRATCH_SLOTS * 8, 8);

/** scratch returns a buffer of at least `bytes` bytes for `slot`, reused across calls. */
export function scratch(slot: i32, bytes: u32): usize {
  if (slot < 0 || slot >= SCRATCH_SLOTS) return 0;
  const entry = scratchTable + (<usize>slot << 3);
  const cap = load<u32>(entry, 4);
  if (bytes <= cap && cap != 0) return <usize>load<u32>(entry);
  const size = roundCap(bytes < 64 ? 64 : bytes + (bytes >> 2));
  zfree(<usize>load<u32>(entry), cap);
  const p = zalloc(size);
  store<u32>(entry, <u32>p);
  store<u32>(entry, size, 4);
  return p;
}
