import { describe, expect, it } from 'vitest';
import { DEFAULT_SUITE_DIR, runSuite } from '../conformance/openmetrics.ts';

/** PASS_FLOOR: cases of the OpenMetrics parser suite that must pass (all 211 do). */
const PASS_FLOOR = 211;

describe('OpenMetrics conformance suite', () => {
  it(`passes at least ${PASS_FLOOR} cases`, () => {
    const results = runSuite(DEFAULT_SUITE_DIR);
    expect(results.length).toBe(211);
    const failed = results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.error ?? 'parsed'}`);
    expect(results.length - failed.length, failed.join('\n')).toBeGreaterThanOrEqual(PASS_FLOOR);
  });

  it('rejects bad cases with a line number', () => {
    for (const r of runSuite(DEFAULT_SUITE_DIR)) {
      if (!r.shouldParse && r.error !== undefined) expect(r.error, r.name).toMatch(/^line \d+: \S/);
    }
  });
});
