// mtime: the build scripts' staleness test — the newest modification time of the files under a
// directory (optionally only those whose name ends with `suffix`), in ms.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** newestMtime walks `dir` and returns the newest mtime of its files ending in `suffix`, 0 if none. */
export function newestMtime(dir, suffix = '') {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, suffix));
    else if (entry.name.endsWith(suffix)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
