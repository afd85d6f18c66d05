import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { Backlog, type StoredBatch } from '../../../edge/uplink/backlog.ts';
import { readSegment } from '../../../shared/tsdb/wal/segment.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'outpost-backlog-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const series = (n: number) => Array.from({ length: n }, (_, i) => Labels.from({ __name__: 'm', i: String(i) }));

/** append logs a batch of series named by their labels (the backlog's own ids: no storage attached). */
function append(b: Backlog, t: number | Float64Array, labels: Labels[], values: Float64Array) {
  return b.append(t, b.ids.idsOf(labels), values)!;
}

/** readAll reads the pending batches back, with the labels of their refs. */
async function readAll(b: Backlog): Promise<Array<StoredBatch & { labels: Labels[] }>> {
  const out: Array<StoredBatch & { labels: Labels[] }> = [];
  for await (const x of b.read(() => true)) out.push({ ...x, labels: Array.from(x.refs, (r) => b.labels(r)!) });
  return out;
}

describe('Backlog', () => {
  it('keeps pending batches across a reopen, with their labels, timestamps and exact value bits', async () => {
    const dir = await tempDir();
    const b = await Backlog.open(dir);
    const v = new Float64Array(2);
    v[0] = 1.5;
    new BigUint64Array(v.buffer)[1] = 0x7ff0000000000002n; // the staleness marker, never through a JS number
    await append(b, 1000, series(2), v).durable;
    await append(b, new Float64Array([2000, 2500]), series(2), new Float64Array([3, 4])).durable;
    await b.close();
    const c = await Backlog.open(dir);
    expect([...c.pendingIds()]).toEqual([1, 2]);
    const got = await readAll(c);
    expect(got.map((x) => x.id)).toEqual([1, 2]);
    expect(got[0].t).toBe(1000);
    expect(Array.from(got[1].t as ArrayLike<number>)).toEqual([2000, 2500]);
    expect(got[0].labels.map(String)).toEqual(['m{i="0"}', 'm{i="1"}']);
    expect(new BigUint64Array(got[0].values.buffer, got[0].values.byteOffset, 2)[1]).toBe(0x7ff0000000000002n);
    expect(c.nextId).toBe(3);
    await c.close();
  });

  it('forgets acknowledged batches, remembers the hub sequence, and folds finished epochs', async () => {
    const dir = await tempDir();
    const b = await Backlog.open(dir, { maxBytes: 1 << 20, segmentBytes: 2048 });
    for (let i = 0; i < 60; i++) await append(b, 1000 * i, series(20), new Float64Array(20).fill(i)).durable;
    b.recordSent(7, [1, 2, 3, 4, 5]);
    for (let id = 6; id <= 50; id++) b.markDone(id);
    b.acked(7);
    await b.maintain();
    expect([...b.pendingIds()]).toEqual(Array.from({ length: 10 }, (_, i) => 51 + i));
    const files = (await readdir(dir)).filter((f) => /^\d{8}$/.test(f));
    expect(files.length).toBeLessThan(6);
    await b.close();
    const c = await Backlog.open(dir, { maxBytes: 1 << 20, segmentBytes: 2048 });
    expect(c.hubSeq).toBe(7);
    expect([...c.pendingIds()]).toEqual(Array.from({ length: 10 }, (_, i) => 51 + i));
    expect((await readAll(c)).map((x) => [x.id, x.values[0]])).toEqual(Array.from({ length: 10 }, (_, i) => [51 + i, 50 + i]));
    await c.close();
  });

  it('logs a series again after a fold dropped its record, and reads batches of two processes back with their labels', async () => {
    const dir = await tempDir();
    const opts = { maxBytes: 1 << 20, segmentBytes: 2048 };
    const b = await Backlog.open(dir, opts);
    for (let i = 0; i < 30; i++) await append(b, 1000 * i, series(20), new Float64Array(20).fill(i)).durable;
    for (let id = 1; id <= 30; id++) b.markDone(id);
    for (let round = 0; round < 3; round++) {
      // Folds while nothing is pending: series unused since the fold before lose their record (not their ref).
      await append(b, 100_000 + round, series(1), new Float64Array(1)).durable;
      b.markDone(31 + round);
      await b.maintain();
    }
    const files = (await readdir(dir)).filter((f) => /^\d{8}$/.test(f));
    expect(files.length).toBeLessThan(4);
    await append(b, 200_000, series(25), new Float64Array(25).fill(7)).durable;
    await b.close();
    const c = await Backlog.open(dir, opts);
    await append(c, 300_000, series(22).slice(10), new Float64Array(12).fill(8)).durable;
    await c.close();
    const d = await Backlog.open(dir, opts);
    const got = await readAll(d);
    expect(got.map((x) => x.id)).toEqual([34, 35]);
    expect(got[0].labels.map(String)).toEqual(series(25).map(String));
    expect(got[1].labels.map(String)).toEqual(series(22).slice(10).map(String));
    expect(Array.from(got[1].values)).toEqual(new Array(12).fill(8));
    await d.close();
  });

  it('keeps one ref per label set across folds (the log codes values per ref: new refs would grow its state)', async () => {
    const dir = await tempDir();
    const b = await Backlog.open(dir, { maxBytes: 1 << 20, segmentBytes: 2048 });
    const refs = new Set<number>();
    for (let i = 0; i < 40; i++) {
      await append(b, 1000 * i, series(30), new Float64Array(30).fill(i)).durable;
      b.markDone(i + 1);
      await b.maintain();
      for (const f of (await readdir(dir)).filter((f) => /^\d{8}$/.test(f))) {
        for (const rec of readSegment(f, 0, await readFile(join(dir, f)))) if (rec.type === 'samples') for (let k = 0; k < rec.refs.length; k++) refs.add(rec.refs[k]);
      }
    }
    expect((await readdir(dir)).some((f) => f.startsWith('checkpoint.'))).toBe(true);
    expect([...refs].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await b.close();
  });

  it('logs the series of a steady edge once: folds keep the records of series still in use, and a restart reads them', async () => {
    const dir = await tempDir();
    const b = await Backlog.open(dir, { maxBytes: 1 << 20, segmentBytes: 2048 });
    const seriesRecords = async () => {
      let n = 0;
      for (const f of (await readdir(dir)).filter((f) => /^\d{8}$/.test(f) || f.startsWith('checkpoint.'))) {
        const files = f.startsWith('checkpoint.') ? (await readdir(join(dir, f))).map((g) => join(f, g)) : [f];
        for (const g of files) for (const rec of readSegment(g, 0, await readFile(join(dir, g)))) if (rec.type === 'series') n += rec.series.length;
      }
      return n;
    };
    for (let i = 0; i < 40; i++) {
      await append(b, 1000 * i, series(30), new Float64Array(30).fill(i)).durable;
      b.markDone(i + 1);
      await b.maintain();
    }
    expect((await readdir(dir)).some((f) => f.startsWith('checkpoint.'))).toBe(true);
    expect(await seriesRecords()).toBe(30); // logged once, carried by each checkpoint
    await append(b, 99_000, series(30), new Float64Array(30).fill(9)).durable; // pending across the restart
    await b.close();
    const c = await Backlog.open(dir, { maxBytes: 1 << 20, segmentBytes: 2048 });
    const got = await readAll(c);
    expect(got.map((x) => x.labels.map(String))).toEqual([series(30).map(String)]);
    await c.close();
  });

  it('drops the oldest batches beyond maxBytes, counting them', async () => {
    const dir = await tempDir();
    const logs: string[] = [];
    const drops: number[] = [];
    const b = await Backlog.open(dir, { maxBytes: 16 << 10, segmentBytes: 2048, log: (m) => logs.push(m), onDrop: (n) => drops.push(n) });
    for (let i = 0; i < 200; i++) {
      await append(b, 1000 * i, series(20), new Float64Array(20).map(() => Math.random())).durable;
      await b.maintain();
    }
    expect(b.dropped.batches).toBeGreaterThan(0);
    expect(drops.reduce((a, x) => a + x, 0)).toBe(b.dropped.batches);
    expect(logs.some((l) => /dropped the oldest/.test(l))).toBe(true);
    const pending = [...b.pendingIds()];
    expect(pending.at(-1)).toBe(200);
    expect(pending[0]).toBe(b.dropped.batches + 1);
    await b.close();
    const c = await Backlog.open(dir);
    expect([...c.pendingIds()]).toEqual(pending);
    await c.close();
  });

  it('leaves out the samples of refused series, keeping the others\' exact bits, and logs no batch when none is left', async () => {
    const dir = await tempDir();
    const b = await Backlog.open(dir, { refuse: (l) => l.has('site') });
    const ls = [Labels.from({ __name__: 'a' }), Labels.from({ __name__: 'b', site: 'x' }), Labels.from({ __name__: 'c' })];
    const stale = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer);
    const stored = append(b, new Float64Array([1000, 1001, 1002]), ls, Float64Array.of(1, 2, stale[0]));
    expect(stored.batch.values.length).toBe(2);
    expect(Array.from(stored.batch.t as Float64Array)).toEqual([1000, 1002]);
    expect(new BigUint64Array(stored.batch.values.buffer)[1]).toBe(0x7ff0000000000002n);
    await stored.durable;
    expect(b.append(2000, b.ids.idsOf([ls[1]]), Float64Array.of(5))).toBeNull();
    expect(b.pendingBatches).toBe(1);
    const got = await readAll(b);
    expect(got.map((x) => x.labels.map(String))).toEqual([['a', 'c']]);
    await b.close();
  });
  it('logs nothing of a batch that names a series without labels, and writes its other series\' records with the next batch', async () => {
    const dir = await tempDir();
    const b = await Backlog.open(dir);
    b.ids.attach({ seriesLabels: (ref) => (ref < 100 ? Labels.from({ __name__: 'm', ref: String(ref) }) : undefined), seriesRef: () => 0 });
    expect(() => b.append(1000, Float64Array.of(1, 500), Float64Array.of(1, 2))).toThrow(/BUG: uplink series 500 has no labels/);
    await b.append(2000, Float64Array.of(1), Float64Array.of(3))!.durable;
    await b.close();
    const c = await Backlog.open(dir);
    const got = await readAll(c);
    expect(got.map((x) => [x.id, x.labels.map(String)])).toEqual([[1, ['m{ref="1"}']]]);
    await c.close();
  });
});

