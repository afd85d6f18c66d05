/**
 * Uplink: the edge's one outbound stream to its hub. The scrape side calls `offer` after each
 * commit (and `backfill` for samples with their own timestamps); every batch goes into the
 * durable backlog first, then onto the live connection when there is one. The uplink keeps one
 * connection up, reconnecting with exponential backoff and jitter (or after the hub's
 * retry-after), and on each connection sends live data first and the backlog behind it. The
 * backlog and the hub's acknowledged position survive restarts, SIGKILL included: nothing
 * durable in the backlog is lost, and a batch the hub acknowledged is not sent again. Series are
 * named by number (their storage refs, once streamingStorage attached the storage: offerRefs),
 * and their labels built only when a series record or a wire definition needs them.
 */
import { readFile } from 'node:fs/promises';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HubConfig } from '../../shared/config/outpost.ts';
import type { Labels } from '../../shared/model/labels.ts';
import { CloseCode, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import type { SyncPolicy } from '../../shared/tsdb/wal/index.ts';
import { Backlog } from './backlog.ts';
import { Backoff, dialWebSocket, type Dialer, type TLSOptions } from './socket.ts';
import type { SeriesLookup } from './series-ids.ts';
import { Stream } from './stream.ts';
import type { TargetsSource } from './targets-report.ts';

/** MAX_OFFER_SAMPLES: an offer larger than this is split into several batches. */
export const MAX_OFFER_SAMPLES = 65536;

/** UplinkOptions: `dir`, `edge`, `token` and one of `url` or `dial` are required. */
export interface UplinkOptions {
  /** The hub's ingest URL, ws:// or wss:// (e.g. wss://hub:9090/api/v1/edge/stream). */
  url?: string;
  /** Replaces the WebSocket dialer (tests). */
  dial?: Dialer;
  tls?: TLSOptions;
  edge: string;
  token: string;
  /** Flat sorted name, value pairs the hub adds to every series of this edge. */
  externalLabels?: readonly string[];
  /** The backlog's directory. */
  dir: string;
  /** Default 256 MiB. */
  maxBacklogBytes?: number;
  /** The backlog's fsync policy (default 'always'). */
  sync?: SyncPolicy;
  /** Batches sent and not yet acknowledged (default 32). */
  maxInFlight?: number;
  /** Live batches held in memory waiting to be sent (default 64); older ones wait in the backlog. */
  maxLive?: number;
  /** Most samples in one backfill frame (default 65536). */
  backfillSamples?: number;
  /** Give up on a connection whose hub acknowledges nothing for this long (default 60 s). */
  ackTimeoutMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /**
   * The edge's scrape targets, reported to the hub (TARGETS) after WELCOME, on every health change
   * and at least every `targetsIntervalMs` (default 15 s). None: nothing is reported.
   */
  targets?: TargetsSource;
  targetsIntervalMs?: number;
  /** How often target health is checked for changes (default 1 s). */
  targetsCheckMs?: number;
  registry?: Registry;
  log?: (message: string) => void;
}

/** UplinkStatus: for the edge's API and logs. */
export interface UplinkStatus {
  state: 'connecting' | 'streaming' | 'waiting' | 'closed';
  hubSeq: number;
  pendingBatches: number;
  pendingSamples: number;
  inFlight: number;
  droppedSamples: number;
  reconnects: number;
}

/** carriesAny: `labels` has a label named by one of `names`. */
function carriesAny(labels: Labels, names: Set<string>): boolean {
  for (const n of names) if (labels.has(n)) return true;
  return false;
}

export class Uplink {
  readonly #o: UplinkOptions;
  readonly #backlog: Backlog;
  readonly #dial: Dialer;
  readonly #backoff: Backoff;
  readonly #log: (m: string) => void;
  readonly #external: Set<string>;
  readonly #metrics: ReturnType<typeof uplinkMetrics> | null;
  #stream: Stream | null = null;
  #state: UplinkStatus['state'] = 'connecting';
  #closed = false;
  #running: Promise<void> | undefined;
  #sleep: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  #reconnects = 0;
  #refusedSeries = 0;
  #lastFailure = '';
  /** The HELLO's version: the newest, until a hub refuses it as unsupported. */
  #version: number = PROTOCOL_VERSION;

  private constructor(o: UplinkOptions, backlog: Backlog, dial: Dialer, external: Set<string>) {
    this.#o = { ...o };
    this.#backlog = backlog;
    this.#dial = dial;
    this.#backoff = new Backoff(o.backoff?.initialMs, o.backoff?.maxMs);
    this.#log = o.log ?? ((m) => console.warn(m));
    this.#external = external;
    this.#metrics = o.registry ? uplinkMetrics(o.registry, this) : null;
  }

  /** open opens (replaying) the backlog; call start() to connect. */
  static async open(o: UplinkOptions): Promise<Uplink> {
    if (!o.dial && !o.url) throw new Error('BUG: Uplink needs a url or a dialer');
    const dial = o.dial ?? dialWebSocket(o.url!, o.tls);
    let metricsDrop: ((batches: number, samples: number) => void) | undefined;
    const external = new Set((o.externalLabels ?? []).filter((_, i) => i % 2 === 0));
    const backlog = await Backlog.open(o.dir, {
      maxBytes: o.maxBacklogBytes,
      sync: o.sync,
      log: o.log,
      onDrop: (b, s) => metricsDrop?.(b, s),
      // Series carrying one of the edge's external label names: the hub would refuse them.
      refuse: external.size === 0 ? undefined : (labels) => carriesAny(labels, external),
    });
    const u = new Uplink(o, backlog, dial, external);
    metricsDrop = (_b, s) => u.#metrics?.dropped.inc(s);
    return u;
  }

  /**
   * fromConfig builds the options of the `hub` config section: the token (or token_file, read
   * now, trailing newlines trimmed) and the CA of tls_config. `rest` supplies the others.
   */
  static async optionsFromConfig(hub: HubConfig, rest: Omit<UplinkOptions, 'url' | 'token' | 'tls'>): Promise<UplinkOptions> {
    const read = async (what: string, path: string) => {
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        throw new Error(`hub.${what} ${path}: ${(err as Error).message}`, { cause: err });
      }
    };
    const token = hub.tokenFile !== '' ? (await read('token_file', hub.tokenFile)).replace(/[\r\n]+$/, '') : hub.token;
    if (token === '') throw new Error(`hub.token_file ${hub.tokenFile} is empty`);
    const t = hub.tlsConfig;
    const ca = t.caFile !== '' ? await read('tls_config.ca_file', t.caFile) : t.ca || undefined;
    const bound = hub.maxBacklogBytes !== undefined && rest.maxBacklogBytes === undefined ? { maxBacklogBytes: hub.maxBacklogBytes } : {};
    return { ...rest, ...bound, url: hub.url, token, tls: { ca, serverName: t.serverName, insecureSkipVerify: t.insecureSkipVerify } };
  }

  /**
   * setTargets sets where target reports come from (the scrape manager, built after the uplink);
   * connections made afterwards report them.
   */
  setTargets(source: TargetsSource): void {
    this.#o.targets = source;
  }

  /** url: the hub's ingest URL ('' with a custom dialer). */
  get url(): string {
    return this.#o.url ?? '';
  }

  /** start begins connecting, in the background, until close(). */
  start(): void {
    if (this.#running || this.#closed) return;
    this.#running = this.#run();
  }

  /**
   * seriesFrom makes `storage`'s refs the names of series in offerRefs and backfillRefs, and the
   * source of their labels (streamingStorage calls it, before any offer).
   */
  seriesFrom(storage: SeriesLookup): void {
    this.#backlog.ids.attach(storage);
  }

  /**
   * offerRefs stores one scrape (sample i is series refs[i], a storage ref, at t with values[i])
   * and streams it. Series carrying one of the edge's external label names are dropped (the hub
   * would refuse them), counted in the status. Resolves when the batch is durable in the backlog;
   * the caller may ignore the promise (it never rejects unobserved). The arrays are kept (not
   * copied) until the batch is sent: do not change them afterwards.
   */
  offerRefs(t: number, refs: Float64Array, values: Float64Array): Promise<void> {
    return this.#store(t, refs, values);
  }

  /** backfillRefs stores samples with a timestamp each; they reach the hub behind live data. */
  backfillRefs(refs: Float64Array, timestamps: Float64Array, values: Float64Array): Promise<void> {
    return this.#store(timestamps, refs, values);
  }

  /** offer is offerRefs for series named by their labels (those of the attached storage go by its refs). */
  offer(t: number, labels: readonly Labels[], values: Float64Array): Promise<void> {
    return this.#store(t, this.#backlog.ids.idsOf(labels), values);
  }

  /** backfill is backfillRefs for series named by their labels. */
  backfill(labels: readonly Labels[], timestamps: Float64Array, values: Float64Array): Promise<void> {
    return this.#store(timestamps, this.#backlog.ids.idsOf(labels), values);
  }

  /**
   * #store logs and streams a batch. It never throws: its caller (streamingStorage) has committed
   * the samples to the edge's storage already. A failure, a caller bug included, is logged and
   * rejects.
   */
  #store(t: number | Float64Array, ids: Float64Array, values: Float64Array): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('uplink is closed'));
    let all: Promise<void>;
    try {
      all = this.#append(t, ids, values);
    } catch (err) {
      all = Promise.reject(err as Error);
    }
    all.catch((err: Error) => this.#log(`uplink: storing a batch in the backlog: ${err.message}`));
    return all;
  }

  #append(t: number | Float64Array, ids: Float64Array, values: Float64Array): Promise<void> {
    if (ids.length !== values.length || (typeof t !== 'number' && t.length !== values.length)) {
      throw new Error(`BUG: offer of ${ids.length} series, ${values.length} values${typeof t === 'number' ? '' : ` and ${t.length} timestamps`}`);
    }
    const done: Promise<void>[] = [];
    let refused = 0;
    for (let start = 0; start < values.length; start += MAX_OFFER_SAMPLES) {
      const end = Math.min(values.length, start + MAX_OFFER_SAMPLES);
      // Views of the arrays.
      const stored = this.#backlog.append(typeof t === 'number' ? t : t.subarray(start, end), ids.subarray(start, end), values.subarray(start, end));
      refused += end - start - (stored?.batch.values.length ?? 0);
      if (stored === null) continue;
      // Live data goes out at once, written to the backlog or not: an ack is what makes it done.
      this.#stream?.offer(stored.batch);
      done.push(stored.durable);
    }
    if (refused > 0) {
      if (this.#refusedSeries === 0) this.#log(`uplink: dropped ${refused} samples whose series carry an external label name (${[...this.#external].join(', ')}); the hub refuses them`);
      this.#refusedSeries += refused;
    }
    return Promise.all(done).then(() => undefined);
  }

  status(): UplinkStatus {
    return {
      state: this.#state,
      hubSeq: this.#backlog.hubSeq,
      pendingBatches: this.#backlog.pendingBatches,
      pendingSamples: this.#backlog.pendingSamples,
      inFlight: this.#stream?.inFlight ?? 0,
      droppedSamples: this.#backlog.dropped.samples + this.#refusedSeries,
      reconnects: this.#reconnects,
    };
  }

  /** drained resolves once nothing is pending (every batch acknowledged), or rejects after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.#backlog.pendingBatches > 0) {
      if (Date.now() > until) throw new Error(`uplink: ${this.#backlog.pendingBatches} batches still pending after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** close ends the connection (CLOSE, normal), stops reconnecting and closes the backlog. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#state = 'closed';
    this.#stream?.close(CloseCode.GOING_AWAY, 'edge shutting down');
    if (this.#sleep) {
      clearTimeout(this.#sleep.timer);
      this.#sleep.resolve();
    }
    await this.#running;
    await this.#backlog.close();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      this.#state = 'connecting';
      let retryAfter = 0;
      try {
        const socket = await this.#dial();
        if (this.#closed) {
          socket.close(CloseCode.GOING_AWAY, 'edge shutting down');
          break;
        }
        const stream = new Stream(socket, this.#backlog, {
          edge: this.#o.edge,
          token: this.#o.token,
          externalLabels: this.#o.externalLabels ?? [],
          maxInFlight: this.#o.maxInFlight ?? 32,
          maxLive: this.#o.maxLive ?? 64,
          backfillSamples: this.#o.backfillSamples ?? 65536,
          ackTimeoutMs: this.#o.ackTimeoutMs ?? 60_000,
          handshakeTimeoutMs: 10_000,
          version: this.#version,
          targets: this.#o.targets,
          targetsIntervalMs: this.#o.targetsIntervalMs,
          targetsCheckMs: this.#o.targetsCheckMs,
          log: this.#log,
          sent: (bytes, samples) => {
            this.#metrics?.bytes.inc(bytes);
            this.#metrics?.samples.inc(samples);
          },
        });
        this.#stream = stream;
        const end = await Promise.race([stream.ended, stream.welcome.then(() => null)]);
        if (end === null) {
          this.#lastFailure = '';
          this.#state = 'streaming';
          this.#backoff.reset();
        }
        const e = end ?? (await stream.ended);
        this.#stream = null;
        if (e.refuse?.code === CloseCode.UNSUPPORTED_VERSION && this.#version > MIN_PROTOCOL_VERSION) {
          // An older hub: speak its version (without target reports) from now on.
          this.#version--;
          this.#log(`uplink: hub refused protocol version ${this.#version + 1} (${e.refuse.reason}); retrying with version ${this.#version}, targets are not reported`);
          this.#backoff.reset();
        } else if (e.refuse) {
          retryAfter = e.refuse.retryAfterMs;
          const msg = `uplink: hub refused edge ${this.#o.edge}: ${e.refuse.code} ${e.refuse.reason}`;
          if (e.refuse.code !== CloseCode.TRY_LATER && msg !== this.#lastFailure) this.#log(msg);
          this.#lastFailure = msg;
        } else if (!this.#closed && e.code !== CloseCode.NORMAL) {
          this.#log(`uplink: connection to the hub ended: ${e.code} ${e.reason}`);
        }
      } catch (err) {
        // The same failure on every retry of an outage is logged once.
        const msg = `uplink: ${(err as Error).message}`;
        if (msg !== this.#lastFailure) this.#log(msg);
        this.#lastFailure = msg;
      }
      if (this.#closed) break;
      this.#reconnects++;
      this.#state = 'waiting';
      await this.#pause(Math.max(retryAfter, this.#backoff.next()));
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleep = null;
        resolve();
      }, ms);
      this.#sleep = { timer, resolve };
    });
  }
}

function uplinkMetrics(registry: Registry, u: Uplink) {
  const registers = [registry];
  new Gauge({
    name: 'outpost_uplink_backlog_samples',
    help: 'Samples in the uplink backlog not yet acknowledged by the hub.',
    registers,
    collect() {
      this.set(u.status().pendingSamples);
    },
  });
  new Gauge({
    name: 'outpost_uplink_connected',
    help: '1 while the uplink streams to its hub.',
    registers,
    collect() {
      this.set(u.status().state === 'streaming' ? 1 : 0);
    },
  });
  return {
    samples: new Counter({ name: 'outpost_uplink_samples_sent_total', help: 'Samples sent to the hub, resends included.', registers }),
    bytes: new Counter({ name: 'outpost_uplink_bytes_sent_total', help: 'Bytes of frames sent to the hub.', registers }),
    dropped: new Counter({ name: 'outpost_uplink_backlog_dropped_samples_total', help: 'Samples dropped from a full backlog before the hub acknowledged them.', registers }),
  };
}
