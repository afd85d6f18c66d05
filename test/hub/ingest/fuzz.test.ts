import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Uplink } from '../../../edge/uplink/index.ts';
import { EdgeEncoder, decodeHubFrame } from '../../../shared/protocol/index.ts';
import { packFrame } from '../../../shared/protocol/msgpack.ts';
import { rng } from '../../protocol/helpers.ts';
import { seriesOf, startHub, tempDir } from '../../edge/uplink/helpers.ts';
import { countBySeries } from './helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** fuzzFrames: after the welcome, a few valid batches, then a frame mutated or made up at random. */
function fuzzFrames(rand: () => number, enc: EdgeEncoder, hello: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [hello];
  const labels = seriesOf(8, 'fuzz');
  for (let k = 0; k < 3; k++) frames.push(...enc.encodeScrape(enc.nextSeq, (k + 1) * 1000, labels, new Float64Array(8).map(() => rand() * 100)));
  frames.shift();
  const pick = Math.floor(rand() * 5);
  const base = frames[Math.floor(rand() * frames.length)];
  switch (pick) {
    case 0: // flip bits of a valid frame
      {
        const m = base.slice();
        for (let k = 0; k < 1 + rand() * 4; k++) m[Math.floor(rand() * m.length)] ^= 1 << Math.floor(rand() * 8);
        frames.push(m);
      }
      break;
    case 1: // truncate a valid frame
      frames.push(base.slice(0, Math.floor(rand() * base.length)));
      break;
    case 2: // random bytes
      frames.push(Uint8Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
      break;
    case 3: // a frame type with random fields
      frames.push(packFrame([Math.floor(rand() * 12), ...Array.from({ length: Math.floor(rand() * 7) }, () => [rand() * 1e6, -1, 'x', null, [1, 2], 2 ** 60][Math.floor(rand() * 6)])]));
      break;
    default: // a hello out of place, or a batch replayed
      frames.push(rand() < 0.5 ? hello : frames[frames.length - 1]);
  }
  return frames;
}

/** fuzzConnection handshakes as edge-b (or sends a random hello), then sends fuzzFrames; resolves with the close code. */
function fuzzConnection(url: string, rand: () => number): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const guard = setTimeout(() => ws.terminate(), 5000);
    const enc = new EdgeEncoder();
    const hello = enc.hello({ edge: 'edge-b', token: rand() < 0.1 ? 'nope' : 'secret-b', externalLabels: [], resume: 0 });
    ws.on('open', () => {
      if (rand() < 0.1) {
        const junk = hello.slice();
        junk[Math.floor(rand() * junk.length)] ^= 0xff;
        ws.send(junk);
      } else ws.send(hello);
    });
    ws.on('message', (data: Buffer) => {
      const f = decodeHubFrame(data, 1 << 24);
      if (f.type !== 'welcome') return;
      enc.welcome(f.welcome);
      for (const frame of fuzzFrames(rand, enc, hello)) ws.send(frame);
      setTimeout(() => ws.close(1000), 200); // a frame the hub accepted leaves the session open
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      clearTimeout(guard);
      resolve(code);
    });
    ws.on('unexpected-response', () => reject(new Error('no upgrade')));
  });
}

describe('ingest fuzz against a live hub', () => {
  it('random frames close only their own sessions, never with an internal error; a good edge streams throughout', async () => {
    const hub = await startHub(0);
    cleanup.push(() => hub.stop());
    const edgeDir = await tempDir('outpost-fuzz-');
    cleanup.push(edgeDir.remove);
    const uplink = await Uplink.open({ url: hub.url, edge: 'edge-a', token: 'secret-a', dir: edgeDir.dir, sync: 'never', log: () => undefined });
    cleanup.push(() => uplink.close());
    uplink.start();
    const labels = seriesOf(10, 'good');
    const rand = rng(20261121);
    const codes = new Map<number, number>();
    for (let round = 0; round < 30; round++) {
      const batch = Array.from({ length: 4 }, () => fuzzConnection(hub.url, rand));
      await uplink.offer((round + 1) * 1000, labels, new Float64Array(10).fill(round));
      for (const code of await Promise.all(batch)) codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    await uplink.drained(10_000);
    if (process.env.FUZZ_VERBOSE) console.log(Object.fromEntries(codes));
    expect(codes.has(1011)).toBe(false);
    expect(codes.get(4000)).toBeGreaterThan(20); // the fuzz does reach the decoder's refusals
    expect(codes.get(4002)).toBeGreaterThan(0);
    for (const code of codes.keys()) expect([1000, 1006, 4000, 4001, 4002, 4003, 4004, 4006]).toContain(code);
    expect(hub.logs.filter((l) => /hub failed|BUG/.test(l))).toEqual([]);
    const good = [...countBySeries(hub.storage, 'm_.*')].filter(([k]) => k.includes('job="good"'));
    expect(good).toHaveLength(10);
    for (const [, n] of good) expect(n).toBe(30);
    expect(uplink.status().reconnects).toBe(0);
  }, 60_000);
});
