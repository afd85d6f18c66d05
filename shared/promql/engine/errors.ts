/**
 * Errors of PromQL evaluation, one exported class per condition that callers (the HTTP API, the
 * rule manager) map to Prometheus' error types: `execution` for QueryExecutionError and
 * TooManySamplesError, `timeout` for QueryTimeoutError, `canceled` for QueryCanceledError. A bad
 * query is the parser's ParseError, raised before evaluation starts.
 */

/** QueryExecutionError: the query is valid but cannot be evaluated over this data. */
export class QueryExecutionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueryExecutionError';
  }
}

/** TooManySamplesError: evaluation would hold more samples in memory than the engine allows. */
export class TooManySamplesError extends QueryExecutionError {
  constructor(readonly where: string) {
    super(`query processing would load too many samples into memory in ${where}`);
    this.name = 'TooManySamplesError';
  }
}

/** QueryTimeoutError: evaluation ran past the engine's (or the query's) time limit. */
export class QueryTimeoutError extends Error {
  constructor(readonly where: string) {
    super(`query timed out in ${where}`);
    this.name = 'QueryTimeoutError';
  }
}

/** QueryCanceledError: the caller's AbortSignal fired (the HTTP client went away). */
export class QueryCanceledError extends Error {
  constructor(readonly where: string, options?: { cause?: unknown }) {
    super(`query was canceled in ${where}`, options);
    this.name = 'QueryCanceledError';
  }
}
