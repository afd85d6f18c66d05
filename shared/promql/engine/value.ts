/**
 * The values a query returns: the public result shapes of Engine.instantQuery / rangeQuery, named
 * as Prometheus' HTTP API names them (`vector`, `matrix`, `scalar`, `string`). A sample carries a
 * float; a series of a matrix carries its float points as two columns, times and values, so that a
 * range result of millions of points is a few arrays rather than an object per point. Native
 * histograms will add an `h` field beside a sample's `f`, and columns of their own beside a
 * series' `ts`/`vs`, so consumers switch on the field they find, never on position.
 */
import type { Labels } from '../../model/labels.ts';

/** Sample: one element of an instant vector. */
export interface Sample {
  metric: Labels;
  t: number;
  f: number;
}

/**
 * Series: one element of a range vector. Its float points are `ts[k]` (Unix ms) and `vs[k]`, in
 * time order; the two columns have equal length, and may be views into arrays that the other
 * series of the same result share (the engine lays a matrix out in one pair), so treat them as
 * read-only.
 */
export interface Series {
  metric: Labels;
  ts: Float64Array;
  vs: Float64Array;
}

export interface VectorValue {
  resultType: 'vector';
  samples: Sample[];
}

export interface MatrixValue {
  resultType: 'matrix';
  series: Series[];
}

export interface ScalarValue {
  resultType: 'scalar';
  t: number;
  f: number;
}

export interface StringValue {
  resultType: 'string';
  t: number;
  value: string;
}

/** QueryValue: the result of a query, tagged by `resultType`. */
export type QueryValue = VectorValue | MatrixValue | ScalarValue | StringValue;

/** QueryResult: a value with the annotations evaluation produced (each ends with its position). */
export interface QueryResult {
  value: QueryValue;
  warnings: string[];
  infos: string[];
}
