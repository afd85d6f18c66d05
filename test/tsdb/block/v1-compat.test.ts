import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore, type Core } from '../../../core-wasm/host/index.ts';
import { openBlock, type BlockEncoding } from '../../../shared/tsdb/block/index.ts';
import { sameColumns, slice } from './helpers.ts';
import { V1_START, v1Series } from './v1-series.ts';

let core: Core;
beforeAll(() => {
  core = loadCore();
});

const HOUR = 3600000;
const want = v1Series().map((s) => ({ ts: s.timestamps, vs: s.values }));

describe.each<BlockEncoding>(['dense', 'xor'])('a format-1 block (%s, series-major pages) written by an earlier version', (encoding) => {
  const parent = join(import.meta.dirname, 'fixtures', `v1-${encoding}`);
  const dir = join(parent, readdirSync(parent)[0]);

  it('reads back whole and by time range, bit for bit', async () => {
    const b = await openBlock(dir, { core });
    try {
      expect(b.meta.version).toBe(1);
      expect(b.meta.encoding).toBe(encoding);
      const ids = Uint32Array.from({ length: b.seriesCount }, (_, i) => i + 1);
      v1Series().forEach((s, i) => expect(b.labels(i + 1).equals(s.labels)).toBe(true));
      const all = b.load(ids);
      expect(sameColumns(all, want)).toBe('');
      all.release();
      for (const [lo, hi] of [[V1_START + 5 * HOUR, V1_START + 6 * HOUR], [V1_START + 90 * 60000, V1_START + 90 * 60000 + 1], [V1_START - 1, V1_START + 1]]) {
        const batch = b.load(ids, lo, hi);
        expect(sameColumns(batch, want.map((s) => slice(s, lo, hi)))).toBe('');
        batch.release();
        expect(sameColumns(b.readColumns(ids, lo, hi), want.map((s) => slice(s, lo, hi)))).toBe('');
      }
    } finally {
      b.close();
    }
  });
});
