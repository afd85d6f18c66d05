/**
 * The OpenMetrics 1.0 parser conformance runner: every case directory under the suite
 * (`<case>/test.json` + its metrics file) is parsed by OpenMetricsParser in strict mode, all
 * labels and exemplars decoded; a case passes when the input is accepted exactly if the case
 * says it should parse. Run as `npm run conformance -- openmetrics [DIR]`.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenMetricsParser } from '../../shared/exposition/openmetrics-parser.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** DEFAULT_SUITE_DIR: the suite beside the repository, wherever the checkout is. */
export const DEFAULT_SUITE_DIR = resolve(REPO_ROOT, '../shared/conformance/openmetrics/tests/testdata/parsers');

/** CaseResult: one case's outcome; `error` is the parser's message when it rejected the input. */
export interface CaseResult {
  name: string;
  shouldParse: boolean;
  passed: boolean;
  error?: string;
}

/** parseWholeExposition parses text to the end in strict mode, decoding every series fully. */
export function parseWholeExposition(text: string): void {
  const p = new OpenMetricsParser(text, { strict: true });
  for (let kind = p.next(); kind !== 'eof'; kind = p.next()) {
    if (kind === 'series') {
      p.labels();
      p.exemplar();
    }
  }
}

/** runSuite runs every case under dir, in name order. */
export function runSuite(dir: string): CaseResult[] {
  if (!existsSync(dir)) throw new Error(`OpenMetrics suite not found at ${dir}`);
  const results: CaseResult[] = [];
  for (const name of readdirSync(dir).sort()) {
    const specPath = join(dir, name, 'test.json');
    if (!existsSync(specPath)) continue;
    let spec: { type?: string; file?: string; shouldParse?: boolean };
    try {
      spec = JSON.parse(readFileSync(specPath, 'utf8'));
    } catch (err) {
      throw new Error(`read OpenMetrics case ${name}: ${(err as Error).message}`, { cause: err });
    }
    if (spec.type !== 'text' || typeof spec.shouldParse !== 'boolean') {
      throw new Error(`OpenMetrics case ${name}: unsupported test.json ${JSON.stringify(spec)}`);
    }
    const text = readFileSync(join(dir, name, spec.file ?? 'metrics'), 'utf8');
    let error: string | undefined;
    try {
      parseWholeExposition(text);
    } catch (err) {
      error = (err as Error).message;
    }
    results.push({ name, shouldParse: spec.shouldParse, passed: (error === undefined) === spec.shouldParse, error });
  }
  return results;
}

export default async function run(args: string[]): Promise<number> {
  const dir = args[0] ? resolve(args[0]) : DEFAULT_SUITE_DIR;
  let results: CaseResult[];
  try {
    results = runSuite(dir);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  let passed = 0;
  for (const r of results) {
    if (r.passed) passed++;
    else if (r.shouldParse) console.log(`FAIL ${r.name}: should parse, got: ${r.error}`);
    else console.log(`FAIL ${r.name}: should be rejected, but parsed`);
  }
  console.log(`${passed} passed, ${results.length - passed} failed`);
  return passed === results.length ? 0 : 1;
}
