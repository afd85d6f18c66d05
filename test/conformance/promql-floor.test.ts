/**
 * The PromQL conformance floor: runs Prometheus' promqltest scripts through the engine and fails
 * when fewer cases pass than FLOOR (raise it as the engine improves; never lower it to go green).
 */
import { describe, expect, it } from 'vitest';
import { runConformance } from './promql.ts';

/** FLOOR: the passed count reached; the run must not fall below it. */
const FLOOR = 899;

describe('PromQL conformance', () => {
  it(`passes at least ${FLOOR} upstream eval cases`, async () => {
    const r = await runConformance();
    const failures = r.files.flatMap((f) => f.failures.map((x) => `${f.file} ${x}`));
    expect(r.passed, failures.slice(0, 20).join('\n')).toBeGreaterThanOrEqual(FLOOR);
  }, 600_000);
});
