// BacklogSeries: series named by number get one backlog ref each; their labels are built from the
// SeriesIds only for a series record; a fold keeps the records of series in use (a steady edge
// logs its label sets once) and forgets series unused for a whole fold.
import { describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { BacklogSeries, type SeriesEntry } from '../../../edge/uplink/backlog-series.ts';
import { SeriesIds } from '../../../edge/uplink/series-ids.ts';

function setup(refuse?: (l: Labels) => boolean) {
  const built: number[] = [];
  const ids = new SeriesIds();
  ids.attach({
    seriesLabels: (ref) => (built.push(ref), ref <= 100 ? Labels.from({ __name__: 'm', ref: String(ref) }) : undefined),
    seriesRef: () => 0,
  });
  return { s: new BacklogSeries(new Map([[7, Labels.from({ __name__: 'old' })]]), new Map([[7, 3]]), ids, refuse), built };
}

/** use names storage refs `refs` in batch `id` and returns the refs it logs series records for. */
function use(s: BacklogSeries, refs: number[], id: number): { refs: number[]; logged: number[] } {
  const records: SeriesEntry[] = [];
  const out = refs.map((r) => s.use(r, id, records));
  return { refs: out, logged: records.map((e) => e.ref) };
}

describe('BacklogSeries', () => {
  it('gives refs above the replayed ones, logs each series once while it is used, and forgets it after a fold unused', () => {
    const { s, built } = setup();
    expect(use(s, [10, 20], 4)).toEqual({ refs: [8, 9], logged: [8, 9] });
    expect(use(s, [20, 10, 30], 5)).toEqual({ refs: [9, 8, 10], logged: [10] });
    expect(built).toEqual([10, 20, 30]); // labels built only for the series records
    expect(s.labels(9)!.toString()).toBe('m{ref="20"}');
    expect(s.labels(7)!.toString()).toBe('old');
    // Everything done: the fold keeps the records of series used since the previous fold.
    let keep = s.fold(5);
    expect([7, 8, 9, 10].map(keep)).toEqual([false, true, true, true]);
    expect(s.known(7)).toBe(false);
    expect(use(s, [10, 20], 6)).toEqual({ refs: [8, 9], logged: [] }); // nothing logged again
    // Series 30 went unused for a whole fold: forgotten, its record dropped; it comes back under a new ref.
    keep = s.fold(6);
    expect([8, 9, 10].map(keep)).toEqual([true, true, false]);
    expect(s.known(10)).toBe(false);
    expect(s.labels(10)).toBeUndefined();
    expect(use(s, [30], 7)).toEqual({ refs: [11], logged: [11] });
  });

  it('gives refused series no ref and logs nothing for them; a series without labels is a bug', () => {
    const { s } = setup((l) => l.get('ref') === '2');
    expect(use(s, [1, 2, 3], 4)).toEqual({ refs: [8, 0, 10], logged: [8, 10] });
    expect(use(s, [2], 5)).toEqual({ refs: [0], logged: [] });
    expect(() => use(s, [500], 6)).toThrow(/BUG: uplink series 500 has no labels/);
  });
});
