// HA deduplication in process: replicas feed batches through ReplicaMember on an in-memory
// storage with a hand-stepped clock; what storage holds afterwards is checked sample by sample.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Dedup, type ReplicaMember } from '../../../hub/dedup/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { parseConfig } from '../../../shared/config/index.ts';
import { openMemStorage, type MemStorage } from '../../../shared/storage/mem/index.ts';

const open: MemStorage[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const SERIES = [Labels.from({ __name__: 'x', cluster: 'c1', job: 'app' }), Labels.from({ __name__: 'y', cluster: 'c1', job: 'app' })];

interface World {
  storage: MemStorage;
  registry: Registry;
  dedup: Dedup;
  clock: { now: number };
  replica(name: string): Replica;
}

/** Replica: one connection of a replica edge, defining SERIES as connection refs 0, 1. */
class Replica {
  readonly slots: Int32Array;
  constructor(
    readonly w: World,
    readonly member: ReplicaMember,
  ) {
    this.slots = Int32Array.from(SERIES, (l) => member.slot(l));
  }

  /** scrape sends one batch at t (both series, values v and 2v), arriving at hub time `at` (default t). */
  scrape(t: number, v = t / 1000, at = t) {
    this.w.clock.now = at;
    return this.member.append(this.w.storage, this.slots, Uint32Array.of(0, 1), Float64Array.of(t, t), Float64Array.of(v, 2 * v));
  }
}

function world(o: { failoverTimeoutMs?: number; maxHeldSamples?: number; storage?: MemStorage } = {}): World {
  const storage = o.storage ?? openMemStorage({ outOfOrderWindowMs: 3600_000 });
  if (!o.storage) open.push(storage);
  const registry = new Registry();
  const clock = { now: 0 };
  const dedup = new Dedup({ clusterLabel: 'cluster', replicaLabel: 'replica', registry, storage, now: () => clock.now, failoverTimeoutMs: o.failoverTimeoutMs, maxHeldSamples: o.maxHeldSamples });
  const w: World = {
    storage, registry, dedup, clock,
    replica: (name) => new Replica(w, dedup.member(['cluster', 'c1', 'replica', name])!),
  };
  return w;
}

/** stored returns the timestamps storage holds for series `name`. */
function stored(s: MemStorage, name = 'x'): number[] {
  const q = s.querier(0, 1e13);
  try {
    const set = q.select([new Matcher('=', '__name__', name)]);
    if (set.series.length === 0) return [];
    expect(set.series.length).toBe(1);
    const b = set.load();
    const ts = Array.from(b.timestamps());
    b.release();
    return ts;
  } finally {
    q.close();
  }
}

async function metric(r: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await r.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return m?.value ?? 0;
}

const range = (from: number, to: number, step = 1000) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe('Dedup', () => {
  it('is not involved for edges without both the cluster and the replica label', () => {
    const w = world();
    expect(w.dedup.member(['cluster', 'c1'])).toBeNull();
    expect(w.dedup.member(['replica', 'a'])).toBeNull();
    expect(w.dedup.member(['cluster', 'c1', 'replica', 'a', 'site', 's'])!.external).toEqual(['cluster', 'c1', 'site', 's']);
  });

  it('stores the first replica and drops the other, without the replica label', async () => {
    const w = world();
    const a = w.replica('a'), b = w.replica('b');
    for (const t of range(1000, 5000)) {
      expect(a.scrape(t).result.appended).toBe(2);
      expect(b.scrape(t + 300).result.appended).toBe(0);
    }
    expect(stored(w.storage)).toEqual(range(1000, 5000));
    expect(stored(w.storage, 'y')).toEqual(range(1000, 5000));
    expect(await metric(w.registry, 'outpost_dedup_samples_accepted_total', { cluster: 'c1' })).toBe(10);
    expect(await metric(w.registry, 'outpost_dedup_leader', { cluster: 'c1', replica: 'a' })).toBe(1);
    expect(await metric(w.registry, 'outpost_dedup_leader', { cluster: 'c1', replica: 'b' })).toBe(0);
    expect(w.dedup.clusters()[0]).toMatchObject({ cluster: 'c1', leader: 'a', failoverTimeoutMs: 2000, series: 2 });
  });

  it('fails over after twice the interval, filling the silence from the held batches, and keeps the old leader out', async () => {
    const w = world();
    const a = w.replica('a'), b = w.replica('b');
    for (const t of range(1000, 5000)) {
      a.scrape(t);
      b.scrape(t + 500);
    }
    // a dies after 5000; b keeps scraping. Its batch at 7500 finds a silent for 2500 ms > 2000.
    expect(b.scrape(6500).result.appended).toBe(0);
    expect(b.scrape(7500).result.appended).toBe(6); // 5500, 6500 held, 7500 live
    expect(stored(w.storage)).toEqual([...range(1000, 5000), ...range(5500, 7500)]);
    expect(w.dedup.clusters()[0].leader).toBe('b');
    expect(await metric(w.registry, 'outpost_dedup_leader_changes_total', { cluster: 'c1' })).toBe(2);

    // a returns: its backlog and live data are dropped while b streams.
    const a2 = w.replica('a');
    expect(a2.scrape(6000, 6, 8000).result.appended).toBe(0);
    expect(a2.scrape(8000).result.appended).toBe(0);
    b.scrape(8500);
    expect(stored(w.storage)).toEqual([...range(1000, 5000), ...range(5500, 8500)]);

    // b dies; a takes over above b's last sample, with no sample at or before it.
    for (const t of range(9000, 11000)) a2.scrape(t);
    expect(stored(w.storage)).toEqual([...range(1000, 5000), ...range(5500, 8500), ...range(9000, 11000)]);
    expect(w.dedup.clusters()[0].leader).toBe('a');
  });

  it('stores nothing twice at a takeover when the replicas scrape at the same instants', () => {
    const w = world();
    const a = w.replica('a'), b = w.replica('b');
    for (const t of range(1000, 3000)) {
      a.scrape(t);
      b.scrape(t, t / 1000, t + 10);
    }
    b.scrape(4000);
    b.scrape(5000);
    b.scrape(6000); // a silent since 3000
    expect(stored(w.storage)).toEqual(range(1000, 6000));
  });

  it('uses a configured failover timeout instead of the interval', () => {
    const w = world({ failoverTimeoutMs: 10_000 });
    const a = w.replica('a'), b = w.replica('b');
    a.scrape(1000);
    a.scrape(2000);
    for (const t of range(3500, 11500)) b.scrape(t);
    expect(w.dedup.clusters()[0].leader).toBe('a');
    b.scrape(12500);
    expect(w.dedup.clusters()[0].leader).toBe('b');
    expect(stored(w.storage)).toEqual([1000, 2000, ...range(3500, 12500)]);
  });

  it('bounds what a follower holds, counting what it drops', async () => {
    const w = world({ maxHeldSamples: 4, failoverTimeoutMs: 60_000 });
    const a = w.replica('a'), b = w.replica('b');
    a.scrape(1000);
    for (const t of range(2000, 6000)) b.scrape(t); // a is silent but within its timeout
    expect(await metric(w.registry, 'outpost_dedup_samples_dropped_total', { cluster: 'c1' })).toBe(6);
    b.scrape(62_000);
    // Only the newest held batches (5000, 6000) survived the bound.
    expect(stored(w.storage)).toEqual([1000, 5000, 6000, 62_000]);
  });

  it('after a hub restart floors each series at its newest stored sample', () => {
    const storage = openMemStorage({ outOfOrderWindowMs: 3600_000 });
    open.push(storage);
    const first = world({ storage });
    const a = first.replica('a');
    for (const t of range(1000, 10_000)) a.scrape(t);
    const second = world({ storage });
    second.clock.now = 12_000;
    const b = second.replica('b');
    // b leads the new cluster state, but its backlog at or before 10000 is not stored again.
    expect(b.scrape(9500, 9.5, 12_000).result.appended).toBe(0);
    expect(b.scrape(10_500).result.appended).toBe(2);
    expect(stored(storage)).toEqual([...range(1000, 10_000), 10_500]);
  });
});

describe('the dedup config section', () => {
  it('reads labels and the failover timeout, with defaults', () => {
    expect(parseConfig('dedup: {}\n', 'hub.yml').sections.dedup).toEqual({ clusterLabel: 'cluster', replicaLabel: 'replica', failoverTimeoutMs: 0 });
    expect(parseConfig('dedup: {cluster_label: dc, replica_label: r, failover_timeout: 45s}\n', 'hub.yml').sections.dedup).toEqual({
      clusterLabel: 'dc',
      replicaLabel: 'r',
      failoverTimeoutMs: 45_000,
    });
  });

  it.each([
    ['dedup: {cluster_label: a, replica_label: a}\n', 'hub.yml:1: dedup.replica_label: replica_label must differ from cluster_label'],
    ['dedup: {replica_label: __replica__}\n', 'hub.yml:1: dedup.replica_label: "__replica__" is reserved'],
    ['dedup: {failover_timeout: soon}\n', 'hub.yml:1: dedup.failover_timeout: "soon" is not a valid duration'],
    ['dedup: {leader: a}\n', 'leader'],
  ])('refuses %j', (yaml, message) => {
    expect(() => parseConfig(yaml, 'hub.yml')).toThrow(message);
  });
});
