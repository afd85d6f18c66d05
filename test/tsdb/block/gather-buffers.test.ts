// Gather buffers: a buffer given back serves the next gather that fits it, the pool keeps only
// so many buffers and bytes (the larger ones), and it empties itself once unused for two seconds;
// a block's reads and a read merging blocks give their buffers back. Blocks read through it
// (block.test.ts and the query tests) check that gathered chunks decode right.
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadCore } from '../../../core-wasm/host/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Engine } from '../../../shared/promql/engine/index.ts';
import { giveBytes, keptBytes, takeBytes } from '../../../shared/tsdb/block/gather-buffers.ts';
import { writeBlock, type ColumnSeries } from '../../../shared/tsdb/block/writer.ts';
import { openDB } from '../../../shared/tsdb/db/index.ts';
import { tempDir } from '../../support/temp-dirs.ts';

const KiB = 1024;

describe('gather buffers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.advanceTimersByTime(10_000); // empties the pool for the next test
    vi.useRealTimers();
  });

  it('takes n bytes, over a new buffer with room to spare when none is kept', () => {
    const a = takeBytes(100 * KiB);
    expect(a.length).toBe(100 * KiB);
    expect(a.buffer.byteLength).toBe(125 * KiB);
    expect(takeBytes(100).buffer.byteLength).toBe(100); // small: exactly
  });

  it('hands a buffer given back to the next take that fits, the smallest that fits first', () => {
    const big = new ArrayBuffer(800 * KiB), mid = new ArrayBuffer(300 * KiB), small = new ArrayBuffer(40 * KiB);
    for (const b of [big, mid, small]) giveBytes(b);
    expect(keptBytes()).toBe(1140 * KiB);
    const t = takeBytes(200 * KiB);
    expect(t.buffer).toBe(mid);
    expect(t.length).toBe(200 * KiB);
    expect(takeBytes(500 * KiB).buffer).toBe(big);
    expect(takeBytes(500 * KiB).buffer).not.toBe(small); // none left that fits: a new one
    expect(takeBytes(30 * KiB).buffer).toBe(small);
    expect(keptBytes()).toBe(0);
  });

  it('keeps at most eight buffers, and the larger ones, and none under 16 KiB', () => {
    giveBytes(new ArrayBuffer(8 * KiB));
    expect(keptBytes()).toBe(0);
    for (let k = 1; k <= 10; k++) giveBytes(new ArrayBuffer(k * 64 * KiB));
    // 3..10 × 64 KiB kept: 1 and 2 gave way to larger ones.
    expect(keptBytes()).toBe((3 + 4 + 5 + 6 + 7 + 8 + 9 + 10) * 64 * KiB);
    giveBytes(new ArrayBuffer(64 * KiB)); // smaller than every kept one: not kept
    expect(keptBytes()).toBe(52 * 64 * KiB);
  });

  it('keeps at most 32 MiB', () => {
    giveBytes(new ArrayBuffer(20 << 20));
    giveBytes(new ArrayBuffer(16 << 20)); // would pass 32 MiB and is smaller: not kept
    expect(keptBytes()).toBe(20 << 20);
    giveBytes(new ArrayBuffer(24 << 20)); // larger: replaces the 20 MiB one
    expect(keptBytes()).toBe(24 << 20);
  });

  it('keeps what it kept when dropping smaller buffers would not make room', () => {
    giveBytes(new ArrayBuffer(20 << 20));
    giveBytes(new ArrayBuffer(10 << 20));
    giveBytes(new ArrayBuffer(15 << 20)); // dropping the 10 MiB one leaves 35 MiB: not kept
    expect(keptBytes()).toBe(30 << 20);
    giveBytes(new ArrayBuffer(12 << 20)); // dropping the 10 MiB one leaves 32 MiB: kept
    expect(keptBytes()).toBe(32 << 20);
    giveBytes(new ArrayBuffer(40 << 20)); // larger than the pool
    expect(keptBytes()).toBe(32 << 20);
  });

  it('empties itself two seconds after its last use, not while it is used', () => {
    giveBytes(new ArrayBuffer(64 * KiB));
    vi.advanceTimersByTime(1500);
    giveBytes(new ArrayBuffer(128 * KiB));
    vi.advanceTimersByTime(1500); // 3 s after the first give, 1.5 s after the last use
    expect(keptBytes()).toBe(192 * KiB);
    vi.advanceTimersByTime(600);
    expect(keptBytes()).toBe(0);
  });

  it('ignores a buffer given twice, and a detached one', () => {
    const b = new ArrayBuffer(64 * KiB);
    giveBytes(b);
    giveBytes(b);
    expect(keptBytes()).toBe(64 * KiB);
    const moved = new ArrayBuffer(64 * KiB);
    structuredClone(moved, { transfer: [moved] });
    giveBytes(moved);
    expect(keptBytes()).toBe(64 * KiB);
  });
});

describe('gather buffers in reads', () => {
  const T0 = 1_700_000_000_000;
  const tmp = tempDir('outpost-gather-');
  afterAll(() => tmp.cleanup());

  const series = (from: number, to: number): ColumnSeries[] =>
    Array.from({ length: 40 }, (_, i) => ({
      labels: Labels.from({ __name__: 'work_total', i: String(i).padStart(2, '0') }),
      timestamps: Float64Array.from({ length: to - from }, (_, k) => T0 + (from + k) * 15_000),
      values: Float64Array.from({ length: to - from }, (_, k) => (from + k) * (i + 1) + Math.sin(k)),
    }));

  it("a block's reads, and a read merging two blocks, give their buffers back", async () => {
    const core = loadCore();
    await writeBlock(tmp.dir, series(0, 2000), { encoding: 'xor', core, now: 1_000 });
    const db = await openDB(tmp.dir, { background: false, retentionMs: 0, log: () => {} });
    const engine = new Engine({});
    try {
      vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
      vi.advanceTimersByTime(10_000); // an empty pool
      expect(keptBytes()).toBe(0);
      await engine.rangeQuery(db, 'rate(work_total[5m])', T0, T0 + 1999 * 15_000, 60_000);
      expect(keptBytes()).toBeGreaterThan(0); // one block: Block.load
      vi.advanceTimersByTime(10_000);
      expect(keptBytes()).toBe(0);
    } finally {
      vi.useRealTimers();
      await db.close();
    }
    await writeBlock(tmp.dir, series(1500, 3000), { encoding: 'dense', core, now: 2_000 });
    const both = await openDB(tmp.dir, { background: false, retentionMs: 0, log: () => {} });
    try {
      vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
      vi.advanceTimersByTime(10_000);
      await engine.rangeQuery(both, 'rate(work_total[5m])', T0, T0 + 2999 * 15_000, 60_000);
      expect(keptBytes()).toBeGreaterThan(0); // overlapping blocks: gathered and interleaved
    } finally {
      vi.advanceTimersByTime(10_000);
      vi.useRealTimers();
      await both.close();
    }
  });
});
