/**
 * IngestSession: the hub's side of one edge connection, independent of the socket library. It
 * checks the HELLO (protocol version, TLS or loopback, token), welcomes the edge with the last
 * sequence the hub holds durably for it (or refuses with a reason), then decodes SERIES and
 * BATCH frames with a HubDecoder, appends each batch to storage with the edge's external labels,
 * and acknowledges a batch only once its commit is durable and the new position is persisted.
 * TARGETS frames go to the host, which keeps the edge's latest target list.
 * A bad frame, a wrong token or a limit ends this session alone, with the ProtocolError's code
 * and reason; nothing of a refused frame reaches storage.
 */
import { HubDecoder, encodeAck, encodeClose, encodePong, encodeRefuse, encodeWelcome, CloseCode, ProtocolError, DEFAULT_LIMITS, type DecodedBatch, type Hello, type TargetReport } from '../../shared/protocol/index.ts';
import { truncateUtf8 } from '../../shared/protocol/errors.ts';
import type { Appendable } from '../../shared/storage/interface.ts';
import type { Dedup, ReplicaMember } from '../dedup/index.ts';
import type { AckStore } from './acks.ts';
import type { Authenticator } from './auth.ts';
import { RateLimiter, type IngestLimits } from './limits.ts';
import type { IngestMetrics } from './metrics.ts';
import { EdgeSeries } from './session-append.ts';
import { isLoopback, type IngestSocket, type SessionHandlers } from './socket.ts';
import type { EdgeInfo } from '../../shared/api/edges-routes.ts';

/** INTERNAL_ERROR: the standard WebSocket close code for "the server failed", e.g. storage not durable. */
export const INTERNAL_ERROR = 1011;

/** SessionHost: what a session needs of the ingest server that owns it. */
export interface SessionHost {
  readonly hubName: string;
  readonly storage: Appendable;
  readonly auth: Authenticator;
  readonly acks: AckStore;
  readonly limits: IngestLimits;
  readonly metrics: IngestMetrics;
  /** HA deduplication; edges are stored as they are when absent. */
  readonly dedup?: Dedup | null;
  /** Accept plain ws:// from non-loopback peers (only behind a TLS-terminating proxy). */
  readonly allowInsecure: boolean;
  now(): number;
  log(message: string): void;
  /** welcomed: the session finished its handshake as `edge`; the host replaces an older session of that edge. */
  welcomed(session: IngestSession): void;
  /** targetsReported: the streaming session reported its edge's active targets (TARGETS). */
  targetsReported(session: IngestSession, targets: TargetReport[]): void;
  /** ended: the session is over (handshake or not); called once. */
  ended(session: IngestSession): void;
}

export type SessionState = 'handshake' | 'streaming' | 'closed';

/** EdgeStatus: one session as the API lists it (the API's EdgeInfo, in a session's states). */
export type EdgeStatus = Omit<EdgeInfo, 'state'> & { state: SessionState };

/** IngestSession: see the module comment. The transport drives it through SessionHandlers. */
export class IngestSession implements SessionHandlers {
  readonly #host: SessionHost;
  readonly #socket: IngestSocket;
  readonly #decoder: HubDecoder;
  readonly connectedAt: number;
  #state: SessionState = 'handshake';
  #hello: Hello | null = null;
  #series: EdgeSeries | null = null;
  #member: ReplicaMember | null = null;
  #limiter: RateLimiter | null = null;
  /** Frames received and not yet processed, and their bytes. */
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  /** A decoded batch waiting for the rate limit. */
  #held: DecodedBatch | null = null;
  #timer: NodeJS.Timeout | undefined;
  #acks: Promise<void> = Promise.resolve();
  #acked = 0;
  #lastContact = 0;
  #lag = 0;
  #samples = 0;

  constructor(host: SessionHost, socket: IngestSocket) {
    this.#host = host;
    this.#socket = socket;
    const l = host.limits;
    this.#decoder = new HubDecoder({ limits: { ...DEFAULT_LIMITS, maxFrameBytes: l.maxFrameBytes, maxSeries: l.maxSeriesPerEdge } });
    this.connectedAt = host.now();
    this.#timer = setTimeout(() => this.fail(CloseCode.PROTOCOL, `no HELLO within ${l.handshakeTimeoutMs} ms`), l.handshakeTimeoutMs);
    this.#timer.unref?.();
  }

  /** edge: the edge's name once HELLO arrived, else ''. */
  get edge(): string {
    return this.#hello?.edge ?? '';
  }

  /**
   * storedExternalLabels: the labels added to this edge's series (flat, sorted): its external
   * labels, without the replica label for an HA replica. Empty before HELLO.
   */
  get storedExternalLabels(): readonly string[] {
    return this.#member ? this.#member.external : (this.#hello?.externalLabels ?? []);
  }

  get state(): SessionState {
    return this.#state;
  }

  /** settled resolves when every acknowledgement in flight is sent or abandoned. */
  get settled(): Promise<void> {
    return this.#acks;
  }

  status(): EdgeStatus {
    return {
      edge: this.edge,
      remoteAddress: this.#socket.remoteAddress,
      state: this.#state,
      connectedAt: this.connectedAt,
      lastContact: this.#lastContact,
      lagSeconds: this.#lag,
      ackedSeq: this.#acked,
      series: this.#series?.size ?? 0,
      samples: this.#samples,
      ...(this.#member ? { dedup: { cluster: this.#member.cluster.name, replica: this.#member.replica, leader: this.#member.leader } } : {}),
    };
  }

  onMessage(bytes: Uint8Array): void {
    if (this.#state === 'closed') return;
    this.#lastContact = this.#host.now();
    if (this.#hello) {
      this.#host.metrics.bytes.inc({ edge: this.#hello.edge }, bytes.length);
      this.#host.metrics.lastContact.set({ edge: this.#hello.edge }, this.#lastContact / 1000);
    }
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
    if (this.#queuedBytes > this.#host.limits.maxQueuedBytes) {
      this.fail(CloseCode.LIMIT, `more than ${this.#host.limits.maxQueuedBytes} bytes of frames wait for processing; the edge must wait for acks`);
      return;
    }
    this.#pump();
  }

  onClose(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.#end(code, reason === '' ? 'connection closed by the edge' : `closed by the edge: ${reason}`);
  }

  /**
   * fail ends the session: it sends CLOSE (or REFUSE during the handshake, with `retryAfterMs`)
   * and closes the socket with `code`. Idempotent.
   */
  fail(code: number, reason: string, retryAfterMs = 0): void {
    if (this.#state === 'closed') return;
    const short = truncateUtf8(reason, 123);
    if (this.#state === 'handshake') this.#socket.send(encodeRefuse({ code, reason: truncateUtf8(reason, 1024), retryAfterMs }));
    else this.#socket.send(encodeClose({ code, reason: truncateUtf8(reason, 1024) }));
    this.#socket.close(code, short);
    this.#end(code, reason);
  }

  #end(code: number, reason: string): void {
    const wasStreaming = this.#state === 'streaming';
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#held = null;
    const m = this.#host.metrics;
    m.closed.inc({ code: String(code) });
    if (wasStreaming) m.connected.set({ edge: this.edge }, 0);
    if (code !== CloseCode.NORMAL && code !== CloseCode.GOING_AWAY) {
      this.#host.log(`ingest: edge ${JSON.stringify(this.edge)} (${this.#socket.remoteAddress}): session ended, code ${code}: ${reason}`);
    }
    this.#host.ended(this);
  }

  /** #pump processes queued frames in order until the queue is empty or a batch must wait. */
  #pump(): void {
    while (this.#state !== 'closed') {
      if (this.#held) {
        if (!this.#admit(this.#held)) return;
        const b = this.#held;
        this.#held = null;
        this.#store(b);
        continue;
      }
      const bytes = this.#queue.shift();
      if (bytes === undefined) return;
      this.#queuedBytes -= bytes.length;
      try {
        this.#frame(bytes);
      } catch (err) {
        if (err instanceof ProtocolError) this.fail(err.code, err.message);
        else if ((err as Error).name === 'StorageClosedError') this.fail(CloseCode.GOING_AWAY, 'hub storage is closed');
        else {
          this.#host.log(`ingest: edge ${JSON.stringify(this.edge)}: ${(err as Error).stack ?? err}`);
          this.fail(INTERNAL_ERROR, `hub failed: ${(err as Error).message}`);
        }
      }
    }
  }

  #frame(bytes: Uint8Array): void {
    const f = this.#decoder.decode(bytes);
    switch (f.type) {
      case 'hello':
        this.#welcome(f.hello);
        return;
      case 'series':
        this.#series!.define(f);
        return;
      case 'batch':
        if (f.batch.seq <= this.#acked) throw new ProtocolError(CloseCode.PROTOCOL, `batch ${f.batch.seq} was acknowledged already (up to ${this.#acked})`);
        this.#held = f.batch;
        return;
      case 'ping':
        this.#socket.send(encodePong(f.ping));
        return;
      case 'close':
        this.#socket.close(CloseCode.NORMAL, '');
        this.#end(CloseCode.NORMAL, `edge closed: ${f.close.reason}`);
        return;
      case 'targets':
        this.#host.targetsReported(this, f.targets);
        return;
      case 'pong':
      case 'metadata':
        return;
    }
  }

  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #welcome(hello: Hello): void {
    const host = this.#host;
    if (!this.#socket.secure && !host.allowInsecure && !isLoopback(this.#socket.remoteAddress)) {
      throw new ProtocolError(CloseCode.UNAUTHORIZED, 'refused: a token travels only over TLS (wss://) or on loopback');
    }
    const verdict = host.auth.check(hello.edge, hello.token);
    if (!verdict.ok) throw new ProtocolError(CloseCode.UNAUTHORIZED, `refused edge ${JSON.stringify(hello.edge)}: ${verdict.reason}`);
    clearTimeout(this.#timer);
    this.#hello = hello;
    this.#member = host.dedup?.member(hello.externalLabels) ?? null;
    this.#series = new EdgeSeries(hello.externalLabels, this.#member);
    const l = host.limits;
    this.#limiter = new RateLimiter(l.maxSamplesPerSecond, Math.max(l.burstSamples, 1), host.now());
    this.#acked = host.acks.get(hello.edge);
    host.welcomed(this);
    if (this.#isClosed()) return;
    this.#state = 'streaming';
    const d = this.#decoder.limits;
    this.#socket.send(encodeWelcome({ version: hello.version, hub: host.hubName, acked: this.#acked, limits: { ...d } }));
    host.metrics.connected.set({ edge: hello.edge }, 1);
    host.metrics.lastContact.set({ edge: hello.edge }, this.#lastContact / 1000);
  }

  /** #admit spends the rate limit for `b`, or pauses the socket and retries when it allows. */
  #admit(b: DecodedBatch): boolean {
    const wait = this.#limiter!.take(b.values.length, this.#host.now());
    if (wait === 0) return true;
    this.#host.metrics.throttled.inc({ edge: this.edge }, wait / 1000);
    this.#socket.pause();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#socket.resume();
      this.#pump();
    }, wait);
    return false;
  }

  #store(b: DecodedBatch): void {
    const edge = this.edge;
    const { result, durable } = this.#series!.append(this.#host.storage, b);
    const m = this.#host.metrics;
    m.samples.inc({ edge }, result.appended);
    this.#samples += result.appended;
    if (result.errors.length) {
      const byReason = new Map<string, number>();
      for (const e of result.errors) byReason.set(e.reason, (byReason.get(e.reason) ?? 0) + 1);
      for (const [reason, n] of byReason) m.refused.inc({ edge, reason }, n);
    }
    let newest = -Infinity;
    for (let i = 0; i < b.timestamps.length; i++) if (b.timestamps[i] > newest) newest = b.timestamps[i];
    this.#lag = Math.max(0, (this.#host.now() - newest) / 1000);
    m.lag.set({ edge }, this.#lag);
    const seq = b.seq;
    // Acks leave in order: each waits for the previous, its commit's durability and the position.
    this.#acks = this.#acks.then(async () => {
      try {
        await durable;
        if (this.#isClosed()) return;
        await this.#host.acks.set(edge, seq);
      } catch (err) {
        this.fail(INTERNAL_ERROR, `batch ${seq} is not durable on the hub: ${(err as Error).message}`);
        return;
      }
      if (this.#isClosed()) return;
      this.#acked = seq;
      this.#socket.send(encodeAck({ seq }));
    });
  }
}
