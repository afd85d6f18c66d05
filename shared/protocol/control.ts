/**
 * Codecs of the stateless frames: HELLO, WELCOME, REFUSE, ACK, PING, PONG, CLOSE, METADATA and TARGETS.
 * Encoders take a plain object and return the frame's bytes; decoders check every field and throw a
 * ProtocolError naming the first one that is wrong. `decodeHubFrame` is the edge's side: it reads
 * whatever a hub may send. The hub reads edge frames through HubDecoder, which uses the parsers here.
 */
import { Labels } from '../model/labels.ts';
import { InvalidLabelError, isWellFormed, validateLabels } from '../model/validate.ts';
import { CloseCode, ProtocolError, malformed } from './errors.ts';
import {
  FrameType,
  MAX_LABELS_PER_SERIES,
  MAX_TARGETS_PER_FRAME,
  MAX_TIMESTAMP_MS,
  METRIC_TYPES,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  TARGET_HEALTH,
  type Ack,
  type Close,
  type Hello,
  type Limits,
  type MetricMetadata,
  type MetricType,
  type Ping,
  type Refuse,
  type TargetReport,
  type Welcome,
} from './frames.ts';
import { FieldReader, describe, packFrame, unpackFrame } from './msgpack.ts';

const MAX_NAME_CHARS = 256;
const MAX_TOKEN_CHARS = 4096;
const MAX_REASON_CHARS = 1024;
const MAX_HELP_CHARS = 64 * 1024;
const MAX_POOL_CHARS = 1024;
const MAX_URL_CHARS = 4096;
/** MAX_TARGET_ERROR_CHARS: a target's lastError longer than this is refused; encodeTargets cuts it. */
export const MAX_TARGET_ERROR_CHARS = 1024;
const MAX_DURATION = 2 ** 40;

// ---- encoders -------------------------------------------------------------------------------

/** encodeHello: the edge's first frame. `version` defaults to PROTOCOL_VERSION. */
export function encodeHello(h: Omit<Hello, 'version'> & { version?: number }): Uint8Array {
  return packFrame([FrameType.HELLO, h.version ?? PROTOCOL_VERSION, h.edge, h.token, [...h.externalLabels], h.resume]);
}

/** encodeWelcome: the hub accepts the edge and states its limits. */
export function encodeWelcome(w: Omit<Welcome, 'version'> & { version?: number }): Uint8Array {
  const l = w.limits;
  const limits = [l.maxFrameBytes, l.maxSeries, l.maxLists, l.maxStrings, l.maxBatchSamples];
  return packFrame([FrameType.WELCOME, w.version ?? PROTOCOL_VERSION, w.hub, w.acked, limits]);
}

/** encodeRefuse: the hub turns the edge away; retryAfterMs > 0 means "wait that long and retry". */
export function encodeRefuse(r: Refuse): Uint8Array {
  return packFrame([FrameType.REFUSE, r.code, r.reason, r.retryAfterMs]);
}

/** encodeAck: every batch up to `seq` is durable on the hub. */
export function encodeAck(a: Ack): Uint8Array {
  return packFrame([FrameType.ACK, a.seq]);
}

/** encodePing / encodePong: an application round trip; the pong echoes the ping's id. */
export function encodePing(p: Ping): Uint8Array {
  return packFrame([FrameType.PING, p.id]);
}

export function encodePong(p: Ping): Uint8Array {
  return packFrame([FrameType.PONG, p.id]);
}

/** encodeClose: the sender is about to close the connection with `code`. */
export function encodeClose(c: Close): Uint8Array {
  return packFrame([FrameType.CLOSE, c.code, c.reason]);
}

/** encodeMetadata: metric family metadata, sent whenever it is new or changed. */
export function encodeMetadata(entries: readonly MetricMetadata[]): Uint8Array {
  return packFrame([FrameType.METADATA, entries.map((e) => [e.family, e.type, e.help, e.unit])]);
}

/**
 * encodeTargets: the edge's active targets, the whole list (it replaces the one sent before).
 * lastError is cut to MAX_TARGET_ERROR_CHARS; the other fields are sent as they are.
 */
export function encodeTargets(targets: readonly TargetReport[]): Uint8Array {
  return packFrame([
    FrameType.TARGETS,
    targets.map((t) => [
      t.scrapePool,
      t.scrapeUrl,
      [...t.labels],
      TARGET_HEALTH.indexOf(t.health),
      t.lastError.length > MAX_TARGET_ERROR_CHARS ? t.lastError.slice(0, MAX_TARGET_ERROR_CHARS - 3) + '...' : t.lastError,
      t.lastScrape,
      t.lastScrapeDurationUs,
      t.scrapeIntervalMs,
      t.scrapeTimeoutMs,
    ]),
  ]);
}

// ---- parsers --------------------------------------------------------------------------------

/**
 * parseHello checks a HELLO frame. The version is checked first, so that a later version's hello
 * gets UNSUPPORTED_VERSION rather than a complaint about its fields.
 */
export function parseHello(frame: readonly unknown[]): Hello {
  const version = frame[1];
  if (version === undefined) throw new ProtocolError(CloseCode.UNSUPPORTED_VERSION, 'HELLO frame carries no protocol version');
  if (!isSpokenVersion(version)) {
    throw new ProtocolError(
      CloseCode.UNSUPPORTED_VERSION,
      `unsupported protocol version ${typeof version === 'number' || typeof version === 'bigint' ? version : describe(version)}; this side speaks ${SPOKEN}`,
    );
  }
  const f = new FieldReader('HELLO', frame, ['version', 'edge', 'token', 'externalLabels', 'resume']);
  const edge = f.str(2, 'edge', MAX_NAME_CHARS);
  if (edge === '' || !isWellFormed(edge)) throw f.fail('edge', 'must be a non-empty, valid UTF-8 name');
  const token = f.str(3, 'token', MAX_TOKEN_CHARS);
  const flat = f.strings(4, 'externalLabels');
  if (flat.length % 2 !== 0) throw f.fail('externalLabels', `has an odd number of strings (${flat.length})`);
  try {
    validateLabels(Labels.fromSortedFlat(flat), { allowEmpty: true });
  } catch (err) {
    if (err instanceof InvalidLabelError) throw f.fail('externalLabels', `are invalid: ${err.message}`);
    throw err;
  }
  const resume = f.uint(5, 'resume');
  return { version, edge, token, externalLabels: flat, resume };
}

function parseWelcome(frame: readonly unknown[]): Welcome {
  const version = frame[1];
  if (!isSpokenVersion(version)) {
    throw new ProtocolError(CloseCode.UNSUPPORTED_VERSION, `hub answered with protocol version ${String(version)}; this side speaks ${SPOKEN}`);
  }
  const f = new FieldReader('WELCOME', frame, ['version', 'hub', 'acked', 'limits']);
  const hub = f.str(2, 'hub', MAX_NAME_CHARS);
  const acked = f.uint(3, 'acked');
  const arr = f.array(4, 'limits');
  const lf = new FieldReader('WELCOME', [0, ...arr], ['maxFrameBytes', 'maxSeries', 'maxLists', 'maxStrings', 'maxBatchSamples']);
  const limits: Limits = {
    maxFrameBytes: lf.uint(1, 'limits.maxFrameBytes', 2 ** 31),
    maxSeries: lf.uint(2, 'limits.maxSeries', 2 ** 32 - 1),
    maxLists: lf.uint(3, 'limits.maxLists', 2 ** 32 - 1),
    maxStrings: lf.uint(4, 'limits.maxStrings', 2 ** 32 - 1),
    maxBatchSamples: lf.uint(5, 'limits.maxBatchSamples', 2 ** 32 - 1),
  };
  if (limits.maxFrameBytes < 1024) throw lf.fail('limits.maxFrameBytes', `is too small (${limits.maxFrameBytes} < 1024)`);
  if (limits.maxLists < 1) throw lf.fail('limits.maxLists', 'must be at least 1');
  return { version, hub, acked, limits };
}

function parseRefuse(frame: readonly unknown[]): Refuse {
  const f = new FieldReader('REFUSE', frame, ['code', 'reason', 'retryAfterMs']);
  return { code: f.uint(1, 'code', 4999), reason: f.str(2, 'reason', MAX_REASON_CHARS), retryAfterMs: f.uint(3, 'retryAfterMs') };
}

function parseAck(frame: readonly unknown[]): Ack {
  const f = new FieldReader('ACK', frame, ['seq']);
  return { seq: f.uint(1, 'seq') };
}

/** parsePing reads a PING or PONG frame (`name` says which). */
export function parsePing(frame: readonly unknown[], name: 'PING' | 'PONG'): Ping {
  const f = new FieldReader(name, frame, ['id']);
  return { id: f.uint(1, 'id') };
}

/** parseClose reads a CLOSE frame. */
export function parseClose(frame: readonly unknown[]): Close {
  const f = new FieldReader('CLOSE', frame, ['code', 'reason']);
  return { code: f.uint(1, 'code', 4999), reason: f.str(2, 'reason', MAX_REASON_CHARS) };
}

/** parseMetadata reads a METADATA frame. */
export function parseMetadata(frame: readonly unknown[]): MetricMetadata[] {
  const f = new FieldReader('METADATA', frame, ['entries']);
  const entries = f.array(1, 'entries');
  return entries.map((e, i) => {
    if (!Array.isArray(e)) throw f.fail(`entries[${i}]`, `must be an array, got ${describe(e)}`);
    const ef = new FieldReader('METADATA', [0, ...e], ['family', 'type', 'help', 'unit']);
    const family = ef.str(1, `entries[${i}].family`, MAX_NAME_CHARS * 4);
    if (family === '') throw ef.fail(`entries[${i}].family`, 'is empty');
    const type = ef.str(2, `entries[${i}].type`, 32);
    if (!(METRIC_TYPES as readonly string[]).includes(type)) throw ef.fail(`entries[${i}].type`, `is not a metric type: ${JSON.stringify(type)}`);
    return { family, type: type as MetricType, help: ef.str(3, `entries[${i}].help`, MAX_HELP_CHARS), unit: ef.str(4, `entries[${i}].unit`, MAX_NAME_CHARS) };
  });
}

/**
 * parseTargets reads a TARGETS frame: every field is checked, target labels as storage checks a
 * label set (sorted, unique, non-empty values, no reserved "__" names; an empty set is allowed).
 */
export function parseTargets(frame: readonly unknown[]): TargetReport[] {
  const f = new FieldReader('TARGETS', frame, ['targets']);
  const list = f.array(1, 'targets');
  if (list.length > MAX_TARGETS_PER_FRAME) throw f.fail('targets', `lists ${list.length} targets, more than ${MAX_TARGETS_PER_FRAME}`);
  const out: TargetReport[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    const at = `targets[${i}]`;
    if (!Array.isArray(e)) throw f.fail(at, `must be an array, got ${describe(e)}`);
    const tf = new FieldReader('TARGETS', [0, ...e], ['scrapePool', 'scrapeUrl', 'labels', 'health', 'lastError', 'lastScrape', 'lastScrapeDurationUs', 'scrapeIntervalMs', 'scrapeTimeoutMs']);
    const scrapePool = tf.str(1, `${at}.scrapePool`, MAX_POOL_CHARS);
    if (scrapePool === '' || !isWellFormed(scrapePool)) throw tf.fail(`${at}.scrapePool`, 'must be a non-empty, valid UTF-8 name');
    const scrapeUrl = tf.str(2, `${at}.scrapeUrl`, MAX_URL_CHARS);
    if (!isWellFormed(scrapeUrl)) throw tf.fail(`${at}.scrapeUrl`, 'is not valid UTF-8');
    const labels = tf.strings(3, `${at}.labels`);
    if (labels.length % 2 !== 0) throw tf.fail(`${at}.labels`, `has an odd number of strings (${labels.length})`);
    if (labels.length > 2 * MAX_LABELS_PER_SERIES) throw tf.fail(`${at}.labels`, `has more than ${MAX_LABELS_PER_SERIES} labels`);
    try {
      validateLabels(Labels.fromSortedFlat(labels), { allowEmpty: true });
    } catch (err) {
      if (err instanceof InvalidLabelError) throw tf.fail(`${at}.labels`, `are invalid: ${err.message}`);
      throw err;
    }
    const health = TARGET_HEALTH[tf.uint(4, `${at}.health`, TARGET_HEALTH.length - 1)];
    const lastError = tf.str(5, `${at}.lastError`, MAX_TARGET_ERROR_CHARS);
    if (!isWellFormed(lastError)) throw tf.fail(`${at}.lastError`, 'is not valid UTF-8');
    out[i] = {
      scrapePool,
      scrapeUrl,
      labels,
      health,
      lastError,
      lastScrape: tf.uint(6, `${at}.lastScrape`, MAX_TIMESTAMP_MS),
      lastScrapeDurationUs: tf.uint(7, `${at}.lastScrapeDurationUs`, MAX_DURATION),
      scrapeIntervalMs: tf.uint(8, `${at}.scrapeIntervalMs`, MAX_DURATION),
      scrapeTimeoutMs: tf.uint(9, `${at}.scrapeTimeoutMs`, MAX_DURATION),
    };
  }
  return out;
}

const SPOKEN = `${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`;

/** isSpokenVersion: whether `v` is a protocol version this side speaks. */
function isSpokenVersion(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= MIN_PROTOCOL_VERSION && v <= PROTOCOL_VERSION;
}

/** HubFrame: a decoded frame that a hub sends to an edge. */
export type HubFrame =
  | { type: 'welcome'; welcome: Welcome }
  | { type: 'refuse'; refuse: Refuse }
  | { type: 'ack'; ack: Ack }
  | { type: 'ping'; ping: Ping }
  | { type: 'pong'; pong: Ping }
  | { type: 'close'; close: Close };

/**
 * decodeHubFrame is the edge's decoder of what a hub sends. It keeps no state: the edge's session
 * checks order (WELCOME or REFUSE first). Errors are ProtocolErrors naming the field.
 */
export function decodeHubFrame(bytes: Uint8Array, maxFrameBytes: number): HubFrame {
  const frame = unpackFrame(bytes, maxFrameBytes);
  switch (frame[0]) {
    case FrameType.WELCOME:
      return { type: 'welcome', welcome: parseWelcome(frame) };
    case FrameType.REFUSE:
      return { type: 'refuse', refuse: parseRefuse(frame) };
    case FrameType.ACK:
      return { type: 'ack', ack: parseAck(frame) };
    case FrameType.PING:
      return { type: 'ping', ping: parsePing(frame, 'PING') };
    case FrameType.PONG:
      return { type: 'pong', pong: parsePing(frame, 'PONG') };
    case FrameType.CLOSE:
      return { type: 'close', close: parseClose(frame) };
    default:
      throw malformed(`unexpected frame type ${describe(frame[0])} from a hub`);
  }
}
