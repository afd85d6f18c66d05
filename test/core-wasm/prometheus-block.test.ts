// Chunks that Prometheus itself wrote, read by our codec. The test writes an OpenMetrics file,
// has promtool build TSDB blocks from it, then walks each block's index (symbols and series
// sections, Prometheus' index format v2) to find every series' chunks in the chunk segments,
// checks each chunk's CRC32-Castagnoli, decodes all chunks of all series with ONE decodeChunks
// call, and compares every series with what was written, bit for bit. It also re-encodes each
// chunk's samples with our encoder and the oracle and expects Prometheus' exact bytes.
// Skipped with a reason when promtool is absent, unless CI=true, where that is a failure.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadCore } from '../../core-wasm/host/index.ts';
import { decodeXor, encodeXor } from './oracle/xor-oracle.ts';

function hasPromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const available = hasPromtool();
if (!available && process.env.CI === 'true') throw new Error('promtool is required when CI=true (Debian package "prometheus")');
if (!available) console.warn('prometheus-block.test.ts: SKIPPED: promtool is not on PATH (install Debian\'s "prometheus" package)');

// ---- What we write ----------------------------------------------------------------------------

interface WrittenSeries {
  labels: string; // OpenMetrics label text, e.g. '{job="a"}' and the canonical key we compare on
  name: string;
  type: 'gauge' | 'counter';
  samples: { t: number; v: number }[];
}

function written(): WrittenSeries[] {
  const t0 = 1_700_000_000_000 - (1_700_000_000_000 % 7_200_000) + 1_800_000; // mid-block start
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const series: WrittenSeries[] = [];
  const add = (name: string, type: 'gauge' | 'counter', labels: string, n: number, value: (i: number) => number, jitter: boolean) => {
    const samples = [];
    let t = t0;
    for (let i = 0; i < n; i++) {
      samples.push({ t, v: value(i) });
      // Whole multiples of 125 ms are exact in OpenMetrics' float seconds.
      t += 15_000 + (jitter ? (Math.floor(rnd() * 9) - 4) * 125 : 0);
    }
    series.push({ name, type, labels, samples });
  };
  add('temperature', 'gauge', 'room="a"', 700, () => Math.round((rnd() * 60 - 20) * 1000) / 1000, true);
  add('temperature', 'gauge', 'room="b"', 300, (i) => (i % 50 === 7 ? NaN : i % 61 === 3 ? Infinity : i % 67 === 5 ? -Infinity : i % 71 === 9 ? -0 : 21.5), false);
  add('requests', 'counter', 'code="200"', 700, (i) => i * 17 + Math.floor(i / 10) * 3, true);
  add('constant', 'gauge', '', 5, () => 42, false);
  add('single', 'gauge', '', 1, () => 1e-300, false);
  return series;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

function openMetrics(series: WrittenSeries[]): string {
  const lines: string[] = [];
  const byName = new Map<string, WrittenSeries[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  for (const [name, group] of byName) {
    lines.push(`# TYPE ${name} ${group[0].type}`);
    for (const s of group) {
      const metric = group[0].type === 'counter' ? `${name}_total` : name;
      for (const { t, v } of s.samples) lines.push(`${metric}${s.labels ? `{${s.labels}}` : ''} ${formatValue(v)} ${(t / 1000).toFixed(3)}`);
    }
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

/** keyOf: the canonical label key we compare on: name then sorted pairs. */
function keyOf(s: WrittenSeries): string {
  const metric = s.type === 'counter' ? `${s.name}_total` : s.name;
  return [`__name__=${metric}`, ...(s.labels ? s.labels.split(',').map((p) => p.replace(/"/g, '')) : [])].sort().join(',');
}

// ---- Reading Prometheus' files ----------------------------------------------------------------

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Cursor reads Go varints and fixed-width big-endian integers from a byte buffer. */
class Cursor {
  constructor(readonly b: Uint8Array, public pos: number) {}
  uvarint(): number {
    let x = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.b.length) throw new Error(`varint runs past byte ${this.b.length}`);
      const byte = this.b[this.pos++];
      x |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return Number(x);
    }
  }
  varint(): number {
    const ux = this.uvarint();
    return ux % 2 === 1 ? -(ux + 1) / 2 : ux / 2;
  }
  u32(): number {
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 4).getUint32(0);
    this.pos += 4;
    return v;
  }
}

interface BlockChunk {
  mint: number;
  maxt: number;
  bytes: Uint8Array; // encoding byte, then the chunk
}

/** readBlock maps each series' canonical label key to its chunks, in index order. */
function readBlock(dir: string): Map<string, BlockChunk[]> {
  const index = new Uint8Array(readFileSync(join(dir, 'index')));
  const view = new DataView(index.buffer, index.byteOffset, index.byteLength);
  expect(view.getUint32(0)).toBe(0xbaaad700);
  expect(index[4]).toBe(2);
  const toc = index.length - 52;
  const tocRef = (i: number) => Number(view.getBigUint64(toc + i * 8));
  // Symbols: referenced by sequence number in format v2.
  const sym = new Cursor(index, tocRef(0));
  sym.u32();
  const count = sym.u32();
  const symbols: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = sym.uvarint();
    symbols.push(Buffer.from(index.subarray(sym.pos, sym.pos + len)).toString('utf8'));
    sym.pos += len;
  }
  const segments = readdirSync(join(dir, 'chunks')).sort().map((f) => new Uint8Array(readFileSync(join(dir, 'chunks', f))));
  for (const seg of segments) {
    expect(new DataView(seg.buffer, seg.byteOffset).getUint32(0)).toBe(0x85bd40dd);
    expect(seg[4]).toBe(1);
  }
  const out = new Map<string, BlockChunk[]>();
  const end = tocRef(2) || tocRef(4);
  const c = new Cursor(index, tocRef(1));
  while (true) {
    c.pos = Math.ceil(c.pos / 16) * 16;
    if (c.pos >= end) break;
    const len = c.uvarint();
    if (len === 0) break;
    const bodyEnd = c.pos + len;
    const pairs: string[] = [];
    const nLabels = c.uvarint();
    for (let i = 0; i < nLabels; i++) pairs.push(`${symbols[c.uvarint()]}=${symbols[c.uvarint()]}`);
    const chunks: BlockChunk[] = [];
    const nChunks = c.uvarint();
    let maxt = 0;
    let ref = 0;
    for (let i = 0; i < nChunks; i++) {
      const mint = i === 0 ? c.varint() : maxt + c.uvarint();
      maxt = mint + c.uvarint();
      ref = i === 0 ? c.uvarint() : ref + c.varint();
      const seg = segments[Math.floor(ref / 2 ** 32)];
      const at = new Cursor(seg, ref % 2 ** 32);
      const dataLen = at.uvarint();
      const bytes = seg.subarray(at.pos, at.pos + 1 + dataLen);
      const crc = new DataView(seg.buffer, seg.byteOffset + at.pos + 1 + dataLen, 4).getUint32(0);
      expect(crc32c(bytes), `CRC of chunk at ${ref}`).toBe(crc);
      chunks.push({ mint, maxt, bytes });
    }
    expect(c.pos).toBe(bodyEnd);
    c.pos = bodyEnd + 4;
    out.set(pairs.sort().join(','), chunks);
  }
  return out;
}

// ---- The test ---------------------------------------------------------------------------------

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(!available)('chunks written by Prometheus (promtool)', () => {
  test('decode to exactly what was written, and re-encode to the same bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-promtool-'));
    dirs.push(dir);
    const series = written();
    writeFileSync(join(dir, 'input.om'), openMetrics(series));
    execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'input.om'), join(dir, 'blocks')], { stdio: 'pipe' });
    const blocks = readdirSync(join(dir, 'blocks')).sort();
    expect(blocks.length).toBeGreaterThan(1); // the data spans a 2 h boundary

    // Gather every block's chunks per series, in block (time) order.
    const perSeries = new Map<string, BlockChunk[]>();
    let metaSamples = 0;
    for (const b of blocks) {
      metaSamples += JSON.parse(readFileSync(join(dir, 'blocks', b, 'meta.json'), 'utf8')).stats.numSamples;
      for (const [key, chunks] of readBlock(join(dir, 'blocks', b))) perSeries.set(key, [...(perSeries.get(key) ?? []), ...chunks]);
    }
    const total = series.reduce((n, s) => n + s.samples.length, 0);
    expect(metaSamples).toBe(total);
    expect([...perSeries.keys()].sort()).toEqual(series.map(keyOf).sort());

    // One decodeChunks call for everything.
    const order = series.map(keyOf);
    const allChunks = order.flatMap((k) => perSeries.get(k)!);
    const chunkOffsets = new Uint32Array(allChunks.length);
    const seriesChunkStarts = new Uint32Array(order.length);
    let bytes = 0;
    allChunks.forEach((ch, i) => {
      chunkOffsets[i] = bytes;
      bytes += ch.bytes.length;
    });
    let k = 0;
    order.forEach((key, s) => {
      seriesChunkStarts[s] = k;
      k += perSeries.get(key)!.length;
    });
    const data = new Uint8Array(bytes);
    allChunks.forEach((ch, i) => data.set(ch.bytes, chunkOffsets[i]));

    const core = loadCore();
    const batch = core.decodeChunks(data, chunkOffsets, seriesChunkStarts, -Infinity, Infinity);
    try {
      const off = batch.offsets();
      const ts = batch.timestamps();
      const bits = new BigUint64Array(batch.values().slice().buffer);
      series.forEach((s, i) => {
        const got = Array.from({ length: off[i + 1] - off[i] }, (_, j) => [ts[off[i] + j], bits[off[i] + j]]);
        const want = s.samples.map(({ t, v }) => [t, Number.isNaN(v) ? 0x7ff8000000000001n /* Go's math.NaN() */ : new BigUint64Array(new Float64Array([v]).buffer)[0]]);
        expect(got, keyOf(s)).toEqual(want);
      });
    } finally {
      batch.release();
    }

    // Every Prometheus chunk: our encoder and the oracle produce its exact bytes from its samples.
    for (const ch of allChunks) {
      expect(ch.bytes[0]).toBe(1);
      const samples = decodeXor(ch.bytes.subarray(1));
      expect(samples[0].t).toBe(ch.mint);
      expect(samples[samples.length - 1].t).toBe(ch.maxt);
      expect(Buffer.from(encodeXor(samples)).toString("hex"), `chunk ${ch.mint}..${ch.maxt}`).toBe(Buffer.from(ch.bytes.subarray(1)).toString("hex"));
      const values = new Float64Array(BigUint64Array.from(samples, (x) => x.bits).buffer);
      const ours = core.encodeChunk(Float64Array.from(samples, (x) => x.t), values);
      expect(Buffer.from(ours).equals(ch.bytes)).toBe(true);
    }
  });
});
