// build-wasm: compiles core-wasm/assembly into core-wasm/build/outpost.wasm with asc's
// release target (-O3). Runs on `npm install` (prepare) and before start, test and bench;
// it does nothing when the build is newer than every AssemblyScript source and asconfig.json.
// `--force` rebuilds regardless.
import { statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from './mtime.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'core-wasm/build/outpost.wasm');
const force = process.argv.includes('--force');

const sources = Math.max(newestMtime(join(root, 'core-wasm/assembly')), statSync(join(root, 'asconfig.json')).mtimeMs);
if (!force && existsSync(out) && statSync(out).mtimeMs >= sources) process.exit(0);

let asc;
try {
  asc = (await import('assemblyscript/asc')).default;
} catch (err) {
  console.error('build-wasm: the AssemblyScript compiler is not installed; run `npm install` first.', err.message);
  process.exit(1);
}
const started = Date.now();
const { error, stderr } = await asc.main(['--config', join(root, 'asconfig.json'), '--target', 'release'], {
  stdout: process.stdout,
  stderr: process.stderr,
});
if (error) {
  console.error(`build-wasm: asc failed: ${error.message}`);
  process.exit(1);
}
console.error(`build-wasm: built ${out} in ${Date.now() - started} ms`);
