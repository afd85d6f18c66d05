/**
 * HA deduplication on the hub: Dedup (clusters, replicas, metrics) and ClusterState (the leader
 * and per-series floors of one cluster). The ingest sessions call it batch by batch.
 */
export { Dedup, ReplicaMember, type DedupOptions } from './dedup.ts';
export { ClusterState, type ClusterOptions, type ClusterCounters, type Committed } from './cluster.ts';
