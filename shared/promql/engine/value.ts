/**
 * The values a query returns: the public result shapes of Engine.instantQuery / rangeQuery, named
 * as Prometheus' HTTP API names them (`vector`, `matrix`, `scalar`, `string`). A sample carries a
 * float; native histograms will add an `h` field beside `f` (and a `histograms` list beside
 * `floats`), so consumers switch on the field they find, never on position.
 */
import type { Labels } from '../../model/labels.ts';

/** FloatPoint: one float value at Unix milliseconds `t`. */
export interface FloatPoint {
  t: number;
  f: number;
}

/** Sample: one element of an instant vector. */
export interface Sample {
  metric: Labels;
  t: number;
  f: number;
}

/** Series: one element of a range vector, its points in time order. */
export interface Series {
  metric: Labels;
  floats: FloatPoint[];
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
