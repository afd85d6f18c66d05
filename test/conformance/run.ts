/**
 * The conformance dispatcher: `npm run conformance -- SUITE [ARGS…]` runs one suite's runner
 * (test/conformance/SUITE.ts, whose default export takes the remaining arguments and returns the
 * exit code). Each runner prints its results and a final `N passed, N failed` line.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.includes('-'))
  .map((f) => f.slice(0, -3));

const [suite, ...args] = process.argv.slice(2);
if (!suite || !existsSync(join(here, `${suite}.ts`)) || suite === 'run') {
  console.error(`usage: npm run conformance -- SUITE [DIR]\nsuites: ${suites.join(', ')}`);
  process.exit(2);
}
const runner = (await import(`./${suite}.ts`)) as { default: (args: string[]) => Promise<number> };
process.exitCode = await runner.default(args);
