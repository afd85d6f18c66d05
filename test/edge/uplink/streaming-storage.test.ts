// streamingStorage: every commit reaches the storage and then the uplink sink, grouped by
// timestamp, without the samples the storage refused; a rollback offers nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_GROUPS, streamingStorage, type UplinkSink } from '../../../edge/uplink/streaming-storage.ts';
import type { SeriesLookup } from '../../../edge/uplink/series-ids.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { openMemStorage, type MemStorage } from '../../../shared/storage/mem/index.ts';

const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0];
const bits = (v: Float64Array) => Array.from(new BigUint64Array(v.buffer, v.byteOffset, v.length), (b) => b.toString(16));

interface Offer {
  t: number | number[];
  labels: string[];
  values: Float64Array;
}

/** Sink records offers with the labels of their refs, asked of the storage streamingStorage attached. */
class Sink implements UplinkSink {
  readonly offers: Offer[] = [];
  lookup: SeriesLookup | null = null;
  seriesFrom(storage: SeriesLookup) {
    this.lookup = storage;
  }
  async offerRefs(t: number, refs: Float64Array, values: Float64Array) {
    this.offers.push({ t, labels: this.#labels(refs), values });
  }
  async backfillRefs(refs: Float64Array, timestamps: Float64Array, values: Float64Array) {
    this.offers.push({ t: Array.from(timestamps), labels: this.#labels(refs), values });
  }
  #labels(refs: Float64Array): string[] {
    return Array.from(refs, (r) => String(this.lookup!.seriesLabels(r)));
  }
}

const open: MemStorage[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

function setup() {
  const db = openMemStorage();
  open.push(db);
  const sink = new Sink();
  return { db, sink, storage: streamingStorage(db, sink) };
}

const L = (name: string) => Labels.from({ __name__: name, job: 'app' });

describe('streamingStorage', () => {
  it('offers a scrape (one timestamp) once, after the storage committed it', () => {
    const { storage, sink, db } = setup();
    const app = storage.appender();
    const ref = app.append(0, L('a'), 1000, 1);
    app.append(0, L('b'), 1000, 2);
    expect(sink.offers).toEqual([]);
    expect(app.commit()).toMatchObject({ appended: 2, errors: [] });
    expect(sink.offers).toEqual([{ t: 1000, labels: ['a{job="app"}', 'b{job="app"}'], values: Float64Array.of(1, 2) }]);
    // The ref the storage returned is the caller's to reuse.
    const again = storage.appender();
    expect(again.append(ref, L('a'), 2000, 3)).toBe(ref);
    again.commit();
    const q = db.querier(0, 3000);
    const batch = q.select([new Matcher('=', '__name__', 'a')]).load();
    expect(batch.sampleCount).toBe(2);
    batch.release();
    q.close();
  });

  it('leaves out the samples the storage refused', () => {
    const { storage, sink } = setup();
    const first = storage.appender();
    first.append(0, L('a'), 1000, 1);
    first.commit();
    const app = storage.appender();
    app.append(0, L('a'), 1000, 5); // duplicate timestamp, other value: refused
    app.append(0, L('b'), 1000, 2);
    expect(app.commit().errors.map((e) => e.reason)).toEqual(['duplicate_timestamp']);
    expect(sink.offers[1]).toEqual({ t: 1000, labels: ['b{job="app"}'], values: Float64Array.of(2) });
    const none = storage.appender();
    none.append(0, L('a'), 1000, 6);
    none.commit();
    expect(sink.offers).toHaveLength(2);
  });

  it('offers the sample kept of two for one series at one timestamp, and not the one refused', () => {
    const { storage, sink } = setup();
    const app = storage.appender();
    const ref = app.append(0, L('a'), 1000, 1);
    // A second page line that relabels to the same series, at the scrape's timestamp.
    expect(app.appendRef!(ref, 1000, 2)).toBe(true);
    app.append(0, L('b'), 1000, 3);
    const result = app.commit();
    expect(result.errors.map((e) => [e.reason, e.v])).toEqual([['duplicate_timestamp', 2]]);
    expect(sink.offers).toEqual([{ t: 1000, labels: ['a{job="app"}', 'b{job="app"}'], values: Float64Array.of(1, 3) }]);
  });

  it('groups a commit of a few timestamps into one offer each, in time order, keeping NaN bits', () => {
    const { storage, sink } = setup();
    const app = storage.appender();
    app.append(0, L('a'), 2000, STALE);
    app.append(0, L('b'), 1000, 1);
    app.append(0, L('c'), 2000, 3);
    app.commit();
    expect(sink.offers.map((o) => [o.t, o.labels])).toEqual([
      [1000, ['b{job="app"}']],
      [2000, ['a{job="app"}', 'c{job="app"}']],
    ]);
    expect(bits(sink.offers[1].values)[0]).toBe('7ff0000000000002');
  });

  it('sends a commit of many timestamps as one backfill', () => {
    const { storage, sink } = setup();
    const app = storage.appender();
    for (let i = 0; i <= MAX_GROUPS; i++) app.append(0, L('a'), 1000 * (i + 1), i);
    app.commit();
    expect(sink.offers).toHaveLength(1);
    expect(sink.offers[0].t).toEqual(Array.from({ length: MAX_GROUPS + 1 }, (_, i) => 1000 * (i + 1)));
  });

  it('takes samples appended by ref, and offers them by that ref', () => {
    const { storage, sink, db } = setup();
    const app = storage.appender();
    const ref = app.append(0, L('a'), 1000, 1);
    expect(app.appendRef!(ref + 1000, 1000, 9)).toBe(false); // no such series: nothing kept
    app.commit();
    const again = storage.appender();
    expect(again.appendRef!(ref, 2000, 2)).toBe(true);
    again.commit();
    expect(sink.offers.map((o) => [o.t, o.labels, [...o.values]])).toEqual([
      [1000, ['a{job="app"}'], [1]],
      [2000, ['a{job="app"}'], [2]],
    ]);
    expect(sink.lookup!.seriesRef(L('a'))).toBe(ref);
    expect(db.seriesLabels(ref + 1000)).toBeUndefined();
  });

  it('offers nothing on rollback or an empty commit', () => {
    const { storage, sink } = setup();
    const app = storage.appender();
    app.append(0, L('a'), 1000, 1);
    app.rollback();
    storage.appender().commit();
    expect(sink.offers).toEqual([]);
  });
});
