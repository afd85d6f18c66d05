// /federate: newest sample per series within the lookback as of now, staleness markers skipped,
// grouped by name under `# TYPE … untyped`, external labels and instance="" appended; the
// output is what Prometheus' text parser reads back (checked with promtool when installed).
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { Labels } from '../../shared/model/labels.ts';
import { STALE_NAN } from '../../shared/model/stale.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import { federateRoute } from '../../shared/api/federate.ts';

const NOW = 1_700_000_600_000;
const storage = openMemStorage();
const add = (labels: Record<string, string>, t: number, v: number) => {
  const a = storage.appender();
  a.append(0, Labels.from(labels), t, v);
  a.commit();
};
add({ __name__: 'b_total', job: 'x', instance: 'i1' }, NOW - 30_000, 1);
add({ __name__: 'b_total', job: 'x', instance: 'i1' }, NOW - 15_000, 2);
add({ __name__: 'b_total', job: 'x', instance: 'i1' }, NOW + 15_000, 99); // after now: not seen
add({ __name__: 'a', job: 'x' }, NOW - 10_000, 0.5); // no instance label
add({ __name__: 'a', job: 'y', region: 'eu' }, NOW - 10_000, -Infinity);
add({ __name__: 'old', job: 'x' }, NOW - 400_000, 7); // outside the 5m lookback
add({ __name__: 'gone', job: 'x' }, NOW - 60_000, 3);
add({ __name__: 'gone', job: 'x' }, NOW - 30_000, STALE_NAN);

const app = new Hono();
federateRoute(app, { storage, externalLabels: () => Labels.from({ region: 'us', replica: 'r1' }), now: () => NOW });

const get = async (qs: string) => {
  const res = await app.request(`/federate?${qs}`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

describe('/federate', () => {
  it('writes the newest sample of each matching series with timestamps and external labels', async () => {
    const r = await get(`match[]=${encodeURIComponent('{job=~"x|y"}')}&match[]=b_total`);
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.text).toBe([
      '# TYPE a untyped',
      `a{job="x",instance="",region="us",replica="r1"} 0.5 ${NOW - 10_000}`,
      `a{job="y",region="eu",instance="",replica="r1"} -Inf ${NOW - 10_000}`,
      '# TYPE b_total untyped',
      `b_total{instance="i1",job="x",region="us",replica="r1"} 2 ${NOW - 15_000}`,
      '',
    ].join('\n'));
  });

  it('answers nothing without match[] and 400 for a bad selector', async () => {
    expect(await get('')).toMatchObject({ status: 200, text: '' });
    const bad = await get(`match[]=${encodeURIComponent('{job=')}`);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/parse error/);
  });
});
