import { describe, expect, it } from 'vitest';
import {
  decodeHubFrame,
  encodeAck,
  encodeClose,
  encodeHello,
  encodeMetadata,
  encodePing,
  encodePong,
  encodeRefuse,
  encodeTargets,
  encodeWelcome,
} from '../../shared/protocol/control.ts';
import { CloseCode, ProtocolError, truncateUtf8 } from '../../shared/protocol/errors.ts';
import { DEFAULT_LIMITS, FrameType, PROTOCOL_VERSION, type MetricMetadata, type TargetReport } from '../../shared/protocol/frames.ts';
import { HubDecoder } from '../../shared/protocol/hub-decoder.ts';
import { packFrame } from '../../shared/protocol/msgpack.ts';

const MAX = 1 << 20;

describe('frames from a hub round-trip through decodeHubFrame', () => {
  const cases: [string, Uint8Array, unknown][] = [
    ['welcome', encodeWelcome({ hub: 'hub-a', acked: 41, limits: { ...DEFAULT_LIMITS, maxLists: 7 } }),
      { type: 'welcome', welcome: { version: PROTOCOL_VERSION, hub: 'hub-a', acked: 41, limits: { ...DEFAULT_LIMITS, maxLists: 7 } } }],
    ['refuse, retry later', encodeRefuse({ code: CloseCode.TRY_LATER, reason: 'too many handshakes', retryAfterMs: 2500 }),
      { type: 'refuse', refuse: { code: CloseCode.TRY_LATER, reason: 'too many handshakes', retryAfterMs: 2500 } }],
    ['refuse, unauthorized', encodeRefuse({ code: CloseCode.UNAUTHORIZED, reason: 'bad token', retryAfterMs: 0 }),
      { type: 'refuse', refuse: { code: CloseCode.UNAUTHORIZED, reason: 'bad token', retryAfterMs: 0 } }],
    ['ack', encodeAck({ seq: 2 ** 40 }), { type: 'ack', ack: { seq: 2 ** 40 } }],
    ['ping', encodePing({ id: 9 }), { type: 'ping', ping: { id: 9 } }],
    ['pong', encodePong({ id: 9 }), { type: 'pong', pong: { id: 9 } }],
    ['close', encodeClose({ code: CloseCode.GOING_AWAY, reason: 'hub restarting' }), { type: 'close', close: { code: 1001, reason: 'hub restarting' } }],
  ];
  for (const [name, bytes, want] of cases) {
    it(name, () => expect(decodeHubFrame(bytes, MAX)).toEqual(want));
  }

  const bad: [string, Uint8Array, RegExp][] = [
    ['BATCH from a hub', packFrame([FrameType.BATCH, 1]), /unexpected frame type the integer 5 from a hub/],
    ['welcome of another version', packFrame([FrameType.WELCOME, 3, 'h', 0, []]), /hub answered with protocol version 3/],
    ['welcome with short limits', packFrame([FrameType.WELCOME, 1, 'h', 0, [1 << 20, 1, 1]]), /WELCOME frame has 3 fields, want 5/],
    ['welcome with tiny frames', packFrame([FrameType.WELCOME, 1, 'h', 0, [10, 1, 1, 1, 1]]), /limits.maxFrameBytes is too small/],
    ['welcome with no lists', packFrame([FrameType.WELCOME, 1, 'h', 0, [4096, 1, 0, 1, 1]]), /limits.maxLists must be at least 1/],
    ['ack with negative seq', packFrame([FrameType.ACK, -3]), /ACK frame: seq is out of range/],
    ['refuse with huge code', packFrame([FrameType.REFUSE, 70000, 'x', 0]), /REFUSE frame: code is out of range/],
    ['oversized', encodeClose({ code: 1000, reason: 'x'.repeat(200) }), /exceeds the limit of 100/],
  ];
  for (const [name, bytes, want] of bad) {
    it(`refuses ${name}`, () => {
      expect(() => decodeHubFrame(bytes, name === 'oversized' ? 100 : MAX)).toThrow(ProtocolError);
      expect(() => decodeHubFrame(bytes, name === 'oversized' ? 100 : MAX)).toThrow(want);
    });
  }
});

describe('frames from an edge round-trip through HubDecoder', () => {
  const hello = { edge: 'edge-ü', token: 'tok', externalLabels: ['dc', 'eu-1', 'env', 'prod'], resume: 17 };
  const meta: MetricMetadata[] = [
    { family: 'http_requests', type: 'counter', help: 'Requests.', unit: '' },
    { family: 'temp', type: 'gauge', help: '', unit: 'celsius' },
  ];

  it('hello, metadata, ping, pong, close', () => {
    const dec = new HubDecoder();
    expect(dec.decode(encodeHello(hello))).toEqual({ type: 'hello', hello: { version: PROTOCOL_VERSION, ...hello } });
    expect(dec.hello?.resume).toBe(17);
    expect(dec.decode(encodeMetadata(meta))).toEqual({ type: 'metadata', metadata: meta });
    expect(dec.decode(encodePing({ id: 1 }))).toEqual({ type: 'ping', ping: { id: 1 } });
    expect(dec.decode(encodePong({ id: 2 }))).toEqual({ type: 'pong', pong: { id: 2 } });
    expect(dec.decode(encodeClose({ code: 1000, reason: 'bye' }))).toEqual({ type: 'close', close: { code: 1000, reason: 'bye' } });
  });

  it('targets: every field, an empty label set, and an empty list', () => {
    const targets: TargetReport[] = [
      { scrapePool: 'node', scrapeUrl: 'http://10.0.0.1:9100/metrics', labels: ['instance', '10.0.0.1:9100', 'job', 'node'], health: 'up', lastError: '', lastScrape: 1_700_000_000_123, lastScrapeDurationUs: 2345, scrapeIntervalMs: 15_000, scrapeTimeoutMs: 10_000 },
      { scrapePool: 'ä-pool', scrapeUrl: 'https://x/m', labels: [], health: 'down', lastError: 'connection refused', lastScrape: 0, lastScrapeDurationUs: 0, scrapeIntervalMs: 60_000, scrapeTimeoutMs: 60_000 },
      { scrapePool: 'p', scrapeUrl: '', labels: ['a', 'b'], health: 'unknown', lastError: '', lastScrape: 0, lastScrapeDurationUs: 0, scrapeIntervalMs: 0, scrapeTimeoutMs: 0 },
    ];
    const dec = new HubDecoder();
    dec.decode(encodeHello(hello));
    expect(dec.decode(encodeTargets(targets))).toEqual({ type: 'targets', targets });
    expect(dec.decode(encodeTargets([]))).toEqual({ type: 'targets', targets: [] });
  });

  it('targets: a long lastError is cut to 1024 characters', () => {
    const dec = new HubDecoder();
    dec.decode(encodeHello(hello));
    const t: TargetReport = { scrapePool: 'p', scrapeUrl: 'u', labels: [], health: 'down', lastError: 'x'.repeat(5000), lastScrape: 1, lastScrapeDurationUs: 1, scrapeIntervalMs: 1, scrapeTimeoutMs: 1 };
    const got = dec.decode(encodeTargets([t]));
    expect(got.type === 'targets' && got.targets[0].lastError).toBe('x'.repeat(1021) + '...');
  });

  it('a version 1 hello is accepted (older edges); WELCOME of version 1 is read by the edge', () => {
    const dec = new HubDecoder();
    expect(dec.decode(encodeHello({ ...hello, version: 1 }))).toEqual({ type: 'hello', hello: { version: 1, ...hello } });
    expect(decodeHubFrame(encodeWelcome({ version: 1, hub: 'h', acked: 0, limits: DEFAULT_LIMITS }), MAX)).toMatchObject({ type: 'welcome', welcome: { version: 1 } });
  });

  it('reset allows a new hello', () => {
    const dec = new HubDecoder();
    dec.decode(encodeHello(hello));
    expect(() => dec.decode(encodeHello(hello))).toThrow(/second HELLO/);
    dec.reset();
    expect(dec.decode(encodeHello({ ...hello, resume: 20 })).type).toBe('hello');
    expect(dec.hello?.resume).toBe(20);
  });
});

describe('ProtocolError', () => {
  it('cuts its close reason to 123 UTF-8 bytes on a character boundary', () => {
    const err = new ProtocolError(CloseCode.PROTOCOL, 'é'.repeat(100));
    expect(Buffer.byteLength(err.closeReason)).toBeLessThanOrEqual(123);
    expect(err.closeReason.endsWith('...')).toBe(true);
    expect(truncateUtf8('short', 123)).toBe('short');
  });
});
