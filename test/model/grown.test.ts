import { describe, expect, it } from 'vitest';
import { byHalf, grown, type Capacity } from '../../shared/model/grown.ts';

describe('grown', () => {
  const cases: Array<[string, number, Capacity | undefined, number]> = [
    ['room enough: the same array', 4, undefined, 4],
    ['doubles by default', 5, undefined, 8],
    ['to min when doubling is short', 20, undefined, 20],
    ['by half', 5, byHalf, 6],
    ['never below min, whatever the capacity', 9, () => 1, 9],
  ];
  for (const [name, min, capacity, length] of cases) {
    it(name, () => {
      const a = Float64Array.of(1, 2, 3, 4);
      const g = grown(a, min, capacity);
      expect(g.length).toBe(length);
      expect(g instanceof Float64Array).toBe(true);
      expect(Array.from(g.subarray(0, 4))).toEqual([1, 2, 3, 4]);
      expect(g === a).toBe(min <= 4);
      expect(g.subarray(4).every((x) => x === 0)).toBe(true);
    });
  }
});
