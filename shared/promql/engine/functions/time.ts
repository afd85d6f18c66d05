/**
 * Calendar functions over Unix seconds in UTC: day_of_month, day_of_week, day_of_year,
 * days_in_month, hour, minute, month, year. Without an argument they read `vector(time())`.
 */
import type { Call } from '../../ast.ts';
import { Labels } from '../../../model/labels.ts';
import type { Evaluator } from '../evaluator.ts';
import { Rows, type EvalValue, type Grid } from '../rows.ts';
import { mapCells, vectorOf } from './helpers.ts';

type Impl = (ev: Evaluator, call: Call, g: Grid) => Promise<EvalValue>;

function dateFn(f: (d: Date) => number): Impl {
  return async (ev, call, g) => {
    let rows: Rows;
    if (call.args.length === 0) {
      const values = new Float64Array(g.steps);
      for (let j = 0; j < g.steps; j++) values[j] = (g.start + j * g.step) / 1000;
      rows = new Rows(g.steps, [Labels.EMPTY], new Uint8Array(1), values, new Uint8Array(g.steps).fill(1));
    } else rows = await ev.vector(call.args[0], g);
    return vectorOf(mapCells(rows, (v) => (Number.isFinite(v) ? f(new Date(Math.trunc(v) * 1000)) : NaN)));
  };
}

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

export const TIME_FUNCTIONS: ReadonlyArray<[string, Impl]> = [
  ['day_of_month', dateFn((d) => d.getUTCDate())],
  ['day_of_week', dateFn((d) => d.getUTCDay())],
  ['day_of_year', dateFn(dayOfYear)],
  ['days_in_month', dateFn((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate())],
  ['hour', dateFn((d) => d.getUTCHours())],
  ['minute', dateFn((d) => d.getUTCMinutes())],
  ['month', dateFn((d) => d.getUTCMonth() + 1)],
  ['year', dateFn((d) => d.getUTCFullYear())],
];
