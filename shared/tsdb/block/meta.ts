/**
 * meta.json: what a block covers and holds. It is written last into the block's temporary
 * directory and read first on open; a meta that does not parse or is inconsistent makes the
 * block corrupt (CorruptionError naming meta.json).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptionError } from './errors.ts';
import { META_FILE, versionProblem, type BlockEncoding } from './format.ts';
import { isULID } from './ulid.ts';

/** BlockStats: counts and sizes of one block. */
export interface BlockStats {
  numSeries: number;
  numSamples: number;
  numChunks: number;
  numPages: number;
  /** Bytes of the index and chunks files. */
  indexBytes: number;
  chunkBytes: number;
}

/** BlockCompaction: where a block came from. Level 1 is a head cut; compaction adds one. */
export interface BlockCompaction {
  level: number;
  /** The level-1 blocks whose data this block holds (itself when it is one). */
  sources: string[];
  /** The blocks merged to make this one (empty for a head cut). */
  parents: string[];
}

/** BlockMeta: the contents of meta.json. Time range [minTime, maxTime) in Unix ms. */
export interface BlockMeta {
  ulid: string;
  minTime: number;
  maxTime: number;
  stats: BlockStats;
  compaction: BlockCompaction;
  encoding: BlockEncoding;
  version: number;
}

/** encodeMeta: the JSON text written to meta.json. */
export function encodeMeta(meta: BlockMeta): string {
  return JSON.stringify(meta, null, 1) + '\n';
}

/** readMeta reads and checks `dir`/meta.json; damage is a CorruptionError. */
export async function readMeta(dir: string): Promise<BlockMeta> {
  const file = join(dir, META_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CorruptionError(file, 0, 'meta.json is missing', { cause: err });
    throw new Error(`read block meta ${file}: ${(err as Error).message}`, { cause: err });
  }
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (err) {
    throw new CorruptionError(file, 0, `not JSON: ${(err as Error).message}`, { cause: err });
  }
  const why = checkMeta(m);
  if (why) throw new CorruptionError(file, 0, why);
  return m as BlockMeta;
}

function isCount(x: unknown): boolean {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

/** checkMeta returns what is wrong with a parsed meta.json, or '' when it is well formed. */
function checkMeta(m: unknown): string {
  if (typeof m !== 'object' || m === null) return 'not an object';
  const o = m as Record<string, unknown>;
  const version = versionProblem(o.version);
  if (version) return version;
  if (typeof o.ulid !== 'string' || !isULID(o.ulid)) return `bad ulid ${JSON.stringify(o.ulid)}`;
  if (!Number.isSafeInteger(o.minTime) || !Number.isSafeInteger(o.maxTime) || (o.minTime as number) >= (o.maxTime as number)) {
    return `bad time range [${String(o.minTime)}, ${String(o.maxTime)})`;
  }
  if (o.encoding !== 'dense' && o.encoding !== 'xor') return `unknown encoding ${JSON.stringify(o.encoding)}`;
  const s = o.stats as Record<string, unknown> | undefined;
  if (typeof s !== 'object' || s === null) return 'stats missing';
  for (const k of ['numSeries', 'numSamples', 'numChunks', 'numPages', 'indexBytes', 'chunkBytes']) {
    if (!isCount(s[k])) return `stats.${k} is not a count`;
  }
  const c = o.compaction as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null || !Number.isSafeInteger(c.level) || (c.level as number) < 1) return 'compaction.level missing';
  for (const k of ['sources', 'parents']) {
    const list = c[k];
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && isULID(x))) return `compaction.${k} is not a list of ids`;
  }
  return '';
}
