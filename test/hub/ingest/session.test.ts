import { describe, expect, it } from 'vitest';
import { CloseCode, EdgeEncoder, encodeHello, encodePing, PROTOCOL_VERSION } from '../../../shared/protocol/index.ts';
import { packFrame } from '../../../shared/protocol/msgpack.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { MemAckStore } from '../../../hub/ingest/acks.ts';
import { countBySeries, GatedStorage, L, testHub, type MemSocket } from './helpers.ts';

const flush = () => new Promise((r) => setTimeout(r, 0));
const SERIES = [L({ __name__: 'up', job: 'a' }), L({ __name__: 'up', job: 'b' })];

/** handshake sends a HELLO from `edge` and returns the encoder, welcomed when the hub welcomed it. */
function hello(s: MemSocket, edge = 'edge-a', token = 'secret-a', externalLabels: string[] = ['site', edge]): EdgeEncoder {
  const enc = new EdgeEncoder();
  s.deliver(enc.hello({ edge, token, externalLabels, resume: 0 }));
  const w = s.sent[0];
  if (w?.type === 'welcome') enc.welcome(w.welcome);
  return enc;
}

describe('IngestSession handshake', () => {
  const cases: { name: string; edge: string; token: string; addr?: string; secure?: boolean; code: number; reason: RegExp }[] = [
    { name: 'wrong token', edge: 'edge-a', token: 'secret-b', code: CloseCode.UNAUTHORIZED, reason: /wrong token/ },
    { name: 'missing token', edge: 'edge-a', token: '', code: CloseCode.UNAUTHORIZED, reason: /missing token/ },
    { name: 'unknown edge', edge: 'edge-z', token: 'secret-a', code: CloseCode.UNAUTHORIZED, reason: /unknown edge or wrong token/ },
    { name: 'plain ws from afar', edge: 'edge-a', token: 'secret-a', addr: '10.1.2.3', code: CloseCode.UNAUTHORIZED, reason: /TLS/ },
  ];
  for (const c of cases) {
    it(`refuses: ${c.name}`, () => {
      const { connect, hub } = testHub();
      const s = connect(c.addr, c.secure);
      hello(s, c.edge, c.token);
      expect(s.types()).toEqual(['refuse']);
      const r = s.sent[0];
      if (r.type !== 'refuse') throw new Error('no refuse');
      expect(r.refuse.code).toBe(c.code);
      expect(r.refuse.reason).toMatch(c.reason);
      expect(s.closed?.code).toBe(c.code);
      expect(hub.sessionCount).toBe(0);
    });
  }

  it('welcomes a good token on loopback, on IPv6 loopback, and over TLS from afar', () => {
    for (const [addr, secure] of [['127.0.0.1', false], ['::ffff:127.0.0.5', false], ['::1', false], ['203.0.113.9', true]] as const) {
      const { connect, hub } = testHub();
      const s = connect(addr, secure);
      hello(s);
      expect(s.types()).toEqual(['welcome']);
      expect(s.closed).toBeNull();
      expect(hub.edges().map((e) => [e.edge, e.state])).toEqual([['edge-a', 'streaming']]);
    }
  });

  it('refuses an unknown protocol version with 4001', () => {
    const { connect } = testHub();
    const s = connect();
    s.deliver(encodeHello({ version: PROTOCOL_VERSION + 1, edge: 'edge-a', token: 'secret-a', externalLabels: [], resume: 0 }));
    expect(s.sent[0]).toMatchObject({ type: 'refuse', refuse: { code: CloseCode.UNSUPPORTED_VERSION } });
    expect(s.closed?.code).toBe(CloseCode.UNSUPPORTED_VERSION);
  });

  it('welcomes with the acked position the store holds for the edge', () => {
    const acks = new MemAckStore();
    void acks.set('edge-a', 41);
    const { connect } = testHub({ acks });
    const s = connect();
    hello(s);
    expect(s.sent[0]).toMatchObject({ type: 'welcome', welcome: { acked: 41, hub: 'hub-test' } });
  });

  it('tells edges over the handshake limit to retry later, with a retry delay', () => {
    const { connect } = testHub({ limits: { maxConcurrentHandshakes: 2, handshakeRetryAfterMs: 500 } });
    const a = connect(), b = connect(), c = connect();
    expect(a.closed).toBeNull();
    expect(b.closed).toBeNull();
    expect(c.closed?.code).toBe(CloseCode.TRY_LATER);
    const r = c.sent[0];
    if (r.type !== 'refuse') throw new Error('no refuse');
    expect(r.refuse.retryAfterMs).toBeGreaterThanOrEqual(500);
    expect(r.refuse.retryAfterMs).toBeLessThanOrEqual(1000);
    hello(a); // a's handshake is done: room for another
    expect(connect().closed).toBeNull();
  });

  it('replaces an older session of the same edge, closing it with DUPLICATE', () => {
    const { connect, hub } = testHub();
    const first = connect();
    hello(first);
    const second = connect();
    hello(second);
    expect(first.closed?.code).toBe(CloseCode.DUPLICATE);
    expect(second.closed).toBeNull();
    expect(hub.edges()).toHaveLength(1);
  });

  it('answers PING with PONG', () => {
    const { connect } = testHub();
    const s = connect();
    hello(s);
    s.deliver(encodePing({ id: 7 }));
    expect(s.sent[1]).toEqual({ type: 'pong', pong: { id: 7 } });
  });
});

describe('IngestSession streaming', () => {
  it('stores batches with the external labels and acks each once stored', async () => {
    const { connect, storage } = testHub();
    const s = connect();
    const enc = hello(s);
    for (let seq = 1; seq <= 3; seq++) s.deliver(...enc.encodeScrape(seq, 1000 * seq, SERIES, new Float64Array([seq, -seq])));
    await flush();
    expect(s.acks()).toEqual([1, 2, 3]);
    const counts = countBySeries(storage as never);
    expect([...counts]).toEqual([
      ['up{job="a", site="edge-a"}', 3],
      ['up{job="b", site="edge-a"}', 3],
    ]);
  });

  it('acks a batch only once its commit is durable, and in order', async () => {
    const gated = new GatedStorage(openMemStorage());
    const { connect } = testHub({ storage: gated });
    const s = connect();
    const enc = hello(s);
    s.deliver(...enc.encodeScrape(1, 1000, SERIES, new Float64Array([1, 2])));
    s.deliver(...enc.encodeScrape(2, 2000, SERIES, new Float64Array([1, 2])));
    await flush();
    expect(s.acks()).toEqual([]);
    gated.gates[1].resolve(); // the later one first: its ack must still wait for batch 1
    await flush();
    expect(s.acks()).toEqual([]);
    gated.gates[0].resolve();
    await flush();
    expect(s.acks()).toEqual([1, 2]);
  });

  it('closes the session with 1011 and acks nothing when a commit cannot be made durable', async () => {
    const gated = new GatedStorage(openMemStorage());
    const { connect } = testHub({ storage: gated });
    const s = connect();
    const enc = hello(s);
    s.deliver(...enc.encodeScrape(1, 1000, SERIES, new Float64Array([1, 2])));
    gated.gates[0].reject(new Error('ENOSPC'));
    await flush();
    expect(s.acks()).toEqual([]);
    expect(s.closed?.code).toBe(1011);
    expect(s.closed?.reason).toMatch(/not durable.*ENOSPC/);
  });

  it('persists each acked position before acking, and a new session resumes after it', async () => {
    const acks = new MemAckStore();
    const { connect } = testHub({ acks });
    const s = connect();
    const enc = hello(s);
    s.deliver(...enc.encodeScrape(1, 1000, SERIES, new Float64Array([1, 2])));
    await flush();
    expect(acks.get('edge-a')).toBe(1);
    const again = connect();
    hello(again);
    expect(again.sent[0]).toMatchObject({ type: 'welcome', welcome: { acked: 1 } });
  });

  it('a bad frame closes only its own session with the ProtocolError code, storing nothing of it', async () => {
    const { connect, storage } = testHub();
    const good = connect();
    const goodEnc = hello(good, 'edge-b', 'secret-b');
    const bad = connect();
    const badEnc = hello(bad);
    const frames = badEnc.encodeScrape(1, 1000, SERIES, new Float64Array([1, 2]));
    const batch = frames.at(-1)!;
    const broken = batch.slice(0, batch.length - 1); // the sample bits cut short
    bad.deliver(...frames.slice(0, -1), broken);
    expect(bad.closed?.code).toBe(CloseCode.PROTOCOL);
    expect(bad.sent.at(-1)).toMatchObject({ type: 'close', close: { code: CloseCode.PROTOCOL } });
    good.deliver(...goodEnc.encodeScrape(1, 1000, SERIES, new Float64Array([5, 6])));
    await flush();
    expect(good.acks()).toEqual([1]);
    expect([...countBySeries(storage as never).keys()]).toEqual(['up{job="a", site="edge-b"}', 'up{job="b", site="edge-b"}']);
  });

  it('refuses a frame above maxFrameBytes with 4003, and garbage with 4000', () => {
    const { connect } = testHub({ limits: { maxFrameBytes: 2048 } });
    const s = connect();
    hello(s);
    s.deliver(new Uint8Array(4096));
    expect(s.closed?.code).toBe(CloseCode.FRAME_TOO_LARGE);
    const t = connect();
    hello(t, 'edge-b', 'secret-b');
    t.deliver(packFrame([99, 1, 2]));
    expect(t.closed?.code).toBe(CloseCode.PROTOCOL);
  });

  it('refuses a series carrying an external label name of its edge', () => {
    const { connect, storage } = testHub();
    const s = connect();
    const enc = hello(s);
    s.deliver(...enc.encodeScrape(1, 1000, [L({ __name__: 'up', site: 'other' })], new Float64Array([1])));
    expect(s.closed?.code).toBe(CloseCode.PROTOCOL);
    expect(s.closed?.reason).toMatch(/external label site/);
    expect(countBySeries(storage as never).size).toBe(0);
  });

  it('enforces the per-edge series limit with LIMIT', () => {
    const { connect } = testHub({ limits: { maxSeriesPerEdge: 3 } });
    const s = connect();
    const enc = hello(s);
    expect(s.sent[0]).toMatchObject({ type: 'welcome', welcome: { limits: { maxSeries: 3 } } });
    // The edge's encoder honours the limit; a misbehaving edge ignoring it is cut off by the hub.
    const rogue = new EdgeEncoder({ limits: { maxSeries: 100 } });
    void enc;
    const t = connect();
    t.deliver(rogue.hello({ edge: 'edge-b', token: 'secret-b', externalLabels: [], resume: 0 }));
    const four = [0, 1, 2, 3].map((i) => L({ __name__: 'm', i: String(i) }));
    t.deliver(...rogue.encodeScrape(1, 1000, four, new Float64Array(4)));
    expect(t.closed?.code).toBe(CloseCode.LIMIT);
    expect(t.closed?.reason).toMatch(/maxSeries 3/);
  });

  it('delays batches above the samples-per-second limit instead of dropping them', async () => {
    const { connect } = testHub({ limits: { maxSamplesPerSecond: 20, burstSamples: 2 } });
    const s = connect();
    const enc = hello(s);
    const start = Date.now();
    for (let seq = 1; seq <= 3; seq++) s.deliver(...enc.encodeScrape(seq, 1000 * seq, SERIES, new Float64Array([1, 2])));
    await flush();
    expect(s.acks()).toEqual([1]);
    expect(s.paused).toBe(true);
    for (let i = 0; i < 100 && s.acks().length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s.acks()).toEqual([1, 2, 3]);
    expect(Date.now() - start).toBeGreaterThanOrEqual(150); // 4 samples over the burst at 20/s
  });

  it('closes with LIMIT when an edge queues more bytes than allowed while throttled', () => {
    const { connect } = testHub({ limits: { maxSamplesPerSecond: 1, burstSamples: 2, maxQueuedBytes: 200 } });
    const s = connect();
    const enc = hello(s);
    for (let seq = 1; seq <= 20 && !s.closed; seq++) s.deliver(...enc.encodeScrape(seq, 1000 * seq, SERIES, new Float64Array([seq, seq])));
    expect(s.closed?.code).toBe(CloseCode.LIMIT);
  });

  it('closes a connection that sends no HELLO in time', async () => {
    const { connect } = testHub({ limits: { handshakeTimeoutMs: 20 } });
    const s = connect();
    await new Promise((r) => setTimeout(r, 50));
    expect(s.closed?.code).toBe(CloseCode.PROTOCOL);
    expect(s.closed?.reason).toMatch(/no HELLO/);
  });
});
