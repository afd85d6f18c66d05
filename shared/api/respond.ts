/**
 * Response envelopes of the Prometheus HTTP API: `{status: "success", data, warnings?, infos?}` and
 * `{status: "error", errorType, error}` with the status codes Prometheus uses for each error type
 * (see ../shared/conformance/http-api/openapi_3.1_golden.yaml).
 */
import type { Context } from 'hono';

export type ErrorType = 'bad_data' | 'execution' | 'canceled' | 'timeout' | 'internal' | 'not_found' | 'unavailable';

const STATUS: Record<ErrorType, 400 | 404 | 422 | 500 | 503> = {
  bad_data: 400,
  execution: 422,
  canceled: 503,
  timeout: 503,
  internal: 500,
  not_found: 404,
  unavailable: 503,
};

/** ApiError: a request that fails with a Prometheus error type. Handlers throw it; onError renders it. */
export class ApiError extends Error {
  constructor(readonly errorType: ErrorType, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
  }
}

/**
 * JSON_HEADERS: the headers of every API response. The apps' compress middleware adds `Vary:
 * Accept-Encoding` to each JSON response it could compress, and adding a header to a finished
 * response rebuilds it (a fetch Response whose body is copied into a stream, then read back);
 * a response that already says so is passed through as it is, and its headers are the same.
 */
export const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json', vary: 'Accept-Encoding' };

/** success renders a successful response. */
export function success(c: Context, data: unknown, warnings: readonly string[] = [], infos: readonly string[] = []) {
  const body: Record<string, unknown> = { status: 'success', data };
  if (warnings.length) body.warnings = warnings;
  if (infos.length) body.infos = infos;
  return c.body(JSON.stringify(body), 200, JSON_HEADERS);
}

/** failure renders an error response with the status code of its type. */
export function failure(c: Context, errorType: ErrorType, message: string) {
  return c.body(JSON.stringify({ status: 'error', errorType, error: message }), STATUS[errorType], JSON_HEADERS);
}
