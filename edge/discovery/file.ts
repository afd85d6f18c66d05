/**
 * File service discovery (`file_sd_configs`): reads JSON or YAML target group files named by
 * globs, re-reads them when their directory changes (fs.watch) and every refresh_interval, and
 * labels each group with `__meta_filepath`. A file that cannot be read or parsed keeps the groups
 * it had before and is reported with its name and line; a file that disappears takes its groups
 * with it.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileSDConfig } from '../../shared/config/sd.ts';
import { Labels } from '../../shared/model/labels.ts';
import { GroupsFormatError, parseGroupsDocument } from './groups-file.ts';
import type { Discoverer, DiscoveryListener, TargetGroup } from './types.ts';

/** FileDiscoverer: one file_sd_configs entry. */
export class FileDiscoverer implements Discoverer {
  readonly #config: FileSDConfig;
  readonly #watchers: FSWatcher[] = [];
  /** Groups by file path, from the last good read of each file. */
  #byFile = new Map<string, TargetGroup[]>();
  #timer: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #listener: DiscoveryListener | undefined;

  constructor(config: FileSDConfig) {
    this.#config = config;
  }

  start(listener: DiscoveryListener): void {
    this.#listener = listener;
    for (const dir of new Set(this.#config.files.map(dirname))) {
      try {
        const w = watch(dir, () => this.#schedule());
        w.on('error', (err) => listener.error(new Error(`file_sd: watch ${dir}: ${err.message}`, { cause: err })));
        this.#watchers.push(w);
      } catch (err) {
        // A directory that does not exist yet is found by the periodic refresh.
        listener.error(new Error(`file_sd: watch ${dir}: ${(err as Error).message}`, { cause: err }));
      }
    }
    const tick = () => {
      if (this.#stopped) return;
      this.refresh();
      this.#timer = setTimeout(tick, this.#config.refreshInterval);
    };
    tick();
  }

  /** refresh re-reads every matching file now and reports the result. Overlapping calls coalesce. */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        await this.#readAll();
      } while (this.#again && !this.#stopped);
      this.#refreshing = undefined;
    })();
    return this.#refreshing;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#debounce);
    for (const w of this.#watchers) w.close();
    await this.#refreshing;
  }

  #schedule(): void {
    // Editors write a file in several events; read once they settle.
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      if (!this.#stopped) void this.refresh();
    }, 50);
  }

  async #readAll(): Promise<void> {
    const files = await expandGlobs(this.#config.files);
    const next = new Map<string, TargetGroup[]>();
    for (const file of files) {
      try {
        next.set(file, await readGroupsFile(file));
      } catch (err) {
        const previous = this.#byFile.get(file);
        if (previous) next.set(file, previous);
        this.#listener?.error(err as Error);
      }
    }
    if (this.#stopped) return;
    this.#byFile = next;
    this.#listener?.update([...next.values()].flat());
  }
}

/** readGroupsFile reads one target group file; errors name the file (and line when known). */
export async function readGroupsFile(file: string): Promise<TargetGroup[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`file_sd: read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const format = /\.json$/i.test(file) ? 'json' : 'yaml';
  let parsed;
  try {
    parsed = parseGroupsDocument(text, format, file);
  } catch (err) {
    if (err instanceof GroupsFormatError) throw new Error(`file_sd: ${err.message}`, { cause: err });
    throw err;
  }
  return parsed.map((g, i) => ({
    source: `${file}:${i}`,
    targets: g.targets.map((address) => Labels.from({ __address__: address })),
    labels: g.labels.with('__meta_filepath', file),
  }));
}

/**
 * expandGlobs lists the files matching each pattern, sorted and unique. A pattern may hold `*`,
 * `?` and `[…]` in its last element, as file_sd_configs allows; a missing directory matches nothing.
 */
export async function expandGlobs(patterns: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const pattern of patterns) {
    const dir = dirname(pattern);
    const base = basename(pattern);
    if (!/[*?[]/.test(base)) {
      // Like Go's filepath.Glob, a literal path matches only when it exists.
      if (await stat(pattern).then(() => true, () => false)) out.add(pattern);
      continue;
    }
    const re = globToRegExp(base);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) if (re.test(name)) out.add(join(dir, name));
  }
  return [...out].sort();
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('^') ? '^' + body.slice(1) : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
