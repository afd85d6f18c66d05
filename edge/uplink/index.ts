/**
 * The edge's uplink to its hub: Uplink (offer/backfill, one outbound connection with resume),
 * its durable Backlog, and the socket seam (UplinkSocket, dialWebSocket, Backoff).
 */
export { Uplink, MAX_OFFER_SAMPLES, type UplinkOptions, type UplinkStatus } from './uplink.ts';
export { Backlog, type BacklogOptions, type StoredBatch } from './backlog.ts';
export { Backoff, dialWebSocket, type Dialer, type TLSOptions, type UplinkSocket } from './socket.ts';
export { streamingStorage, MAX_GROUPS, type UplinkSink } from './streaming-storage.ts';
export { TargetsReporter, targetReports, TARGETS_CHECK_MS, TARGETS_INTERVAL_MS, type TargetsSource } from './targets-report.ts';
