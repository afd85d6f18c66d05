/**
 * The ingest server's metrics, per edge (label `edge`), registered on the registry the hub passes
 * in: samples and bytes received, samples the storage refused, the time of last contact, the lag
 * of the newest sample, connected sessions, and sessions ended per close code.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** IngestMetrics: one set per ingest server. */
export class IngestMetrics {
  readonly samples: Counter<'edge'>;
  readonly bytes: Counter<'edge'>;
  readonly refused: Counter<'edge' | 'reason'>;
  readonly lastContact: Gauge<'edge'>;
  readonly lag: Gauge<'edge'>;
  readonly connected: Gauge<'edge'>;
  readonly closed: Counter<'code'>;
  readonly throttled: Counter<'edge'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.samples = new Counter({ name: 'outpost_ingest_samples_total', help: 'Samples received from each edge and appended to storage.', labelNames: ['edge'], registers });
    this.bytes = new Counter({ name: 'outpost_ingest_bytes_total', help: 'Bytes of frames received from each edge.', labelNames: ['edge'], registers });
    this.refused = new Counter({
      name: 'outpost_ingest_samples_refused_total',
      help: 'Samples of each edge that storage refused (out of bounds, duplicate timestamp).',
      labelNames: ['edge', 'reason'],
      registers,
    });
    this.lastContact = new Gauge({ name: 'outpost_ingest_last_contact_timestamp_seconds', help: 'When each edge last sent a frame, Unix seconds.', labelNames: ['edge'], registers });
    this.lag = new Gauge({
      name: 'outpost_ingest_lag_seconds',
      help: 'Receive time minus the timestamp of the newest sample in the last batch of each edge.',
      labelNames: ['edge'],
      registers,
    });
    this.connected = new Gauge({ name: 'outpost_ingest_connected', help: '1 while the edge has a streaming session.', labelNames: ['edge'], registers });
    this.closed = new Counter({ name: 'outpost_ingest_sessions_closed_total', help: 'Ingest sessions ended, by close code.', labelNames: ['code'], registers });
    this.throttled = new Counter({
      name: 'outpost_ingest_throttled_seconds_total',
      help: 'Time batches of each edge waited for its samples-per-second limit.',
      labelNames: ['edge'],
      registers,
    });
  }
}
