// The encoder's numeric-key API (what the edge's uplink uses: it keeps no Labels per series):
// a key's labels are asked for once per connection, the wire is the same as with Labels, and
// misuse is refused without changing the connection. NumberTable, which holds the keys, is
// checked against a Map under random adds and deletes.
import { describe, expect, it } from 'vitest';
import { NumberTable } from '../../shared/protocol/number-table.ts';
import { Pair, series } from './helpers.ts';

describe('EdgeEncoder keys', () => {
  it('asks for a key\'s labels once per connection and codes the same frames as with Labels', () => {
    const ls = series(50);
    const keys = Float64Array.from(ls, (_, i) => 2 ** 40 + 7 * i); // any integers below 2^53
    const asked: number[] = [];
    const labelsOf = (k: number) => (asked.push(k), ls[(k - 2 ** 40) / 7]);
    const byKeys = new Pair(), byLabels = new Pair();
    for (let s = 1; s <= 3; s++) {
      const values = Float64Array.from(ls, (_, i) => i * s);
      const a = byKeys.enc.encodeScrapeKeys(++byKeys.seq, 1000 * s, keys, values, labelsOf);
      const b = byLabels.enc.encodeScrape(++byLabels.seq, 1000 * s, ls, values);
      expect(a).toEqual(b);
      const got = byKeys.deliver(a)[0];
      expect(byKeys.labelsOf(got)).toEqual(ls.map(String));
    }
    const ts = new Float64Array(50).fill(5000);
    expect(byKeys.enc.encodeBackfillKeys(++byKeys.seq, keys, ts, new Float64Array(50), labelsOf)).toEqual(
      byLabels.enc.encodeBackfill(++byLabels.seq, ls, ts, new Float64Array(50)),
    );
    expect(asked).toEqual(Array.from(keys));
    // A new connection defines every series again.
    byKeys.enc.reset();
    byKeys.enc.encodeScrapeKeys(1, 9000, keys.subarray(0, 2), new Float64Array(2), labelsOf);
    expect(asked.length).toBe(52);
  });

  it('refuses a key without labels, and both namings on one connection, changing nothing', () => {
    const p = new Pair();
    const ls = series(2);
    expect(() => p.enc.encodeScrapeKeys(1, 1000, [1, 2], [0, 0], (k) => (k === 1 ? ls[0] : undefined))).toThrow(/BUG: series 1 \(key 2\) has no labels/);
    p.scrape(1000, ls, [1, 2]);
    expect(() => p.enc.encodeScrapeKeys(2, 2000, [1], [0], () => ls[0])).toThrow(/BUG: series named by keys on a connection that names them by labels/);
    expect(p.labelsOf(p.scrape(2000, ls, [3, 4]))).toEqual(ls.map(String));
    expect(p.defined).toHaveLength(2);
  });
});

describe('NumberTable', () => {
  it('matches a Map under random adds and deletes, keys up to 2^53', () => {
    const table = new NumberTable();
    const model = new Map<number, number>();
    let a = 7;
    const rand = (n: number) => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const key = (i: number) => (i % 3 === 0 ? i : i % 3 === 1 ? 2 ** 32 * i + 1 : Number.MAX_SAFE_INTEGER - i);
    const free: number[] = [];
    let next = 1;
    for (let k = 0; k < 5000; k++) {
      const kk = key(rand(300));
      const id = model.get(kk);
      if (id === undefined) {
        const nid = free.pop() ?? next++;
        table.add(kk, nid);
        model.set(kk, nid);
      } else if (rand(2) === 0) {
        table.delete(id);
        model.delete(kk);
        free.push(id);
      }
      if (k % 100 === 0) {
        expect(table.size).toBe(model.size);
        for (let i = 0; i < 300; i++) expect(table.get(key(i))).toBe(model.get(key(i)) ?? 0);
        for (const [kk2, id2] of model) expect(table.key(id2)).toBe(kk2);
      }
    }
  });

  it('refuses misuse', () => {
    const t = new NumberTable();
    t.add(0, 1);
    expect(t.get(0)).toBe(1);
    expect(() => t.add(5, 1)).toThrow(/BUG: number table id 1 already in use/);
    expect(() => t.add(0, 2)).toThrow(/BUG: number table key 0 added twice/);
    expect(() => t.add(1.5, 2)).toThrow(/not an integer in \[0, 2\^53\)/);
    expect(() => t.add(2 ** 53, 2)).toThrow(/not an integer in \[0, 2\^53\)/);
    expect(() => t.add(3, 0)).toThrow(/BUG: number table id 0/);
    t.delete(1);
    t.delete(1);
    expect(t.get(0)).toBe(0);
    expect(t.key(1)).toBeUndefined();
  });
});
