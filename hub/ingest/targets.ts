/**
 * The targets of the hub's edges, for `/api/v1/targets`. Each edge reports its active targets in
 * TARGETS frames (docs/protocol.md); EdgeTargets keeps the latest list per edge, replaced whole on
 * each report. When an edge's session ends its targets stay listed with health "unknown" and the
 * last error "edge disconnected", until the edge reports again or `retentionMs` (default 1 h)
 * passes. `hubTargets` composes the hub's own scrape targets with every edge's into one
 * TargetsProvider: an edge target's labels carry the edge's external labels as its stored series
 * do (for an HA replica, without the replica label), and its scrapePool is the one the edge reports.
 */
import { formatDuration } from '../../shared/config/units.ts';
import { Labels } from '../../shared/model/labels.ts';
import type { TargetReport } from '../../shared/protocol/index.ts';
import type { ActiveTargetInfo, TargetMetadataInfo, TargetsProvider, TargetsSnapshot } from '../../shared/api/targets-routes.ts';

/** DISCONNECTED_TARGETS_RETENTION_MS: how long a disconnected edge's targets stay listed. */
export const DISCONNECTED_TARGETS_RETENTION_MS = 3600_000;

/** EDGE_DISCONNECTED: the lastError of a target whose edge is not connected. */
export const EDGE_DISCONNECTED = 'edge disconnected';

interface EdgeEntry {
  /** The labels added to every target of this edge (as to its series). */
  external: Labels;
  targets: ActiveTargetInfo[];
  /** Unix ms the session ended; 0 while connected. */
  disconnectedAt: number;
}

export interface EdgeTargetsOptions {
  /** How long a disconnected edge's targets stay listed (default 1 h). */
  retentionMs?: number;
  /** Clock in Unix ms (default Date.now). */
  now?: () => number;
}

/**
 * EdgeTargets: the latest target list of every edge. Reports are converted once, when they arrive,
 * so that listing costs one array copy per edge. Not for concurrent use (one event loop).
 */
export class EdgeTargets {
  readonly #edges = new Map<string, EdgeEntry>();
  readonly #retentionMs: number;
  readonly #now: () => number;

  constructor(o: EdgeTargetsOptions = {}) {
    this.#retentionMs = o.retentionMs ?? DISCONNECTED_TARGETS_RETENTION_MS;
    this.#now = o.now ?? Date.now;
  }

  /**
   * report replaces `edge`'s targets. `externalLabels` (flat, sorted) are added to each target's
   * labels; where a target carries a label of the same name, the edge's value wins, as it would
   * for the edge's series (which the hub refuses when they collide).
   */
  report(edge: string, externalLabels: readonly string[], targets: readonly TargetReport[]): void {
    const external = Labels.fromSortedFlat(externalLabels);
    const list = targets.map((t) => toActive(t, external));
    list.sort((a, b) => (a.scrapePool < b.scrapePool ? -1 : a.scrapePool > b.scrapePool ? 1 : a.labels.compare(b.labels)));
    this.#edges.set(edge, { external, targets: list, disconnectedAt: 0 });
  }

  /** disconnected marks `edge`'s targets as unknown: its session ended. */
  disconnected(edge: string): void {
    const e = this.#edges.get(edge);
    if (!e || e.disconnectedAt !== 0) return;
    e.disconnectedAt = this.#now();
    e.targets = e.targets.map((t) => ({ ...t, health: 'unknown', lastError: EDGE_DISCONNECTED }));
  }

  /** forget drops `edge`'s targets at once (e.g. the edge was removed). */
  forget(edge: string): void {
    this.#edges.delete(edge);
  }

  /** edges names the edges with listed targets, by name. */
  edges(): string[] {
    this.#prune();
    return [...this.#edges.keys()].sort();
  }

  /** active lists every edge's targets: edges by name, then by pool and labels. */
  active(): ActiveTargetInfo[] {
    this.#prune();
    const out: ActiveTargetInfo[] = [];
    for (const name of [...this.#edges.keys()].sort()) out.push(...this.#edges.get(name)!.targets);
    return out;
  }

  #prune(): void {
    const cutoff = this.#now() - this.#retentionMs;
    for (const [name, e] of this.#edges) if (e.disconnectedAt !== 0 && e.disconnectedAt <= cutoff) this.#edges.delete(name);
  }
}

function toActive(t: TargetReport, external: Labels): ActiveTargetInfo {
  let labels = Labels.fromSortedFlat(t.labels);
  if (external.size > 0) {
    const merged = labels.toObject();
    external.forEach((name, value) => (merged[name] = value));
    labels = Labels.from(merged);
  }
  return {
    // Edges do not send the labels from before relabeling (they stay on the edge's own API).
    discoveredLabels: Labels.EMPTY,
    labels,
    scrapePool: t.scrapePool,
    scrapeUrl: t.scrapeUrl,
    // The edge's view: the hub cannot tell how an edge's host is reached (it may be behind NAT).
    globalUrl: t.scrapeUrl,
    lastError: t.lastError,
    lastScrape: t.lastScrape,
    lastScrapeDuration: t.lastScrapeDurationUs / 1e6,
    health: t.health,
    scrapeInterval: formatDuration(t.scrapeIntervalMs),
    scrapeTimeout: formatDuration(t.scrapeTimeoutMs),
  };
}

/**
 * hubTargets is the hub's TargetsProvider: its own scrape targets (`own`, if any) followed by every
 * edge's. Dropped targets and target metadata are the hub's own: edges report neither.
 */
export function hubTargets(own: TargetsProvider | null, edges: EdgeTargets): TargetsProvider {
  return {
    targets(): TargetsSnapshot {
      const snap = own?.targets() ?? { active: [], dropped: [], droppedCounts: {} };
      return { ...snap, active: [...snap.active, ...edges.active()] };
    },
    targetMetadata(): TargetMetadataInfo[] {
      return own?.targetMetadata() ?? [];
    },
  };
}
