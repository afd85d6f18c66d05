/**
 * The rule-file conformance runner: every rulefmt case listed in the suite's MANIFEST.md
 * ("must parse" files, and "must fail" files with the substring their error must contain), plus
 * the rule files the MANIFEST names elsewhere (check-rules, unittest, rules-manager fixtures)
 * whose outcome it states. Files whose name says "legacy" load with legacy name validation.
 * Run as `npm run conformance -- rules [DIR]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRuleFile, RuleFileError } from '../../shared/rules/file.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** DEFAULT_SUITE_DIR: the suite beside the repository, wherever the checkout is. */
export const DEFAULT_SUITE_DIR = resolve(REPO_ROOT, '../shared/conformance/rules');

/** RuleCase: one file and its expected outcome (`expectError` undefined: must load). */
export interface RuleCase {
  file: string;
  expectError?: string;
}

export interface CaseResult extends RuleCase {
  passed: boolean;
  error?: string;
}

/**
 * OTHER_CASES: outcomes MANIFEST.md states in prose outside the rulefmt section: check-rules'
 * rules-bad.yml fails (its template uses the undefined `$label`), the unittest rule files load
 * except the syntax-error one and the one with unknown fields (promtool needs
 * --ignore-unknown-fields for it), and the manager fixture invalid_rules.yaml fails.
 */
const OTHER_CASES: RuleCase[] = [
  { file: 'check-rules/rules-bad.yml', expectError: 'undefined variable "$label"' },
  { file: 'check-rules/rules_duplicates.yml' },
  { file: 'check-rules/rules_large.yml' },
  { file: 'unittest/rules.yml' },
  { file: 'unittest/at-modifier.yml' },
  { file: 'unittest/negative-offset.yml' },
  { file: 'unittest/bad-rules-error.yml' },
  { file: 'unittest/bad-rules-syntax.yml', expectError: 'parse error' },
  { file: 'unittest/rules_extrafields.yml', expectError: 'not found in type' },
  { file: 'rules-manager-fixtures/invalid_rules.yaml', expectError: 'field unexpected_field not found' },
];

/** manifestCases reads the rulefmt section of MANIFEST.md. */
export function manifestCases(dir: string): RuleCase[] {
  const text = readFileSync(join(dir, 'MANIFEST.md'), 'utf8');
  const start = text.indexOf('## rulefmt/');
  if (start < 0) throw new Error(`${dir}/MANIFEST.md: no "## rulefmt/" section`);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  const cases: RuleCase[] = [];
  const good = /Must parse with no errors:([\s\S]*?)\n\n/.exec(section);
  if (!good) throw new Error('MANIFEST.md: no "Must parse with no errors" list in the rulefmt section');
  for (const m of good[1].matchAll(/`([^`]+\.ya?ml)`/g)) cases.push({ file: `rulefmt/${m[1]}` });
  for (const m of section.matchAll(/^\| ([^|\s]+\.ya?ml) \| `(.+)` \|/gm)) cases.push({ file: `rulefmt/${m[1]}`, expectError: m[2] });
  return cases;
}

/** runSuite loads every case under dir. */
export async function runSuite(dir: string): Promise<CaseResult[]> {
  if (!existsSync(join(dir, 'MANIFEST.md'))) throw new Error(`rules suite not found at ${dir}`);
  const results: CaseResult[] = [];
  for (const c of [...manifestCases(dir), ...OTHER_CASES]) {
    let error: string | undefined;
    try {
      await loadRuleFile(join(dir, c.file), { scheme: c.file.includes('legacy') ? 'legacy' : 'utf8' });
    } catch (err) {
      if (!(err instanceof RuleFileError)) throw err;
      error = err.message;
    }
    const passed = c.expectError === undefined ? error === undefined : error !== undefined && error.includes(c.expectError);
    results.push({ ...c, passed, error });
  }
  return results;
}

export default async function run(args: string[]): Promise<number> {
  const dir = args[0] ? resolve(args[0]) : DEFAULT_SUITE_DIR;
  let results: CaseResult[];
  try {
    results = await runSuite(dir);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  let passed = 0;
  for (const r of results) {
    if (r.passed) passed++;
    else if (r.expectError === undefined) console.log(`FAIL ${r.file}: should load, got: ${r.error}`);
    else console.log(`FAIL ${r.file}: should fail with ${JSON.stringify(r.expectError)}, got: ${r.error ?? 'no error'}`);
  }
  console.log(`${passed} passed, ${results.length - passed} failed`);
  return passed === results.length ? 0 : 1;
}
