/**
 * The series of the version-1 fixture blocks (fixtures/v1-dense, fixtures/v1-xor), written by
 * the series-major writer before time-bucketed pages (format version 1): a test regenerates them
 * here and checks that the fixtures still read back bit for bit.
 */
import { Labels } from '../../../shared/model/labels.ts';
import type { ColumnSeries } from '../../../shared/tsdb/block/index.ts';
import { EDGE_VALUES } from './helpers.ts';

/** V1_START: the fixtures' first timestamp (ms). */
export const V1_START = 1795152000000;

/** v1Series: six series in label order, of 15 s and 1 s scrapes, one starting late, edge values. */
export function v1Series(): ColumnSeries[] {
  const out: ColumnSeries[] = [];
  const add = (name: string, n: number, stepMs: number, from: number, value: (i: number) => number): void => {
    const timestamps = Float64Array.from({ length: n }, (_, i) => V1_START + from + i * stepMs);
    out.push({ labels: Labels.from({ __name__: name, job: 'fixture' }), timestamps, values: Float64Array.from({ length: n }, (_, i) => value(i)) });
  };
  add('a_counter_total', 1441, 15000, 0, (i) => i * 7 + (i % 5));
  add('b_gauge', 1441, 15000, 0, (i) => Math.round(Math.sin(i / 40) * 1000) / 100);
  add('c_float', 1441, 15000, 0, (i) => Math.sin(i / 7) * 1e3);
  add('d_fast', 9000, 1000, 3600000, (i) => i * 3);
  add('e_late', 200, 15000, 5 * 3600000, (i) => EDGE_VALUES[i % EDGE_VALUES.length]);
  add('f_sparse', 13, 1800000, 0, (i) => i);
  return out;
}
