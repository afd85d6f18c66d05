/**
 * The fill(), fill_left(), fill_right() modifiers of vector matching, with Prometheus 3's
 * semantics: a missing match on one side is replaced by a sample with the fill value and the
 * match group's labels; with group_left/group_right the "many" side is filled with one series of
 * the match group's labels, and the fill values keep their sides after the one-to-many swap
 * (Prometheus' VectorBinop applies FillValues.RHS to the swapped right, i.e. the "one" side).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { Engine, type QueryValue } from '../../../shared/promql/engine/index.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import type { Storage } from '../../../shared/storage/interface.ts';
import { points } from '../../support/query-value.ts';

let st: Storage;
beforeAll(async () => {
  st = await openMemStorage();
  const a = st.appender();
  const put = (labels: Record<string, string>, values: (number | null)[]) =>
    values.forEach((v, i) => v !== null && a.append(0, Labels.from(labels), i * 300_000, v));
  put({ __name__: 'l', k: 'a' }, [10]);
  put({ __name__: 'l', k: 'b' }, [20]);
  put({ __name__: 'r', k: 'a' }, [100]);
  put({ __name__: 'r', k: 'c' }, [300]);
  put({ __name__: 'cpu', instance: 'a', cpu: '0' }, [1]);
  put({ __name__: 'cpu', instance: 'a', cpu: '1' }, [1]);
  put({ __name__: 'cpu', instance: 'b', cpu: '0' }, [1]);
  put({ __name__: 'meta', instance: 'a', owner: 'x' }, [100]);
  put({ __name__: 'meta', instance: 'c', owner: 'y' }, [300]);
  put({ __name__: 'il', k: 'a' }, [1, null, 3]);
  put({ __name__: 'ir', k: 'a' }, [null, 20, null]);
  put({ __name__: 'ir', k: 'b' }, [100, null, 300]);
  a.commit();
});
afterAll(() => st.close());

const engine = new Engine();

function plain(v: QueryValue): string[] {
  if (v.resultType === 'vector') return v.samples.map((s) => `${s.metric} ${s.f}`).sort();
  if (v.resultType === 'matrix') return v.series.map((s) => `${s.metric} ${points(s).map((p) => `${p.t / 60_000}m:${p.f}`).join(' ')}`);
  return [JSON.stringify(v)];
}

const at0 = async (q: string) => plain((await engine.instantQuery(st, q, 0)).value);

describe('fill modifiers', () => {
  const cases: [string, string[]][] = [
    ['l + r', ['{k="a"} 110']],
    ['l + fill(0) r', ['{k="a"} 110', '{k="b"} 20', '{k="c"} 300']],
    ['l + fill_left(1) r', ['{k="a"} 110', '{k="c"} 301']],
    ['l + fill_right(2) r', ['{k="a"} 110', '{k="b"} 22']],
    ['l - fill_right(2) fill_left(1) r', ['{k="a"} -90', '{k="b"} 18', '{k="c"} -299']],
    ['l / fill(0) r', ['{k="a"} 0.1', '{k="b"} Infinity', '{k="c"} 0']],
    // Comparisons filter as usual: a filled sample keeps the left value (or the fill value).
    ['l > fill(15) r', ['l{k="b"} 20']],
    ['l < fill(150) r', ['l{k="a"} 10', 'l{k="b"} 20', '{k="c"} 150']],
    ['l > bool fill(15) r', ['{k="a"} 0', '{k="b"} 1', '{k="c"} 0']],
    ['l + on(k) fill(0) r', ['{k="a"} 110', '{k="b"} 20', '{k="c"} 300']],
    ['l{k="b"} + on() fill(0) r{k="c"}', ['{} 320']],
    // group_left: a missing "one" side is filled without the included labels; a missing "many"
    // side becomes one series with the match group's labels.
    ['cpu * on(instance) group_left(owner) fill_right(2) meta', ['{cpu="0", instance="a", owner="x"} 100', '{cpu="0", instance="b"} 2', '{cpu="1", instance="a", owner="x"} 100']],
    ['cpu * on(instance) group_left(owner) fill_left(3) meta', ['{cpu="0", instance="a", owner="x"} 100', '{cpu="1", instance="a", owner="x"} 100', '{instance="c", owner="y"} 900']],
    // group_right swaps the sides for matching but not the fill values (as Prometheus does).
    ['meta * on(instance) group_right fill_left(2) cpu', ['{cpu="0", instance="a"} 100', '{cpu="1", instance="a"} 100', '{instance="c"} 600']],
    ['meta * on(instance) group_right fill_right(0) cpu', ['{cpu="0", instance="a"} 100', '{cpu="0", instance="b"} 0', '{cpu="1", instance="a"} 100']],
    ['meta * on(instance) group_right fill(1) cpu', ['{cpu="0", instance="a"} 100', '{cpu="0", instance="b"} 1', '{cpu="1", instance="a"} 100', '{instance="c"} 300']],
    // One side empty: only the fill for the missing side produces anything.
    ['l + fill_right(0) nothing', ['{k="a"} 10', '{k="b"} 20']],
    ['l + fill_left(0) nothing', []],
    ['nothing + fill(0) l', ['{k="a"} 10', '{k="b"} 20']],
    // Metrics named like the modifiers are still selectors unless a "(" follows.
    ['fill + fill(0) l', ['{k="a"} 10', '{k="b"} 20']],
  ];
  for (const [q, want] of cases) it(q, async () => expect(await at0(q)).toEqual(want));

  it('fills step by step in range queries', async () => {
    const r = await engine.rangeQuery(st, 'il + fill(0) ir', 0, 600_000, 300_000);
    expect(plain(r.value)).toEqual(['{k="a"} 0m:1 5m:20 10m:3', '{k="b"} 0m:100 10m:300']);
    const left = await engine.rangeQuery(st, 'il + on(k) group_left fill_left(0) ir', 0, 600_000, 300_000);
    expect(plain(left.value)).toEqual(['{k="a"} 5m:20', '{k="b"} 0m:100 10m:300']);
  });

  it('still refuses ambiguous matches', async () => {
    await expect(engine.instantQuery(st, 'cpu + on(instance) fill(0) meta', 0)).rejects.toThrow('multiple matches for labels');
  });
});
