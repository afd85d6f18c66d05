/**
 * Rule-file globs: `rule_files` entries are paths whose last element may contain `*`, `?` and
 * `[…]` (Prometheus allows patterns only there). Expansion is sorted; a pattern that matches
 * nothing contributes nothing, and a plain path is returned as is (loading then reports it).
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const MAGIC = /[*?[]/;

function toRegExp(pattern: string): RegExp {
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        src += '\\[';
        continue;
      }
      let cls = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
      src += `[${cls}]`;
      i = end;
    } else src += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}

/** expandRuleFileGlobs returns the files matching `patterns`, each list sorted, duplicates dropped. */
export async function expandRuleFileGlobs(patterns: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of patterns) {
    const base = basename(p);
    if (!MAGIC.test(base)) {
      out.push(p);
      continue;
    }
    const dir = dirname(p);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`expand rule file pattern ${p}: ${(err as Error).message}`, { cause: err });
    }
    const re = toRegExp(base);
    out.push(...names.filter((n) => re.test(n)).sort().map((n) => join(dir, n)));
  }
  return [...new Set(out)];
}
