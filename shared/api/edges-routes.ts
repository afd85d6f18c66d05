/**
 * `GET /api/v1/edges`: the edges a hub knows — streaming now, in their handshake, or disconnected
 * since the hub started — with where they connect from, how far behind their newest sample is,
 * when they were last heard from, the last sequence the hub acknowledged, and what they sent. The
 * routes read a provider the composition root passes (the ingest server), so they know nothing of
 * sessions or sockets. Optional `dedup` fields name an edge's HA cluster and replica and whether
 * its samples are the ones stored.
 */
import type { Hono } from 'hono';
import { success } from './respond.ts';

/** EdgeInfo: one edge as the provider reports it. Times are Unix ms (0: never). */
export interface EdgeInfo {
  edge: string;
  state: 'handshake' | 'streaming' | 'closed' | 'disconnected';
  remoteAddress: string;
  connectedAt: number;
  lastContact: number;
  lagSeconds: number;
  ackedSeq: number;
  series: number;
  samples: number;
  /** Present for an edge that is an HA replica. */
  dedup?: { cluster: string; replica: string; leader: boolean };
}

/** EdgesProvider: where the routes read the edges from; called per request. */
export interface EdgesProvider {
  edges(): EdgeInfo[];
}

const rfc3339 = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : '0001-01-01T00:00:00Z');

/**
 * edgesRoutes adds `GET /api/v1/edges`. `?state=streaming|disconnected|handshake` keeps the edges
 * in that state; the answer is `{edges: [...]}` in the provider's order.
 */
export function edgesRoutes(app: Hono, provider: EdgesProvider): void {
  app.get('/api/v1/edges', (c) => {
    const want = c.req.query('state') ?? '';
    const edges = provider
      .edges()
      .filter((e) => want === '' || e.state === want)
      .map((e) => ({
        edge: e.edge,
        state: e.state,
        remoteAddress: e.remoteAddress,
        connectedAt: rfc3339(e.connectedAt),
        lastContact: rfc3339(e.lastContact),
        lagSeconds: e.lagSeconds,
        ackedSeq: e.ackedSeq,
        series: e.series,
        samples: e.samples,
        ...(e.dedup ? { cluster: e.dedup.cluster, replica: e.dedup.replica, leader: e.dedup.leader } : {}),
      }));
    return success(c, { edges });
  });
}
