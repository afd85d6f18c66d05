/**
 * JsonWriter: a growing byte buffer that API responses are written into, so that a large result
 * (a range query's matrix runs to millions of points) is sent as the bytes it was rendered into,
 * without a second copy. Text is added in pieces of a series or so: V8 concatenates short strings
 * and Buffer writes a long one faster than JavaScript can store its characters one by one.
 */
const INITIAL_CAPACITY = 4096;

/**
 * JsonWriter: see the module comment. Each write appends, growing the buffer (by a copy) when it
 * is full; `bytes()` hands the result over. One writer renders one response; it is not reused.
 */
export class JsonWriter {
  #buf: Buffer<ArrayBuffer>;
  #len = 0;

  /** capacity: an estimate of the final size in bytes, to spare the copies of growing. */
  constructor(capacity = INITIAL_CAPACITY) {
    this.#buf = Buffer.allocUnsafe(Math.max(capacity, 64));
  }

  /** length: the bytes written so far. */
  get length(): number {
    return this.#len;
  }

  /** bytes returns what was written, as a view of the buffer (no copy); the writer is done after it. */
  bytes(): Buffer<ArrayBuffer> {
    return this.#buf.subarray(0, this.#len);
  }

  /** raw writes JSON text as it is (UTF-8 encoded): a `{"k":"v"}`, a JSON.stringify result. */
  raw(s: string): void {
    // A UTF-16 unit takes at most 3 bytes; a long string is measured rather than over-reserved.
    this.#reserve(s.length < 4096 ? s.length * 3 : Buffer.byteLength(s));
    this.#len += this.#buf.write(s, this.#len, 'utf8');
  }

  /** ascii writes text whose characters are all ASCII (numbers, punctuation), faster than raw. */
  ascii(s: string): void {
    this.#reserve(s.length);
    this.#len += this.#buf.write(s, this.#len, 'latin1');
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }
}
