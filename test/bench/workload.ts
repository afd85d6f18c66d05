/**
 * The benchmark workload: ../shared/bench/gen/model.js (beside the repository), the generator the
 * side-by-side harness serves to Prometheus and VictoriaMetrics, turned into label sets and value
 * columns so every Outpost benchmark measures the same data those systems were measured on.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Labels } from '../../shared/model/labels.ts';

export interface ModelTarget {
  S: number;
  values: Float64Array;
  prefixes: string[];
  advance(dt: number): void;
  render(): string;
}

export interface Model {
  Target: new (o: { handlers: number; seed: number; extraLabels?: string }) => ModelTarget;
  jobFor(i: number): string;
  SERIES_PER_HANDLER: number;
}

/** loadModel reads the shared workload generator beside the repository (CommonJS). */
export function loadModel(): Model {
  const path = fileURLToPath(new URL('../../../shared/bench/gen/model.js', import.meta.url));
  try {
    return createRequire(import.meta.url)(path) as Model;
  } catch (err) {
    throw new Error(`load benchmark model ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** parsePrefix turns the model's `name{a="b",…} ` into Labels (its values hold no quotes). */
export function parsePrefix(prefix: string, extra: Record<string, string>): Labels {
  const m = /^([^{ ]+)(?:\{(.*)\})? $/.exec(prefix);
  if (!m) throw new Error(`BUG: cannot parse series ${JSON.stringify(prefix)}`);
  const pairs: [string, string][] = [['__name__', m[1]], ...Object.entries(extra)];
  for (const kv of (m[2] ?? '').split(',').filter(Boolean)) {
    const eq = kv.indexOf('=');
    pairs.push([kv.slice(0, eq), kv.slice(eq + 2, -1)]);
  }
  return Labels.fromPairs(pairs);
}

/** Scrape: one scrape of one target: its series, one timestamp, their values. */
export interface Scrape {
  t: number;
  series: Labels[];
  values: Float64Array;
}

/** WorkloadOptions: how much of the workload to generate. */
export interface WorkloadOptions {
  targets: number;
  handlers: number;
  scrapes: number;
  intervalMs: number;
  /** Timestamp of the first scrape (ms). */
  start?: number;
  /** Jitter the timestamps by a few ms, as real scrapes do. */
  jitter?: boolean;
}

/**
 * modelScrapes generates, per target, `scrapes` consecutive scrapes (target labels job and
 * instance attached, as a scraper attaches them). Series label sets are shared between scrapes.
 */
export function modelScrapes(model: Model, o: WorkloadOptions): Scrape[][] {
  const t0 = o.start ?? 1_700_000_000_000;
  const out: Scrape[][] = [];
  for (let ti = 0; ti < o.targets; ti++) {
    const target = new model.Target({ handlers: o.handlers, seed: 1000 + ti });
    const series = target.prefixes.map((p) => parsePrefix(p, { job: model.jobFor(ti), instance: `10.0.0.${ti}:9100` }));
    const scrapes: Scrape[] = [];
    for (let s = 0; s < o.scrapes; s++) {
      target.advance(o.intervalMs / 1000);
      const jitter = o.jitter ? (s * 7 + ti * 3) % 5 : 0;
      scrapes.push({ t: t0 + s * o.intervalMs + jitter, series, values: Float64Array.from(target.values) });
    }
    out.push(scrapes);
  }
  return out;
}

/** median of a list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
