// bundle: compiles the `outpost` command (bin/main.ts and everything it imports from bin/, shared/,
// hub/, edge/ and core-wasm/host/) into one ES module, dist/outpost.mjs, with esbuild (which tsx
// brings), and the query worker's entry (shared/promql/parallel/worker.ts, a thread the hub and
// the edge start for long queries) into dist/query-worker.mjs beside it. Packages under
// node_modules stay imports. bin/outpost.js runs the bundle, so a running
// hub or edge carries no TypeScript loader (tsx's loader thread and caches cost an idle hub about
// 37 MB of RSS).
//
// ensureBundle() rebuilds only when a source is newer than the bundle, so an edited checkout runs
// its edits. Several processes may start at once: each writes its own temporary file and renames
// it into place. `node scripts/bundle.js [--force]` builds from the command line.
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from './mtime.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bundlePath = join(root, 'dist/outpost.mjs');
/** The bundles and their entry points; outpost.mjs is written last (its rename makes a build visible). */
const ENTRIES = { 'query-worker': 'shared/promql/parallel/worker.ts', outpost: 'bin/main.ts' };
const SOURCES = ['bin', 'shared', 'hub', 'edge', 'core-wasm/host'];

/** stale: whether the bundle is missing or older than a source, package.json or this script. */
function stale() {
  if (Object.keys(ENTRIES).some((name) => !existsSync(join(root, 'dist', `${name}.mjs`)))) return true;
  const built = statSync(bundlePath).mtimeMs;
  const inputs = [join(root, 'package.json'), fileURLToPath(import.meta.url)].map((f) => statSync(f).mtimeMs);
  return Math.max(...inputs, ...SOURCES.map((d) => newestMtime(join(root, d), '.ts'))) > built;
}

async function build() {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(root, file)])),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    sourcesContent: false,
    outdir: join(root, 'dist'),
    // Both bundles carry the same build id: the hub refuses a query worker from another build.
    define: { __OUTPOST_BUILD__: JSON.stringify(`${Date.now().toString(36)}-${process.pid}`) },
    outExtension: { '.js': '.mjs' },
    write: false,
    logLevel: 'error',
  });
  mkdirSync(dirname(bundlePath), { recursive: true });
  // The maps first (a bundle names its map), then the worker, and outpost.mjs last: its rename is
  // what makes the build visible.
  const rank = (f) => (f.path.endsWith('.map') ? 0 : f.path === bundlePath ? 2 : 1);
  for (const file of [...result.outputFiles].sort((a, b) => rank(a) - rank(b))) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.path.endsWith('.map') ? file.contents : asciiOnly(file.text));
    renameSync(tmp, file.path);
  }
}

/**
 * asciiOnly replaces each character above U+007F with '?'. esbuild already escapes them in
 * strings, templates, regular expressions and names, so what is left is in comments. V8 keeps a
 * module's source in memory as long as the process runs, two bytes per character once one
 * character needs it: about 1 MB more for this bundle. One character for one keeps every line
 * and column of the source map true.
 */
function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/g, '?');
}

/**
 * ensureBundle builds dist/outpost.mjs when it is missing or stale and returns its path. Where
 * dist/ cannot be written (an installation owned by another user, a read-only file system), an
 * existing bundle runs as it is, with a warning.
 */
export async function ensureBundle() {
  if (!stale()) return bundlePath;
  try {
    await build();
  } catch (err) {
    if (!['EACCES', 'EPERM', 'EROFS'].includes(err?.code) || !existsSync(bundlePath)) throw err;
    console.error(`outpost: cannot rebuild ${bundlePath} (${err.code}); running the existing bundle, which may be older than the sources`);
  }
  return bundlePath;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  if (process.argv.includes('--force') || stale()) {
    await build();
    console.error(`bundle: built ${bundlePath} in ${Date.now() - started} ms`);
  }
}
