// Batch pools: arrays come back by exact length, foreign or twice-given arrays are ignored, and
// the uplink gives a batch's pooled arrays back only once it is both logged and sent, so that
// reusing them never changes what reaches the hub.
import { afterEach, describe, expect, it } from 'vitest';
import { ExactPool, copyF64, copyLabels, f64s, labelArrays } from '../../../edge/uplink/batch-pool.ts';
import { Uplink } from '../../../edge/uplink/index.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import type { Storage } from '../../../shared/storage/interface.ts';
import { seriesOf, startHub, tempDir } from './helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('ExactPool', () => {
  it('reuses given-back arrays of the same length only', () => {
    const pool = new ExactPool((n) => new Float64Array(n), 4);
    const a = pool.take(10);
    pool.give(a);
    expect(pool.take(11)).not.toBe(a);
    expect(pool.take(10)).toBe(a);
  });

  it('ignores arrays it did not issue and arrays given twice', () => {
    const pool = new ExactPool((n) => new Float64Array(n), 4);
    pool.give(new Float64Array(10));
    expect(pool.freeCount).toBe(0);
    const a = pool.take(10);
    pool.give(a);
    pool.give(a);
    expect(pool.freeCount).toBe(1);
    expect(pool.take(10)).toBe(a);
    expect(pool.take(10)).not.toBe(a);
  });

  it('keeps at most maxFree arrays, dropping the oldest length first', () => {
    const pool = new ExactPool((n) => new Float64Array(n), 2);
    const [a, b, c] = [pool.take(1), pool.take(2), pool.take(3)];
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect(pool.freeCount).toBe(2);
    expect(pool.take(1)).not.toBe(a);
    expect(pool.take(2)).toBe(b);
    expect(pool.take(3)).toBe(c);
  });

  it('copies keep NaN payloads and take only the first n label sets', () => {
    const src = new Float64Array(2);
    new Uint32Array(src.buffer).set([1, 0x7ff00000, 2, 0x7ff80000]);
    expect([...new Uint32Array(copyF64(src).buffer)]).toEqual([1, 0x7ff00000, 2, 0x7ff80000]);
    const ls = seriesOf(3);
    expect(copyLabels(ls, 2)).toEqual([ls[0], ls[1]]);
  });
});

/** valuesBySeries reads every sample value the hub holds, by series. */
function valuesBySeries(storage: Storage): Map<string, number[]> {
  const q = storage.querier(-Infinity, Infinity);
  try {
    const set = q.select([new Matcher('=~', '__name__', '.+')]);
    const batch = set.load();
    try {
      const off = batch.offsets(), vs = batch.values();
      return new Map(set.series.map((s, i) => [s.labels.toString(), [...vs.subarray(off[i], off[i + 1])]]));
    } finally {
      batch.release();
    }
  } finally {
    q.close();
  }
}

describe('the uplink and pooled batches', () => {
  it('gives the arrays back once logged and sent; reuse does not change what the hub stores', async () => {
    const edgeDir = await tempDir('outpost-edge-');
    cleanup.push(edgeDir.remove);
    const hub = await startHub(0);
    cleanup.push(() => hub.stop());
    const uplink = await Uplink.open({ url: hub.url, edge: 'edge-a', token: 'secret-a', externalLabels: ['site', 'a'], dir: edgeDir.dir, sync: 'always', log: () => undefined });
    cleanup.push(() => uplink.close());
    uplink.start();
    await uplink.drained(5000);
    const S = 37, N = 40;
    const series = seriesOf(S);
    const offered = new Set<Float64Array>();
    let reused = 0;
    const stored: Promise<void>[] = [];
    for (let i = 1; i <= N; i++) {
      // Not awaited: while the batches before are still being logged and sent, their arrays are not reused.
      const values = f64s.take(S).fill(i);
      if (offered.has(values)) reused++;
      offered.add(values);
      stored.push(uplink.offer(i * 1000, copyLabels(series, S), values));
      if (i % 8 === 0) await Promise.all(stored);
    }
    await uplink.drained(10_000);
    expect(reused).toBeGreaterThan(0);
    const got = valuesBySeries(hub.storage);
    expect(got.size).toBe(S);
    for (const vs of got.values()) expect(vs).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    // Everything went back: the next takes are arrays offered before.
    expect(offered.has(f64s.take(S))).toBe(true);
    const ls = labelArrays.take(S);
    expect(ls.length).toBe(S);
  });

  it('gives the arrays back after the backlog logged them when no hub is connected', async () => {
    const edgeDir = await tempDir('outpost-edge-');
    cleanup.push(edgeDir.remove);
    const uplink = await Uplink.open({ url: 'ws://127.0.0.1:9/none', edge: 'edge-a', token: 'secret-a', dir: edgeDir.dir, sync: 'always', log: () => undefined });
    cleanup.push(() => uplink.close());
    const values = f64s.take(5).fill(7);
    await uplink.offer(1000, seriesOf(5), values);
    expect(f64s.take(5)).toBe(values);
  });
});
