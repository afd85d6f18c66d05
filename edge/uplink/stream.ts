/**
 * Stream: one connection of the uplink, from HELLO to close. After WELCOME it sends live batches
 * first (those offered since the connection came up, held in a bounded queue) and backfills the
 * backlog behind them, read from disk and packed into BACKFILL frames. At most `maxInFlight`
 * batches await their ACK; an ACK marks the batches it covers done in the backlog. A hub that
 * stops acknowledging for `ackTimeoutMs` is given up on. The stream ends when the socket closes;
 * whatever was not acknowledged stays in the backlog for the next connection.
 */
import { CloseCode, EdgeEncoder, PROTOCOL_VERSION, ProtocolError, TARGETS_SINCE_VERSION, decodeHubFrame, encodePong, encodeTargets, type Limits, type Refuse } from '../../shared/protocol/index.ts';
import type { Backlog, StoredBatch } from './backlog.ts';
import type { UplinkSocket } from './socket.ts';
import { TARGETS_CHECK_MS, TargetsReporter, targetReports, type TargetsSource } from './targets-report.ts';

export interface StreamOptions {
  edge: string;
  token: string;
  externalLabels: readonly string[];
  maxInFlight: number;
  maxLive: number;
  backfillSamples: number;
  ackTimeoutMs: number;
  handshakeTimeoutMs: number;
  /** The HELLO's protocol version (default PROTOCOL_VERSION). */
  version?: number;
  /** The edge's targets, reported in TARGETS frames when the connection's version has them. */
  targets?: TargetsSource;
  /** Report at least this often (default 15 s), and on a health change, checked every targetsCheckMs (default 1 s). */
  targetsIntervalMs?: number;
  targetsCheckMs?: number;
  log: (message: string) => void;
  /** Called with each frame's bytes and each batch's samples as sent, for metrics. */
  sent?: (bytes: number, samples: number) => void;
}

/** StreamEnd: how a stream ended. `welcomed` says whether it got past the handshake. */
export interface StreamEnd {
  welcomed: boolean;
  code: number;
  reason: string;
  refuse?: Refuse;
}

export class Stream {
  readonly #socket: UplinkSocket;
  readonly #backlog: Backlog;
  readonly #o: StreamOptions;
  readonly #enc = new EdgeEncoder();
  /** The labels of a backlog ref, for the encoder to define a series on this connection. */
  readonly #labelsOf = (ref: number) => this.#backlog.labels(ref);
  /** Batches offered while connected, kept in memory for their first send. */
  readonly #live: StoredBatch[] = [];
  readonly #liveIds = new Set<number>();
  readonly #sentHere = new Set<number>();
  readonly #inFlight = new Map<number, number[]>();
  #limits: Limits | null = null;
  #open = true;
  #wake: (() => void) | null = null;
  #poked = false;
  #lastProgress = Date.now();
  #ended!: (e: StreamEnd) => void;
  readonly ended: Promise<StreamEnd>;
  /** welcome resolves when the hub welcomed this connection (never, if it did not). */
  readonly welcome: Promise<void>;
  #welcomeResolve!: () => void;
  #welcomed = false;
  #timer: NodeJS.Timeout | undefined;
  #targetsTimer: NodeJS.Timeout | undefined;
  #skippedLogged = '';

  constructor(socket: UplinkSocket, backlog: Backlog, o: StreamOptions) {
    this.#socket = socket;
    this.#backlog = backlog;
    this.#o = o;
    this.ended = new Promise((resolve) => (this.#ended = resolve));
    this.welcome = new Promise((resolve) => (this.#welcomeResolve = resolve));
    socket.onMessage = (bytes) => this.#onMessage(bytes);
    socket.onClose = (code, reason) => this.#finish({ welcomed: this.#welcomed, code, reason });
    socket.send(this.#enc.hello({ version: o.version ?? PROTOCOL_VERSION, edge: o.edge, token: o.token, externalLabels: o.externalLabels, resume: backlog.hubSeq }));
    this.#timer = setTimeout(() => this.close(CloseCode.PROTOCOL, `no WELCOME within ${o.handshakeTimeoutMs} ms`), o.handshakeTimeoutMs);
  }

  get welcomed(): boolean {
    return this.#welcomed;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** offer queues a live batch; when the queue is full its oldest batch is left to the backfill. */
  offer(b: StoredBatch): void {
    if (!this.#open || !this.#welcomed) return;
    this.#live.push(b);
    this.#liveIds.add(b.id);
    if (this.#live.length > this.#o.maxLive) this.#liveIds.delete(this.#live.shift()!.id);
    this.#poke();
  }

  /** close sends CLOSE and closes the socket; the stream then ends. */
  close(code: number, reason: string): void {
    if (!this.#open) return;
    this.#socket.close(code, reason);
    this.#finish({ welcomed: this.#welcomed, code, reason });
  }

  #finish(e: StreamEnd): void {
    if (!this.#open) return;
    this.#open = false;
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    clearInterval(this.#targetsTimer);
    this.#poke();
    this.#ended(e);
  }

  /** #poke wakes the pump; a poke while the pump is busy makes its next #wait return at once. */
  #poke(): void {
    const w = this.#wake;
    this.#wake = null;
    if (w) w();
    else this.#poked = true;
  }

  #onMessage(bytes: Uint8Array): void {
    let f;
    try {
      f = decodeHubFrame(bytes, 1 << 24);
    } catch (err) {
      const code = err instanceof ProtocolError ? err.code : CloseCode.PROTOCOL;
      this.close(code, err instanceof ProtocolError ? err.closeReason : 'undecodable frame');
      return;
    }
    if (!this.#welcomed) {
      if (f.type === 'welcome') {
        const asked = this.#o.version ?? PROTOCOL_VERSION;
        if (f.welcome.version > asked) {
          this.close(CloseCode.UNSUPPORTED_VERSION, `hub answered version ${f.welcome.version} to a version ${asked} HELLO`);
          return;
        }
        return this.#welcome(f.welcome.acked, f.welcome.limits, f.welcome.version);
      }
      if (f.type === 'refuse') {
        this.#socket.close(f.refuse.code, '');
        this.#finish({ welcomed: false, code: f.refuse.code, reason: f.refuse.reason, refuse: f.refuse });
        return;
      }
      this.close(CloseCode.PROTOCOL, `expected WELCOME or REFUSE, got ${f.type.toUpperCase()}`);
      return;
    }
    switch (f.type) {
      case 'ack':
        this.#ack(f.ack.seq);
        return;
      case 'ping':
        this.#socket.send(encodePong(f.ping));
        return;
      case 'close':
        this.#socket.close(f.close.code, '');
        this.#finish({ welcomed: true, code: f.close.code, reason: f.close.reason });
        return;
      case 'pong':
        return;
      default:
        this.close(CloseCode.PROTOCOL, `unexpected ${f.type.toUpperCase()} after WELCOME`);
    }
  }

  #welcome(acked: number, limits: Limits, version: number): void {
    clearTimeout(this.#timer);
    this.#welcomed = true;
    this.#limits = limits;
    // Sequences up to `acked` are stored on the hub; later ones sent before were not.
    this.#backlog.acked(acked);
    this.#backlog.forgetSent();
    this.#enc.welcome({ acked: Math.max(acked, this.#backlog.hubSeq), limits });
    this.#lastProgress = Date.now();
    this.#welcomeResolve();
    this.#timer = setInterval(() => {
      if (this.#inFlight.size > 0 && Date.now() - this.#lastProgress > this.#o.ackTimeoutMs) {
        this.close(CloseCode.GOING_AWAY, `no ACK from the hub for ${this.#o.ackTimeoutMs} ms`);
      }
    }, Math.max(10, Math.min(1000, this.#o.ackTimeoutMs / 4)));
    this.#timer.unref?.();
    if (this.#o.targets && version >= TARGETS_SINCE_VERSION) this.#startTargets(this.#o.targets);
    void this.#pump().catch((err: Error) => {
      this.#o.log(`uplink: ${err.stack ?? err}`);
      this.close(CloseCode.GOING_AWAY, `edge failed: ${err.message}`);
    });
  }

  /** #startTargets reports the edge's targets now, then on health changes and every interval. */
  #startTargets(source: TargetsSource): void {
    const reporter = new TargetsReporter(this.#o.targetsIntervalMs);
    const tick = () => {
      if (!this.#open) return;
      try {
        const { reports, skipped } = targetReports(source());
        const now = Date.now();
        if (!reporter.due(reports, now)) return;
        const note = skipped.join('; ');
        if (note !== '' && note !== this.#skippedLogged) this.#o.log(`uplink: targets not reported to the hub: ${note}`);
        this.#skippedLogged = note;
        let frame = encodeTargets(reports);
        let n = reports.length;
        // A list too large for one frame is cut (and said so): the hub refuses oversized frames.
        while (frame.length > this.#limits!.maxFrameBytes && n > 0) frame = encodeTargets(reports.slice(0, (n = Math.floor(n / 2))));
        if (n < reports.length) this.#o.log(`uplink: ${reports.length} targets exceed the hub's frame limit; reporting the first ${n}`);
        this.#socket.send(frame);
        reporter.sent(reports, now);
        this.#o.sent?.(frame.length, 0);
      } catch (err) {
        this.#o.log(`uplink: reporting targets: ${(err as Error).message}`);
      }
    };
    tick();
    this.#targetsTimer = setInterval(tick, this.#o.targetsCheckMs ?? TARGETS_CHECK_MS);
    this.#targetsTimer.unref?.();
  }

  #ack(seq: number): void {
    let moved = false;
    for (const [s, ids] of this.#inFlight) {
      if (s > seq) break;
      this.#inFlight.delete(s);
      for (const id of ids) this.#sentHere.delete(id);
      moved = true;
    }
    if (!moved) return;
    this.#lastProgress = Date.now();
    this.#backlog.acked(seq);
    void this.#backlog.maintain();
    this.#poke();
  }

  #wait(): Promise<void> {
    if (this.#poked) {
      this.#poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /** #pump sends live batches first, then the backlog, never more than maxInFlight unacknowledged. */
  async #pump(): Promise<void> {
    let backfill: AsyncGenerator<StoredBatch> | null = null;
    let carry: StoredBatch | null = null;
    while (this.#open) {
      if (this.#inFlight.size >= this.#o.maxInFlight || this.#socket.bufferedBytes > this.#limits!.maxFrameBytes) {
        await Promise.race([this.#wait(), sleep(50)]);
        continue;
      }
      const live = this.#live.shift();
      if (live) {
        this.#liveIds.delete(live.id);
        if (!this.#backlog.isPending(live.id)) continue;
        if (live.values.length > this.#maxSamples(typeof live.t === 'number' ? 10 : 18)) {
          this.#o.log(`uplink: batch ${live.id} has ${live.values.length} samples, more than the hub takes in one batch; dropped`);
          this.#backlog.markDone(live.id);
          continue;
        }
        this.#send([live.id], live.t, live.refs, live.values);
        continue;
      }
      // Backfill: pending batches neither sent on this connection nor waiting in the live queue.
      // Fast path: none (the steady state, every batch went out live); reading the log from disk
      // to find that out would cost a pass over the active epoch on every ACK.
      if (backfill === null && carry === null && !this.#hasUnsent()) {
        await this.#wait();
        continue;
      }
      backfill ??= this.#backlog.read((id) => this.#unsent(id));
      const pack: StoredBatch[] = [];
      let samples = 0;
      const max = Math.min(this.#o.backfillSamples, this.#maxSamples(18));
      for (;;) {
        const b: StoredBatch | undefined = carry ?? ((await backfill.next()).value as StoredBatch | undefined);
        carry = null;
        if (!b) {
          backfill = null;
          break;
        }
        if (!this.#open) return;
        if (!this.#unsent(b.id) || !this.#backlog.isPending(b.id)) continue;
        if (b.values.length > max) {
          this.#o.log(`uplink: backlog batch ${b.id} has ${b.values.length} samples, more than the hub takes in one batch (${max}); dropped`);
          this.#backlog.markDone(b.id);
          continue;
        }
        if (samples + b.values.length > max) {
          carry = b;
          break;
        }
        pack.push(b);
        samples += b.values.length;
        if (this.#live.length) break; // live data goes first
      }
      if (pack.length) {
        this.#sendBackfill(pack, samples);
        continue;
      }
      // The reader reached the end: batches still unsent were logged behind it (or are being written).
      if (backfill === null) await Promise.race([this.#wait(), this.#hasUnsent() ? sleep(20) : new Promise(() => undefined)]);
    }
  }

  /** #maxSamples: the most samples one BATCH may carry under the hub's limits, at `perSample` worst-case bytes plus a 4-byte ref. */
  #maxSamples(perSample: number): number {
    return Math.min(this.#limits!.maxBatchSamples, Math.floor((this.#limits!.maxFrameBytes - 1024) / (perSample + 4)));
  }

  #hasUnsent(): boolean {
    for (const id of this.#backlog.pendingIds()) if (this.#unsent(id)) return true;
    return false;
  }

  /** #unsent: batch `id` is neither sent on this connection nor waiting in the live queue. */
  #unsent(id: number): boolean {
    return !this.#sentHere.has(id) && !this.#liveIds.has(id);
  }

  #sendBackfill(pack: StoredBatch[], samples: number): void {
    const refs = new Float64Array(samples);
    const ts = new Float64Array(samples);
    const vs = new Float64Array(samples);
    let k = 0;
    for (const b of pack) {
      vs.set(b.values, k);
      refs.set(b.refs, k);
      if (typeof b.t === 'number') ts.fill(b.t, k, k + b.values.length);
      else ts.set(b.t, k);
      k += b.values.length;
    }
    this.#send(
      pack.map((b) => b.id),
      ts,
      refs,
      vs,
    );
  }

  /** #send codes and sends batches `ids`, whose samples name series by backlog ref. */
  #send(ids: number[], t: number | Float64Array, refs: Float64Array, values: Float64Array): void {
    const seq = this.#enc.nextSeq;
    let frames: Uint8Array[];
    try {
      frames = typeof t === 'number' ? this.#enc.encodeScrapeKeys(seq, t, refs, values, this.#labelsOf) : this.#enc.encodeBackfillKeys(seq, refs, t, values, this.#labelsOf);
    } catch (err) {
      if (err instanceof ProtocolError) {
        // The connection's tables are full: a new connection starts them afresh.
        this.close(CloseCode.NORMAL, `reconnecting: ${err.message}`);
        return;
      }
      throw err;
    }
    this.#backlog.recordSent(seq, ids);
    this.#inFlight.set(seq, ids);
    for (const id of ids) this.#sentHere.add(id);
    let bytes = 0;
    for (const f of frames) {
      this.#socket.send(f);
      bytes += f.length;
    }
    this.#o.sent?.(bytes, values.length);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());
