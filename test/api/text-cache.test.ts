// TextCache against its render function: every number written comes out as render(v) would write
// it, whether copied from the cache, formatted on a miss, too long to keep, or met after the cache
// is full; and a number met again is not formatted again.
import { describe, expect, it } from 'vitest';
import { JsonWriter } from '../../shared/api/json-writer.ts';
import { TextCache } from '../../shared/api/text-cache.ts';
import { formatValue } from '../../shared/api/format-value.ts';
import { mulberryRng as rng } from '../core-wasm/helpers.ts';

/**
 * check writes `values` through one cache (by write and by writeScratch, in turn) and compares
 * with render's texts, joined by commas.
 */
function check(values: number[], render: (v: number) => string = formatValue, before = '', after = '', turnsOff = false): { renders: number } {
  let renders = 0;
  const cache = new TextCache((v) => (renders++, render(v)), before, after, turnsOff);
  const w = new JsonWriter(16);
  values.forEach((v, i) => {
    if (i > 0) w.byte(0x2c);
    if (i % 2) {
      TextCache.scratch[0] = v;
      cache.writeScratch(w);
    } else {
      cache.write(w, v);
    }
  });
  expect(w.bytes().toString('latin1')).toBe(values.map((v) => before + render(v) + after).join(','));
  return { renders };
}

const nan2 = new Float64Array(new Uint32Array([1, 0x7ff80000]).buffer)[0]; // a NaN with another payload

describe('TextCache', () => {
  it('writes each number as render does, from the cache the second time', () => {
    const values = [0, -0, 1, -1, NaN, nan2, Infinity, -Infinity, 1e-7, 1e21, 0.1, 1 / 3, 1795247820.123];
    const { renders } = check([...values, ...values.slice().reverse(), ...values]);
    expect(renders).toBe(values.length);
  });

  it('writes the text between `before` and `after`, kept or not', () => {
    // 0.012345678901234568 with both is 24 bytes: too long to keep.
    const { renders } = check([1.5, 0.012345678901234568, 1.5, 0.012345678901234568], formatValue, ',[', '"]');
    expect(renders).toBe(3);
  });

  it('tells 0 from -0 (their texts differ)', () => {
    check([0, -0, 0, -0]);
  });

  it('formats texts too long to keep every time, and keeps the others', () => {
    // 1e300 and 5e-324 print hundreds of digits; 0.1234567890123456789 fits in 23 bytes.
    const { renders } = check([1e300, 0.12345678901234568, 1e300, 5e-324, 0.12345678901234568, 5e-324]);
    expect(renders).toBe(5);
  });

  it('keeps texts of every length up to 23 bytes', () => {
    const texts = Array.from({ length: 23 }, (_, n) => 'x'.repeat(n + 1));
    const { renders } = check([...texts.keys(), ...texts.keys()], (v) => texts[v]);
    expect(renders).toBe(23);
  });

  it('grows past its first table, and writes on correctly once full', () => {
    const r = rng(5);
    const distinct = Array.from({ length: 40_000 }, () => r() * 1000);
    // Each number twice in a row, so half the lookups hit. The first 16,384 numbers are kept;
    // the rest are formatted each time they come.
    const { renders } = check(distinct.flatMap((v) => [v, v]));
    expect(renders).toBe(16_384 + 2 * (40_000 - 16_384));
  });

  it('writes numbers whose hashes collide', () => {
    // Integers and step times differ in few bits; runs of them probe past occupied slots.
    const times = Array.from({ length: 3000 }, (_, i) => 1_795_244_220_000 + i * 15_000);
    const ints = Array.from({ length: 3000 }, (_, i) => i);
    const { renders } = check([...times, ...ints].flatMap((v) => [v, v, v]));
    expect(renders).toBe(6000);
  });

  it('with turnsOff, turns itself off once it has kept 8,192 numbers and served fewer than a quarter of its lookups', () => {
    const r = rng(7);
    const distinct = Array.from({ length: 10_000 }, () => r() * 1000);
    const off = (values: number[]) => check(values, formatValue, '', '', true).renders;
    // 8,192 misses and 2,700 hits (fewer than a quarter of the lookups): off at the next new
    // number, after which every number is formatted, those it had kept included.
    const some = [...distinct.slice(0, 8192), ...distinct.slice(0, 2700), ...distinct.slice(8192), ...distinct];
    expect(off(some)).toBe(10_000 + 10_000);
    // With 2,800 hits (more than a quarter) it grows and keeps them all.
    const more = [...distinct.slice(0, 8192), ...distinct.slice(0, 2800), ...distinct.slice(8192), ...distinct];
    expect(off(more)).toBe(10_000);
    // Without turnsOff (a response's times), never.
    expect(check(some).renders).toBe(10_000);
  });

  it('stays on for values drawn again and again from 12k, and for the times of many series', () => {
    const r = rng(9);
    const pool = Array.from({ length: 12_000 }, () => r() * 1000);
    const values = Array.from({ length: 200 * 1440 }, () => pool[Math.floor(r() * pool.length)]);
    const seen = new Set(values).size;
    expect(check(values, formatValue, '', '', true).renders).toBe(seen);
    const times = Array.from({ length: 5761 }, (_, i) => 1_795_161_420 + i * 15);
    expect(check([0, 1, 2, 3, 4].flatMap(() => times), (v) => String(v)).renders).toBe(5761);
  });
});
