import { describe, expect, it } from 'vitest';
import { AckedSet } from '../../../edge/uplink/acked.ts';
import { Backoff } from '../../../edge/uplink/socket.ts';

describe('AckedSet', () => {
  const cases: { name: string; ops: (['add', number] | ['raise', number])[]; watermark: number; above: number[] }[] = [
    { name: 'in order', ops: [['add', 1], ['add', 2], ['add', 3]], watermark: 3, above: [] },
    { name: 'live first, backlog behind', ops: [['add', 9], ['add', 10], ['add', 1], ['add', 2]], watermark: 2, above: [9, 10] },
    { name: 'gap filled', ops: [['add', 2], ['add', 3], ['add', 1]], watermark: 3, above: [] },
    { name: 'raise past ids above', ops: [['add', 5], ['add', 8], ['raise', 6]], watermark: 6, above: [8] },
    { name: 'raise joins the next', ops: [['add', 7], ['raise', 6]], watermark: 7, above: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = new AckedSet();
      for (const [op, n] of c.ops) (op === 'add' ? s.add(n) : s.raise(n));
      expect(s.watermark).toBe(c.watermark);
      expect(AckedSet.decodeAbove(s.encodeAbove())).toEqual(c.above);
      const back = new AckedSet(s.watermark, AckedSet.decodeAbove(s.encodeAbove()));
      for (let id = 1; id <= 12; id++) expect(back.has(id)).toBe(s.has(id));
    });
  }

  it('refuses a damaged record', () => {
    expect(() => AckedSet.decodeAbove(new Uint8Array(5))).toThrow(/not a list of f64/);
  });
});

describe('Backoff', () => {
  it('doubles up to the cap, each delay in [d/2, d], and starts over after reset', () => {
    const lo = new Backoff(100, 1000, () => 0);
    const hi = new Backoff(100, 1000, () => 1);
    expect(Array.from({ length: 6 }, () => lo.next())).toEqual([50, 100, 200, 400, 500, 500]);
    expect(Array.from({ length: 6 }, () => hi.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    hi.reset();
    expect(hi.next()).toBe(100);
  });
});
