import { describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { BatchKind, EdgeEncoder, HubDecoder, type DecodedBatch } from '../../../shared/protocol/index.ts';
import type { Appendable, Appender } from '../../../shared/storage/interface.ts';
import { openMemStorage, type MemStorage } from '../../../shared/storage/mem/index.ts';
import { EdgeSeries } from '../../../hub/ingest/session-append.ts';
import { countBySeries, L } from './helpers.ts';

/**
 * Spy: an Appendable over a MemStorage that records which appender calls a session makes: the
 * label sets it appended with, and the appendRef calls and what they answered. With
 * `withRef` false its appenders have no appendRef.
 */
class Spy implements Appendable {
  appended: string[] = [];
  byRef: boolean[] = [];

  constructor(
    readonly inner: MemStorage,
    readonly withRef = true,
  ) {}

  appender(): Appender {
    const app = this.inner.appender();
    const spy: Appender = {
      append: (ref, labels, t, v) => {
        this.appended.push(labels.toString());
        return app.append(ref, labels, t, v);
      },
      commit: () => app.commit(),
      rollback: () => app.rollback(),
    };
    if (this.withRef) {
      spy.appendRef = (ref, t, v) => {
        const ok = app.appendRef!(ref, t, v);
        this.byRef.push(ok);
        return ok;
      };
    }
    return spy;
  }

  /** take returns what was recorded since the last call, and forgets it. */
  take(): { appended: string[]; byRef: boolean[] } {
    const out = { appended: this.appended, byRef: this.byRef };
    this.appended = [];
    this.byRef = [];
    return out;
  }
}

/** Edge: an encoder, a decoder and an EdgeSeries on one simulated connection. */
class Edge {
  readonly enc = new EdgeEncoder();
  readonly dec = new HubDecoder();
  readonly series: EdgeSeries;
  #seq = 0;

  constructor(externalLabels: string[]) {
    this.series = new EdgeSeries(externalLabels);
    this.dec.decode(this.enc.hello({ edge: 'e', token: 't', externalLabels, resume: 0 }));
  }

  /** scrape sends one scrape of `ls` at `t` and appends its batch to `storage`. */
  scrape(storage: Appendable, t: number, ls: readonly Labels[]): number {
    let batch: DecodedBatch | null = null;
    for (const f of this.enc.encodeScrape(++this.#seq, t, ls, ls.map((_, i) => i))) {
      const r = this.dec.decode(f);
      if (r.type === 'series') this.series.define(r);
      if (r.type === 'batch') batch = r.batch;
    }
    const { result } = this.series.append(storage, batch!);
    expect(result.errors).toEqual([]);
    return result.appended;
  }
}

const SERIES = [L({ __name__: 'up', job: 'a' }), L({ __name__: 'up', job: 'b' })];
const STORED = ['up{job="a", site="s1"}', 'up{job="b", site="s1"}'];

describe('EdgeSeries', () => {
  it('appends by storage ref after the first batch, with labels only for new series', () => {
    const spy = new Spy(openMemStorage());
    const e = new Edge(['site', 's1']);
    e.scrape(spy, 1000, SERIES);
    expect(spy.take()).toEqual({ appended: STORED, byRef: [] });
    e.scrape(spy, 2000, SERIES);
    expect(spy.take()).toEqual({ appended: [], byRef: [true, true] });
  });

  it('re-creates a series storage dropped, with its labels and the external ones, when the edge sends it again', () => {
    const mem = openMemStorage();
    const spy = new Spy(mem);
    const e = new Edge(['site', 's1']);
    e.scrape(spy, 1000, SERIES);
    const refA = mem.index.getRef(Labels.fromSortedFlat(['__name__', 'up', 'job', 'a', 'site', 's1']));
    mem.index.remove([refA]); // as if the head dropped it, having no samples left
    spy.take();
    expect(e.scrape(spy, 2000, SERIES)).toBe(2);
    expect(spy.take()).toEqual({ appended: [STORED[0]], byRef: [false, true] });
    expect(e.scrape(spy, 3000, SERIES)).toBe(2);
    expect(spy.take()).toEqual({ appended: [], byRef: [true, true] });
    expect([...countBySeries(mem)]).toEqual([
      [STORED[0], 2], // the samples of the re-created series
      [STORED[1], 3],
    ]);
  });

  it('appends with labels every time when the appender has no appendRef', () => {
    const mem = openMemStorage();
    const spy = new Spy(mem, false);
    const e = new Edge([]);
    e.scrape(spy, 1000, SERIES);
    e.scrape(spy, 2000, SERIES);
    expect(spy.take().appended).toEqual(['up{job="a"}', 'up{job="b"}', 'up{job="a"}', 'up{job="b"}']);
    expect([...countBySeries(mem).values()]).toEqual([2, 2]);
  });

  it('keeps the label sets of many series over several SERIES frames and arena chunks', () => {
    const mem = openMemStorage();
    const e = new Edge(['zone', 'z9']);
    // 20,000 series of 4 labels (9 words each): several SERIES frames, 11 arena chunks.
    const ls = Array.from({ length: 20_000 }, (_, i) => L({ __name__: `m${i % 7}`, i: String(i), job: `j${i % 13}`, a: `v${i % 101}` }));
    // Through a storage that gives no labels by ref, so that the connection keeps the ids.
    e.scrape(new Spy(mem), 1000, ls);
    expect(e.series.held).toBe(ls.length);
    const byRef = new Map<number, number>(); // storage ref → series index
    for (let i = 0; i < ls.length; i++) byRef.set(mem.index.getRef(Labels.fromSortedFlat([...ls[i].flat, 'zone', 'z9'])), i);
    expect(byRef.size).toBe(ls.length);
    expect(byRef.has(0)).toBe(false);
    // Drop every series: each is appended again with labels rebuilt from the ids.
    mem.index.remove([...byRef.keys()]);
    const spy = new Spy(mem);
    expect(e.scrape(spy, 2000, ls)).toBe(ls.length);
    const { appended, byRef: answers } = spy.take();
    expect(answers.every((ok) => !ok)).toBe(true);
    expect(appended).toEqual(ls.map((l) => Labels.fromSortedFlat([...l.flat, 'zone', 'z9']).toString()));
    expect(mem.stats().series).toBe(ls.length);
  });

  it('drops the label ids once every series has its ref in a storage that gives labels by ref, and takes them from storage', () => {
    const mem = openMemStorage();
    const e = new Edge(['site', 's1']);
    e.scrape(mem, 1000, SERIES);
    expect(e.series.held).toBe(0);
    // A series defined later is held until its first append, then dropped as well.
    const more = [...SERIES, L({ __name__: 'up', job: 'c' })];
    expect(e.scrape(mem, 2000, more)).toBe(3);
    expect(e.series.held).toBe(0);
    expect([...countBySeries(mem)]).toEqual([
      [STORED[0], 2],
      [STORED[1], 2],
      ['up{job="c", site="s1"}', 1],
    ]);
  });

  it('keeps the label ids when storage gives no labels by ref', () => {
    const e = new Edge(['site', 's1']);
    e.scrape(new Spy(openMemStorage()), 1000, SERIES);
    expect(e.series.held).toBe(2);
  });

  it('keeps the label set of a series defined but not appended yet, and appends it with that set later', () => {
    const mem = openMemStorage();
    const series = new EdgeSeries(['site', 's1']);
    const strings = ['__name__', 'up', 'job', 'a', 'b'];
    const labels = [L({ __name__: 'up', job: 'a' }), L({ __name__: 'up', job: 'b' })];
    series.define({ firstRef: 0, labels, strings, defs: new Uint32Array([2, 0, 1, 2, 3, 2, 0, 1, 2, 4]) });
    const batch = (t: number, refs: number[]): DecodedBatch => ({
      seq: t,
      kind: BatchKind.SCRAPE,
      t,
      refs: new Uint32Array(refs),
      hubRefs: null,
      timestamps: new Float64Array(refs.length).fill(t),
      values: new Float64Array(refs.length).fill(1),
    });
    series.append(mem, batch(1000, [0]));
    expect(series.held).toBe(1);
    series.append(mem, batch(2000, [0, 1]));
    expect([...countBySeries(mem)]).toEqual([
      [STORED[0], 2],
      [STORED[1], 1],
    ]);
  });

  it('says which ref storage lost when a dropped series must be appended with labels again', () => {
    const mem = openMemStorage();
    const e = new Edge(['site', 's1']);
    e.scrape(mem, 1000, SERIES);
    const refA = mem.index.getRef(Labels.fromSortedFlat(['__name__', 'up', 'job', 'a', 'site', 's1']));
    mem.index.remove([refA]); // breaks Storage.seriesLabels' promise
    expect(() => e.scrape(mem, 2000, SERIES)).toThrow(`BUG: storage no longer resolves series ref ${refA}, which it handed out (connection ref 0)`);
  });
});
