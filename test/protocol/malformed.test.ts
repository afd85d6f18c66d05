import { describe, expect, it } from 'vitest';
import { BitWriter } from '../../shared/protocol/bits.ts';
import { CloseCode, ProtocolError } from '../../shared/protocol/errors.ts';
import { FrameType, MAX_TIMESTAMP_MS } from '../../shared/protocol/frames.ts';
import { HubDecoder } from '../../shared/protocol/hub-decoder.ts';
import { packFrame } from '../../shared/protocol/msgpack.ts';
import { Pair, series } from './helpers.ts';

const { HELLO, WELCOME, SERIES, BATCH, PING, CLOSE, METADATA, TARGETS } = FrameType;
const HELLO_OK = [HELLO, 1, 'edge-1', 'secret', [], 0];

/** bits composes a sample bit stream from [value, width] fields. */
function bits(...fields: [number, number][]): Uint8Array {
  const w = new BitWriter(16);
  for (const [v, n] of fields) w.writeUint(v, n);
  return w.finish();
}

/**
 * connected: a pair after HELLO and one scrape (seq 1) of two series with values [0, 0], so that
 * series list 0 = [0, 1] exists and neither series has an integer width or XOR window yet.
 */
function connected(limits = {}): Pair {
  const p = new Pair({ enc: { limits }, dec: { limits } });
  p.scrape(1_000, series(2), new Float64Array(2));
  return p;
}

type Case = [name: string, frame: Uint8Array | unknown[], code: number, message: RegExp, setup?: () => Pair];
const P = CloseCode.PROTOCOL;

const cases: Case[] = [
  // msgpack and envelope
  ['empty frame', new Uint8Array(0), P, /^empty frame$/],
  ['never-used msgpack byte', new Uint8Array([0xc1]), P, /not a msgpack array but a C1/],
  ['truncated array', new Uint8Array([0x93, 0x05]), P, /malformed msgpack: Unexpected end/],
  ['trailing bytes', new Uint8Array([0x91, 0x07, 0x07]), P, /malformed msgpack/],
  ['not an array', new Uint8Array([0x05]), P, /frame is not a msgpack array but the integer 5/],
  ['empty array', new Uint8Array([0x90]), P, /frame is an empty array/],
  ['unknown frame type', [99, 1], P, /unknown frame type the integer 99/],
  ['string frame type', ['BATCH', 1], P, /unknown frame type a string/],
  ['WELCOME from an edge', [WELCOME, 1, 'hub', 0, [1, 1, 1, 1, 1]], P, /unexpected WELCOME frame from an edge/],
  ['oversized', new Uint8Array(2048), CloseCode.FRAME_TOO_LARGE, /frame of 2048 bytes exceeds the limit of 1024/, () => connected({ maxFrameBytes: 1024 })],
  // order
  ['BATCH before HELLO', [BATCH, 1, 0, 0, 0, 1, new Uint8Array(1)], P, /BATCH frame before HELLO/, freshDecoderPair],
  ['second HELLO', HELLO_OK, P, /second HELLO frame/],
  // HELLO fields
  ['HELLO version 3', [HELLO, 3, 'e', 't', [], 0], CloseCode.UNSUPPORTED_VERSION, /unsupported protocol version 3; this side speaks 1 to 2/, freshDecoderPair],
  ['HELLO version 0', [HELLO, 0, 'e', 't', [], 0], CloseCode.UNSUPPORTED_VERSION, /unsupported protocol version 0/, freshDecoderPair],
  ['HELLO version missing', [HELLO], CloseCode.UNSUPPORTED_VERSION, /HELLO frame carries no protocol version/, freshDecoderPair],
  ['HELLO field count', [HELLO, 1, 'e', 't', []], P, /HELLO frame has 4 fields, want 5/, freshDecoderPair],
  ['HELLO empty edge', [HELLO, 1, '', 't', [], 0], P, /HELLO frame: edge must be a non-empty/, freshDecoderPair],
  ['HELLO token not string', [HELLO, 1, 'e', 5, [], 0], P, /HELLO frame: token must be a string, got the integer 5/, freshDecoderPair],
  ['HELLO odd external labels', [HELLO, 1, 'e', 't', ['a'], 0], P, /externalLabels has an odd number of strings/, freshDecoderPair],
  ['HELLO unsorted external labels', [HELLO, 1, 'e', 't', ['z', '1', 'a', '2'], 0], P, /externalLabels are invalid.*not sorted/, freshDecoderPair],
  ['HELLO external label not string', [HELLO, 1, 'e', 't', ['a', 1], 0], P, /externalLabels\[1\] must be a string/, freshDecoderPair],
  ['HELLO negative resume', [HELLO, 1, 'e', 't', [], -1], P, /resume is out of range/, freshDecoderPair],
  ['HELLO NaN resume', [HELLO, 1, 'e', 't', [], NaN], P, /resume is not finite/, freshDecoderPair],
  // SERIES (the connection's string table already holds 8 strings, ids 0-7)
  ['SERIES wrong firstRef', [SERIES, 5, ['a', 'b'], new Uint32Array([1, 0, 1])], P, /firstRef is 5, but 2 series are defined/],
  ['SERIES defs not u32', [SERIES, 2, ['a', 'b'], [1, 0, 1]], P, /defs must be a Uint32Array, got an array/],
  ['SERIES unknown string id', [SERIES, 2, ['a', 'b'], new Uint32Array([1, 0, 99])], P, /series 2 uses unknown string id 99/],
  ['SERIES zero labels', [SERIES, 2, [], new Uint32Array([0])], P, /series 2 has 0 labels/],
  ['SERIES truncated defs', [SERIES, 2, ['a', 'b'], new Uint32Array([2, 0, 1])], P, /has 2 labels but the array ends after 2 string ids/],
  ['SERIES unsorted labels', [SERIES, 2, ['zz', 'v', 'aa'], new Uint32Array([2, 8, 9, 10, 9])], P, /series 2: .*labels not sorted/],
  ['SERIES empty value', [SERIES, 2, ['aa', ''], new Uint32Array([1, 8, 9])], P, /series 2: .*empty label value/],
  ['SERIES no series', [SERIES, 2, [], new Uint32Array(0)], P, /defines no series/],
  ['SERIES string not string', [SERIES, 2, ['a', 7], new Uint32Array([1, 0, 1])], P, /strings\[1\] must be a string/],
  ['SERIES over maxSeries', [SERIES, 2, ['q', 'r'], new Uint32Array([1, 0, 1])], CloseCode.LIMIT, /series table full: 3 series exceed maxSeries 2/, () => connected({ maxSeries: 2 })],
  ['SERIES over maxStrings', [SERIES, 2, ['q', 'r'], new Uint32Array([1, 0, 1])], CloseCode.LIMIT, /string table full/, () => connected({ maxStrings: 9 })],
  // BATCH envelope
  ['BATCH field count', [BATCH, 2, 0, 0, 0, 2], P, /BATCH frame has 5 fields, want 6/],
  ['BATCH seq gap', [BATCH, 3, 0, 0, 0, 2, bits([0, 2])], P, /seq 3 does not follow 1/],
  ['BATCH seq repeated', [BATCH, 1, 0, 0, 0, 2, bits([0, 2])], P, /seq 1 does not follow 1/],
  ['BATCH seq not after resume', [BATCH, 1, 0, 0, [0, new Uint32Array(0)], 0, new Uint8Array(0)], P, /seq 1 is not after the resume position 4/, () => helloWithResume(4)],
  ['BATCH seq bigint', [BATCH, 2n ** 63n, 0, 0, 0, 2, bits([0, 2])], P, /seq is out of range/],
  ['BATCH unknown kind', [BATCH, 2, 7, 0, 0, 2, bits([0, 2])], P, /kind is unknown \(7\)/],
  ['BATCH NaN timestamp', [BATCH, 2, 0, NaN, 0, 2, bits([0, 2])], P, /tDelta is not finite \(NaN\)/],
  ['BATCH infinite timestamp', [BATCH, 2, 0, -Infinity, 0, 2, bits([0, 2])], P, /tDelta is not finite \(-Infinity\)/],
  ['BATCH fractional timestamp', [BATCH, 2, 0, 1.5, 0, 2, bits([0, 2])], P, /tDelta must be a safe integer, got 1.5/],
  ['BATCH timestamp out of range', [BATCH, 2, 0, MAX_TIMESTAMP_MS, 0, 2, bits([0, 2])], P, /tDelta gives timestamp \d+, out of range/],
  ['BATCH unknown list', [BATCH, 2, 0, 0, 3, 2, bits([0, 2])], P, /list refers to unknown series list 3/],
  ['BATCH list id beyond maxLists', [BATCH, 2, 0, 0, 4096, 2, bits([0, 2])], P, /list is out of range: 4096 not in \[0, 4095\]/],
  ['BATCH list of wrong type', [BATCH, 2, 0, 0, 'x', 2, bits([0, 2])], P, /list must be a list id or \[id, refs\], got a string/],
  ['BATCH list with unknown ref', [BATCH, 2, 0, 0, [1, new Uint32Array([0, 9])], 2, bits([0, 2])], P, /unknown series ref 9 \(2 defined\)/],
  ['BATCH list refs not u32', [BATCH, 2, 0, 0, [1, [0, 1]], 2, bits([0, 2])], P, /list.refs must be a Uint32Array/],
  ['BATCH count disagrees', [BATCH, 2, 0, 0, 0, 3, bits([0, 3])], P, /count is 3 but the series list has 2 series/],
  ['BATCH count zero', [BATCH, 2, 0, 0, [1, new Uint32Array(0)], 0, new Uint8Array(0)], P, /count is 0/],
  ['BATCH count beyond maxBatchSamples', [BATCH, 2, 0, 0, 0, 3, bits([0, 3])], P, /count is out of range: 3 not in \[0, 2\]/, () => connected({ maxBatchSamples: 2 })],
  ['BATCH samples not bytes', [BATCH, 2, 0, 0, 0, 2, 'xx'], P, /samples must be a byte array, got a string/],
  ['BATCH samples too short', [BATCH, 2, 0, 0, [1, new Uint32Array(9).fill(1)], 9, new Uint8Array(1)], P, /samples has 1 bytes, too few for 9 samples/],
  // BATCH bit stream
  ['bit stream ends early', [BATCH, 2, 0, 0, 0, 2, bits([0b110, 3], [9, 6])], P, /sample bit stream ends early/],
  ['bytes left over', [BATCH, 2, 0, 0, 0, 2, new Uint8Array(2)], P, /1 byte\(s\) left over after the last sample/],
  ['non-zero padding', [BATCH, 2, 0, 0, 0, 2, bits([0, 2], [1, 6])], P, /padding bits after the last sample are not zero/],
  ['integer width reused before set', [BATCH, 2, 0, 0, 0, 2, bits([0b10, 2], [0, 6])], P, /reuses a field width before setting one/],
  ['integer width too wide', [BATCH, 2, 0, 0, 0, 2, bits([0b110, 3], [59, 6], [0, 7])], P, /integer delta width 60 exceeds 53/],
  ['XOR window reused before set', [BATCH, 2, 0, 0, 0, 2, bits([0b1110, 4], [0, 4])], P, /series 0 reuses an XOR window before setting one/],
  ['XOR window beyond 64 bits', [BATCH, 2, 0, 0, 0, 2, bits([0b1111, 4], [40, 6], [39, 6], [0, 40])], P, /XOR window of 40 leading and 40 significant bits exceeds 64/],
  // second sample fails after the first changed its series' state: nothing may stick
  ['second sample fails', [BATCH, 2, 0, 0, 0, 2, bits([0b110, 3], [9, 6], [12345, 10], [0b1110, 4], [0, 6])], P, /series 1 reuses an XOR window/],
  ['backfill timestamp out of range', [BATCH, 2, 1, 0, 0, 2, bits([0b1111, 4], [2 ** 53 - 1, 53], [0, 1], [0, 1], [0, 5])], P, /sample timestamp -4503599627370496 is out of range/],
  // other frames
  ['PING id not a number', [PING, 'x'], P, /PING frame: id must be an unsigned integer, got a string/],
  ['CLOSE without reason', [CLOSE, 1000], P, /CLOSE frame has 1 fields, want 2/],
  ['METADATA unknown type', [METADATA, [['m', 'countr', 'help', '']]], P, /entries\[0\].type is not a metric type: "countr"/],
  ['METADATA entry not array', [METADATA, ['m']], P, /entries\[0\] must be an array, got a string/],
  ['METADATA empty family', [METADATA, [['', 'gauge', '', '']]], P, /entries\[0\].family is empty/],
  // TARGETS: [pool, url, labels, health, lastError, lastScrape, durationUs, intervalMs, timeoutMs]
  ['TARGETS on a version 1 connection', [TARGETS, []], P, /TARGETS frame on a version 1 connection/, helloV1],
  ['TARGETS before HELLO', [TARGETS, []], P, /TARGETS frame before HELLO/, freshDecoderPair],
  ['TARGETS not an array', [TARGETS, 5], P, /TARGETS frame: targets must be an array, got the integer 5/],
  ['TARGETS field count', [TARGETS, [], []], P, /TARGETS frame has 2 fields, want 1/],
  ['TARGETS entry not an array', [TARGETS, ['x']], P, /targets\[0\] must be an array, got a string/],
  ['TARGETS entry short', [TARGETS, [['job', 'http://a/metrics', [], 1, '', 0, 0, 15000]]], P, /TARGETS frame has 8 fields, want 9/],
  ['TARGETS empty pool', [TARGETS, [target({ 0: '' })]], P, /targets\[0\].scrapePool must be a non-empty/],
  ['TARGETS odd labels', [TARGETS, [target(), target({ 2: ['job'] })]], P, /targets\[1\].labels has an odd number of strings/],
  ['TARGETS unsorted labels', [TARGETS, [target({ 2: ['job', 'a', 'instance', 'b'] })]], P, /targets\[0\].labels are invalid.*not sorted/],
  ['TARGETS reserved label', [TARGETS, [target({ 2: ['__address__', 'a:1'] })]], P, /targets\[0\].labels are invalid.*reserved/],
  ['TARGETS unknown health', [TARGETS, [target({ 3: 3 })]], P, /targets\[0\].health is out of range: 3 not in \[0, 2\]/],
  ['TARGETS error too long', [TARGETS, [target({ 4: 'e'.repeat(1025) })]], P, /targets\[0\].lastError is longer than 1024 characters/],
  ['TARGETS float lastScrape', [TARGETS, [target({ 5: 1.5 })]], P, /targets\[0\].lastScrape must be an unsigned integer, got the float 1.5/],
  ['TARGETS negative duration', [TARGETS, [target({ 6: -1 })]], P, /targets\[0\].lastScrapeDurationUs is out of range/],
  ['TARGETS NaN interval', [TARGETS, [target({ 7: NaN })]], P, /targets\[0\].scrapeIntervalMs is not finite/],
  ['TARGETS too many', [TARGETS, new Array(65_537).fill(0)], P, /lists 65537 targets, more than 65536/],
];

/** target: a well-formed TARGETS entry with the fields at the given positions replaced. */
function target(replace: Record<number, unknown> = {}): unknown[] {
  const t: unknown[] = ['node', 'http://10.0.0.1:9100/metrics', ['instance', '10.0.0.1:9100', 'job', 'node'], 1, '', 1_700_000_000_000, 2500, 15_000, 10_000];
  for (const [i, v] of Object.entries(replace)) t[Number(i)] = v;
  return t;
}

function helloV1(): Pair {
  const p = freshDecoderPair();
  p.dec.decode(packFrame([HELLO, 1, 'e', 't', [], 0]));
  return p;
}

function freshDecoderPair(): Pair {
  const p = Object.create(Pair.prototype) as Pair;
  p.dec = new HubDecoder();
  return p;
}

function helloWithResume(resume: number): Pair {
  const p = freshDecoderPair();
  p.dec.decode(packFrame([HELLO, 1, 'e', 't', [], resume]));
  return p;
}

function check([name, frame, code, message, setup]: Case): void {
  it(name, () => {
    const p = (setup ?? connected)();
    const bytes = frame instanceof Uint8Array ? frame : packFrame(frame);
    let err: unknown;
    try {
      p.dec.decode(bytes);
    } catch (e) {
      err = e;
    }
    expect(err, 'decode should throw').toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).message).toMatch(message);
    expect((err as ProtocolError).code).toBe(code);
    expect(Buffer.byteLength((err as ProtocolError).closeReason)).toBeLessThanOrEqual(123);
    // Nothing of the bad frame was applied: the encoder's next batch still decodes exactly.
    if (p.enc) {
      const vals = new Float64Array([3.25, -7]);
      const got = p.deliver(p.enc.encodeScrape(2, 16_000, series(2), vals));
      expect(Array.from(got[0].values)).toEqual([3.25, -7]);
      expect(p.dec.seriesCount).toBe(2);
    }
  });
}

describe('HubDecoder refuses malformed frames with a ProtocolError', () => {
  for (const c of cases) check(c);
});
