import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUntilKilled } from '../../support/kill-child.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { openReplay, tempDir } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = 8;

/** runChild runs the writer until a random SIGKILL and returns the batches it acknowledged. */
function runChild(dir: string): Promise<number[]> {
  return runUntilKilled(join(here, 'crash-child.ts'), [dir], { minMs: 50, windowMs: 600, minAcks: 11, guardMs: 15_000 });
}

describe('crash safety', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it(`every acknowledged batch survives ${ROUNDS} SIGKILLs exactly once`, async () => {
    const acked = new Set<number>();
    let checked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const k of await runChild(t.dir)) acked.add(k);
      const { wal, records } = await openReplay(t.dir);
      await wal.close();
      const seen = new Map<number, number>();
      for (const r of records) {
        if (r.type !== 'samples') continue;
        const k = r.t as number;
        seen.set(k, (seen.get(k) ?? 0) + 1);
        // Values come back with the batch's exact bits.
        for (let i = 0; i < r.refs.length; i++) expect(r.values[i]).toBe(k * r.refs[i]);
      }
      for (const [k, n] of seen) if (n !== 1) expect.fail(`batch ${k} replayed ${n} times after round ${round}`);
      for (const k of acked) if (!seen.has(k)) expect.fail(`acknowledged batch ${k} lost after round ${round}`);
      checked = acked.size;
    }
    expect(checked).toBeGreaterThan(ROUNDS * 10);
  }, 120_000);
});
