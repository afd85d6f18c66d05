/** Shared helpers of the protocol tests: a seeded PRNG, f64 bit views, and a connected encoder/decoder pair. */
import { Labels } from '../../shared/model/labels.ts';
import { EdgeEncoder, type EdgeEncoderOptions } from '../../shared/protocol/edge-encoder.ts';
import { HubDecoder, type DecodedBatch, type HubDecoderOptions } from '../../shared/protocol/hub-decoder.ts';

/** rng: a deterministic 32-bit PRNG (mulberry32) returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * column builds a Float64Array from numbers and hex bit patterns (strings). NaN payloads, and
 * signalling NaNs such as Prometheus' staleness marker, survive only inside typed arrays: V8 may
 * quiet a NaN stored into a plain array, so exact-bit tests keep values in typed arrays throughout.
 */
export function column(values: readonly (number | string)[]): Float64Array {
  const out = new Float64Array(values.length);
  const u = new BigUint64Array(out.buffer);
  values.forEach((v, i) => {
    if (typeof v === 'string') u[i] = BigInt('0x' + v);
    else out[i] = v;
  });
  return out;
}

/** hexColumn: the bit patterns of a Float64Array, read without passing through a JS number. */
export function hexColumn(a: Float64Array): string[] {
  return Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length), (x) => x.toString(16).padStart(16, '0'));
}

export function series(n: number, prefix = 'm'): Labels[] {
  return Array.from({ length: n }, (_, i) => Labels.from({ __name__: `${prefix}_${i % 7}`, idx: String(i), job: 'test' }));
}

/** Pair: an encoder and a decoder on one simulated connection, HELLO already exchanged. */
export class Pair {
  enc: EdgeEncoder;
  dec: HubDecoder;
  seq = 0;
  wireBytes = 0;
  /** The label sets the SERIES frames defined, by connection ref. */
  readonly defined: Labels[] = [];

  constructor(opts: { enc?: EdgeEncoderOptions; dec?: HubDecoderOptions } = {}) {
    this.enc = new EdgeEncoder(opts.enc);
    this.dec = new HubDecoder(opts.dec);
    const r = this.dec.decode(this.enc.hello({ edge: 'edge-1', token: 'secret', externalLabels: [], resume: 0 }));
    if (r.type !== 'hello') throw new Error('BUG: hello did not decode as hello');
  }

  /** deliver decodes frames in order and returns the batches they carried. */
  deliver(frames: Uint8Array[]): DecodedBatch[] {
    const out: DecodedBatch[] = [];
    for (const f of frames) {
      this.wireBytes += f.length;
      const r = this.dec.decode(f);
      if (r.type === 'batch') out.push(r.batch);
      if (r.type === 'series') this.defined.push(...r.labels);
    }
    return out;
  }

  scrape(t: number, ls: readonly Labels[], values: ArrayLike<number>): DecodedBatch {
    const b = this.deliver(this.enc.encodeScrape(++this.seq, t, ls, values));
    if (b.length !== 1) throw new Error(`BUG: ${b.length} batches from one scrape`);
    return b[0];
  }

  backfill(ls: readonly Labels[], ts: ArrayLike<number>, values: ArrayLike<number>): DecodedBatch {
    const b = this.deliver(this.enc.encodeBackfill(++this.seq, ls, ts, values));
    if (b.length !== 1) throw new Error(`BUG: ${b.length} batches from one backfill`);
    return b[0];
  }

  /** labelsOf: the decoded label sets of a batch, as strings. */
  labelsOf(b: DecodedBatch): string[] {
    return Array.from(b.refs, (r) => this.defined[r].toString());
  }
}
