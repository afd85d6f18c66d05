/**
 * The remaining functions: time, timestamp, pi, scalar, vector, absent, and the experimental
 * start, end, range, step, min_of, max_of (the query's own parameters, in seconds).
 */
import type { Call } from '../../ast.ts';
import { Labels } from '../../../model/labels.ts';
import type { Evaluator } from '../evaluator.ts';
import { Rows, type EvalValue, type Grid } from '../rows.ts';
import { mapCells, vectorOf } from './helpers.ts';
import { absentLabels, absentRows, unwrapParens } from './range.ts';
import { keepSampleTimes } from '../selectors.ts';

type Impl = (ev: Evaluator, call: Call, g: Grid) => Promise<EvalValue>;

function constant(f: (ev: Evaluator) => number): Impl {
  return async (ev, _call, g) => ({ kind: 'scalar', values: new Float64Array(g.steps).fill(f(ev)) });
}

const time: Impl = async (_ev, _call, g) => {
  const values = new Float64Array(g.steps);
  for (let j = 0; j < g.steps; j++) values[j] = (g.start + j * g.step) / 1000;
  return { kind: 'scalar', values };
};

const timestamp: Impl = async (ev, call, g) => {
  const arg = unwrapParens(call.args[0]);
  if (arg.kind === 'VectorSelector') keepSampleTimes(arg);
  const rows = await ev.vector(call.args[0], g);
  const ts = arg.kind === 'VectorSelector' ? rows.sampleTs : null;
  return vectorOf(mapCells(rows, (_v, j, i) => (ts ? ts[i * rows.steps + j] : g.start + j * g.step) / 1000));
};

const scalar: Impl = async (ev, call, g) => {
  const rows = await ev.vector(call.args[0], g);
  const s = g.steps;
  const values = new Float64Array(s).fill(NaN);
  for (let j = 0; j < s; j++) {
    let n = 0, v = NaN;
    for (let i = 0; i < rows.count; i++) {
      if (!rows.present[i * s + j]) continue;
      n++;
      v = rows.values[i * s + j];
    }
    if (n === 1) values[j] = v;
  }
  return { kind: 'scalar', values };
};

const vector: Impl = async (ev, call, g) => {
  const v = await ev.scalar(call.args[0], g);
  return vectorOf(new Rows(g.steps, [Labels.EMPTY], new Uint8Array(1), Float64Array.from(v), new Uint8Array(g.steps).fill(1)));
};

const absent: Impl = async (ev, call, g) => vectorOf(absentRows(await ev.vector(call.args[0], g), absentLabels(call.args[0]), g));

function pairwise(f: (a: number, b: number) => number): Impl {
  return async (ev, call, g) => {
    const a = await ev.scalar(call.args[0], g), b = await ev.scalar(call.args[1], g);
    return { kind: 'scalar', values: a.map((x, j) => f(x, b[j])) };
  };
}

export const MISC_FUNCTIONS: ReadonlyArray<[string, Impl]> = [
  ['time', time],
  ['timestamp', timestamp],
  ['pi', constant(() => Math.PI)],
  ['scalar', scalar],
  ['vector', vector],
  ['absent', absent],
  ['start', constant((ev) => ev.ctx.start / 1000)],
  ['end', constant((ev) => ev.ctx.end / 1000)],
  ['range', constant((ev) => (ev.ctx.end - ev.ctx.start) / 1000)],
  ['step', constant((ev) => ev.ctx.step / 1000)],
  ['min_of', pairwise(Math.min)],
  ['max_of', pairwise(Math.max)],
];
