/**
 * PromQL function signatures: the one table the parser checks calls against (name, argument
 * types, how many optional trailing arguments, return type, experimental flag). The engine keeps
 * its implementations in its own registry; a test checks that both list the same names.
 * The list is every function of Prometheus 3's documentation, float and native-histogram alike.
 */
import type { ValueType } from './ast.ts';

/**
 * FunctionSignature describes one function. `argTypes` lists the parameters in order. `variadic`
 * says how the last parameter repeats: 0 means the arity is exactly `argTypes.length`; n > 0
 * means the last parameter is optional and may appear up to n times; -1 means it may appear any
 * number of times (at least once is not required: `argTypes.length - 1` arguments are the minimum).
 */
export interface FunctionSignature {
  readonly name: string;
  readonly argTypes: readonly ValueType[];
  readonly variadic: number;
  readonly returnType: ValueType;
  /** experimental: Prometheus gates it behind `promql-experimental-functions`. */
  readonly experimental: boolean;
}

function fn(name: string, argTypes: ValueType[], returnType: ValueType, variadic = 0, experimental = false): FunctionSignature {
  return Object.freeze({ name, argTypes: Object.freeze(argTypes), variadic, returnType, experimental });
}

const LIST: FunctionSignature[] = [
  fn('abs', ['vector'], 'vector'),
  fn('absent', ['vector'], 'vector'),
  fn('absent_over_time', ['matrix'], 'vector'),
  fn('acos', ['vector'], 'vector'),
  fn('acosh', ['vector'], 'vector'),
  fn('asin', ['vector'], 'vector'),
  fn('asinh', ['vector'], 'vector'),
  fn('atan', ['vector'], 'vector'),
  fn('atanh', ['vector'], 'vector'),
  fn('avg_over_time', ['matrix'], 'vector'),
  fn('ceil', ['vector'], 'vector'),
  fn('changes', ['matrix'], 'vector'),
  fn('clamp', ['vector', 'scalar', 'scalar'], 'vector'),
  fn('clamp_max', ['vector', 'scalar'], 'vector'),
  fn('clamp_min', ['vector', 'scalar'], 'vector'),
  fn('cos', ['vector'], 'vector'),
  fn('cosh', ['vector'], 'vector'),
  fn('count_over_time', ['matrix'], 'vector'),
  fn('day_of_month', ['vector'], 'vector', 1),
  fn('day_of_week', ['vector'], 'vector', 1),
  fn('day_of_year', ['vector'], 'vector', 1),
  fn('days_in_month', ['vector'], 'vector', 1),
  fn('deg', ['vector'], 'vector'),
  fn('delta', ['matrix'], 'vector'),
  fn('deriv', ['matrix'], 'vector'),
  fn('double_exponential_smoothing', ['matrix', 'scalar', 'scalar'], 'vector', 0, true),
  fn('end', [], 'scalar', 0, true),
  fn('exp', ['vector'], 'vector'),
  fn('first_over_time', ['matrix'], 'vector'),
  fn('floor', ['vector'], 'vector'),
  fn('histogram_avg', ['vector'], 'vector'),
  fn('histogram_count', ['vector'], 'vector'),
  fn('histogram_fraction', ['scalar', 'scalar', 'vector'], 'vector'),
  fn('histogram_quantile', ['scalar', 'vector'], 'vector'),
  fn('histogram_quantiles', ['vector', 'string', 'scalar', 'scalar'], 'vector', 9, true),
  fn('histogram_stddev', ['vector'], 'vector'),
  fn('histogram_stdvar', ['vector'], 'vector'),
  fn('histogram_sum', ['vector'], 'vector'),
  fn('hour', ['vector'], 'vector', 1),
  fn('idelta', ['matrix'], 'vector'),
  fn('increase', ['matrix'], 'vector'),
  fn('info', ['vector', 'vector'], 'vector', 1, true),
  fn('irate', ['matrix'], 'vector'),
  fn('label_join', ['vector', 'string', 'string', 'string'], 'vector', -1),
  fn('label_replace', ['vector', 'string', 'string', 'string', 'string'], 'vector'),
  fn('last_over_time', ['matrix'], 'vector'),
  fn('ln', ['vector'], 'vector'),
  fn('log10', ['vector'], 'vector'),
  fn('log2', ['vector'], 'vector'),
  fn('mad_over_time', ['matrix'], 'vector', 0, true),
  fn('max_of', ['scalar', 'scalar'], 'scalar', 0, true),
  fn('max_over_time', ['matrix'], 'vector'),
  fn('min_of', ['scalar', 'scalar'], 'scalar', 0, true),
  fn('min_over_time', ['matrix'], 'vector'),
  fn('minute', ['vector'], 'vector', 1),
  fn('month', ['vector'], 'vector', 1),
  fn('pi', [], 'scalar'),
  fn('predict_linear', ['matrix', 'scalar'], 'vector'),
  fn('present_over_time', ['matrix'], 'vector'),
  fn('quantile_over_time', ['scalar', 'matrix'], 'vector'),
  fn('rad', ['vector'], 'vector'),
  fn('range', [], 'scalar', 0, true),
  fn('rate', ['matrix'], 'vector'),
  fn('resets', ['matrix'], 'vector'),
  fn('round', ['vector', 'scalar'], 'vector', 1),
  fn('scalar', ['vector'], 'scalar'),
  fn('sgn', ['vector'], 'vector'),
  fn('sin', ['vector'], 'vector'),
  fn('sinh', ['vector'], 'vector'),
  fn('sort', ['vector'], 'vector'),
  fn('sort_by_label', ['vector', 'string'], 'vector', -1, true),
  fn('sort_by_label_desc', ['vector', 'string'], 'vector', -1, true),
  fn('sort_desc', ['vector'], 'vector'),
  fn('sqrt', ['vector'], 'vector'),
  fn('start', [], 'scalar', 0, true),
  fn('start_timestamp', ['vector'], 'vector', 0, true),
  fn('stddev_over_time', ['matrix'], 'vector'),
  fn('stdvar_over_time', ['matrix'], 'vector'),
  fn('step', [], 'scalar', 0, true),
  fn('sum_over_time', ['matrix'], 'vector'),
  fn('tan', ['vector'], 'vector'),
  fn('tanh', ['vector'], 'vector'),
  fn('time', [], 'scalar'),
  fn('timestamp', ['vector'], 'vector'),
  fn('ts_of_first_over_time', ['matrix'], 'vector', 0, true),
  fn('ts_of_last_over_time', ['matrix'], 'vector', 0, true),
  fn('ts_of_max_over_time', ['matrix'], 'vector', 0, true),
  fn('ts_of_min_over_time', ['matrix'], 'vector', 0, true),
  fn('vector', ['scalar'], 'vector'),
  fn('year', ['vector'], 'vector', 1),
];

/** FUNCTIONS maps each function name to its signature. */
export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map(LIST.map((f) => [f.name, f]));

/** getFunction returns the signature of `name`, or undefined for an unknown function. */
export function getFunction(name: string): FunctionSignature | undefined {
  return FUNCTIONS.get(name);
}
