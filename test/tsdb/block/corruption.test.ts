import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, truncateSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore, type Core } from '../../../core-wasm/host/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { CorruptionError, openBlock, writeBlock, type BlockEncoding, type BlockMeta } from '../../../shared/tsdb/block/index.ts';
import { tempDir } from './helpers.ts';

const T0 = 1_700_000_000_000;
let core: Core;
let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  core = loadCore();
});
afterEach(() => tmp?.cleanup());

async function twoBlocks(encoding: BlockEncoding): Promise<[BlockMeta, BlockMeta]> {
  const series = Array.from({ length: 200 }, (_, i) => ({
    labels: Labels.from({ __name__: 'm', i: String(i).padStart(4, '0') }),
    timestamps: Float64Array.from({ length: 100 }, (_, j) => T0 + j * 1000),
    values: Float64Array.from({ length: 100 }, (_, j) => Math.sin(i * j)),
  }));
  const a = await writeBlock(tmp.dir, series, { encoding, core, pageBytes: 4096, quality: 4 });
  const b = await writeBlock(tmp.dir, series, { encoding, core, pageBytes: 4096, quality: 4 });
  return [a!, b!];
}

function flip(file: string, at: number): void {
  const b = readFileSync(file);
  b[at] ^= 0x40;
  writeFileSync(file, b);
}

/** expectCorrupt runs fn and checks it raises CorruptionError naming `file`, at `offset` if given. */
async function expectCorrupt(fn: () => unknown, file: string, offset?: number): Promise<CorruptionError> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CorruptionError);
  const c = err as CorruptionError;
  expect(c.file).toBe(file);
  if (offset !== undefined) expect(c.offset).toBe(offset);
  expect(c.message).toContain(file);
  return c;
}

describe.each<BlockEncoding>(['dense', 'xor'])('corrupt blocks (%s)', (encoding) => {
  const cases: { name: string; file: string; damage: (path: string, meta: BlockMeta) => void; atLoad: boolean; offset?: number }[] = [
    { name: 'meta.json not JSON', file: 'meta.json', damage: (p) => writeFileSync(p, '{"ulid":'), atLoad: false, offset: 0 },
    { name: 'meta.json missing', file: 'meta.json', damage: (p) => rmSync(p), atLoad: false },
    { name: 'meta.json with a bad time range', file: 'meta.json', damage: (p) => writeFileSync(p, readFileSync(p, 'utf8').replace(/"maxTime": \d+/, '"maxTime": 1')), atLoad: false },
    { name: 'index bit flip in the body', file: 'index', damage: (p) => flip(p, statSync(p).size - 5), atLoad: false, offset: 21 },
    { name: 'index bad magic', file: 'index', damage: (p) => flip(p, 0), atLoad: false, offset: 0 },
    { name: 'index truncated', file: 'index', damage: (p) => truncateSync(p, statSync(p).size - 1), atLoad: false },
    { name: 'index truncated to its header', file: 'index', damage: (p) => truncateSync(p, 10), atLoad: false, offset: 0 },
    { name: 'chunks truncated', file: 'chunks', damage: (p) => truncateSync(p, statSync(p).size - 3), atLoad: false },
    { name: 'chunks bad magic', file: 'chunks', damage: (p) => flip(p, 1), atLoad: false, offset: 0 },
    { name: 'chunks bit flip in the first page', file: 'chunks', damage: (p) => flip(p, 30), atLoad: true, offset: 8 },
    { name: 'chunks page header length changed', file: 'chunks', damage: (p) => flip(p, 9), atLoad: true, offset: 8 },
    { name: 'chunks bit flip in the last byte', file: 'chunks', damage: (p) => flip(p, statSync(p).size - 1), atLoad: true },
  ];
  for (const c of cases) {
    it(`${c.name}: CorruptionError naming the file, other blocks still serve`, async () => {
      tmp = tempDir();
      const [bad, good] = await twoBlocks(encoding);
      const dir = join(tmp.dir, bad.ulid);
      const path = join(dir, c.file);
      c.damage(path, bad);
      const ids = Uint32Array.from({ length: 200 }, (_, i) => i + 1);
      if (c.atLoad) {
        const b = await openBlock(dir, { core });
        await expectCorrupt(() => b.readColumns(ids), path, c.offset);
        await expectCorrupt(() => b.load(ids), path, c.offset);
        b.close();
      } else {
        await expectCorrupt(() => openBlock(dir, { core }), path, c.offset);
      }
      const other = await openBlock(join(tmp.dir, good.ulid), { core });
      const batch = other.load(ids);
      expect(batch.sampleCount).toBe(200 * 100);
      batch.release();
      other.close();
    });
  }
});

describe('a format version this reader does not know', () => {
  const setByte = (p: string, at: number, v: number): void => {
    const b = readFileSync(p);
    b[at] = v;
    writeFileSync(p, b);
  };
  const cases: { file: string; damage: (path: string) => void; offset: number; version: string }[] = [
    { file: 'meta.json', damage: (p) => writeFileSync(p, readFileSync(p, 'utf8').replace(/"version": \d+/, '"version": 3')), offset: 0, version: '3' },
    { file: 'meta.json', damage: (p) => writeFileSync(p, readFileSync(p, 'utf8').replace(/"version": \d+/, '"version": "2"')), offset: 0, version: '2' },
    { file: 'index', damage: (p) => setByte(p, 4, 0), offset: 4, version: '0' },
    { file: 'chunks', damage: (p) => setByte(p, 4, 3), offset: 4, version: '3' },
  ];
  for (const c of cases) {
    it(`${c.file} of version ${JSON.stringify(c.version)}: CorruptionError naming the versions known`, async () => {
      tmp = tempDir();
      const [bad] = await twoBlocks('dense');
      const dir = join(tmp.dir, bad.ulid);
      const path = join(dir, c.file);
      c.damage(path);
      const err = await expectCorrupt(() => openBlock(dir, { core }), path, c.offset);
      expect(err.message).toContain(`format version ${c.version}, this reader knows 1 … 2`);
    });
  }
});
