// BacklogSeries: series named by number get one backlog ref each; their labels are built from the
// SeriesIds only for a series record; a fold keeps the records of series in use (a steady edge
// logs its label sets once) and drops the record of a series unused for a whole fold, which keeps
// its ref for the life of the process.
import { describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { BacklogSeries, type SeriesEntry } from '../../../edge/uplink/backlog-series.ts';
import { SeriesIds } from '../../../edge/uplink/series-ids.ts';
import { DEFAULT_LIMITS, EdgeEncoder } from '../../../shared/protocol/index.ts';

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
  it('gives refs above the replayed ones, logs each series once while it is used, and logs it again after a fold unused', () => {
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
    // Series 30 went unused for a whole fold: its record is dropped, but it keeps its ref.
    keep = s.fold(6);
    expect([8, 9, 10].map(keep)).toEqual([true, true, false]);
    expect(s.known(10)).toBe(true);
    expect(s.labels(10)!.toString()).toBe('m{ref="30"}');
    expect(use(s, [30], 7)).toEqual({ refs: [10], logged: [10] }); // logged again, under its ref
  });

  it('keeps one ref per series across folds, so a connection defines it once', () => {
    const { s } = setup();
    const enc = new EdgeEncoder();
    enc.welcome({ acked: 0, limits: DEFAULT_LIMITS });
    const send = (refs: number[]) => enc.encodeScrapeKeys(enc.nextSeq, 1000 * enc.nextSeq, refs, refs.map(() => 1), (r) => s.labels(r));
    const first = use(s, [10, 20], 1).refs;
    send(first);
    for (let id = 2; id <= 4; id++) {
      send(use(s, [20], id).refs); // 10 goes unused for two folds
      s.fold(id);
    }
    expect(use(s, [10, 20], 5)).toEqual({ refs: first, logged: [first[0]] });
    expect(send(first).length).toBe(1); // a BATCH only: no SERIES frame again
    expect(enc.seriesCount).toBe(2);
  });

  it('gives refused series no ref and logs nothing for them; a series without labels is a bug', () => {
    const { s } = setup((l) => l.get('ref') === '2');
    expect(use(s, [1, 2, 3], 4)).toEqual({ refs: [8, 0, 10], logged: [8, 10] });
    expect(use(s, [2], 5)).toEqual({ refs: [0], logged: [] });
    expect(() => use(s, [500], 6)).toThrow(/BUG: uplink series 500 has no labels/);
  });

  it('looks a series up once for a run of samples naming it by one Labels object (a backfill)', () => {
    const asked: string[] = [];
    const ids = new SeriesIds();
    ids.attach({ seriesLabels: () => undefined, seriesRef: (l) => (asked.push(String(l)), l.get('__name__') === 'a' ? 5 : 0) });
    const a = Labels.from({ __name__: 'a' }), b = Labels.from({ __name__: 'b' });
    const got = ids.idsOf([a, a, a, b, b, a]);
    expect(asked).toEqual(['a', 'b', 'a']);
    expect(got[0]).toBe(5);
    expect(Array.from(got)).toEqual([5, 5, 5, got[3], got[3], 5]);
    expect(got[3]).toBeGreaterThan(0xffffffff); // not in the storage: an id of SeriesIds' own
    expect(ids.labels(got[3])!.toString()).toBe('b');
  });
});
