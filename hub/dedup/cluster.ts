/**
 * ClusterState: the HA deduplication of one cluster — the replicas that stream it, which one is
 * the leader, and, per series (a "slot": the stored label set, replica label removed, shared by
 * every replica), the storage ref, the newest stored timestamp and the floor below which nothing
 * more is stored. It works a batch at a time: the leader's batch is appended in one commit; a
 * follower's batch is held (copied, bounded) so that, when the follower takes over after the
 * leader went silent for the failover timeout, the samples the old leader never sent are stored
 * from it, and nothing the old leader did store is stored twice.
 *
 *     leader A ──●──●──●──╳               (A killed: its last stored sample per series = floor)
 *     follower B  ○──○──○──○──○──○        (held, pruned once the leader covers them)
 *                          └─ failover timeout ─┘ B leads: held samples above the floor, then live
 */
import type { Labels } from '../../shared/model/labels.ts';
import { LabelSetTable } from '../../shared/model/label-set-table.ts';
import type { AppendResult, Appendable } from '../../shared/storage/interface.ts';

/** Committed: a batch's verdict and its durability (resolved at once when nothing was stored). */
export interface Committed {
  result: AppendResult;
  durable: Promise<void>;
}

/** Held: a follower's batch, copied; `slots` are cluster slots, not connection refs. */
interface Held {
  slots: Int32Array;
  ts: Float64Array;
  vs: Float64Array;
  maxT: number;
}

/** ClusterOptions: timing of one cluster, shared by all clusters of a Dedup. */
export interface ClusterOptions {
  /** Fixed failover timeout (ms); 0: twice the longest scrape interval seen. */
  failoverTimeoutMs: number;
  /** Failover timeout while no interval has been seen yet (ms). */
  defaultFailoverMs: number;
  /** Samples a follower may have held at once; the oldest batches go beyond it. */
  maxHeldSamples: number;
}

/** ClusterCounters: what the Dedup turns into metrics; the cluster adds to them. */
export interface ClusterCounters {
  accepted(n: number): void;
  dropped(n: number): void;
  leaderChanged(from: string | null, to: string): void;
}

/** An interval between two samples above this is a gap, not a scrape interval. */
const MAX_INTERVAL_MS = 5 * 60_000;
/** The longest interval is the maximum over this and the previous epoch of this length. */
const INTERVAL_EPOCH_MS = 10 * 60_000;

const NOTHING: Committed = { result: { appended: 0, errors: [] }, durable: Promise.resolve() };

export class ClusterState {
  /** The stored label set of each slot, by slot + 1 (slots are never freed). */
  readonly #slotOf = new LabelSetTable();
  #refs = new Float64Array(64);
  #last = new Float64Array(64).fill(-Infinity);
  #floor = new Float64Array(64).fill(-Infinity);
  readonly #seen = new Map<string, number>();
  readonly #held = new Map<string, Held[]>();
  #heldSamples = new Map<string, number>();
  #leader: string | null = null;
  #newest = -Infinity;
  #interval = 0;
  #prevInterval = 0;
  #epochStart = 0;

  constructor(
    readonly name: string,
    readonly o: ClusterOptions,
    readonly counters: ClusterCounters,
  ) {}

  get leader(): string | null {
    return this.#leader;
  }

  /** slots: the number of series the cluster has seen. */
  get slots(): number {
    return this.#slotOf.size;
  }

  /** longestIntervalMs: the longest scrape interval seen recently (0: none yet). */
  get longestIntervalMs(): number {
    return Math.max(this.#interval, this.#prevInterval);
  }

  /** failoverTimeoutMs: how long the leader may stay silent before a follower takes over. */
  get failoverTimeoutMs(): number {
    if (this.o.failoverTimeoutMs > 0) return this.o.failoverTimeoutMs;
    const longest = this.longestIntervalMs;
    return longest > 0 ? 2 * longest : this.o.defaultFailoverMs;
  }

  /**
   * slot returns the slot of a stored label set, creating it. `newestStored` (when the series
   * already has samples in storage, e.g. after a hub restart) becomes its floor, so no replica
   * stores at or before it.
   */
  slot(labels: Labels, newestStored = -Infinity): number {
    let s = this.#slotOf.get(labels) - 1;
    if (s < 0) {
      s = this.#slotOf.size;
      this.#slotOf.add(labels, s + 1);
      if (s === this.#refs.length) this.#grow();
      this.#refs[s] = 0;
      this.#last[s] = newestStored;
      this.#floor[s] = newestStored;
      if (newestStored > this.#newest) this.#newest = newestStored;
    }
    return s;
  }

  /**
   * append takes one batch of `replica`: `slots[refs[i]]` is the slot of sample i. The leader's
   * samples above their series' floor are appended to `storage` in one commit (preceded, right
   * after a takeover, by the samples it had held); a follower's batch is held and nothing is
   * stored. `now` is the hub's clock in ms. What storage throws propagates with nothing committed.
   */
  append(storage: Appendable, replica: string, slots: Int32Array, refs: Uint32Array, ts: Float64Array, vs: Float64Array, now: number): Committed {
    this.#seen.set(replica, now);
    if (now - this.#epochStart > INTERVAL_EPOCH_MS) {
      this.#prevInterval = this.#interval;
      this.#interval = 0;
      this.#epochStart = now;
    }
    if (this.#leader !== replica) {
      const silent = this.#leader === null ? Infinity : now - (this.#seen.get(this.#leader) ?? -Infinity);
      if (silent > this.failoverTimeoutMs) this.#takeOver(replica);
    }
    if (this.#leader !== replica) {
      this.#hold(replica, slots, refs, ts, vs);
      return NOTHING;
    }
    const app = storage.appender();
    let accepted = 0, dropped = 0;
    try {
      const held = this.#held.get(replica);
      if (held) {
        for (const h of held) {
          const n = this.#appendSlots(app, h.slots, null, h.ts, h.vs);
          accepted += n;
          dropped += h.ts.length - n;
        }
      }
      const n = this.#appendSlots(app, slots, refs, ts, vs);
      accepted += n;
      dropped += ts.length - n;
    } catch (err) {
      app.rollback();
      throw err;
    }
    this.#held.delete(replica);
    this.#heldSamples.delete(replica);
    const result = app.commit();
    this.counters.accepted(accepted);
    if (dropped) this.counters.dropped(dropped);
    return { result, durable: result.durable ?? Promise.resolve() };
  }

  /** replicas lists the replicas seen, with the hub time of their last batch (Unix ms). */
  replicas(): Array<{ replica: string; lastBatch: number; leader: boolean }> {
    return [...this.#seen].map(([replica, lastBatch]) => ({ replica, lastBatch, leader: replica === this.#leader }));
  }

  #takeOver(replica: string): void {
    const from = this.#leader;
    this.#leader = replica;
    // Everything stored so far belongs to the old leader: the new one stores only above it.
    this.#floor.set(this.#last);
    this.#pruneAll();
    this.counters.leaderChanged(from, replica);
  }

  /** #appendSlots appends the samples above their floor; `refs` null: `slots` is per sample. */
  #appendSlots(app: ReturnType<Appendable['appender']>, slots: Int32Array, refs: Uint32Array | null, ts: Float64Array, vs: Float64Array): number {
    const last = this.#last, floor = this.#floor, storeRefs = this.#refs, labels = this.#slotOf;
    let stored = 0, interval = this.#interval, newest = this.#newest;
    for (let i = 0; i < ts.length; i++) {
      const s = refs === null ? slots[i] : slots[refs[i]];
      const t = ts[i];
      if (t <= floor[s]) continue;
      storeRefs[s] = app.append(storeRefs[s], labels.labels(s + 1)!, t, vs[i]);
      stored++;
      const prev = last[s];
      if (t > prev) {
        const d = t - prev;
        if (d <= MAX_INTERVAL_MS && d > interval) interval = d;
        last[s] = t;
        if (t > newest) newest = t;
      }
    }
    this.#interval = interval;
    this.#newest = newest;
    return stored;
  }

  #hold(replica: string, slots: Int32Array, refs: Uint32Array, ts: Float64Array, vs: Float64Array): void {
    const n = ts.length;
    const own = new Int32Array(n);
    let maxT = -Infinity;
    for (let i = 0; i < n; i++) {
      own[i] = slots[refs[i]];
      if (ts[i] > maxT) maxT = ts[i];
    }
    let list = this.#held.get(replica);
    if (!list) this.#held.set(replica, (list = []));
    list.push({ slots: own, ts: ts.slice(), vs: vs.slice(), maxT });
    this.#heldSamples.set(replica, (this.#heldSamples.get(replica) ?? 0) + n);
    this.#prune(replica, list);
  }

  #pruneAll(): void {
    for (const [replica, list] of this.#held) this.#prune(replica, list);
  }

  /**
   * #prune drops held batches the leader has covered (their newest sample more than one interval
   * behind the leader's newest stored sample) and, beyond maxHeldSamples, the oldest ones.
   */
  #prune(replica: string, list: Held[]): void {
    const margin = Math.max(this.longestIntervalMs, 1000);
    const covered = this.#newest - margin;
    let count = this.#heldSamples.get(replica) ?? 0;
    let dropped = 0, k = 0;
    while (k < list.length && (list[k].maxT < covered || count > this.o.maxHeldSamples)) {
      count -= list[k].ts.length;
      dropped += list[k].ts.length;
      k++;
    }
    if (k > 0) list.splice(0, k);
    this.#heldSamples.set(replica, count);
    if (dropped) this.counters.dropped(dropped);
  }

  #grow(): void {
    const n = this.#refs.length * 2;
    const refs = new Float64Array(n), last = new Float64Array(n).fill(-Infinity), floor = new Float64Array(n).fill(-Infinity);
    refs.set(this.#refs);
    last.set(this.#last);
    floor.set(this.#floor);
    this.#refs = refs;
    this.#last = last;
    this.#floor = floor;
  }
}
