import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../support/temp-dirs.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { backfillOpenMetrics, BackfillInputError, compatibleBlockDuration } from '../../../shared/tsdb/backfill/index.ts';
import { openBlock } from '../../../shared/tsdb/block/index.ts';
import { DirectoryLockedError, openDB } from '../../../shared/tsdb/db/index.ts';
import { blockDirs, readBack, writeOM } from './helpers.ts';

const dir = tempDirs('outpost-backfill-');

const H = 3_600_000;
const T0 = 1_700_000_000; // seconds; 2 h ranges start at multiples of 7200 s
const quiet = { log: () => undefined };

/** pageCompression: the compression byte of a block's first page (0 none, 1 brotli; docs/block-format.md). */
function pageCompression(blockDir: string): number {
  return readFileSync(join(blockDir, 'chunks'))[8];
}

/**
 * history returns OpenMetrics lines for `series` series sampled every `stepS` seconds over
 * [fromS, toS), grouped by series (as promtool's inputs usually are) or by time, and the samples
 * expected back, by label set (Labels.toString()).
 */
function history(series: number, fromS: number, toS: number, stepS: number, order: 'series' | 'time') {
  const expected = new Map<string, [number, number][]>();
  const lines: string[] = ['# HELP m A gauge.', '# TYPE m gauge'];
  const value = (i: number, t: number) => ((t * 7 + i * 13) % 1000) / 8;
  const line = (i: number, t: number) => `m{job="j",i="${i}"} ${value(i, t)} ${t}`;
  for (let i = 0; i < series; i++) {
    const key = Labels.from({ __name__: 'm', job: 'j', i: String(i) }).toString();
    expected.set(key, []);
    for (let t = fromS; t < toS; t += stepS) expected.get(key)!.push([t * 1000, value(i, t)]);
  }
  if (order === 'series') {
    for (let i = 0; i < series; i++) for (let t = fromS; t < toS; t += stepS) lines.push(line(i, t));
  } else {
    for (let t = fromS; t < toS; t += stepS) for (let i = 0; i < series; i++) lines.push(line(i, t));
  }
  lines.push('# EOF');
  const want = [...expected].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([labels, samples]) => ({ labels, samples }));
  return { lines, want };
}

describe('compatibleBlockDuration', () => {
  const check = (max: number, want: number) => expect(compatibleBlockDuration(max)).toBe(want);
  it('picks the largest 2h·3^k not above the maximum, at least 2 h', () => {
    check(1 * H, 2 * H);
    check(2 * H, 2 * H);
    check(5 * H, 2 * H);
    check(6 * H, 6 * H);
    check(24 * H, 18 * H);
    check(54 * H, 54 * H);
    check(1e15, 2 * H * 3 ** 9);
  });
});

describe('backfillOpenMetrics', () => {
  it('writes one aligned block per 2 h range, and openDB serves every sample', async () => {
    const d = dir();
    // 5 h from 1 h into a range: ranges [T0'..), three of them.
    const from = Math.floor(T0 / 7200) * 7200 + 3600;
    const { lines, want } = history(5, from, from + 5 * 3600, 60, 'series');
    const res = await backfillOpenMetrics(writeOM(d, 'in.om', lines), join(d, 'data'), quiet);
    expect(res.samples).toBe(5 * 300);
    expect(res.series).toBe(5);
    expect(res.blocks.length).toBe(3);
    for (const m of res.blocks) {
      // Each block lies within one 2 h range.
      expect(Math.floor(m.minTime / (2 * H))).toBe(Math.floor((m.maxTime - 1) / (2 * H)));
      expect(m.encoding).toBe('dense');
      expect(pageCompression(join(d, 'data', m.ulid)), 'pages stored uncompressed').toBe(0);
    }
    expect(res.blocks.map((m) => m.minTime)).toEqual([from * 1000, (from + 3600) * 1000, (from + 3 * 3600) * 1000]);
    expect(blockDirs(join(d, 'data'))).toEqual(res.blocks.map((m) => m.ulid).sort());
    expect(await readBack(join(d, 'data'))).toEqual(want);
  });

  it('reads the same from input in time order, through pieces of a few lines, in brotli pages or as XOR chunks', async () => {
    const d = dir();
    const { lines, want } = history(7, T0, T0 + 3 * 7200, 300, 'time');
    const file = writeOM(d, 'in.om', lines);
    const res = await backfillOpenMetrics(file, join(d, 'data'), { ...quiet, pieceBytes: 100, compression: 'brotli', quality: 1 });
    expect(res.lines).toBe(lines.length);
    expect(res.blocks.every((m) => m.encoding === 'dense' && pageCompression(join(d, 'data', m.ulid)) === 1)).toBe(true);
    expect(await readBack(join(d, 'data'))).toEqual(want);
    const xor = await backfillOpenMetrics(file, join(d, 'xor'), { ...quiet, pieceBytes: 100, encoding: 'xor' });
    expect(xor.blocks.every((m) => m.encoding === 'xor' && pageCompression(join(d, 'xor', m.ulid)) === 0)).toBe(true);
    expect(await readBack(join(d, 'xor'))).toEqual(want);
    await expect(backfillOpenMetrics(file, join(d, 'bad'), { ...quiet, compression: 'zstd' as 'none' })).rejects.toThrow(/compression must be 'none' or 'brotli', got zstd/);
  });

  it('honours --max-block-duration', async () => {
    const d = dir();
    const from = Math.floor(T0 / (18 * 3600)) * 18 * 3600;
    const { lines, want } = history(2, from, from + 24 * 3600, 600, 'series');
    const res = await backfillOpenMetrics(writeOM(d, 'in.om', lines), join(d, 'data'), { ...quiet, maxBlockDurationMs: 24 * H });
    expect(res.blockDurationMs).toBe(18 * H);
    expect(res.blocks.length).toBe(2);
    expect(await readBack(join(d, 'data'))).toEqual(want);
  });

  it('stays within a memory budget by writing ranges early; every sample is still served', async () => {
    const d = dir();
    const logs: string[] = [];
    for (const order of ['time', 'series'] as const) {
      const { lines, want } = history(40, T0, T0 + 4 * 7200, 30, order);
      const data = join(d, `data-${order}`);
      const res = await backfillOpenMetrics(writeOM(d, `${order}.om`, lines), data, { log: (m) => logs.push(m), pieceBytes: 64 << 10, memoryBudgetBytes: 1 });
      expect(res.spills).toBeGreaterThan(1);
      expect(res.blocks.length).toBeGreaterThan(5); // more than one block for some ranges
      expect(res.samples).toBe(40 * 4 * 240);
      expect(await readBack(data)).toEqual(want);
    }
    expect(logs.some((m) => m.includes('finished range'))).toBe(true);
  });

  it('keeps one of exact duplicates and names the line of a duplicate timestamp with another value', async () => {
    const d = dir();
    const ok = writeOM(d, 'dup.om', ['a 1 100', 'a 1 100', 'a 2 115', 'b{x="1"} 5 100', '# EOF']);
    const res = await backfillOpenMetrics(ok, join(d, 'data'), quiet);
    expect(res.samples).toBe(3);
    expect(res.duplicates).toBe(1);
    expect(await readBack(join(d, 'data'))).toEqual([
      { labels: 'a', samples: [[100_000, 1], [115_000, 2]] },
      { labels: 'b{x="1"}', samples: [[100_000, 5]] },
    ]);
    const bad = writeOM(d, 'conflict.om', ['a 1 100', 'a 2 115', 'a 3 115', '# EOF']);
    const err = await backfillOpenMetrics(bad, join(d, 'data2'), quiet).catch((e: Error) => e);
    expect(err).toBeInstanceOf(BackfillInputError);
    expect((err as BackfillInputError).line).toBe(3);
    expect((err as Error).message).toBe(`${bad}:3: duplicate sample for timestamp 115 with a different value (3) for series a`);
    expect(blockDirs(join(d, 'data2'))).toEqual([]);
  });

  it('treats two spellings of one label set as one series', async () => {
    const d = dir();
    const f = writeOM(d, 'in.om', ['m{a="1",b="2"} 1 100', 'm{b="2",a="1"} 2 160', '# EOF']);
    await backfillOpenMetrics(f, join(d, 'data'), quiet);
    expect(await readBack(join(d, 'data'))).toEqual([{ labels: 'm{a="1", b="2"}', samples: [[100_000, 1], [160_000, 2]] }]);
  });

  it('decodes UTF-8 label values whatever the piece size', async () => {
    const d = dir();
    const f = writeOM(d, 'utf8.om', ['m{city="Zürich"} 1 100', 'm{city="東京"} 2 100', 'm{city="plain"} 3 100', '# EOF']);
    for (const pieceBytes of [5, 1 << 20]) {
      await backfillOpenMetrics(f, join(d, `data-${pieceBytes}`), { ...quiet, pieceBytes });
      expect((await readBack(join(d, `data-${pieceBytes}`))).map((x) => x.labels)).toEqual(['m{city="Zürich"}', 'm{city="plain"}', 'm{city="東京"}']);
    }
  });

  const bad: [string, string[], number, RegExp][] = [
    ['a malformed value', ['a 1 100', 'a x 115', '# EOF'], 2, /invalid value "x"/],
    ['a sample without a timestamp', ['a 1 100', 'b 2', '# EOF'], 2, /expected timestamp for series b, got none/],
    ['an out-of-order sample', ['a 1 100', 'a 2 90', '# EOF'], 2, /out of order sample at 90 for series a/],
    ['a missing # EOF', ['a 1 100', 'a 2 115'], 3, /missing "# EOF"/],
    ['text after # EOF', ['a 1 100', '# EOF', 'a 2 115'], 2, /text after "# EOF"/],
    ['an empty line', ['a 1 100', '', 'a 2 115', '# EOF'], 2, /empty line/],
  ];
  for (const [what, lines, line, message] of bad) {
    it(`refuses ${what}, naming the line, and leaves no block behind`, async () => {
      const d = dir();
      // Enough good lines first that blocks were written (tiny budget) before the bad line is met.
      const from = T0 - 10 * 7200;
      const good = Array.from({ length: 60 }, (_, k) => `early{k="${k % 3}"} ${k} ${from + Math.floor(k / 3) * 1800}`);
      for (const pieceBytes of [300, 1 << 20]) {
        const f = writeOM(d, 'bad.om', [...good, ...lines]);
        const data = join(d, `data-${pieceBytes}`);
        let blocks = 0;
        const err = await backfillOpenMetrics(f, data, { ...quiet, pieceBytes, memoryBudgetBytes: 1, onBlock: () => blocks++ }).catch((e: Error) => e);
        expect(err).toBeInstanceOf(BackfillInputError);
        expect((err as BackfillInputError).line).toBe(good.length + line);
        expect((err as Error).message).toMatch(message);
        expect((err as Error).message.startsWith(`${f}:${good.length + line}: `)).toBe(true);
        if (pieceBytes === 300) expect(blocks).toBeGreaterThan(0);
        expect(blockDirs(data)).toEqual([]);
      }
    });
  }

  it('is refused while a running hub holds the data directory, and writes nothing', async () => {
    const d = dir();
    const data = join(d, 'data');
    const db = await openDB(data, { background: false, log: () => undefined });
    try {
      const f = writeOM(d, 'in.om', ['a 1 100', '# EOF']);
      const err = await backfillOpenMetrics(f, data, quiet).catch((e: Error) => e);
      expect(err).toBeInstanceOf(DirectoryLockedError);
      expect(blockDirs(data)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('adds blocks a hub later started on the directory serves beside its own data', async () => {
    const d = dir();
    const data = join(d, 'data');
    const from = Math.floor(T0 / 7200) * 7200;
    const { lines, want } = history(3, from, from + 7200, 60, 'series');
    const res = await backfillOpenMetrics(writeOM(d, 'in.om', lines), data, quiet);
    const block = await openBlock(join(data, res.blocks[0].ulid));
    expect(block.meta.stats.numSamples).toBe(3 * 120);
    block.close();
    const db = await openDB(data, { background: false, log: () => undefined });
    try {
      expect(db.blocks().map((m) => m.ulid)).toEqual(res.blocks.map((m) => m.ulid));
      const app = db.appender();
      app.append(0, Labels.from({ __name__: 'live' }), (from + 7200) * 1000, 42);
      expect(app.commit().errors).toEqual([]);
    } finally {
      await db.close();
    }
    expect(await readBack(data)).toEqual([{ labels: 'live', samples: [[(from + 7200) * 1000, 42]] }, ...want]);
  });

  it('refuses a missing file naming it', async () => {
    const d = dir();
    await expect(backfillOpenMetrics(join(d, 'nope.om'), join(d, 'data'), quiet)).rejects.toThrow(/open .*nope\.om: ENOENT/);
  });
});
