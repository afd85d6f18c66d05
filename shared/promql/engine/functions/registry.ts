/**
 * The function registry: every PromQL function the engine evaluates, by name, and the ones it
 * deliberately does not (yet), each with its reason. The parser's signature table
 * (../../functions.ts) and this registry list the same names; a test checks it. Implementations
 * receive the call node and the grid and evaluate their own arguments, so range functions can
 * read storage through one kernel call.
 */
import type { Call } from '../../ast.ts';
import type { Evaluator } from '../evaluator.ts';
import { QueryExecutionError } from '../errors.ts';
import type { EvalValue, Grid } from '../rows.ts';
import { HISTOGRAM_FUNCTIONS } from './histogram.ts';
import { LABEL_FUNCTIONS } from './labels.ts';
import { MATH_FUNCTIONS } from './math.ts';
import { MISC_FUNCTIONS } from './misc.ts';
import { RANGE_FUNCTIONS } from './range.ts';
import { TIME_FUNCTIONS } from './time.ts';

/** FunctionImpl evaluates one call over a grid. */
export type FunctionImpl = (ev: Evaluator, call: Call, g: Grid) => Promise<EvalValue>;

/** FUNCTION_IMPLS: name → implementation. */
export const FUNCTION_IMPLS: ReadonlyMap<string, FunctionImpl> = new Map<string, FunctionImpl>([
  ...MATH_FUNCTIONS,
  ...TIME_FUNCTIONS,
  ...LABEL_FUNCTIONS,
  ...HISTOGRAM_FUNCTIONS,
  ...RANGE_FUNCTIONS,
  ...MISC_FUNCTIONS,
]);

const NATIVE = 'needs native histograms, which the storage does not hold yet';

/** UNSUPPORTED_FUNCTIONS: functions of the parser's table the engine refuses, with the reason. */
export const UNSUPPORTED_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['histogram_avg', NATIVE],
  ['histogram_count', NATIVE],
  ['histogram_stddev', NATIVE],
  ['histogram_stdvar', NATIVE],
  ['histogram_sum', NATIVE],
  ['histogram_quantiles', NATIVE],
  ['start_timestamp', 'needs per-sample start timestamps, which the storage does not keep'],
  ['info', 'experimental: needs the target-info join, not implemented yet'],
]);

/** UnsupportedFunctionError: a call of a function in UNSUPPORTED_FUNCTIONS. */
export class UnsupportedFunctionError extends QueryExecutionError {
  constructor(readonly func: string, reason: string) {
    super(`function ${func}() is not supported: ${reason}`);
    this.name = 'UnsupportedFunctionError';
  }
}

/** callFunction evaluates a call through the registry. */
export async function callFunction(ev: Evaluator, call: Call, g: Grid): Promise<EvalValue> {
  const impl = FUNCTION_IMPLS.get(call.func.name);
  if (impl) return impl(ev, call, g);
  const reason = UNSUPPORTED_FUNCTIONS.get(call.func.name);
  if (reason) throw new UnsupportedFunctionError(call.func.name, reason);
  throw new Error(`BUG: function ${call.func.name} has a signature but no implementation`);
}
