/**
 * Helpers the function implementations share: element-wise maps over an instant vector's cells
 * (dropping the metric name, as most functions do) and reading a scalar argument per step.
 */
import type { Call, Expr } from '../../ast.ts';
import type { Evaluator } from '../evaluator.ts';
import { Rows, type EvalValue, type Grid } from '../rows.ts';

/** mapCells applies f to every present cell of `rows`; results that are undefined are dropped. */
export function mapCells(rows: Rows, f: (v: number, j: number, i: number) => number | undefined, dropName = true): Rows {
  const s = rows.steps;
  const values = new Float64Array(rows.values.length);
  const present = new Uint8Array(rows.present.length);
  for (let i = 0; i < rows.count; i++) {
    for (let j = 0; j < s; j++) {
      const k = i * s + j;
      if (!rows.present[k]) continue;
      const r = f(rows.values[k], j, i);
      if (r === undefined) continue;
      values[k] = r;
      present[k] = 1;
    }
  }
  return rows.withValues(values, present, dropName).compact();
}

/** simple: a function of one instant vector mapping each value with f, dropping the name. */
export function simple(f: (v: number) => number): (ev: Evaluator, call: Call, g: Grid) => Promise<EvalValue> {
  return async (ev, call, g) => vectorOf(mapCells(await ev.vector(call.args[0], g), f));
}

/** scalarArg evaluates an optional scalar argument (default `def`) per step. */
export async function scalarArg(ev: Evaluator, arg: Expr | undefined, g: Grid, def: number): Promise<Float64Array> {
  return arg ? await ev.scalar(arg, g) : new Float64Array(g.steps).fill(def);
}

/**
 * inOrder maps xs through an async f one after the other: argument evaluations must never
 * overlap (each holds and releases samples on the query's account in turn).
 */
export async function inOrder<T, R>(xs: readonly T[], f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const x of xs) out.push(await f(x));
  return out;
}

/** vectorOf wraps rows as an EvalValue. */
export function vectorOf(rows: Rows): EvalValue {
  return { kind: 'vector', rows };
}
