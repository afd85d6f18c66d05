/**
 * Http1: a lean HTTP/1.1 GET over plain TCP, for scrapes. node:http hands every socket read to
 * JavaScript as a fresh ArrayBuffer and wraps each response in streams, events and objects; at a
 * megabyte a page, that garbage alone sets off a full collection every few seconds. Here every
 * connection reads into one buffer shared by all (net.Socket's `onread`: each read is handed over
 * synchronously, and parsed and copied out before the next read of any socket), the response is
 * parsed from those bytes and the body copied into the caller's BodyBuffer: a scrape allocates
 * nothing per read, and an idle connection holds no buffer. A gzip-coded body is received into
 * the caller's BodyBuffer too, and decoded from there into a Buffer of its own.
 * Connections are kept alive and pooled per host:port.
 *
 * The response grammar (RFC 9112): a status line, header lines, an empty line, then a body
 * delimited by Content-Length, by chunked transfer coding (chunk extensions and trailers are
 * skipped) or by the end of the connection. 1xx interim responses are skipped. A gzip body is
 * decoded at its end, bounded by the body limit. Redirects, status errors and timeouts are the
 * caller's (HttpClient), which also maps failures to its messages.
 */
import net from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { BodyBuffer } from './body-buffer.ts';

/** Bytes a connection reads at a time. */
const READ_BYTES = 64 * 1024;
/** The buffer every connection reads into; what a read leaves in it is dead once the read is parsed. */
let readBuffer: Buffer | undefined;
/** The most bytes of status line and headers accepted. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Idle connections kept per host:port; more are closed once their response is read. */
const MAX_IDLE = 4;
const HEAD_END = Buffer.from('\r\n\r\n');

/** Http1Head: what the status line and headers say. */
export interface Http1Head {
  status: number;
  statusMessage: string;
  contentType: string | null;
  location: string | null;
  /** Content-Encoding, lower case ('' when none). */
  encoding: string;
}

/** Http1Failure: why an exchange failed; the caller words the message. */
export type Http1Failure =
  | { kind: 'network'; error: Error }
  | { kind: 'protocol'; reason: string }
  | { kind: 'aborted' }
  | { kind: 'body_size' }
  | { kind: 'decode'; error: Error }
  | { kind: 'encoding'; encoding: string };

/** Http1Handler: the caller's side of one exchange. Exactly one of done and fail is called, after head unless it failed first. */
export interface Http1Handler {
  /** head: the response head; return false to read no body (the connection is dropped). */
  head(h: Http1Head): boolean;
  /** done: the whole body (decoded); a view of `into` unless it was gzip-coded. */
  done(body: Buffer): void;
  fail(f: Http1Failure): void;
}

/** Http1Request: one GET. `headers` are written as given (names in lower case). */
export interface Http1Request {
  url: URL;
  headers: Record<string, string>;
  /** The body is received here. */
  into: BodyBuffer;
  /** The most decoded body bytes accepted; 0 means no limit. */
  maxBytes: number;
}

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
  Done,
}

/**
 * Http1Pool: keep-alive connections by host:port. exchange() starts a GET and returns its abort
 * function. Safe for concurrent use (each exchange has a connection to itself).
 */
export class Http1Pool {
  readonly #idle = new Map<string, Conn[]>();

  /**
   * exchange sends `req` on an idle connection (retried once on a fresh one if it proves stale)
   * or a new one. Headers holding CR or LF throw here.
   */
  exchange(req: Http1Request, handler: Http1Handler): () => void {
    const ex = new Exchange(req, handler, this);
    ex.start(this.#take(ex.key));
    return () => ex.abort();
  }

  /** close ends the idle connections; exchanges in flight finish. */
  close(): void {
    for (const list of this.#idle.values()) for (const c of list) c.socket.destroy();
    this.#idle.clear();
  }

  #take(key: string): Conn | null {
    const list = this.#idle.get(key);
    let c = list?.pop() ?? null;
    // A connection destroyed whose 'close' has not run yet is no use.
    while (c !== null && c.socket.destroyed) c = list!.pop() ?? null;
    if (list?.length === 0) this.#idle.delete(key);
    return c;
  }

  /** release puts a connection whose response was read whole back in the pool. */
  release(c: Conn): void {
    let list = this.#idle.get(c.key);
    if (list === undefined) this.#idle.set(c.key, (list = []));
    if (list.length >= MAX_IDLE) {
      c.socket.destroy();
      return;
    }
    c.exchange = null;
    list.push(c);
  }

  /** forget drops a connection that closed or failed while idle. */
  forget(c: Conn): void {
    const list = this.#idle.get(c.key);
    const i = list?.indexOf(c) ?? -1;
    if (i >= 0) list!.splice(i, 1);
    if (list?.length === 0) this.#idle.delete(c.key);
  }
}

/** Conn: one TCP connection. */
class Conn {
  readonly socket: net.Socket;
  readonly key: string;
  exchange: Exchange | null = null;
  /** The connection has carried a response before (so a failure before any byte may mean it went stale). */
  used = false;
  #closed = false;

  constructor(host: string, port: number, key: string, pool: Http1Pool) {
    this.key = key;
    this.socket = net.connect({
      host,
      port,
      onread: { buffer: (readBuffer ??= Buffer.allocUnsafe(READ_BYTES)), callback: (n: number, buf: Buffer) => this.#read(n, buf) },
    });
    this.socket.setNoDelay(true);
    const lost = (err: Error | null) => {
      if (this.#closed) return;
      this.#closed = true;
      this.socket.destroy();
      const ex = this.exchange;
      this.exchange = null;
      if (ex) ex.lost(err);
      else pool.forget(this);
    };
    this.socket.on('error', lost);
    this.socket.on('end', () => lost(null));
    this.socket.on('close', () => lost(null));
  }

  #read(n: number, buf: Buffer): boolean {
    // Bytes on an idle connection answer nothing: the connection is out of step; drop it.
    if (this.exchange === null) this.socket.destroy();
    else this.exchange.feed(buf, n);
    return true;
  }
}

class Exchange {
  readonly key: string;
  readonly #req: Http1Request;
  readonly #handler: Http1Handler;
  readonly #pool: Http1Pool;
  #conn: Conn | null = null;
  #state = State.Head;
  #head = '';
  /** Body bytes still expected in the current Content-Length body or chunk. */
  #left = 0;
  /** The current chunk-size or trailer line, as read so far. */
  #line = '';
  #size = 0;
  /** The body is gzip-coded: `into` receives the coded bytes, decoded at the end. */
  #coded = false;
  /** The body, once read whole and decoded (state Done), until handed over. */
  #result: Buffer | null = null;
  #keepAlive = true;
  #gotBytes = false;
  #retried = false;
  #over = false;
  readonly #text: string;

  /** The constructor throws on headers that cannot be sent, before any connection is used. */
  constructor(req: Http1Request, handler: Http1Handler, pool: Http1Pool) {
    this.#req = req;
    this.#handler = handler;
    this.#pool = pool;
    this.key = req.url.host;
    this.#text = requestText(req.url, req.headers);
  }

  /** start sends the request on `conn` (an idle pooled connection), or on a new connection. */
  start(conn: Conn | null): void {
    const u = this.#req.url;
    if (conn === null) {
      const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
      conn = new Conn(host, u.port === '' ? 80 : Number(u.port), this.key, this.#pool);
    }
    this.#conn = conn;
    conn.exchange = this;
    conn.socket.write(this.#text, 'latin1');
  }

  abort(): void {
    if (this.#over) return;
    this.#over = true;
    this.#drop();
  }

  /** lost: the connection ended or failed (`err`) before the exchange was over. */
  lost(err: Error | null): void {
    if (this.#over) return;
    const conn = this.#conn!;
    this.#conn = null;
    // A pooled connection the server had closed: ask again on a fresh one, once.
    if (!this.#gotBytes && conn.used && !this.#retried) {
      this.#retried = true;
      this.start(null);
      return;
    }
    if (this.#state === State.UntilClose && err === null) {
      this.#complete();
      if ((this.#state as State) === State.Done) this.#deliver(true);
      return;
    }
    // Closed before a response began: what node:http reports as a hang-up.
    if (err === null && this.#state === State.Head && !this.#gotBytes) err = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    this.#fail(err ? { kind: 'network', error: err } : { kind: 'aborted' });
  }

  /** feed parses n bytes just read into buf. */
  feed(buf: Buffer, n: number): void {
    this.#gotBytes = true;
    let i = 0;
    while (i < n && !this.#over && this.#state !== State.Done) {
      switch (this.#state) {
        case State.Head:
          i = this.#readHead(buf, i, n);
          break;
        case State.Length:
        case State.ChunkData:
          i = this.#readCounted(buf, i, n);
          break;
        case State.ChunkSize:
        case State.ChunkEnd:
        case State.Trailers:
          i = this.#readLine(buf, i, n);
          break;
        case State.UntilClose:
          this.#body(buf, i, n);
          i = n;
          break;
      }
    }
    // Bytes after the response: the connection cannot be trusted with another one.
    if (this.#state === State.Done && !this.#over) this.#deliver(i < n);
  }

  #readHead(buf: Buffer, i: number, n: number): number {
    if (this.#head.length === 0) {
      // Fast path: the whole head in this read. (The buffer holds older bytes past n.)
      const e = buf.indexOf(HEAD_END, i);
      if (e >= 0 && e + 4 <= n) return this.#parseHead(buf.toString('latin1', i, e)) ? e + 4 : n;
    }
    // Slow path: a head over several reads.
    const from = Math.max(0, this.#head.length - 3);
    this.#head += buf.toString('latin1', i, n);
    const end = this.#head.indexOf('\r\n\r\n', from);
    if (end < 0) {
      if (this.#head.length > MAX_HEAD_BYTES) this.#fail({ kind: 'protocol', reason: `response headers longer than ${MAX_HEAD_BYTES} bytes` });
      return n;
    }
    const rest = this.#head.length - (end + 4); // bytes of this read after the head
    const text = this.#head.slice(0, end);
    this.#head = '';
    return this.#parseHead(text) ? n - rest : n;
  }

  /** #parseHead reads one response head and sets up the body; false when the exchange ended. */
  #parseHead(text: string): boolean {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]);
    if (m === null) {
      this.#fail({ kind: 'protocol', reason: `malformed HTTP response ${JSON.stringify(lines[0].slice(0, 80))}` });
      return false;
    }
    const status = Number(m[2]);
    if (status >= 100 && status < 200 && status !== 101) return true; // interim: the real head follows
    let length = -1, chunked = false, close = m[1] === '0';
    const head: Http1Head = { status, statusMessage: m[3] ?? '', contentType: null, location: null, encoding: '' };
    for (let k = 1; k < lines.length; k++) {
      const line = lines[k];
      const colon = line.indexOf(':');
      if (colon <= 0) {
        this.#fail({ kind: 'protocol', reason: `malformed header line ${JSON.stringify(line.slice(0, 80))}` });
        return false;
      }
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        const v = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
        if (Number.isNaN(v) || (length >= 0 && length !== v)) {
          this.#fail({ kind: 'protocol', reason: `invalid Content-Length ${JSON.stringify(value)}` });
          return false;
        }
        length = v;
      } else if (name === 'transfer-encoding') chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      else if (name === 'content-encoding') head.encoding = value.toLowerCase();
      else if (name === 'content-type') head.contentType = value;
      else if (name === 'location') head.location = value;
      else if (name === 'connection') {
        const v = value.toLowerCase();
        if (v.includes('close')) close = true;
        else if (v.includes('keep-alive') && m[1] === '0') close = false;
      }
    }
    this.#keepAlive = !close;
    if (!this.#handler.head(head)) {
      this.abort();
      return false;
    }
    if (head.encoding === 'gzip') this.#coded = true;
    else if (head.encoding !== '' && head.encoding !== 'identity') {
      this.#fail({ kind: 'encoding', encoding: head.encoding });
      return false;
    }
    const { into } = this.#req;
    if (status === 204 || status === 304) length = 0;
    into.reset(length > 0 && !this.#tooLarge(length) ? length : 0);
    if (chunked) this.#state = State.ChunkSize;
    else if (length >= 0) {
      this.#state = State.Length;
      this.#left = length;
      if (length === 0) this.#complete();
    } else {
      this.#state = State.UntilClose;
      this.#keepAlive = false;
    }
    return true;
  }

  /** #readCounted takes the bytes still expected of a Content-Length body or of a chunk. */
  #readCounted(buf: Buffer, i: number, n: number): number {
    const take = Math.min(this.#left, n - i);
    this.#body(buf, i, i + take);
    if (this.#over) return n;
    this.#left -= take;
    if (this.#left === 0) {
      if (this.#state === State.Length) this.#complete();
      else this.#state = State.ChunkEnd;
    }
    return i + take;
  }

  /** #readLine collects a chunk-size, chunk-end or trailer line and acts on it when whole. */
  #readLine(buf: Buffer, i: number, n: number): number {
    let e = buf.indexOf(10, i);
    if (e < 0 || e >= n) e = n;
    this.#line += buf.toString('latin1', i, e);
    if (this.#line.length > MAX_HEAD_BYTES) {
      this.#fail({ kind: 'protocol', reason: 'chunk header or trailer too long' });
      return n;
    }
    if (e === n) return n;
    const line = this.#line.endsWith('\r') ? this.#line.slice(0, -1) : this.#line;
    this.#line = '';
    if (this.#state === State.ChunkEnd) {
      if (line !== '') this.#fail({ kind: 'protocol', reason: 'chunk data longer than its size' });
      else this.#state = State.ChunkSize;
    } else if (this.#state === State.ChunkSize) {
      const size = /^([0-9a-fA-F]{1,13})[ \t]*(?:;.*)?$/.exec(line);
      if (size === null) this.#fail({ kind: 'protocol', reason: `invalid chunk size ${JSON.stringify(line.slice(0, 40))}` });
      else {
        this.#left = parseInt(size[1], 16);
        this.#state = this.#left === 0 ? State.Trailers : State.ChunkData;
      }
    } else if (line === '') {
      this.#complete(); // the empty line after the trailers
    }
    return e + 1;
  }

  #body(buf: Buffer, a: number, b: number): void {
    if (a === b) return;
    this.#size += b - a;
    if (this.#tooLarge(this.#size)) return this.#fail({ kind: 'body_size' });
    this.#req.into.append(buf.subarray(a, b));
  }

  /**
   * #tooLarge: a body of `n` bytes as received is over the limit. The limit bounds the decoded
   * body; a coded one that is larger still cannot decode within it.
   */
  #tooLarge(n: number): boolean {
    const { maxBytes } = this.#req;
    return maxBytes > 0 && n > (this.#coded ? maxBytes + 1024 : maxBytes);
  }

  /** #complete: the body is read whole; decode it (state Done), or fail. */
  #complete(): void {
    const { into, maxBytes } = this.#req;
    const body = into.finish();
    if (this.#coded) {
      try {
        this.#result = gunzipSync(body, maxBytes > 0 ? { maxOutputLength: maxBytes } : {});
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        return this.#fail(e.code === 'ERR_BUFFER_TOO_LARGE' ? { kind: 'body_size' } : { kind: 'decode', error: e });
      }
    } else this.#result = body;
    this.#state = State.Done;
  }

  /** #deliver hands the body over, pooling the connection unless it must not carry another response. */
  #deliver(spoiled: boolean): void {
    this.#over = true;
    const conn = this.#conn;
    this.#conn = null;
    if (conn !== null) {
      if (this.#keepAlive && !spoiled) {
        conn.used = true;
        this.#pool.release(conn);
      } else {
        conn.exchange = null;
        conn.socket.destroy();
      }
    }
    this.#handler.done(this.#result!);
  }

  #fail(f: Http1Failure): void {
    if (this.#over) return;
    this.#over = true;
    this.#drop();
    this.#handler.fail(f);
  }

  #drop(): void {
    const conn = this.#conn;
    this.#conn = null;
    if (conn !== null) {
      conn.exchange = null;
      conn.socket.destroy();
    }
  }
}

/**
 * requestText: the request line and headers of a GET of `u`. Credentials in the URL become a
 * Basic Authorization header unless one is given, as node:http does. Header values holding CR or
 * LF throw (they would inject headers).
 */
function requestText(u: URL, headers: Record<string, string>): string {
  let text = `GET ${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\n`;
  if ((u.username || u.password) && headers.authorization === undefined) {
    const cred = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    text += `authorization: Basic ${Buffer.from(cred).toString('base64')}\r\n`;
  }
  for (const name in headers) {
    const value = headers[name];
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`invalid character in header ${JSON.stringify(name)}`);
    text += `${name}: ${value}\r\n`;
  }
  return text + '\r\n';
}
