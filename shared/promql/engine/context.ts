/**
 * EvalContext: what one query's evaluation shares across its nodes: the querier, the query's
 * text, its own time range (for `@ start()`, `@ end()`, `step()`, `range()`), the lookback delta, the
 * default subquery step, the annotations, and the limits (samples held, deadline, AbortSignal).
 * One context per query; not safe to share.
 */
import type { Querier } from '../../storage/interface.ts';
import type { KernelPool } from '../parallel/pool.ts';
import { Annotations } from './annotations.ts';
import { QueryCanceledError, QueryTimeoutError, TooManySamplesError } from './errors.ts';

export interface ContextOptions {
  querier: Querier;
  query: string;
  /** start, end, step: the query's own range (instant queries: start = end, step 0). */
  start: number;
  end: number;
  step: number;
  lookbackMs: number;
  subqueryStepMs: number;
  maxSamples: number;
  /** sliceSamples: the most samples one loaded batch should hold (selections load in slices). */
  sliceSamples: number;
  deadline: number;
  signal?: AbortSignal;
  /** workers: threads that decode and run kernels over slices beside this one (none: null). */
  workers?: KernelPool | null;
}

export class EvalContext {
  readonly querier: Querier;
  /** query: the query text ('' when an AST was given), for positions in error messages. */
  readonly query: string;
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly lookbackMs: number;
  readonly subqueryStepMs: number;
  readonly sliceSamples: number;
  readonly annotations: Annotations;
  readonly workers: KernelPool | null;
  readonly #maxSamples: number;
  readonly #deadline: number;
  readonly #signal: AbortSignal | undefined;
  /** samples: the samples the evaluation currently holds (loaded batches and step values). */
  samples = 0;
  /** peakSamples: the most held at once, for statistics. */
  peakSamples = 0;

  constructor(o: ContextOptions) {
    this.querier = o.querier;
    this.query = o.query;
    this.start = o.start;
    this.end = o.end;
    this.step = o.step;
    this.lookbackMs = o.lookbackMs;
    this.subqueryStepMs = o.subqueryStepMs;
    this.sliceSamples = o.sliceSamples;
    this.annotations = new Annotations(o.query);
    this.workers = o.workers ?? null;
    this.#maxSamples = o.maxSamples;
    this.#deadline = o.deadline;
    this.#signal = o.signal;
  }

  /** check throws QueryCanceledError or QueryTimeoutError when evaluation must stop. */
  check(where: string): void {
    if (this.#signal?.aborted) throw new QueryCanceledError(where, { cause: this.#signal.reason });
    if (Date.now() > this.#deadline) throw new QueryTimeoutError(where);
  }

  /**
   * pause lets the event loop run (other requests, scrapes, a client's disconnect) between two
   * slices of work, then checks whether evaluation must stop.
   */
  async pause(where: string): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.check(where);
  }

  /**
   * wait resolves as `p` does, unless evaluation must stop first (the deadline passes or the
   * signal aborts): then it throws as check() would. For work another thread does for the query.
   */
  async wait<T>(p: Promise<T>, where: string): Promise<T> {
    this.check(where);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueryTimeoutError(where)), Math.max(0, this.#deadline - Date.now()));
      onAbort = () => reject(new QueryCanceledError(where, { cause: this.#signal?.reason }));
      this.#signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([p, stop]);
    } finally {
      clearTimeout(timer);
      if (onAbort) this.#signal?.removeEventListener('abort', onAbort);
    }
  }

  /** hold accounts for n more samples in memory; throws TooManySamplesError past the limit. */
  hold(n: number, where: string): void {
    this.samples += n;
    if (this.samples > this.peakSamples) this.peakSamples = this.samples;
    if (this.samples > this.#maxSamples) throw new TooManySamplesError(where);
  }

  /** release accounts for n samples no longer held. */
  release(n: number): void {
    this.samples -= n;
  }
}
