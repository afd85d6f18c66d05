/**
 * Element-wise float functions: abs, ceil, floor, exp, sqrt, ln, log2, log10, sgn, the
 * trigonometric and hyperbolic functions, deg, rad, round, and the clamps. All drop the metric name.
 */
import type { Call } from '../../ast.ts';
import type { Evaluator } from '../evaluator.ts';
import type { EvalValue, Grid } from '../rows.ts';
import { mapCells, scalarArg, simple, vectorOf } from './helpers.ts';

type Impl = (ev: Evaluator, call: Call, g: Grid) => Promise<EvalValue>;

function clampImpl(minArg: number | null, maxArg: number | null): Impl {
  return async (ev, call, g) => {
    const rows = await ev.vector(call.args[0], g);
    const lo = minArg === null ? new Float64Array(g.steps).fill(-Infinity) : await ev.scalar(call.args[minArg], g);
    const hi = maxArg === null ? new Float64Array(g.steps).fill(Infinity) : await ev.scalar(call.args[maxArg], g);
    return vectorOf(mapCells(rows, (v, j) => (hi[j] < lo[j] ? undefined : goMax(lo[j], goMin(hi[j], v)))));
  };
}

function goMax(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
}

function goMin(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
}

const round: Impl = async (ev, call, g) => {
  const rows = await ev.vector(call.args[0], g);
  const to = await scalarArg(ev, call.args[1], g, 1);
  return vectorOf(mapCells(rows, (v, j) => {
    const inv = 1 / to[j];
    return Math.floor(v * inv + 0.5) / inv;
  }));
};

export const MATH_FUNCTIONS: ReadonlyArray<[string, Impl]> = [
  ['abs', simple(Math.abs)],
  ['ceil', simple(Math.ceil)],
  ['floor', simple(Math.floor)],
  ['exp', simple(Math.exp)],
  ['sqrt', simple(Math.sqrt)],
  ['ln', simple(Math.log)],
  ['log2', simple(Math.log2)],
  ['log10', simple(Math.log10)],
  ['sgn', simple((v) => (v > 0 ? 1 : v < 0 ? -1 : v))],
  ['acos', simple(Math.acos)],
  ['acosh', simple(Math.acosh)],
  ['asin', simple(Math.asin)],
  ['asinh', simple(Math.asinh)],
  ['atan', simple(Math.atan)],
  ['atanh', simple(Math.atanh)],
  ['cos', simple(Math.cos)],
  ['cosh', simple(Math.cosh)],
  ['sin', simple(Math.sin)],
  ['sinh', simple(Math.sinh)],
  ['tan', simple(Math.tan)],
  ['tanh', simple(Math.tanh)],
  ['deg', simple((v) => (v * 180) / Math.PI)],
  ['rad', simple((v) => (v * Math.PI) / 180)],
  ['round', round],
  ['clamp', clampImpl(1, 2)],
  ['clamp_max', clampImpl(null, 1)],
  ['clamp_min', clampImpl(1, null)],
];
