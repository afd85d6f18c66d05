/**
 * Replaying the WAL into a fresh head at open: series records create (or find) head series and
 * bind their WAL refs; samples records cross into the WebAssembly head one record per call, with
 * WAL refs translated to head refs. Samples older than the head's minimum valid time are skipped
 * (a block holds them: the WAL may still have them when the process died between writing a block
 * and checkpointing). Damage the WAL repaired is reported, never thrown.
 */
import type { CorruptionError, WAL } from '../wal/index.ts';
import { AppendStatus } from '../../../core-wasm/host/index.ts';
import type { Head } from './head.ts';

/** WALReplayStats: what opening replayed from the WAL. */
export interface WALReplayStats {
  records: number;
  series: number;
  samples: number;
  /** Samples skipped because blocks already hold their time. */
  skippedPersisted: number;
  /** Samples whose series record was missing (a series record lost to a failed write). */
  skippedUnknownSeries: number;
  /** Samples the head refused on replay (duplicates of a different value, out of bounds). */
  refused: number;
  corruptions: CorruptionError[];
  /** The last position record per name. */
  positions: Map<string, { seq: number; data?: Uint8Array }>;
  durationMs: number;
}

/** replayIntoHead reads the whole WAL into `head`, then marks every head series as logged. */
export async function replayIntoHead(wal: WAL, head: Head): Promise<WALReplayStats> {
  const started = performance.now();
  const stats: WALReplayStats = {
    records: 0, series: 0, samples: 0, skippedPersisted: 0, skippedUnknownSeries: 0, refused: 0,
    corruptions: [], positions: new Map(), durationMs: 0,
  };
  const toHead = new RefMap();
  const core = head.mem.core;
  const minValid = head.minValidTime;
  let refs = new Uint32Array(1024), ts = new Float64Array(1024), vs = new Float64Array(1024);

  const result = await wal.replay((rec) => {
    stats.records++;
    if (rec.type === 'series') {
      for (const s of rec.series) toHead.set(s.ref, head.adoptReplayed(s.ref, s.labels));
      stats.series += rec.series.length;
      return;
    }
    if (rec.type === 'position') {
      stats.positions.set(rec.name, { seq: rec.seq, data: rec.data });
      return;
    }
    const n = rec.refs.length;
    if (n > refs.length) {
      refs = new Uint32Array(n);
      ts = new Float64Array(n);
      vs = new Float64Array(n);
    }
    const shared = typeof rec.t === 'number' ? rec.t : undefined;
    let k = 0, t0 = Infinity, t1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const t = shared ?? (rec.t as ArrayLike<number>)[i];
      if (t < minValid) {
        stats.skippedPersisted++;
        continue;
      }
      const r = toHead.get(rec.refs[i]);
      if (r === 0) {
        stats.skippedUnknownSeries++;
        continue;
      }
      refs[k] = r;
      ts[k] = t;
      vs[k] = rec.values[i];
      if (t < t0) t0 = t;
      if (t > t1) t1 = t;
      k++;
    }
    if (k === 0) return;
    const statuses = shared !== undefined ? core.appendScrape(shared, refs, vs, k) : core.appendSamples(refs, ts, vs, k);
    for (let i = 0; i < k; i++) {
      const s = statuses[i];
      if (s === AppendStatus.OUT_OF_BOUNDS || s === AppendStatus.CONFLICT) stats.refused++;
    }
    stats.samples += k;
    head.noteSpan(t0, t1);
  });
  head.markAllLogged();
  stats.corruptions = result.corruptions;
  stats.durationMs = performance.now() - started;
  return stats;
}

/**
 * RefMap: WAL ref → head ref. WAL refs come from a counter, so they are dense: a typed array
 * indexed by ref serves them (a Map per sample costs a third of replay at 100k series); refs
 * beyond DENSE_LIMIT go to a Map. get returns 0 for an unknown ref.
 */
class RefMap {
  #dense = new Uint32Array(1024);
  readonly #sparse = new Map<number, number>();

  set(walRef: number, headRef: number): void {
    if (walRef >= DENSE_LIMIT) {
      this.#sparse.set(walRef, headRef);
      return;
    }
    if (walRef >= this.#dense.length) {
      const next = new Uint32Array(Math.min(DENSE_LIMIT, Math.max(walRef + 1, this.#dense.length * 2)));
      next.set(this.#dense);
      this.#dense = next;
    }
    this.#dense[walRef] = headRef;
  }

  get(walRef: number): number {
    if (walRef < this.#dense.length) return this.#dense[walRef];
    return walRef < DENSE_LIMIT ? 0 : (this.#sparse.get(walRef) ?? 0);
  }
}

const DENSE_LIMIT = 1 << 26;
