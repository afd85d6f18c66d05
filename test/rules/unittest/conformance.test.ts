/**
 * The rule unit-test conformance floor: promtool's own test-rules inputs must give the outcomes
 * MANIFEST.md states. Raise FLOOR as support grows; never lower it to go green.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUITE_DIR } from '../../conformance/rules.ts';
import { manifestCases, parseOutcomes, runSuite } from '../../conformance/rulesunittest.ts';
import { testRuleFile } from '../../../shared/rules/unittest/index.ts';

/** FLOOR: MANIFEST outcomes reproduced (of 19; unittest.yml needs native histograms). */
const FLOOR = 18;

describe('rule unit-test conformance', () => {
  it(`reproduces at least ${FLOOR} MANIFEST outcomes`, async () => {
    const results = await runSuite(DEFAULT_SUITE_DIR);
    const failed = results.filter((r) => !r.passed).map((r) => `${r.file}: ${r.detail}`);
    expect(results.filter((r) => r.passed).length, failed.join('\n')).toBeGreaterThanOrEqual(FLOOR);
  });

  it('fails unittest.yml only for its native histograms', async () => {
    const res = await testRuleFile(join(DEFAULT_SUITE_DIR, 'unittest', 'unittest.yml'), {}, () => {});
    expect(res.failures.map((f) => f.kind)).toEqual(Array(6).fill('unsupported'));
  });

  it('reads every outcome form of the MANIFEST table', () => {
    expect(manifestCases(DEFAULT_SUITE_DIR).length).toBe(19);
    expect(parseOutcomes('a.yml', '1 for all / `--run correct --run wrong`; 0 for `--run correct`; 1 for `--run wrong`')).toEqual([
      { file: 'a.yml', opts: {}, exit: 1, reason: undefined },
      { file: 'a.yml', opts: { run: ['correct', 'wrong'] }, exit: 1, reason: undefined },
      { file: 'a.yml', opts: { run: ['correct'] }, exit: 0, reason: undefined },
      { file: 'a.yml', opts: { run: ['wrong'] }, exit: 1, reason: undefined },
    ]);
    expect(parseOutcomes('b.yml', '1 without `@` modifier; 0 with EnableAtModifier')).toEqual([{ file: 'b.yml', opts: {}, exit: 0, reason: undefined }]);
    expect(parseOutcomes('c.yml', '1 (invalid input_series)')).toEqual([{ file: 'c.yml', opts: {}, exit: 1, reason: 'invalid input_series' }]);
    expect(parseOutcomes('d.yml', '0 (EnableNegativeOffset)')).toEqual([{ file: 'd.yml', opts: {}, exit: 0, reason: undefined }]);
    expect(() => parseOutcomes('e.yml', '0 with `--debug`')).toThrow(/e.yml: cannot read options/);
  });
});
