import { describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import { encodeMetadata, encodePing } from '../../shared/protocol/control.ts';
import { EdgeEncoder } from '../../shared/protocol/edge-encoder.ts';
import { ProtocolError } from '../../shared/protocol/errors.ts';
import { HubDecoder, type EdgeFrame } from '../../shared/protocol/hub-decoder.ts';
import { column, rng, series } from './helpers.ts';

/** corpus: a valid conversation touching every edge frame and every sample coding. */
function corpus(): Uint8Array[] {
  const enc = new EdgeEncoder({ limits: { maxLists: 2 } });
  const out: Uint8Array[] = [enc.hello({ edge: 'fuzz', token: 't', externalLabels: ['dc', 'x'], resume: 0 })];
  const ls = series(6);
  out.push(encodeMetadata([{ family: 'm', type: 'gauge', help: 'h', unit: '' }]), encodePing({ id: 3 }));
  out.push(...enc.encodeScrape(1, 1000, ls, column([0, 1, 2.5, 'fff8000000000001', -0, 1e9])));
  out.push(...enc.encodeScrape(2, 16_000, ls, column([0, 3, 2.75, '7ff0000000000002', 0, 1e9 + 77])));
  out.push(...enc.encodeScrape(3, 31_001, ls.slice(2), column([2.5, 'fff8000000000001', 5, 6])));
  out.push(...enc.encodeBackfill(4, [ls[0], ls[0], ls[1]], [100, 200, 300], column([7, 8, Infinity])));
  out.push(...enc.encodeScrape(5, 46_000, [...ls, Labels.from({ __name__: 'late' })], column([1, 2, 3, 4, 5, 6, 7])));
  return out;
}

/** summary: a decoded frame as comparable plain data, values by their bits. */
function summary(f: EdgeFrame): string {
  return JSON.stringify(f, (_k, v) =>
    v instanceof Float64Array ? Array.from(new BigUint64Array(v.buffer, v.byteOffset, v.length), String) : ArrayBuffer.isView(v) ? Array.from(v as Uint32Array) : v,
  );
}

function decodeOrProtocolError(dec: HubDecoder, bytes: Uint8Array): EdgeFrame | ProtocolError {
  try {
    return dec.decode(bytes);
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw new Error(`decode threw ${String(err)} for frame ${Buffer.from(bytes).toString('hex').slice(0, 200)}`, { cause: err });
  }
}

function mutate(rand: () => number, frames: Uint8Array[], f: Uint8Array): Uint8Array {
  const b = Uint8Array.from(f);
  const at = Math.floor(rand() * b.length);
  switch (Math.floor(rand() * 6)) {
    case 0: // flip one bit
      b[at] ^= 1 << Math.floor(rand() * 8);
      return b;
    case 1: // replace a byte, favouring msgpack type markers
      b[at] = rand() < 0.5 ? Math.floor(rand() * 256) : [0xc0, 0xc1, 0xc7, 0xcb, 0xcf, 0xd3, 0xdc, 0xdd, 0xde, 0xff, 0x7f, 0x90][Math.floor(rand() * 12)];
      return b;
    case 2: // truncate
      return b.subarray(0, at);
    case 3: { // insert random bytes
      const ins = Uint8Array.from({ length: 1 + Math.floor(rand() * 4) }, () => Math.floor(rand() * 256));
      return Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
    }
    case 4: { // splice the head of this frame onto the tail of another
      const other = frames[Math.floor(rand() * frames.length)];
      return Uint8Array.from([...b.subarray(0, at), ...other.subarray(Math.floor(rand() * other.length))]);
    }
    default: // several bit flips
      for (let k = 0; k < 4; k++) b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
      return b;
  }
}

describe('fuzz', () => {
  const frames = corpus();
  // What the valid conversation decodes to, frame by frame.
  const reference = new HubDecoder();
  const expected = frames.map((f) => summary(reference.decode(f)));

  it('random bytes give ProtocolErrors, never another exception', () => {
    const rand = rng(1);
    const dec = new HubDecoder({ limits: { maxFrameBytes: 4096 } });
    dec.decode(frames[0]);
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const len = Math.floor(rand() * (i % 10 === 0 ? 200 : 24));
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
      if (decodeOrProtocolError(dec, bytes) instanceof ProtocolError) errors++;
    }
    expect(errors).toBeGreaterThan(2900);
  });

  it('mutated frames give ProtocolErrors and leave the decoder as it was', () => {
    const rand = rng(2);
    let rejected = 0;
    for (let i = 0; i < 1500; i++) {
      const k = Math.floor(rand() * frames.length);
      const dec = new HubDecoder({ limits: { maxLists: 2 } });
      for (let j = 0; j < k; j++) dec.decode(frames[j]);
      const bad = mutate(rand, frames, frames[k]);
      const r = decodeOrProtocolError(dec, bad);
      if (!(r instanceof ProtocolError)) continue; // a mutation may still be a valid frame
      rejected++;
      // The rejected frame changed nothing: the rest of the conversation decodes as before.
      for (let j = k; j < frames.length; j++) expect(summary(dec.decode(frames[j]))).toBe(expected[j]);
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});
