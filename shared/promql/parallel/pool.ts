/**
 * KernelPool: query workers, threads that decode slices of a selection and run its kernel beside
 * the query's own thread (worker.ts). A query over a long range spends most of its time decoding
 * chunks and running a range kernel over them, slice after slice of series (selectors.ts); with
 * a pool, the query thread hands a slice to a free worker, works on the next one itself, and
 * takes the results back in series order, so that a machine's cores share one query.
 *
 * Workers start when a query first finds none free, and stop after `idleMs` without a job, so
 * an idle process holds none (each costs a V8 isolate and a WebAssembly memory). Until a worker
 * has started the query thread does the work itself: a query never waits for a worker to boot.
 * A worker never keeps the process alive unless it has a job.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ChunkCorruptionError, compileCore } from '../../../core-wasm/host/index.ts';
import type { FlagSpec } from '../../cli/flags.ts';
import type { PortableLoad, PortableSlice, StepMatrix } from '../../storage/interface.ts';
import type { FoldSpec, Partial } from './fold.ts';
import type { KernelSpec } from './spec.ts';
import { giveBytes } from '../../tsdb/block/gather-buffers.ts';

/**
 * Job: one slice for a worker, with buffers of earlier replies' matrices the query thread has
 * finished with (`spare`), for the worker to write later replies into instead of allocating.
 */
export interface Job {
  id: number;
  load: PortableLoad;
  spec: KernelSpec;
  /** fold: fold the slice's rows into these groups and answer the Partial instead of the rows. */
  fold: FoldSpec | null;
  spare: ArrayBuffer[];
}

/**
 * Reply: a worker's answer to job `id`: the slice's rows and how many samples it decoded, or the
 * error; either way with the job's gather buffer (its chunks' bytes, decoded) to use again
 * (`returned`, shared/tsdb/block/gather-buffers.ts).
 */
export type Reply =
  | { id: number; result: SliceResult; returned: ArrayBuffer[] }
  | { id: number; error: { name: string; message: string; chunk: number }; returned: ArrayBuffer[] };

/**
 * SliceResult: what a worker computed for one slice: its rows (from row 0), or their Partial
 * when the job asked for a fold, and the samples it decoded.
 */
export interface SliceResult {
  matrix?: StepMatrix;
  partial?: Partial;
  samples: number;
}

/** resultBuffers: the buffers of a SliceResult's arrays. */
export function resultBuffers(r: SliceResult): ArrayBuffer[] {
  return buffersOf(r.matrix ? [r.matrix.values, r.matrix.present, r.matrix.timestamps] : [r.partial?.seen, r.partial?.val, r.partial?.live]);
}

/** buffersOf: the distinct, non-empty buffers under `arrays` (those absent skipped), to transfer or keep. */
function buffersOf(arrays: readonly (ArrayBufferView | null | undefined)[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a && a.buffer.byteLength > 0) out.add(a.buffer as ArrayBuffer);
  return [...out];
}

export interface KernelPoolOptions {
  /** size: the most workers (0: none; every slice then runs in the query's thread). */
  size: number;
  /** idleMs: workers stop after this long without a job (default 60 s). */
  idleMs?: number;
  /** log: where a worker that fails to start or dies is reported. */
  log?: (msg: string) => void;
}

/**
 * WorkerLostError: a job's worker went away before answering (it died, or the pool stopped it).
 * The slice itself may be fine: the caller can compute it in its own thread.
 */
export class WorkerLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerLostError';
  }
}

/** defaultQueryWorkers: one worker per CPU beyond the first, at most 4. */
export function defaultQueryWorkers(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

/** QUERY_WORKERS_FLAG: the hub's --query.workers. */
export const QUERY_WORKERS_FLAG: FlagSpec = {
  name: 'query.workers',
  help: 'Threads besides the main one that decode and evaluate slices of long queries, started on demand and stopped after a minute idle (0: none; default: one per CPU beyond the first, at most 4)',
  default: '',
};

/** parseQueryWorkers reads a --query.workers value ('' for the default); throws an Error naming a bad one. */
export function parseQueryWorkers(v: string): number {
  if (v === '') return defaultQueryWorkers();
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 64) throw new Error(`invalid --query.workers=${v}: want a whole number of threads from 0 to 64`);
  return n;
}

/** PendingJob: a job a worker has not answered yet. */
interface PendingJob {
  slice: PortableSlice;
  resolve: (r: SliceResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** started: settles once the worker is ready, or gone. */
  started: Promise<void>;
  /** jobs: those sent and not answered, by id, in the order sent (a worker answers in that order). */
  jobs: Map<number, PendingJob>;
}

/**
 * DEPTH: the jobs one worker holds at once. With two, the next slice is already there when a
 * worker finishes one, so it does not wait for the query thread to hand it more.
 */
const DEPTH = 2;

/**
 * Reply buffers kept for reuse, on each side: at most SPARE_COUNT of them and SPARE_BYTES in all,
 * none under SPARE_MIN_BYTES (a small array costs less to allocate than to pass around).
 */
export const SPARE_BYTES = 16 << 20;
const SPARE_COUNT = 8;
const SPARE_MIN_BYTES = 64 << 10;

/** keepSpare: the largest of `buffers` (distinct, not detached) that the limits above allow. */
export function keepSpare(buffers: readonly ArrayBuffer[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  let bytes = 0;
  for (const b of [...new Set(buffers)].sort((x, y) => y.byteLength - x.byteLength)) {
    if (out.length === SPARE_COUNT) break;
    if (b.byteLength < SPARE_MIN_BYTES || bytes + b.byteLength > SPARE_BYTES) continue;
    out.push(b);
    bytes += b.byteLength;
  }
  return out;
}

/**
 * BUILD: which build of the program this is. A bundled hub's worker must come from the same build
 * as the hub (the bundle is rebuilt when sources change, while an older hub may still run); from
 * the TypeScript sources both sides are the sources.
 */
declare const __OUTPOST_BUILD__: string | undefined;
export const BUILD = typeof __OUTPOST_BUILD__ === 'string' ? __OUTPOST_BUILD__ : 'sources';

export class KernelPool {
  readonly size: number;
  readonly #idleMs: number;
  readonly #log: (msg: string) => void;
  #slots: Slot[] = [];
  #nextId = 1;
  #idleTimer: NodeJS.Timeout | null = null;
  /** #broken: a worker could not start; the pool stops trying (every slice runs in the query's thread). */
  #broken = false;
  #closed = false;
  /** #spare: buffers of replies handed back (recycle), to return to a worker with its next job. */
  #spare: ArrayBuffer[] = [];
  #completed = 0;

  constructor(o: KernelPoolOptions) {
    if (!Number.isInteger(o.size) || o.size < 0) throw new Error(`KernelPool: size must be a whole number ≥ 0, got ${o.size}`);
    this.size = o.size;
    this.#idleMs = o.idleMs ?? 60_000;
    this.#log = o.log ?? ((msg) => console.error(`outpost: ${msg}`));
  }

  /** running: how many workers exist now (started or starting). */
  get running(): number {
    return this.#slots.length;
  }

  /** completed: how many slices workers have answered since the pool was made (errors included). */
  get completed(): number {
    return this.#completed;
  }

  /** warm starts every worker the pool may have and resolves once each is ready (or failed to start). */
  async warm(): Promise<void> {
    if (this.#closed || this.#broken) return;
    while (this.#slots.length < this.size && !this.#broken) this.#start();
    await Promise.all(this.#slots.map((s) => s.started));
  }

  /**
   * available: whether a started worker can take a job now (it holds fewer than DEPTH). When
   * none can and `start` is set, it starts one (up to `size`) for the slices to come and answers
   * false.
   */
  available(start = true): boolean {
    if (this.#closed || this.#broken || this.size === 0) return false;
    if (this.#slots.some((s) => s.ready && s.jobs.size < DEPTH)) return true;
    if (start && this.#slots.length < this.size) this.#start();
    return false;
  }

  /**
   * run hands `slice` to a free worker (available() must have said there is one) to decode and
   * run `spec` over. Its arrays are transferred: the caller must not use them afterwards. A
   * damaged chunk rejects with the error slice.corruption names.
   */
  run(slice: PortableSlice, spec: KernelSpec, fold: FoldSpec | null = null): Promise<SliceResult> {
    let slot: Slot | undefined;
    for (const s of this.#slots) if (s.ready && s.jobs.size < DEPTH && (!slot || s.jobs.size < slot.jobs.size)) slot = s;
    if (!slot) throw new Error('BUG: KernelPool.run without a free worker (ask available() first)');
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    const id = this.#nextId++;
    const spare = this.#spare;
    this.#spare = [];
    const job: Job = { id, load: slice.load, spec, fold, spare };
    return new Promise<SliceResult>((resolve, reject) => {
      slot.jobs.set(id, { slice, resolve, reject });
      slot.worker.ref();
      try {
        slot.worker.postMessage(job, [...transferList(slice.load), ...spare]);
      } catch (err) {
        slot.jobs.delete(id);
        if (slot.jobs.size === 0) slot.worker.unref();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /**
   * recycle hands back a result once it has been read, so that a worker writes a later result
   * into its buffers: long queries then do not churn megabytes per slice. The caller must not
   * use the result afterwards.
   */
  recycle(r: SliceResult): void {
    this.#spare = keepSpare([...this.#spare, ...resultBuffers(r)]);
  }

  /** close stops every worker; jobs in flight reject. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    await this.#stopAll('the query worker pool closed');
  }

  #start(): void {
    let worker: Worker;
    try {
      // The worker runs the module this thread compiled (and V8 optimised), not a compilation of its own.
      const module = compileCore();
      worker = import.meta.url.endsWith('.ts')
        ? new Worker(new URL('./boot.mjs', import.meta.url), { workerData: { entry: new URL('./worker.ts', import.meta.url).href, module, build: BUILD } })
        : new Worker(new URL('./query-worker.mjs', import.meta.url), { workerData: { module, build: BUILD } });
    } catch (err) {
      this.#broken = true;
      this.#log(`query workers disabled: cannot start one: ${(err as Error).message}`);
      return;
    }
    worker.unref();
    let onStarted = (): void => {};
    const slot: Slot = { worker, ready: false, started: new Promise<void>((resolve) => (onStarted = resolve)), jobs: new Map() };
    this.#slots.push(slot);
    worker.once('exit', onStarted);
    worker.on('message', (m: Reply | { ready: true }) => {
      if ('ready' in m) {
        slot.ready = true;
        onStarted();
        this.#armIdle();
        return;
      }
      this.#settle(slot, m);
    });
    worker.on('error', (err) => this.#lost(slot, `query worker failed: ${err.message}`, !slot.ready));
    worker.on('messageerror', (err) => this.#lost(slot, `query worker sent a message that could not be read: ${err.message}`, false));
    worker.on('exit', (code) => this.#lost(slot, `query worker exited with code ${code}`, !slot.ready && code !== 0));
  }

  #settle(slot: Slot, m: Reply): void {
    const job = slot.jobs.get(m.id);
    if (!job) {
      this.#lost(slot, `query worker answered job ${m.id}, which it was not given`, false);
      return;
    }
    slot.jobs.delete(m.id);
    this.#completed++;
    for (const b of m.returned) giveBytes(b);
    if (slot.jobs.size === 0) {
      slot.worker.unref();
      this.#armIdle();
    }
    if ('result' in m) job.resolve(m.result);
    else if (m.error.chunk >= 0) job.reject(job.slice.corruption(m.error.chunk, new ChunkCorruptionError(m.error.message, m.error.chunk)));
    else {
      const e = new Error(m.error.message);
      e.name = m.error.name;
      job.reject(e);
    }
  }

  /** #lost drops a worker that failed or exited, rejecting its job; one that never started disables the pool. */
  #lost(slot: Slot, why: string, atStart: boolean): void {
    const i = this.#slots.indexOf(slot);
    if (i < 0) return;
    this.#slots.splice(i, 1);
    for (const job of slot.jobs.values()) job.reject(new WorkerLostError(why));
    slot.jobs.clear();
    void slot.worker.terminate();
    if (this.#closed) return;
    if (atStart) {
      this.#broken = true;
      this.#log(`query workers disabled: ${why}`);
    } else this.#log(why);
    this.#armIdle();
  }

  /** #armIdle starts the idle countdown once no worker has a job. */
  #armIdle(): void {
    if (this.#closed || this.#slots.some((s) => s.jobs.size > 0)) return;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      void this.#stopAll('idle');
    }, this.#idleMs);
    this.#idleTimer.unref();
  }

  async #stopAll(why: string): Promise<void> {
    const slots = this.#slots;
    this.#slots = [];
    this.#spare = [];
    for (const s of slots) for (const job of s.jobs.values()) job.reject(new WorkerLostError(`query worker stopped: ${why}`));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

/** transferList: the buffers of a PortableLoad, moved to the worker rather than copied. */
function transferList(p: PortableLoad): ArrayBuffer[] {
  return buffersOf([p.chunks?.data, p.chunks?.offsets, p.chunks?.starts, p.chunks?.samples, p.parts, p.partStarts, ...p.columns.flatMap((c) => [c.offsets, c.timestamps, c.values])]);
}
