/**
 * The PromQL engine's public surface: Engine (instant and range queries), the result shapes, the
 * error classes callers map to Prometheus' error types, and the function registry's lists.
 */
export { Engine, type EngineOptions, type QueryOptions } from './engine.ts';
export type { MatrixValue, QueryResult, QueryValue, Sample, ScalarValue, Series, StringValue, VectorValue } from './value.ts';
export { QueryCanceledError, QueryExecutionError, QueryTimeoutError, TooManySamplesError } from './errors.ts';
export { FUNCTION_IMPLS, UNSUPPORTED_FUNCTIONS, UnsupportedFunctionError } from './functions/registry.ts';
