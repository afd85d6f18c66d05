/**
 * The hub's ingest of edge streams: IngestServer (sessions, limits, edge listing), its WebSocket
 * transport (attachIngest), edge authentication and the stores of acknowledged positions.
 */
export { IngestServer, type IngestServerOptions } from './server.ts';
export { IngestSession, INTERNAL_ERROR, type EdgeStatus, type SessionHost, type SessionState } from './session.ts';
export { attachIngest, INGEST_PATH, type WsIngest, type WsIngestOptions } from './ws-server.ts';
export { TokenAuthenticator, type Authenticator, type AuthResult } from './auth.ts';
export { MemAckStore, FileAckStore, PositionAckStore, POSITION_PREFIX, type AckStore, type PositionLog } from './acks.ts';
export { DEFAULT_INGEST_LIMITS, RateLimiter, resolveLimits, type IngestLimits } from './limits.ts';
export { IngestMetrics } from './metrics.ts';
export { isLoopback, type IngestSocket, type SessionHandlers } from './socket.ts';
export { DEFAULT_INGEST_OOO_WINDOW_MS, ingestFromConfig, ingestWindowMs, type IngestWiring } from './from-config.ts';
export { EdgeTargets, hubTargets, DISCONNECTED_TARGETS_RETENTION_MS, EDGE_DISCONNECTED, type EdgeTargetsOptions } from './targets.ts';
