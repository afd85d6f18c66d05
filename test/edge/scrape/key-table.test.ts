import { describe, expect, it } from 'vitest';
import { KeyTable, grownCapacity } from '../../../edge/scrape/key-table.ts';

const enc = new TextEncoder();

/** add puts `s` into `t` unless held, and returns its id. */
function add(t: KeyTable, s: string): number {
  const b = enc.encode(s);
  const h = t.hash(b, 0, b.length);
  return t.find(b, 0, b.length, h) || t.add(b, 0, b.length, h);
}

function keyOf(t: KeyTable, id: number): string {
  return new TextDecoder().decode(t.arena.subarray(t.start[id], t.start[id] + t.length[id]));
}

describe('KeyTable', () => {
  it('finds every key after growth, deletes and reuse, and holds them in little more than their bytes', () => {
    const t = new KeyTable();
    const key = (i: number) => `metric_${i % 97}{instance="127.0.0.1:${30000 + (i % 10)}",id="${i}"}`;
    const ids = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) ids.set(i, add(t, key(i)));
    for (let i = 0; i < 20_000; i += 2) {
      t.delete(ids.get(i)!);
      ids.delete(i);
    }
    for (let i = 20_000; i < 30_000; i++) ids.set(i, add(t, key(i)));
    expect(t.size).toBe(20_000);
    let bytes = 0;
    for (const [i, id] of ids) {
      expect(add(t, key(i))).toBe(id);
      expect(keyOf(t, id)).toBe(key(i));
      bytes += enc.encode(key(i)).length;
    }
    expect(t.size).toBe(20_000);
    // Growth by a quarter: the arena stays within 1/FILL × 1.25 of the live bytes (doubling allowed 2.7×).
    expect(t.arena.length).toBeLessThanOrEqual(1.6 * bytes);
    expect(t.start.length).toBeLessThanOrEqual(1.25 * t.top + 1024);
  });

  it('reserve makes room at once: filling the reserved ids and bytes replaces no array', () => {
    const t = new KeyTable();
    const key = (i: number) => `http_requests_total{handler="/api/v1/${i % 29}",code="${i}"}`;
    let bytes = 0;
    for (let i = 0; i < 5000; i++) bytes += enc.encode(key(i)).length;
    t.reserve(5000, bytes);
    const [arena, start, length] = [t.arena, t.start, t.length];
    expect(arena.length).toBeGreaterThanOrEqual(bytes);
    expect(arena.length).toBeLessThan(1.25 * bytes + 1);
    for (let i = 0; i < 5000; i++) add(t, key(i));
    expect(t.arena).toBe(arena);
    expect(t.start).toBe(start);
    expect(t.length).toBe(length);
    for (let i = 0; i < 5000; i++) expect(keyOf(t, add(t, key(i)))).toBe(key(i));
    expect(t.size).toBe(5000);
  });

  it('grownCapacity grows by a quarter, or to what is needed', () => {
    expect(grownCapacity(1024)).toBe(1280);
    expect(grownCapacity(1024, 5000)).toBe(5000);
  });
});
