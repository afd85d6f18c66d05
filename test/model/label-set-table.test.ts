import { describe, expect, it } from 'vitest';
import { hashLabels32 } from '../../shared/model/hash.ts';
import { Labels } from '../../shared/model/labels.ts';
import { LabelSetTable } from '../../shared/model/label-set-table.ts';

const set = (i: number) => Labels.from({ __name__: `m${i % 5}`, i: String(i) });

/** check runs seeded random adds and deletes against a Map, with the given hash, and compares every lookup. */
function check(hash: ((l: Labels) => number) | undefined, ops: number, seed: number): void {
  const table = new LabelSetTable(hash);
  const model = new Map<string, number>(); // key → id
  let a = seed;
  const rand = (n: number) => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) >>> 8) % n;
  let nextId = 1;
  for (let k = 0; k < ops; k++) {
    const ls = set(rand(200));
    const id = model.get(ls.key());
    if (id === undefined) {
      table.add(ls, nextId);
      model.set(ls.key(), nextId++);
    } else if (rand(2) === 0) {
      table.delete(id);
      model.delete(ls.key());
    }
    if (k % 50 === 0 || k === ops - 1) {
      expect(table.size).toBe(model.size);
      for (let i = 0; i < 200; i++) expect(table.get(set(i))).toBe(model.get(set(i).key()) ?? 0);
    }
  }
  for (const [, id] of model) expect(table.labels(id)).toBeDefined();
}

describe('LabelSetTable', () => {
  const hashes: Array<[string, ((l: Labels) => number) | undefined]> = [
    ['Labels.hash', undefined],
    ['a few buckets (long probe runs, deletes shift entries back)', (l) => l.hash() & 3],
    ['one bucket', () => 7],
    ['runs that wrap around the end of the slots', (l) => 0xffffffff - (l.hash() & 1)],
  ];
  for (const [name, hash] of hashes) it(`matches a Map under random adds and deletes: ${name}`, () => check(hash, 3000, 42));

  it('keeps the caller\'s object, finds equal sets, and refuses misuse', () => {
    const t = new LabelSetTable();
    const a = Labels.from({ a: '1' });
    t.add(a, 3);
    expect(t.labels(3)).toBe(a);
    expect(t.get(Labels.from({ a: '1' }))).toBe(3);
    expect(t.get(Labels.from({ a: '2' }))).toBe(0);
    expect(() => t.add(Labels.from({ a: '2' }), 3)).toThrow(/BUG: label set id 3 already in use/);
    expect(() => t.add(Labels.from({ a: '1' }), 4)).toThrow(/BUG: label set \{a="1"\} added twice/);
    expect(() => t.add(Labels.from({ a: '2' }), 0)).toThrow(/BUG: label set id 0/);
    t.delete(3);
    t.delete(3);
    expect(t.get(a)).toBe(0);
    t.add(a, 3);
    const seen: number[] = [];
    t.forEach((_, id) => seen.push(id));
    expect(seen).toEqual([3]);
  });
});

describe('Labels', () => {
  it('caches its hash, builds its key on each call, and interns only equal strings', () => {
    const l = Labels.from({ job: 'api', n: '1' });
    expect(l.hash()).toBe(l.hash());
    expect(l.hash()).toBe(Labels.from({ n: '1', job: 'api' }).hash());
    expect(l.hash() >>> 0).toBe(hashLabels32(l));
    expect(l.key()).toBe('job\xffapi\xffn\xff1');
    expect(l.internStrings((s) => s)).toBe(true);
    expect(() => l.internStrings((s) => s + 'x')).toThrow(/BUG: interned/);
    expect(Labels.fromSortedFlat(Object.freeze(['a', 'b'])).internStrings((s) => s)).toBe(false);
  });
});
