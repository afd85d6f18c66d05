import { describe, expect, it } from 'vitest';
import { BodyBuffer } from '../../../edge/http/body-buffer.ts';

/** fill receives a body of `n` bytes (Content-Length `n` when `known`) and returns it. */
function fill(b: BodyBuffer, n: number, known = true): Buffer {
  b.reset(known ? n : 0);
  const chunk = new Uint8Array(1000).fill(7);
  for (let left = n; left > 0; left -= chunk.length) b.append(chunk.subarray(0, Math.min(left, chunk.length)));
  return b.finish();
}

describe('BodyBuffer', () => {
  it('keeps one buffer while pages grow by a few bytes', () => {
    for (const known of [true, false]) {
      const b = new BodyBuffer();
      const first = fill(b, 800_000, known);
      const cap = b.capacity;
      expect(cap).toBeGreaterThanOrEqual(800_000 * 1.1);
      for (let i = 1; i <= 50; i++) {
        const body = fill(b, 800_000 + 100 * i, known);
        expect(body.length).toBe(800_000 + 100 * i);
        expect(body.buffer).toBe(first.buffer); // the same memory, not a new buffer per record size
      }
      expect(b.capacity).toBe(cap);
    }
  });
});
