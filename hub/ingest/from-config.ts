/**
 * The hub's ingest as the configuration asks for it: with an `edges` section, an IngestServer over
 * the hub's durable TSDB (tokens of the section, acknowledged positions as WAL position records,
 * metrics on the hub's registry) and, with a `dedup` section, HA deduplication; without one,
 * nothing. Also the out-of-order window the TSDB needs so that edges can replay an outage.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config/index.ts';
import type { DB } from '../../shared/tsdb/db/index.ts';
import { Dedup } from '../dedup/index.ts';
import { PositionAckStore } from './acks.ts';
import { TokenAuthenticator } from './auth.ts';
import { IngestServer } from './server.ts';

/**
 * DEFAULT_INGEST_OOO_WINDOW_MS: the out-of-order window of a hub that receives edge streams when
 * the config sets none: 6 h, long enough for an edge to replay a typical outage (a network or hub
 * outage of up to 6 h; samples of longer ones are refused as out of bounds and counted).
 */
export const DEFAULT_INGEST_OOO_WINDOW_MS = 6 * 3600_000;

/** ingestWindowMs: the TSDB's out-of-order window: the config's, else the default when edges stream in. */
export function ingestWindowMs(config: Config): number {
  return config.storage.tsdb.outOfOrderTimeWindow || (config.sections.edges ? DEFAULT_INGEST_OOO_WINDOW_MS : 0);
}

/** IngestWiring: what ingestFromConfig needs of the hub. */
export interface IngestWiring {
  hubName: string;
  storage: DB;
  registry: Registry;
  /** The TSDB's out-of-order window: how far back a new dedup cluster looks for stored samples. */
  windowMs: number;
  log: (message: string) => void;
}

/**
 * ingestFromConfig builds the ingest server of `config`, or returns null without an `edges`
 * section. It rejects when a token file cannot be read, naming the edge and the file.
 */
export async function ingestFromConfig(config: Config, w: IngestWiring): Promise<IngestServer | null> {
  const edges = config.sections.edges;
  if (!edges) return null;
  const d = config.sections.dedup;
  const dedup = d
    ? new Dedup({ clusterLabel: d.clusterLabel, replicaLabel: d.replicaLabel, failoverTimeoutMs: d.failoverTimeoutMs, registry: w.registry, storage: w.storage, lookbackMs: w.windowMs, log: w.log })
    : undefined;
  const auth = await TokenAuthenticator.fromConfig(edges);
  return new IngestServer({ hubName: w.hubName, storage: w.storage, auth, acks: new PositionAckStore(w.storage), registry: w.registry, dedup, log: w.log });
}
