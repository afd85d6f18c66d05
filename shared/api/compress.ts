/**
 * compressAccepted: hono's compress middleware, run only for requests whose `Accept-Encoding`
 * names an encoding (any value but `identity`). Hono's middleware reads the finished response's
 * headers on every request, which turns the plain headers object a handler answered with into a
 * fetch Headers object and makes @hono/node-server copy it back; a client that accepts no
 * encoding (curl, most benchmark and probe clients) is answered without that.
 *
 * Hono's middleware also adds `Vary: Accept-Encoding` to compressible responses it leaves as they
 * are; behind this gate, responses to clients that send no `Accept-Encoding` lack it unless they
 * carry it already (every API response does: respond.ts JSON_HEADERS). An identity-coded response
 * is acceptable to every client, so a cache that keeps one without `Vary` serves nothing wrong.
 */
import type { MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';

/** compressAccepted: see the module comment; options are hono's compress options. */
export function compressAccepted(options?: Parameters<typeof compress>[0]): MiddlewareHandler {
  const inner = compress(options);
  return (c, next) => {
    const accepted = c.req.header('accept-encoding');
    // Fast path: no encoding asked for, nothing to do after the handler.
    if (accepted === undefined || accepted === '' || accepted === 'identity') return next();
    return inner(c, next);
  };
}
