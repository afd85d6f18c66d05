/**
 * Running rule unit-test files as `promtool test rules` does: each file is parsed, its
 * rule_files (relative to the file, globs allowed) are loaded, and each test group (those whose
 * name matches `run`, when given) runs on its own storage. Per file it prints `SUCCESS`, or
 * `FAILED:` and every failure, and the exit status is 0 only when every file passed.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfigError, joinDir } from '../../config/yaml-value.ts';
import { parseRuleFile, RuleFileError, type RuleGroupSpec } from '../file.ts';
import { expandRuleFileGlobs } from '../glob.ts';
import { runTestGroup, type TestFailure } from './run-group.ts';
import { loadTestFile, type UnitTestFile } from './test-file.ts';
import { blankUnknownRuleFields } from './unknown-fields.ts';

export interface TestRulesOptions {
  /** run: regular expressions; only test groups whose name matches one of them run. */
  run?: readonly string[];
  /** ignoreUnknownFields: accept rule files with keys Prometheus does not know (they are ignored). */
  ignoreUnknownFields?: boolean;
}

/** TestOutput: where results go; `out` is stdout-like, `err` stderr-like. One line per call. */
export interface TestOutput {
  out(line: string): void;
  err(line: string): void;
}

/** FileResult: one test file's outcome. A malformed file has one failure of kind 'test-file'. */
export interface FileResult {
  file: string;
  passed: boolean;
  failures: (TestFailure | { kind: 'test-file'; message: string })[];
}

/** runFilter builds the test-name filter from `run` patterns (null: run everything). */
export function runFilter(run: readonly string[] | undefined): RegExp | null {
  if (!run || run.length === 0) return null;
  return new RegExp(run.join('|'));
}

/**
 * loadRules loads the rule files of a test file; patterns matching nothing are reported through
 * `warn` and skipped, as promtool does. Throws RuleFileError for a file that cannot be used.
 */
export async function loadRules(tf: UnitTestFile, ignoreUnknownFields: boolean, warn: (msg: string) => void): Promise<RuleGroupSpec[]> {
  const files: string[] = [];
  for (const pattern of tf.ruleFiles) {
    const resolved = joinDir(tf.dir, pattern);
    const matched = (await expandRuleFileGlobs([resolved])).filter((f) => existsSync(f));
    if (matched.length === 0) warn(`  WARNING: no file match pattern ${resolved}`);
    for (const f of matched) if (!files.includes(f)) files.push(f);
  }
  const specs: RuleGroupSpec[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (err) {
      throw new RuleFileError(f, [`cannot read rule file: ${(err as Error).message}`], { cause: err });
    }
    specs.push(...parseRuleFile(ignoreUnknownFields ? blankUnknownRuleFields(text) : text, f));
  }
  return specs;
}

/** testRuleFile runs one test file and returns its outcome; it prints nothing but warnings. */
export async function testRuleFile(path: string, opts: TestRulesOptions, warn: (msg: string) => void): Promise<FileResult> {
  let tf: UnitTestFile;
  try {
    tf = await loadTestFile(path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { file: path, passed: false, failures: [{ kind: 'test-file', message: err.message }] };
  }
  const filter = runFilter(opts.run);
  const failures: FileResult['failures'] = [];
  let rules: RuleGroupSpec[] | null = null;
  for (const tg of tf.tests) {
    if (filter && !filter.test(tg.name)) continue;
    if (rules === null) {
      try {
        rules = await loadRules(tf, opts.ignoreUnknownFields ?? false, warn);
      } catch (err) {
        if (!(err instanceof RuleFileError)) throw err;
        // promtool reports a bad rule file from every test group that loads it; once is enough.
        failures.push({ kind: 'rule-file', message: `    ${err.message}` });
        break;
      }
    }
    failures.push(...(await runTestGroup(tf, tg, rules, warn)));
  }
  return { file: path, passed: failures.length === 0, failures };
}

/** testRules runs every file, prints promtool-style results, and returns the exit code. */
export async function testRules(files: readonly string[], opts: TestRulesOptions, output: TestOutput): Promise<number> {
  let failed = false;
  for (const file of files) {
    output.out(`Unit Testing:  ${file}`);
    const res = await testRuleFile(file, opts, (msg) => output.err(msg));
    if (res.passed) {
      output.out('  SUCCESS');
    } else {
      failed = true;
      output.err('  FAILED:');
      for (const f of res.failures) {
        output.err(f.message);
        output.err('');
      }
    }
    output.out('');
  }
  return failed ? 1 : 0;
}
