/**
 * version: Outpost's version, read from the package.json of the nearest directory above this
 * module. That is the repository's root both when the sources run (shared/cli/) and when the
 * precompiled bundle runs (dist/, see scripts/bundle.js).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageJSON(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return file;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const version = JSON.parse(readFileSync(packageJSON(), 'utf8')).version as string;
