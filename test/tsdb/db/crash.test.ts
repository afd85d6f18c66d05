import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUntilKilled } from '../../support/kill-child.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { Matcher } from '../../../shared/model/matcher.ts';
import { read } from '../../storage/suite.ts';
import { open, tempDir } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = 6;
const BLOCK_RANGE_MS = 60_000; // a block per 60 batches: cuts happen while the child runs

/** runChild runs the writer until a random SIGKILL and returns the batches it acknowledged. */
function runChild(dir: string): Promise<number[]> {
  return runUntilKilled(join(here, 'crash-child.ts'), [dir, String(BLOCK_RANGE_MS)], { minMs: 100, windowMs: 700, minAcks: 11, guardMs: 20_000 });
}

describe('crash safety of the durable TSDB', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it(`every acknowledged batch survives ${ROUNDS} SIGKILLs, once`, async () => {
    const acked = new Set<number>();
    let blocks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const k of await runChild(t.dir)) acked.add(k);
      // The child is dead, its lock stale: opening takes it over.
      const db = await open(t.dir);
      expect(db.replay.skippedUnknownSeries).toBe(0);
      blocks = db.blocks().length;
      const got = read(db.querier(-Infinity, Infinity), [new Matcher('=', '__name__', 'crash'), new Matcher('=', 'born', '')]);
      await db.close();
      expect(got).toHaveLength(20);
      for (const s of got) {
        const i = Number(/i="(\d+)"/.exec(s.labels)![1]);
        const seen = new Set<number>();
        for (const [ts, v] of s.samples) {
          const k = ts / 1000;
          if (seen.has(k)) expect.fail(`batch ${k} stored twice in ${s.labels} after round ${round}`);
          seen.add(k);
          expect(v).toBe(k * (i + 1));
        }
        for (const k of acked) if (!seen.has(k)) expect.fail(`acknowledged batch ${k} lost from ${s.labels} after round ${round}`);
      }
    }
    expect(acked.size).toBeGreaterThan(ROUNDS * 10);
    // With a 60 s block range and a batch per second of data, the child cut blocks as it ran.
    if (Math.max(...acked) >= 2 * BLOCK_RANGE_MS / 1000) expect(blocks).toBeGreaterThan(0);
  }, 180_000);
});
