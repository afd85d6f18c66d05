/**
 * The benchmark dispatcher: `npm run bench [NAME…]` runs test/bench/NAME.bench.ts (all of them when
 * none is named). Each prints its figures as Markdown tables; nothing here asserts a timing.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
console.log(`# Outpost benchmarks — node ${process.version}, ${new Date().toISOString()}\n`);
for (const name of wanted.length ? wanted : all) {
  console.log(`## ${name}\n`);
  const mod = (await import(`./${name}.bench.ts`)) as { default: () => Promise<void> };
  await mod.default();
  console.log('');
}
