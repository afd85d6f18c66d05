/**
 * Dedup: the hub's HA deduplication across edges. An edge whose external labels carry both the
 * cluster label and the replica label is a replica of that cluster; its ingest session becomes a
 * ReplicaMember, which stores series without the replica label and lets ClusterState decide,
 * batch by batch, whether the replica is the cluster's leader (stored) or a follower (held, then
 * dropped). Clusters are created on first contact; after a hub restart a new cluster reads the
 * newest stored timestamp of its series from storage, so that no replica stores at or before it.
 * Decisions show as metrics: `outpost_dedup_samples_accepted_total`,
 * `outpost_dedup_samples_dropped_total`, `outpost_dedup_leader_changes_total` (per cluster),
 * `outpost_dedup_leader` (1 for the leading replica) and `outpost_dedup_failover_timeout_seconds`.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Labels } from '../../shared/model/labels.ts';
import { Matcher } from '../../shared/model/matcher.ts';
import type { Appendable, Queryable } from '../../shared/storage/interface.ts';
import { ClusterState, type ClusterOptions, type Committed } from './cluster.ts';

/** DedupOptions: the `dedup` config section and what the hub wires in. */
export interface DedupOptions {
  clusterLabel: string;
  replicaLabel: string;
  /** Fixed failover timeout in ms; 0 (default): twice the longest scrape interval seen. */
  failoverTimeoutMs?: number;
  /** Failover timeout before any interval has been seen (default 30 s). */
  defaultFailoverMs?: number;
  /** Samples one follower may have held (default 1 Mi). */
  maxHeldSamples?: number;
  registry: Registry;
  /** Where a new cluster looks up its series' newest stored samples (none: nothing stored yet). */
  storage?: Queryable;
  /** How far back that lookup reads, ms (default 6 h: the hub's out-of-order window). */
  lookbackMs?: number;
  /** Clock in Unix ms (default Date.now). */
  now?: () => number;
  log?: (message: string) => void;
}

/** LOOKUP_SLICE: series loaded at once when a cluster reads its newest stored samples. */
const LOOKUP_SLICE = 256;

export class Dedup {
  readonly clusterLabel: string;
  readonly replicaLabel: string;
  readonly now: () => number;
  readonly #o: DedupOptions;
  readonly #opts: ClusterOptions;
  readonly #clusters = new Map<string, ClusterState>();
  readonly #accepted: Counter<'cluster'>;
  readonly #dropped: Counter<'cluster'>;
  readonly #changes: Counter<'cluster'>;
  readonly #leader: Gauge<'cluster' | 'replica'>;

  constructor(o: DedupOptions) {
    if (o.clusterLabel === o.replicaLabel) throw new Error('BUG: dedup cluster and replica labels are the same');
    this.#o = o;
    this.clusterLabel = o.clusterLabel;
    this.replicaLabel = o.replicaLabel;
    this.now = o.now ?? Date.now;
    this.#opts = { failoverTimeoutMs: o.failoverTimeoutMs ?? 0, defaultFailoverMs: o.defaultFailoverMs ?? 30_000, maxHeldSamples: o.maxHeldSamples ?? 1 << 20 };
    const registers = [o.registry];
    this.#accepted = new Counter({ name: 'outpost_dedup_samples_accepted_total', help: 'Samples of HA replicas stored (from the leading replica).', labelNames: ['cluster'], registers });
    this.#dropped = new Counter({
      name: 'outpost_dedup_samples_dropped_total',
      help: 'Samples of HA replicas not stored: from followers, or at or before what another replica stored.',
      labelNames: ['cluster'],
      registers,
    });
    this.#changes = new Counter({ name: 'outpost_dedup_leader_changes_total', help: 'Times a replica took the lead of its cluster.', labelNames: ['cluster'], registers });
    this.#leader = new Gauge({ name: 'outpost_dedup_leader', help: '1 for the replica whose samples are stored, 0 for the others.', labelNames: ['cluster', 'replica'], registers });
    const clusters = this.#clusters;
    new Gauge({
      name: 'outpost_dedup_failover_timeout_seconds',
      help: 'How long the leading replica may stay silent before another takes over.',
      labelNames: ['cluster'],
      registers,
      collect() {
        for (const c of clusters.values()) this.set({ cluster: c.name }, c.failoverTimeoutMs / 1000);
      },
    });
  }

  /**
   * member returns the replica an edge with these external labels (flat sorted pairs) is, or
   * null when they lack the cluster or the replica label (the edge is then stored as is).
   */
  member(externalLabels: readonly string[]): ReplicaMember | null {
    let cluster = '', replica = '';
    const rest: string[] = [];
    for (let i = 0; i < externalLabels.length; i += 2) {
      const n = externalLabels[i], v = externalLabels[i + 1];
      if (n === this.clusterLabel) cluster = v;
      if (n === this.replicaLabel) replica = v;
      else rest.push(n, v);
    }
    if (cluster === '' || replica === '') return null;
    let state = this.#clusters.get(cluster);
    if (!state) {
      state = this.#create(cluster);
      this.#clusters.set(cluster, state);
    }
    this.#leader.set({ cluster, replica }, state.leader === replica ? 1 : 0);
    return new ReplicaMember(state, replica, rest, this.now);
  }

  /** clusters lists each cluster with its leader and replicas, for the API and tests. */
  clusters(): Array<{ cluster: string; leader: string | null; failoverTimeoutMs: number; series: number; replicas: ReturnType<ClusterState['replicas']> }> {
    return [...this.#clusters.values()].map((c) => ({ cluster: c.name, leader: c.leader, failoverTimeoutMs: c.failoverTimeoutMs, series: c.slots, replicas: c.replicas() }));
  }

  #create(cluster: string): ClusterState {
    const state = new ClusterState(cluster, this.#opts, {
      accepted: (n) => this.#accepted.inc({ cluster }, n),
      dropped: (n) => this.#dropped.inc({ cluster }, n),
      leaderChanged: (from, to) => {
        this.#changes.inc({ cluster });
        if (from !== null) this.#leader.set({ cluster, replica: from }, 0);
        this.#leader.set({ cluster, replica: to }, 1);
        this.#o.log?.(`dedup: cluster ${JSON.stringify(cluster)}: replica ${JSON.stringify(to)} leads${from === null ? '' : ` (was ${JSON.stringify(from)})`}`);
      },
    });
    this.#seed(state);
    return state;
  }

  /** #seed gives every stored series of the cluster its slot, floored at its newest sample. */
  #seed(state: ClusterState): void {
    const storage = this.#o.storage;
    if (!storage) return;
    const now = this.now();
    const q = storage.querier(now - (this.#o.lookbackMs ?? 6 * 3600_000), now + 3600_000);
    try {
      const set = q.select([new Matcher('=', this.clusterLabel, state.name)]);
      for (let from = 0; from < set.series.length; from += LOOKUP_SLICE) {
        const to = Math.min(set.series.length, from + LOOKUP_SLICE);
        const batch = set.load(undefined, undefined, from, to);
        try {
          const offsets = batch.offsets(), ts = batch.timestamps();
          for (let i = 0; i < to - from; i++) {
            const end = offsets[i + 1];
            if (end > offsets[i]) state.slot(set.series[from + i].labels, ts[end - 1]);
          }
        } finally {
          batch.release();
        }
      }
    } finally {
      q.close();
    }
  }
}

/**
 * ReplicaMember: one session's view of its cluster. `external` are the edge's external labels
 * without the replica label, as its series are stored. Not shared between sessions.
 */
export class ReplicaMember {
  constructor(
    readonly cluster: ClusterState,
    readonly replica: string,
    readonly external: readonly string[],
    readonly now: () => number,
  ) {}

  get leader(): boolean {
    return this.cluster.leader === this.replica;
  }

  /** slot: the cluster slot of a stored label set (see ClusterState.slot). */
  slot(labels: Labels): number {
    return this.cluster.slot(labels);
  }

  /** append: one decoded batch whose sample i is connection ref refs[i], slot slots[refs[i]]. */
  append(storage: Appendable, slots: Int32Array, refs: Uint32Array, ts: Float64Array, vs: Float64Array): Committed {
    return this.cluster.append(storage, this.replica, slots, refs, ts, vs, this.now());
  }
}
