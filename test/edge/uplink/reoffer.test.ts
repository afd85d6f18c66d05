// reofferRecent: the newest stored samples go to the uplink again at start, bit for bit.
import { describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { STALE_NAN, isStaleNaN } from '../../../shared/model/stale.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { reofferRecent, type BackfillSink } from '../../../edge/uplink/reoffer.ts';

function capture() {
  const got: Array<[string, number, number | 'stale']> = [];
  const sink: BackfillSink = {
    async backfill(labels, timestamps, values) {
      for (let i = 0; i < timestamps.length; i++) got.push([labels[i].toString(), timestamps[i], isStaleNaN(values[i]) ? 'stale' : values[i]]);
    },
  };
  return { got, sink };
}

describe('reofferRecent', () => {
  it('offers every sample in the window before the newest, in slices, and nothing older', async () => {
    const s = openMemStorage();
    const a = Labels.from({ __name__: 'a' }), b = Labels.from({ __name__: 'b', x: '1' }), c = Labels.from({ __name__: 'c' });
    for (let t = 0; t <= 300_000; t += 60_000) {
      const app = s.appender();
      app.append(0, a, t, t / 1000);
      app.append(0, b, t, t === 300_000 ? STALE_NAN : 1);
      app.commit();
    }
    const app = s.appender();
    app.append(0, c, 100_000, 7); // older than the window
    app.commit();
    const { got, sink } = capture();
    const n = await reofferRecent(s, 300_000, sink, 120_000, 1);
    expect(n).toBe(4);
    expect(got.sort()).toEqual([
      ['a', 240_000, 240], ['a', 300_000, 300],
      ['b{x="1"}', 240_000, 1], ['b{x="1"}', 300_000, 'stale'],
    ].sort());
  });

  it('does nothing on an empty storage', async () => {
    const { got, sink } = capture();
    expect(await reofferRecent(openMemStorage(), -Infinity, sink)).toBe(0);
    expect(got).toEqual([]);
  });
});
