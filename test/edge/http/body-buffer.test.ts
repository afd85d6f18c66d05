import { afterEach, describe, expect, it, vi } from 'vitest';
import { BodyBuffer } from '../../../edge/http/body-buffer.ts';
import { BodyPool } from '../../../edge/http/body-pool.ts';

/** fill receives a body of `n` bytes of `byte` (Content-Length `n` when `known`) and returns it. */
function fill(b: BodyBuffer, n: number, known = true, byte = 7): Buffer {
  b.reset(known ? n : 0);
  const chunk = new Uint8Array(1000).fill(byte);
  for (let left = n; left > 0; left -= chunk.length) b.append(chunk.subarray(0, Math.min(left, chunk.length)));
  return b.finish();
}

/** clock is a settable time for a pool. */
function clock() {
  const c = { ms: 0, now: () => c.ms };
  return c;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('BodyBuffer', () => {
  it('collects chunks across growth', () => {
    const b = new BodyBuffer(new BodyPool());
    b.reset();
    b.append(Buffer.from('abc'));
    b.append(Buffer.from('def'));
    expect(b.finish().toString()).toBe('abcdef');
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    b.reset();
    for (let at = 0; at < big.length; at += 7000) b.append(big.subarray(at, at + 7000));
    expect(b.finish().equals(big)).toBe(true);
  });

  it('reserves at most 16 MiB for an expected length, and grows past it as the bytes come', () => {
    const b = new BodyBuffer(new BodyPool());
    b.reset(999_999_999_999_999); // a Content-Length no Buffer can hold
    expect(b.capacity).toBe((16 << 20) * 1.125); // 16 MiB, with the usual eighth more
    b.release();
    expect(fill(b, 20 << 20).length).toBe(20 << 20);
  });

  it('keeps one buffer while pages grow by a few bytes', () => {
    for (const known of [true, false]) {
      const b = new BodyBuffer(new BodyPool());
      const first = fill(b, 800_000, known);
      const cap = b.capacity;
      expect(cap).toBeGreaterThanOrEqual(800_000 * 1.1);
      for (let i = 1; i <= 50; i++) {
        b.release(); // between scrapes, as a scrape loop does
        const body = fill(b, 800_000 + 100 * i, known);
        expect(body.length).toBe(800_000 + 100 * i);
        expect(body.buffer).toBe(first.buffer); // the same memory, not a new buffer per record size
      }
      expect(b.capacity).toBe(cap);
    }
  });

  it('holds no memory once released: the pool does, for the next body of any owner', () => {
    const pool = new BodyPool();
    const a = new BodyBuffer(pool), b = new BodyBuffer(pool);
    const page = fill(a, 500_000);
    a.release();
    expect(a.capacity).toBe(0);
    expect(pool.idleBuffers).toBe(1);
    expect(pool.idleBytes).toBeGreaterThanOrEqual(500_000);
    expect(fill(b, 400_000).buffer).toBe(page.buffer); // b borrows what a gave back
    expect(pool.idleBuffers).toBe(0);
    b.release();
    b.release(); // twice is harmless
    expect(pool.idleBuffers).toBe(1);
  });

  it('never lends one buffer to two owners at once', () => {
    const pool = new BodyPool();
    const owners = [new BodyBuffer(pool), new BodyBuffer(pool), new BodyBuffer(pool)];
    for (let round = 0; round < 3; round++) {
      // Every owner receives its body at the same time (chunks interleaved), as concurrent scrapes do.
      for (const o of owners) o.reset(round === 0 ? 0 : 200_000);
      const chunk = new Uint8Array(1000);
      for (let k = 0; k < 200; k++) owners.forEach((o, i) => o.append(chunk.fill(i + 1)));
      const bodies = owners.map((o) => o.finish());
      bodies.forEach((body, i) => expect(body.every((x) => x === i + 1)).toBe(true));
      expect(new Set(bodies.map((body) => body.buffer)).size).toBe(owners.length);
      for (const o of owners) o.release();
      expect(pool.idleBuffers).toBeGreaterThanOrEqual(owners.length); // and what growth gave back
    }
  });

  it('does not lend a buffer far larger than the body: it is dropped once idle too long', () => {
    const c = clock();
    const pool = new BodyPool({ now: c.now, idleMs: 60_000 });
    const b = new BodyBuffer(pool);
    fill(b, 8 << 20);
    b.release();
    const large = pool.idleBytes;
    expect(large).toBeGreaterThanOrEqual(8 << 20);
    // The page shrank to a tenth: a buffer of its size is allocated, the large one stays idle.
    c.ms += 1000;
    fill(b, 800_000);
    const small = b.capacity;
    expect(small).toBeLessThan(1 << 20);
    b.release();
    expect(pool.idleBytes).toBe(large + small);
    expect(pool.idleBuffers).toBe(2);
    // Scrapes go on with small pages; the large buffer, not lent since, goes after idleMs.
    for (let i = 0; i < 10; i++) {
      c.ms += 10_000;
      fill(b, 800_000);
      b.release();
    }
    expect(pool.idleBuffers).toBe(1);
    expect(pool.idleBytes).toBeLessThan(1 << 20);
  });

  it('drops idle buffers on time when no scrape comes to take or give one', () => {
    vi.useFakeTimers();
    const pool = new BodyPool({ idleMs: 60_000, now: () => Date.now() });
    const a = new BodyBuffer(pool), b = new BodyBuffer(pool);
    fill(a, 500_000);
    a.release();
    vi.advanceTimersByTime(30_000);
    fill(b, 10_000_000); // not a's: too small
    b.release();
    expect(pool.idleBuffers).toBe(2);
    vi.advanceTimersByTime(30_001); // a's buffer idle for 60 s, b's for 30 s
    expect(pool.idleBuffers).toBe(1);
    expect(pool.idleBytes).toBeGreaterThanOrEqual(10_000_000);
    vi.advanceTimersByTime(30_000);
    expect(pool.idleBuffers).toBe(0);
    expect(vi.getTimerCount()).toBe(0); // and no timer is left waiting
  });

  it('keeps at most maxIdle buffers, the most recently given', () => {
    const pool = new BodyPool({ maxIdle: 2 });
    const owners = [1, 2, 3].map(() => new BodyBuffer(pool));
    const bodies = owners.map((o, i) => fill(o, 10_000 * (i + 1)));
    for (const o of owners) o.release();
    expect(pool.idleBuffers).toBe(2);
    // The first given (10 kB) was dropped: a 10 kB body now borrows the 20 kB buffer.
    expect(fill(owners[0], 10_000).buffer).toBe(bodies[1].buffer);
  });

  it('refuses a buffer given back twice', () => {
    const pool = new BodyPool();
    const buf = pool.take(100);
    pool.give(buf);
    expect(() => pool.give(buf)).toThrow(/BUG/);
  });
});
