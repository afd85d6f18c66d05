/**
 * IngestServer: the hub's ingest sessions as a whole, independent of the socket library. It
 * accepts connections (refusing with "retry later" while too many are in their handshake), keeps
 * one streaming session per edge name (a newer connection replaces an older one, which is closed
 * with DUPLICATE), lists edges with their state for the API, and closes everything at shutdown.
 * ws-server.ts attaches it to an HTTP server; tests drive it with in-memory sockets.
 */
import type { Registry } from 'prom-client';
import { CloseCode, type TargetReport } from '../../shared/protocol/index.ts';
import type { Appendable } from '../../shared/storage/interface.ts';
import type { Dedup } from '../dedup/index.ts';
import { MemAckStore, type AckStore } from './acks.ts';
import type { Authenticator } from './auth.ts';
import { resolveLimits, type IngestLimits } from './limits.ts';
import { IngestMetrics } from './metrics.ts';
import { IngestSession, type EdgeStatus, type SessionHost } from './session.ts';
import type { IngestSocket, SessionHandlers } from './socket.ts';
import { EdgeTargets } from './targets.ts';
import type { EdgeInfo } from '../../shared/api/edges-routes.ts';

/** IngestServerOptions: what the hub wires in. */
export interface IngestServerOptions {
  /** The hub's name, sent in WELCOME for the edge's logs. */
  hubName: string;
  storage: Appendable;
  auth: Authenticator;
  /** Where acknowledged positions persist (default: in memory). */
  acks?: AckStore;
  /** Metrics are registered here. */
  registry: Registry;
  limits?: Partial<IngestLimits>;
  /** HA deduplication of replica edges (hub/dedup); none when absent. */
  dedup?: Dedup;
  /** Accept plain ws:// from non-loopback peers: only behind a proxy that terminates TLS. */
  allowInsecure?: boolean;
  /** How long a disconnected edge's targets stay in `targets` (default 1 h). */
  targetsRetentionMs?: number;
  /** Default console.warn. */
  log?: (message: string) => void;
  /** Clock in Unix ms (default Date.now), for tests. */
  now?: () => number;
}

export class IngestServer implements SessionHost {
  readonly hubName: string;
  readonly storage: Appendable;
  readonly auth: Authenticator;
  readonly acks: AckStore;
  readonly limits: IngestLimits;
  readonly metrics: IngestMetrics;
  readonly dedup: Dedup | null;
  readonly allowInsecure: boolean;
  readonly log: (message: string) => void;
  readonly now: () => number;
  /** targets: every edge's latest reported targets (hubTargets lists them beside the hub's own). */
  readonly targets: EdgeTargets;
  readonly #sessions = new Set<IngestSession>();
  readonly #byEdge = new Map<string, IngestSession>();
  readonly #gone = new Map<string, EdgeStatus>();
  readonly #handshakes = new Set<IngestSession>();
  #closing = false;

  constructor(o: IngestServerOptions) {
    this.hubName = o.hubName;
    this.storage = o.storage;
    this.auth = o.auth;
    this.acks = o.acks ?? new MemAckStore();
    this.limits = resolveLimits(o.limits);
    this.metrics = new IngestMetrics(o.registry);
    this.dedup = o.dedup ?? null;
    this.allowInsecure = o.allowInsecure ?? false;
    this.log = o.log ?? ((m) => console.warn(m));
    this.now = o.now ?? Date.now;
    this.targets = new EdgeTargets({ retentionMs: o.targetsRetentionMs, now: this.now });
  }

  /**
   * accept starts a session on a new connection and returns the handlers the transport calls.
   * Over the handshake limit (or while closing) the connection is refused at once with TRY_LATER
   * and a jittered retryAfterMs; the returned handlers then ignore what follows.
   */
  accept(socket: IngestSocket): SessionHandlers {
    const session = new IngestSession(this, socket);
    this.#sessions.add(session);
    this.#handshakes.add(session);
    if (this.#closing) {
      session.fail(CloseCode.GOING_AWAY, 'hub is shutting down', this.limits.handshakeRetryAfterMs);
    } else if (this.#handshakes.size > this.limits.maxConcurrentHandshakes) {
      const wait = Math.round(this.limits.handshakeRetryAfterMs * (1 + Math.random()));
      session.fail(CloseCode.TRY_LATER, `too many edges connecting at once (limit ${this.limits.maxConcurrentHandshakes}); retry in ${wait} ms`, wait);
    }
    return session;
  }

  welcomed(session: IngestSession): void {
    this.#handshakes.delete(session);
    const old = this.#byEdge.get(session.edge);
    this.#byEdge.set(session.edge, session);
    this.#gone.delete(session.edge);
    if (old && old !== session) old.fail(CloseCode.DUPLICATE, `replaced by a newer connection of edge ${session.edge} from ${session.status().remoteAddress}`);
  }

  targetsReported(session: IngestSession, targets: TargetReport[]): void {
    // Only the edge's current session speaks for it (a replaced one may still drain frames).
    if (this.#byEdge.get(session.edge) !== session) return;
    this.targets.report(session.edge, session.storedExternalLabels, targets);
  }

  ended(session: IngestSession): void {
    this.#sessions.delete(session);
    this.#handshakes.delete(session);
    if (this.#byEdge.get(session.edge) !== session) return;
    this.#byEdge.delete(session.edge);
    this.#gone.set(session.edge, session.status());
    this.targets.disconnected(session.edge);
  }

  /**
   * edges lists every edge seen since start: streaming ones first, then disconnected (their
   * `state` 'disconnected'), by name.
   */
  edges(): EdgeInfo[] {
    const live: EdgeInfo[] = [...this.#byEdge.values()].map((s) => s.status());
    const gone: EdgeInfo[] = [...this.#gone.values()].map((s) => ({ ...s, state: 'disconnected' }));
    const byName = (a: EdgeInfo, b: EdgeInfo) => (a.edge < b.edge ? -1 : a.edge > b.edge ? 1 : 0);
    return [...live.sort(byName), ...gone.sort(byName)];
  }

  /** sessionCount: sessions open, in handshake or streaming. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * close refuses new connections, lets the acknowledgements already in flight go out, then ends
   * every session with GOING_AWAY. Idempotent.
   */
  async close(): Promise<void> {
    this.#closing = true;
    const sessions = [...this.#sessions];
    await Promise.all(sessions.map((s) => s.settled));
    for (const s of sessions) s.fail(CloseCode.GOING_AWAY, 'hub is shutting down');
  }
}
