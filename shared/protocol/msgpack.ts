/**
 * The msgpack layer of the protocol: one shared msgpackr configuration (typed arrays on, records
 * and other stateful extensions off, so that a frame never changes how the next one is read),
 * `packFrame` and `unpackFrame`, and the field readers that check a decoded frame's elements.
 * Every failure here is a ProtocolError that names the frame and field.
 */
import { Packr } from 'msgpackr';
import { CloseCode, ProtocolError, malformed } from './errors.ts';

// Records (useRecords) and bundled strings keep state between messages; both stay off so that a
// frame from a peer cannot redefine how later frames decode.
const packr = new Packr({ moreTypes: true, useRecords: false, bundleStrings: false, mapsAsObjects: true });

/**
 * msgpackr packs frames one after another into a shared buffer and returns views of it; a frame
 * that does not fit gets a buffer four times its size, and each later buffer is as large as the
 * last (a SERIES frame of 10k series left the edge packing into 1.6 MiB buffers for good). After
 * a frame from a buffer past KEEP_BYTES, packing goes on in a fresh buffer of FRESH_BYTES.
 */
const KEEP_BYTES = 256 << 10;
const FRESH_BYTES = 8192;

/** packFrame encodes one frame (a msgpack array). The result is a fresh Uint8Array the caller owns. */
export function packFrame(frame: readonly unknown[]): Uint8Array {
  const out = packr.pack(frame);
  // The frames already packed keep the large buffer alive only as long as they live.
  if (out.buffer.byteLength > KEEP_BYTES) packr.useBuffer(Buffer.allocUnsafeSlow(FRESH_BYTES));
  return out;
}

/**
 * unpackFrame decodes `bytes` into a frame array whose first element is a known type code, or
 * throws a ProtocolError: FRAME_TOO_LARGE above `maxBytes`, PROTOCOL for anything malformed.
 */
export function unpackFrame(bytes: Uint8Array, maxBytes: number): unknown[] {
  if (!(bytes instanceof Uint8Array)) throw new Error('BUG: unpackFrame wants a Uint8Array');
  if (bytes.byteLength > maxBytes) {
    throw new ProtocolError(CloseCode.FRAME_TOO_LARGE, `frame of ${bytes.byteLength} bytes exceeds the limit of ${maxBytes}`);
  }
  if (bytes.byteLength === 0) throw malformed('empty frame');
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw malformed(`malformed msgpack: ${firstLine(err)}`, err);
  }
  if (!Array.isArray(value)) throw malformed(`frame is not a msgpack array but ${describe(value)}`);
  if (value.length === 0) throw malformed('frame is an empty array');
  return value;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const line = msg.split('\n', 1)[0];
  return line.length > 80 ? line.slice(0, 77) + '...' : line;
}

/** describe names the msgpack-level type of a decoded value, for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'nil';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'a byte array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `the integer ${v}` : `the float ${v}`;
  if (typeof v === 'bigint') return `the integer ${v}`;
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return `${v}`;
  return `a ${typeof v === 'object' ? (v.constructor?.name ?? 'map') : typeof v}`;
}

/**
 * FieldReader checks the elements of one decoded frame. `name` is the frame's name (e.g. "BATCH")
 * and every error says which field was wrong and what it held.
 */
export class FieldReader {
  constructor(
    readonly name: string,
    readonly frame: readonly unknown[],
    fields: readonly string[],
  ) {
    if (frame.length !== fields.length + 1) {
      throw malformed(`${name} frame has ${frame.length - 1} fields, want ${fields.length} (${fields.join(', ')})`);
    }
  }

  fail(field: string, what: string): ProtocolError {
    return malformed(`${this.name} frame: ${field} ${what}`);
  }

  /** uint reads an integer in [0, max]. */
  uint(i: number, field: string, max: number = Number.MAX_SAFE_INTEGER): number {
    const v = this.frame[i];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max) return v;
    if (typeof v === 'number' && !Number.isFinite(v)) throw this.fail(field, `is not finite (${v})`);
    if ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint') {
      throw this.fail(field, `is out of range: ${v} not in [0, ${max}]`);
    }
    throw this.fail(field, `must be an unsigned integer, got ${describe(v)}`);
  }

  /** int reads a safe integer (either sign); non-finite numbers get their own message. */
  int(i: number, field: string): number {
    const v = this.frame[i];
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    if (typeof v === 'number' && !Number.isFinite(v)) throw this.fail(field, `is not finite (${v})`);
    if (typeof v === 'number' || typeof v === 'bigint') throw this.fail(field, `must be a safe integer, got ${v}`);
    throw this.fail(field, `must be an integer, got ${describe(v)}`);
  }

  /** str reads a string of at most `maxChars` UTF-16 units. */
  str(i: number, field: string, maxChars = 1 << 16): string {
    const v = this.frame[i];
    if (typeof v !== 'string') throw this.fail(field, `must be a string, got ${describe(v)}`);
    if (v.length > maxChars) throw this.fail(field, `is longer than ${maxChars} characters`);
    return v;
  }

  /** strings reads an array of strings. */
  strings(i: number, field: string): string[] {
    const v = this.frame[i];
    if (!Array.isArray(v)) throw this.fail(field, `must be an array of strings, got ${describe(v)}`);
    for (let k = 0; k < v.length; k++) {
      if (typeof v[k] !== 'string') throw this.fail(`${field}[${k}]`, `must be a string, got ${describe(v[k])}`);
    }
    return v as string[];
  }

  /** array reads an array. */
  array(i: number, field: string): unknown[] {
    const v = this.frame[i];
    if (!Array.isArray(v)) throw this.fail(field, `must be an array, got ${describe(v)}`);
    return v;
  }

  /** u32s reads a Uint32Array. */
  u32s(i: number, field: string): Uint32Array {
    const v = this.frame[i];
    if (!(v instanceof Uint32Array)) throw this.fail(field, `must be a Uint32Array, got ${describe(v)}`);
    return v;
  }

  /** bytes reads a Uint8Array (a msgpack bin, or a typed-array extension of bytes). */
  bytes(i: number, field: string): Uint8Array {
    const v = this.frame[i];
    if (!(v instanceof Uint8Array)) throw this.fail(field, `must be a byte array, got ${describe(v)}`);
    return v;
  }
}
