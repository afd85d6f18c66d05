/**
 * JsonWriter: a growing byte buffer that API responses are written into, so that a large result
 * (a range query's matrix runs to millions of points) is sent as the bytes it was rendered into,
 * without a second copy. Long texts go through Buffer.write; short ASCII texts (a number, a time)
 * are stored character by character, which costs less than a call into Buffer.write; texts
 * written often are kept as PackedTexts, and stored as six words.
 *
 * PackedText: an ASCII text of at most PACKED_MAX (23) bytes kept in PACKED_WORDS (6) 32-bit
 * words, as `pack` lays it out: its bytes from the lowest of the first word on, then zeros, and
 * its length in the highest byte of the last word. A PackedText is written whole, six
 * little-endian word stores at once, and the writer then moves on by the text's length: the
 * bytes past it are overwritten by what comes next (or lie past the end `bytes()` returns).
 *
 *   word 0              word 1                   word 5
 *   ┌────┬────┬────┬────┬────┬────┬── … ──┬────┬────┬────┬────┐
 *   │ c0 │ c1 │ c2 │ c3 │ c4 │ c5 │       │ c20│ c21│ c22│ len│   c(len)…c22: 0
 *   └────┴────┴────┴────┴────┴────┴── … ──┴────┴────┴────┴────┘
 */
const INITIAL_CAPACITY = 4096;

/** PACKED_WORDS: the size of a PackedText in words; PACKED_MAX: the longest text it holds. */
export const PACKED_WORDS = 6;
export const PACKED_MAX = PACKED_WORDS * 4 - 1;
const PACKED_LENGTH_SHIFT = 24;

/** Below this many characters, `ascii` stores them one by one instead of calling Buffer.write. */
const SHORT_TEXT = 64;

/**
 * JsonWriter: see the module comment. Each write appends, growing the buffer (by a copy) when it
 * is full; `bytes()` hands the result over. One writer renders one response; it is not reused.
 */
export class JsonWriter {
  #buf!: Buffer<ArrayBuffer>;
  #view!: DataView;
  #len = 0;

  /** capacity: an estimate of the final size in bytes, to spare the copies of growing. */
  constructor(capacity = INITIAL_CAPACITY) {
    this.#start(capacity);
  }

  /** length: the bytes written so far. */
  get length(): number {
    return this.#len;
  }

  /** bytes returns what was written, as a view of the buffer (no copy); the writer is done after it. */
  bytes(): Buffer<ArrayBuffer> {
    return this.#buf.subarray(0, this.#len);
  }

  /**
   * take hands over what was written so far, as `bytes()` does, and goes on in a new buffer of
   * `capacity` bytes: the returned bytes belong to the caller and the writer never touches them
   * again. `set` can then reach only what was written after the take.
   */
  take(capacity: number): Buffer<ArrayBuffer> {
    const done = this.bytes();
    this.#start(capacity);
    return done;
  }

  /** #start begins an empty buffer of `capacity` bytes. */
  #start(capacity: number): void {
    this.#buf = Buffer.allocUnsafe(Math.max(capacity, 64));
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
    this.#len = 0;
  }

  /** raw writes JSON text as it is (UTF-8 encoded): a `{"k":"v"}`, a JSON.stringify result. */
  raw(s: string): void {
    // A UTF-16 unit takes at most 3 bytes; a long string is measured rather than over-reserved.
    this.#reserve(s.length < 4096 ? s.length * 3 : Buffer.byteLength(s));
    this.#len += this.#buf.write(s, this.#len, 'utf8');
  }

  /** ascii writes text whose characters are all ASCII (numbers, punctuation), faster than raw. */
  ascii(s: string): void {
    const n = s.length;
    this.#reserve(n);
    if (n >= SHORT_TEXT) {
      this.#len += this.#buf.write(s, this.#len, 'latin1');
      return;
    }
    // Fast path: a short text, stored character by character.
    const buf = this.#buf;
    let at = this.#len;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.#len = at;
  }

  /** byte writes one byte, `c` (an ASCII character code). */
  byte(c: number): void {
    this.#reserve(1);
    this.#buf[this.#len++] = c;
  }

  /** set overwrites the byte at `offset` (below `length`) with `c`. */
  set(offset: number, c: number): void {
    if (offset >= this.#len) throw new Error(`BUG: set at ${offset}, past the ${this.#len} bytes written`);
    this.#buf[offset] = c;
  }

  /** packed writes the PackedText held in `words` from index `at`. */
  packed(words: Uint32Array, at: number): void {
    this.#reserve(PACKED_WORDS * 4);
    const view = this.#view;
    const len = this.#len;
    const last = words[at + 5];
    view.setUint32(len, words[at], true);
    view.setUint32(len + 4, words[at + 1], true);
    view.setUint32(len + 8, words[at + 2], true);
    view.setUint32(len + 12, words[at + 3], true);
    view.setUint32(len + 16, words[at + 4], true);
    view.setUint32(len + 20, last, true);
    this.#len = len + (last >>> PACKED_LENGTH_SHIFT);
  }

  /**
   * pack lays out the ASCII text `a + b + c` (at most PACKED_MAX long) as a PackedText in `words`
   * from index `at`. The pieces are read as they are: a string made by joining others would be
   * copied into one first, at the first character read from it.
   */
  static pack(words: Uint32Array, at: number, a: string, b = '', c = ''): void {
    const n = a.length + b.length + c.length;
    if (n > PACKED_MAX) throw new Error(`BUG: a PackedText holds ${PACKED_MAX} bytes, not ${n}`);
    words.fill(0, at, at + PACKED_WORDS);
    let i = 0;
    for (const s of [a, b, c]) {
      for (let k = 0; k < s.length; k++, i++) words[at + (i >> 2)] |= s.charCodeAt(k) << ((i & 3) * 8);
    }
    words[at + PACKED_WORDS - 1] |= n << PACKED_LENGTH_SHIFT;
  }

  /** #reserve makes room for `n` more bytes (small, so that it is inlined where it is called). */
  #reserve(n: number): void {
    if (this.#len + n > this.#buf.length) this.#grow(n);
  }

  #grow(n: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.length);
  }
}
