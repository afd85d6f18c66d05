import { describe, expect, it } from 'vitest';
import { Hasher, hashLabels, hashLabels32, hashString } from '../../shared/model/hash.ts';
import { Labels } from '../../shared/model/labels.ts';

describe('hash', () => {
  it('is pinned: these values must never change (hashmod and scrape offsets depend on them)', () => {
    // Recorded from this implementation; a change here breaks every deployment's sharding.
    expect(new Hasher().digestHex()).toBe(PINNED.empty);
    expect(new Hasher().writeString('a').digestHex()).toBe(PINNED.a);
    expect(new Hasher().writeString('hello world').digestHex()).toBe(PINNED.hello);
    expect(hashLabels(Labels.from({ __name__: 'up', job: 'node' }))).toBe(PINNED.up);
  });

  it('hashes UTF-8 bytes: a string and its bytes agree', () => {
    for (const s of ['', 'abc', 'ü', '✓', '😀', 'mixed ü✓😀 text of some length']) {
      const bytes = new TextEncoder().encode(s);
      const h = new Hasher();
      for (const b of bytes) h.writeByte(b);
      expect(new Hasher().writeString(s).digestHex()).toBe(h.digestHex());
    }
    // A lone surrogate hashes as U+FFFD, as TextEncoder encodes it.
    expect(hashString('x\ud800')).toBe(hashString('x\ufffd'));
  });

  it('frames label pairs unambiguously', () => {
    const a = Labels.fromSortedFlat(['a', 'bc']);
    const b = Labels.fromSortedFlat(['ab', 'c']);
    expect(hashLabels(a)).not.toBe(hashLabels(b));
    expect(hashLabels(a)).toBe(hashLabels(Labels.from({ a: 'bc' })));
  });

  it('is deterministic, 53-bit safe, and seeds differ', () => {
    const h = hashString('some string');
    expect(Number.isSafeInteger(h)).toBe(true);
    expect(hashString('some string')).toBe(h);
    expect(hashString('some string', 1)).not.toBe(h);
    expect(hashLabels32(Labels.from({ a: 'b' }))).toBe(hashLabels(Labels.from({ a: 'b' })) % 2 ** 32);
  });

  it('refuses writes after a digest', () => {
    const h = new Hasher().writeString('x');
    h.digest53();
    expect(() => h.writeByte(1)).toThrow(/BUG/);
  });

  it('distributes well: no collisions and even buckets over 100k similar sets', () => {
    const seen = new Set<number>();
    const buckets = new Uint32Array(64);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const h = hashLabels(Labels.from({ __name__: 'http_requests_total', instance: `host-${i}:9100`, job: 'node' }));
      seen.add(h);
      buckets[h % 64]++;
    }
    expect(seen.size).toBe(n);
    for (const c of buckets) expect(Math.abs(c - n / 64)).toBeLessThan((n / 64) * 0.1);
  });

  it('avalanches: flipping one input bit flips about half the output bits', () => {
    let total = 0, trials = 0;
    for (let i = 0; i < 200; i++) {
      const s = `key-${i}-padding`;
      const t = s.slice(0, 4) + String.fromCharCode(s.charCodeAt(4) ^ 1) + s.slice(5);
      const a = new Hasher().writeString(s), b = new Hasher().writeString(t);
      total += popcount(a.lo ^ b.lo) + popcount(a.hi ^ b.hi);
      trials++;
    }
    const avg = total / trials;
    expect(avg).toBeGreaterThan(28);
    expect(avg).toBeLessThan(36);
  });
});

function popcount(x: number): number {
  let c = 0;
  for (x >>>= 0; x; x &= x - 1) c++;
  return c;
}

const PINNED = {
  empty: '0000000000000000',
  a: '25488a37fbdfb87c',
  hello: '1c3d2a731f5fbae8',
  up: 6238867892557369,
};
