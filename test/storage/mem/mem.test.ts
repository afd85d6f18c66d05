import { describe, expect, it, vi } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { InvalidLabelError } from '../../../shared/model/validate.ts';
import { StorageClosedError, openMemStorage } from '../../../shared/storage/mem/index.ts';
import { storageSuite } from '../suite.ts';

storageSuite('memory', async (options) => openMemStorage(options));

describe('memory storage specifics', () => {
  it('crosses into WebAssembly once per scrape run, not per sample', () => {
    const s = openMemStorage();
    const scrape = vi.spyOn(s.core, 'appendScrape');
    const samples = vi.spyOn(s.core, 'appendSamples');
    const app = s.appender();
    for (let i = 0; i < 100; i++) app.append(0, Labels.from({ __name__: 'm', i: String(i) }), 1000, i);
    app.append(0, Labels.from({ __name__: 'm', i: '0' }), 900, 0); // refused: out of order
    for (let i = 0; i < 3; i++) app.append(0, Labels.from({ __name__: 'm', i: String(i) }), 2000 + i, i);
    const res = app.commit();
    expect(scrape).toHaveBeenCalledTimes(1);
    expect(samples).toHaveBeenCalledTimes(1);
    expect(res.appended).toBe(103);
    expect(res.errors.map((e) => e.reason)).toEqual(['out_of_bounds']);
  });

  it('appendRef refuses a ref whose series was dropped from the index, buffering nothing; append re-creates it', () => {
    const s = openMemStorage();
    const a = Labels.from({ __name__: 'gone', job: 'a' });
    const first = s.appender();
    const ref = first.append(0, a, 1000, 1);
    first.commit();
    s.index.remove([ref]); // what dropping a series without samples does
    const app = s.appender();
    expect(app.appendRef!(ref, 2000, 2)).toBe(false);
    expect(app.commit()).toEqual({ appended: 0, errors: [] });
    const again = s.appender();
    const fresh = again.append(ref, a, 3000, 3);
    expect(fresh).not.toBe(ref);
    expect(again.commit()).toEqual({ appended: 1, errors: [] });
    expect(s.index.labels(fresh)?.toString()).toBe('gone{job="a"}');
  });

  it('applies the legacy name scheme when asked', () => {
    const s = openMemStorage({ validation: 'legacy' });
    expect(() => s.appender().append(0, Labels.from({ __name__: 'a.b' }), 1, 1)).toThrow(InvalidLabelError);
    expect(s.appender().append(0, Labels.from({ __name__: 'a:b' }), 1, 1)).toBeGreaterThan(0);
  });

  it('refuses timestamps that are not integers of ms', () => {
    const s = openMemStorage();
    expect(() => s.appender().append(0, Labels.from({ __name__: 'm' }), 1.5, 1)).toThrow(/timestamp 1.5/);
    expect(() => s.appender().append(0, Labels.from({ __name__: 'm' }), NaN, 1)).toThrow(RangeError);
    expect(s.index.size).toBe(0); // checked before the series is created
  });

  it('refuses use after close', async () => {
    const s = openMemStorage();
    const app = s.appender();
    app.append(0, Labels.from({ __name__: 'm' }), 1, 1);
    await s.close();
    expect(() => s.appender()).toThrow(StorageClosedError);
    expect(() => s.querier(0, 1)).toThrow(StorageClosedError);
    expect(() => app.append(0, Labels.from({ __name__: 'n' }), 2, 1)).toThrow(StorageClosedError);
    expect(() => app.commit()).toThrow(StorageClosedError);
  });

  it('refuses bad options and ranges with clear errors', () => {
    expect(() => openMemStorage({ outOfOrderWindowMs: -1 })).toThrow(/open memory storage: .*outOfOrderWindowMs/);
    expect(() => openMemStorage().querier(NaN, 1)).toThrow(/NaN/);
  });

  it('a closed querier is a caller bug', () => {
    const q = openMemStorage().querier(0, 1);
    q.close();
    expect(() => q.select([new Matcher('=', 'a', 'b')])).toThrow(/BUG/);
  });
});
