// ArgBlock (core-wasm/host/memory.ts): a block that failed to grow must not hand out the address
// it freed before the failure (the allocator may have given it to something else since).
import { expect, test } from 'vitest';
import { ArgBlock } from '../../core-wasm/host/memory.ts';
import type { RawCore } from '../../core-wasm/host/exports.ts';

test('after a failed grow, the next request gets a fresh block, not the freed one', () => {
  let next = 1000, failNext = false;
  const freed: number[] = [];
  const raw = {
    alloc(size: number): number {
      if (failNext) {
        failNext = false;
        throw new Error('out of memory');
      }
      const p = next;
      next += size + 16;
      return p;
    },
    free(p: number): void {
      freed.push(p);
    },
  } as unknown as RawCore;
  const b = new ArgBlock(raw);
  const first = b.ptr(1000);
  failNext = true;
  expect(() => b.ptr(5000)).toThrow(/out of memory/);
  expect(freed).toEqual([first]);
  const again = b.ptr(500);
  expect(again).not.toBe(first);
});
