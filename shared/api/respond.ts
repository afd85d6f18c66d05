/**
 * Response envelopes of the Prometheus HTTP API: `{status: "success", data, warnings?, infos?}` and
 * `{status: "error", errorType, error}` with the status codes Prometheus uses for each error type
 * (see ../shared/conformance/http-api/openapi_3.1_golden.yaml).
 */
import type { Context } from 'hono';
import type { JsonWriter } from './json-writer.ts';

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
 * JSON_HEADERS: the headers of every API response. They say `Vary: Accept-Encoding` themselves, so
 * that a response the compress middleware leaves as it is needs no header added (adding one to a
 * finished response rebuilds it).
 */
const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json', vary: 'Accept-Encoding' });

/**
 * jsonResponse makes the Response of an API request from its JSON text or bytes. It is built with
 * JSON_HEADERS as a plain object rather than through the context (whose headers become a fetch
 * Headers object once a response has two), so that @hono/node-server writes it straight to the
 * socket. Middleware that adds headers to every response therefore adds them after `next()`.
 */
export function jsonResponse(body: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>, status: number = 200): Response {
  return new Response(body, { status, headers: JSON_HEADERS });
}

/**
 * partStream makes a response body of what a paused writer `parts` writes into `w`: the part `w`
 * holds, then each next part, rendered only when the consumer asks for it (the stream queues
 * nothing ahead: highWaterMark 0), so a client that reads slowly holds the rendering back
 * instead of letting parts pile up in memory. Each part is taken from `w` (JsonWriter.take, the
 * next one begun in a new buffer of `capacity` bytes) and is the consumer's to keep. A consumer
 * that cancels ends the writer. Rendering must not fail once the first part is written: an error
 * after it can only abort the response half sent.
 */
export function partStream(w: JsonWriter, parts: Iterator<void>, capacity: number): ReadableStream<Uint8Array> {
  let first = true;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const last = !first && parts.next().done;
        first = false;
        if (!last) return controller.enqueue(w.take(capacity));
        controller.enqueue(w.bytes());
        controller.close();
      },
      cancel() {
        parts.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** success renders a successful response (a new Response: headers set on `c` are not carried). */
export function success(_c: Context, data: unknown, warnings: readonly string[] = [], infos: readonly string[] = []): Response {
  const body: Record<string, unknown> = { status: 'success', data };
  if (warnings.length) body.warnings = warnings;
  if (infos.length) body.infos = infos;
  return jsonResponse(JSON.stringify(body));
}

/** failure renders an error response with the status code of its type (headers set on `c` are not carried). */
export function failure(_c: Context, errorType: ErrorType, message: string): Response {
  return jsonResponse(JSON.stringify({ status: 'error', errorType, error: message }), STATUS[errorType]);
}
