/**
 * The rule unit-test conformance runner: every `promtool test rules` input listed in the
 * unittest/ table of the rules suite's MANIFEST.md is run through Outpost's test-rules, once per
 * outcome the table states (plain, with `--run …`, with `--ignore-unknown-fields`), and must give
 * that exit status; an expected failure must also fail for the stated reason where the table
 * gives one. Outcomes that need a feature switched off (promtool without the `@` modifier) are
 * not run: Outpost, like the real promtool, always enables it.
 * Run as `npm run conformance -- rulesunittest [DIR]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { testRuleFile, type FileResult, type TestRulesOptions } from '../../shared/rules/unittest/index.ts';
import { DEFAULT_SUITE_DIR } from './rules.ts';

/** UnitTestCase: one test file run with options, and the outcome MANIFEST.md states. */
export interface UnitTestCase {
  file: string;
  opts: TestRulesOptions;
  exit: 0 | 1;
  /** reason: the MANIFEST's words for why it fails, if it gives them. */
  reason?: string;
}

export interface UnitTestCaseResult extends UnitTestCase {
  passed: boolean;
  detail: string;
}

/** REASON_KINDS: which failure kinds count as the failure reason the MANIFEST names. */
const REASON_KINDS: [RegExp, string[]][] = [
  [/input_series/, ['test-file', 'input']],
  [/PromQL/, ['query']],
  [/rule file syntax/, ['rule-file']],
  [/rule evaluation/, ['rule-eval']],
  [/deliberately fail/, ['alerts', 'samples']],
  [/float compare|fuzzy_compare/, ['samples']],
];

/** describeOpts: the options as a promtool command line would spell them. */
export function describeOpts(o: TestRulesOptions): string {
  const parts = [...(o.run ?? []).map((r) => `--run ${r}`), ...(o.ignoreUnknownFields ? ['--ignore-unknown-fields'] : [])];
  return parts.join(' ');
}

/**
 * parseOutcomes reads one "expected exit" cell into the cases it describes, e.g.
 * `1 for all / \`--run correct --run wrong\`; 0 for \`--run correct\``. Throws for wording it
 * does not know, so that a new MANIFEST row is noticed rather than skipped.
 */
export function parseOutcomes(file: string, cell: string): UnitTestCase[] {
  const out: UnitTestCase[] = [];
  for (const clause of cell.split(/;\s*|,\s+(?=[01]\s)/)) {
    const m = /^([01])\b\s*(.*)$/.exec(clause.trim());
    if (!m) throw new Error(`MANIFEST.md: ${file}: cannot read outcome ${JSON.stringify(clause)}`);
    const exit = Number(m[1]) as 0 | 1;
    let rest = m[2].trim();
    if (/^without\b/.test(rest)) continue;
    let reason: string | undefined;
    const paren = /\(([^()]*)\)\s*$/.exec(rest);
    if (paren) {
      rest = rest.slice(0, paren.index).trim();
      if (!/^Enable\w+$/.test(paren[1].trim())) reason = paren[1].trim();
    }
    rest = rest.replace(/^with\s+Enable\w+$/, '').trim();
    const alternatives = rest.replace(/^(for|with)\s+/, '').split(/\s+\/\s+/);
    for (const alt of alternatives) {
      const text = alt.replace(/`/g, '').trim();
      const opts: TestRulesOptions = {};
      if (text === '' || text === 'all') {
        // the plain run
      } else if (/^(--run \S+\s*)+$/.test(text)) {
        opts.run = [...text.matchAll(/--run (\S+)/g)].map((r) => r[1]);
      } else if (text === '--ignore-unknown-fields') {
        opts.ignoreUnknownFields = true;
      } else {
        throw new Error(`MANIFEST.md: ${file}: cannot read options ${JSON.stringify(alt)}`);
      }
      out.push({ file, opts, exit, reason });
    }
  }
  return out;
}

/** manifestCases reads the unittest/ table of MANIFEST.md. */
export function manifestCases(dir: string): UnitTestCase[] {
  const text = readFileSync(join(dir, 'MANIFEST.md'), 'utf8');
  const start = text.indexOf('## unittest/');
  if (start < 0) throw new Error(`${dir}/MANIFEST.md: no "## unittest/" section`);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  const cases: UnitTestCase[] = [];
  for (const m of section.matchAll(/^\| ([^|\s]+\.ya?ml) \|(?:[^|]*\|){4} (.+) \|$/gm)) cases.push(...parseOutcomes(m[1], m[2].trim()));
  if (cases.length === 0) throw new Error(`${dir}/MANIFEST.md: no test files in the unittest/ table`);
  return cases;
}

/** judge decides whether a run gave the expected outcome, and says why not. */
export function judge(c: UnitTestCase, res: FileResult): { passed: boolean; detail: string } {
  const got = res.passed ? 0 : 1;
  const first = res.failures[0]?.message.trim().split('\n').slice(0, 3).join(' ') ?? '';
  if (got !== c.exit) return { passed: false, detail: `expected exit ${c.exit}, got ${got}${first ? `: ${first}` : ''}` };
  if (c.exit === 0 || c.reason === undefined) return { passed: true, detail: '' };
  const kinds = REASON_KINDS.find(([re]) => re.test(c.reason!))?.[1];
  if (!kinds) return { passed: false, detail: `MANIFEST reason ${JSON.stringify(c.reason)} is not one this runner knows` };
  if (res.failures.some((f) => kinds.includes(f.kind))) return { passed: true, detail: '' };
  return { passed: false, detail: `failed, but not for ${JSON.stringify(c.reason)}: ${res.failures.map((f) => f.kind).join(', ')}: ${first}` };
}

/** runSuite runs every case of the suite in `dir`. */
export async function runSuite(dir: string): Promise<UnitTestCaseResult[]> {
  if (!existsSync(join(dir, 'MANIFEST.md'))) throw new Error(`rules suite not found at ${dir}`);
  const results: UnitTestCaseResult[] = [];
  for (const c of manifestCases(dir)) {
    const res = await testRuleFile(join(dir, 'unittest', c.file), c.opts, () => {});
    results.push({ ...c, ...judge(c, res) });
  }
  return results;
}

export default async function run(args: string[]): Promise<number> {
  const dir = args[0] ? resolve(args[0]) : DEFAULT_SUITE_DIR;
  let results: UnitTestCaseResult[];
  try {
    results = await runSuite(dir);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  let passed = 0;
  for (const r of results) {
    const name = `${r.file}${describeOpts(r.opts) ? ` (${describeOpts(r.opts)})` : ''}`;
    if (r.passed) passed++;
    console.log(r.passed ? `PASS ${name}` : `FAIL ${name}: ${r.detail}`);
  }
  console.log(`${passed} passed, ${results.length - passed} failed`);
  return passed === results.length ? 0 : 1;
}
