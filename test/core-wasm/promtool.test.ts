// Chunks that Prometheus itself wrote: promtool backfills an OpenMetrics file into a block, and
// every chunk of the block's segment file must decode with our codec to exactly the samples
// written. The head, fed the same samples, must cut and encode the very same chunk bytes.
// Skipped (visibly) without promtool unless CI=true, where a missing promtool fails.
import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCore } from '../../core-wasm/host/index.ts';
import { bitsOf, f64FromBits, seriesOf } from './helpers.ts';

function havePromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const present = havePromtool();
if (!present && process.env.CI === 'true') throw new Error('promtool is required when CI=true (apt-get install prometheus)');
if (!present) console.warn('SKIP test/core-wasm/promtool.test.ts: promtool is not installed (apt-get install prometheus)');

const GO_NAN = 0x7ff8000000000001n; // what Go's strconv.ParseFloat("NaN") returns
const T0 = 236_112 * 7_200_000; // a 2 h boundary, so every sample falls in one block
const STEPS = 400;

/** The test data: 4 series, STEPS samples at 15 s, as (OpenMetrics text, value) pairs. */
function seriesData(): { labels: string; ts: number[]; text: string[]; values: Float64Array }[] {
  const ts = Array.from({ length: STEPS }, (_, i) => T0 + i * 15_000 + (i % 7 === 3 ? 1 : 0));
  let seed = 99;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const specials: [string, bigint][] = [['NaN', GO_NAN], ['+Inf', 0x7ff0000000000000n], ['-Inf', 0xfff0000000000000n], ['-0', 0x8000000000000000n]];
  const make = (labels: string, f: (i: number) => [string, bigint | number]) => {
    const pairs = ts.map((_, i) => f(i));
    const values = new Float64Array(STEPS);
    const bits = new BigUint64Array(values.buffer);
    pairs.forEach(([, v], i) => (typeof v === 'bigint' ? (bits[i] = v) : (values[i] = v)));
    return { labels, ts, text: pairs.map((p) => p[0]), values };
  };
  return [
    make('i="0"', (i) => [String(i * 3), i * 3]),
    make('i="1"', (i) => { const v = Math.round(rand() * 1e6) / 1e3; return [String(v), v]; }),
    make('i="2"', (i) => (i % 10 === 0 ? specials[(i / 10) % 4] : [String(i / 4), i / 4])),
    make('i="3"', () => ['42', 42]),
  ];
}

/** crc32c: CRC-32 Castagnoli, as Prometheus checks chunks. */
function crc32c(bytes: Uint8Array): number {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** readSegment parses a chunks segment file into its chunks (encoding byte then data each). */
function readSegment(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  expect(view.getUint32(0)).toBe(0x85bd40dd);
  expect(file[4]).toBe(1);
  const chunks: Uint8Array[] = [];
  let pos = 8;
  while (pos < file.length) {
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      const b = file[pos++];
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    const chunk = file.subarray(pos, pos + 1 + len);
    pos += 1 + len;
    expect(view.getUint32(pos), `CRC of chunk ${chunks.length}`).toBe(crc32c(chunk));
    pos += 4;
    chunks.push(chunk);
  }
  return chunks;
}

describe.skipIf(!present)('chunks written by promtool', () => {
  test('decode to the samples written, and match the head byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-promtool-'));
    try {
      const data = seriesData();
      const lines = ['# TYPE m gauge'];
      for (const s of data) s.ts.forEach((t, i) => lines.push(`m{${s.labels}} ${s.text[i]} ${(t / 1000).toFixed(3)}`));
      lines.push('# EOF');
      writeFileSync(join(dir, 'in.om'), lines.join('\n') + '\n');
      execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'in.om'), join(dir, 'out')], { stdio: 'pipe' });
      const blocks = readdirSync(join(dir, 'out'));
      expect(blocks.length).toBe(1);
      const block = join(dir, 'out', blocks[0]);
      const meta = JSON.parse(readFileSync(join(block, 'meta.json'), 'utf8'));
      expect(meta.stats.numSamples).toBe(4 * STEPS);
      const chunks = readSegment(readFileSync(join(block, 'chunks', '000001')));

      // Decode every chunk as its own series, in one call.
      const offsets: number[] = [];
      let total = 0;
      for (const c of chunks) {
        offsets.push(total);
        total += c.length;
      }
      const all = new Uint8Array(total);
      chunks.forEach((c, i) => all.set(c, offsets[i]));
      const core = loadCore();
      const idx = Uint32Array.from(chunks, (_, i) => i);
      const batch = core.decodeChunks(all, Uint32Array.from(offsets), idx, -Infinity, Infinity);
      // Chunks are stored series by series in label order, each series oldest first.
      const gotTs: number[] = [];
      const gotBits: string[] = [];
      for (let i = 0; i < chunks.length; i++) {
        const s = seriesOf(batch, i);
        gotTs.push(...s.ts);
        gotBits.push(...s.bits);
      }
      batch.release();
      expect(gotTs).toEqual(data.flatMap((s) => s.ts));
      expect(gotBits).toEqual(data.flatMap((s) => bitsOf(s.values)));

      // The head, fed the same samples scrape by scrape, writes the same chunks.
      const first = core.newSeries(data.length);
      const refs = Uint32Array.from(data, (_, i) => first + i);
      for (let k = 0; k < STEPS; k++) {
        const values = f64FromBits(...data.map((s) => new BigUint64Array(s.values.buffer)[k]));
        core.appendScrape(data[0].ts[k], refs, values);
      }
      const ex = core.exportChunks(refs, { includeOpen: true });
      const ours = Array.from(ex.chunkOffsets, (o, i) => Buffer.from(ex.chunks.subarray(o, ex.chunkOffsets[i + 1] ?? ex.chunks.length)).toString('hex'));
      expect(ours).toEqual(chunks.map((c) => Buffer.from(c).toString('hex')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
