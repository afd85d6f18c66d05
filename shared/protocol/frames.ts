/**
 * The frames of the edge ↔ hub protocol, version 2 (a hub also speaks version 1): their type codes, their decoded shapes, and the
 * limits the two sides agree on. Every frame is one msgpack array whose first element is the frame
 * type; the rest is positional and specified field by field in docs/protocol.md. Pure data: the
 * codecs live in control.ts (stateless frames), edge-encoder.ts and hub-decoder.ts (the stateful
 * series, list and sample coding).
 */

/** PROTOCOL_VERSION: the newest version this code speaks; carried by HELLO and WELCOME. */
export const PROTOCOL_VERSION = 2;

/**
 * MIN_PROTOCOL_VERSION: the oldest version this code still speaks. A hub accepts a HELLO of any
 * version in [MIN_PROTOCOL_VERSION, PROTOCOL_VERSION] and answers WELCOME with that version; the
 * connection then uses only the frames of that version (docs/protocol.md, "Versions").
 */
export const MIN_PROTOCOL_VERSION = 1;

/** TARGETS_SINCE_VERSION: the first version with the TARGETS frame. */
export const TARGETS_SINCE_VERSION = 2;

/** FrameType: the first element of every frame. */
export const FrameType = {
  HELLO: 1,
  WELCOME: 2,
  REFUSE: 3,
  SERIES: 4,
  BATCH: 5,
  ACK: 6,
  PING: 7,
  PONG: 8,
  CLOSE: 9,
  METADATA: 10,
  TARGETS: 11,
} as const;

export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

/** BatchKind: how a BATCH carries its timestamps. */
export const BatchKind = {
  /** One timestamp for every sample: the result of one scrape. */
  SCRAPE: 0,
  /** A timestamp per sample, coded in the bit stream: backfill and replays of mixed data. */
  BACKFILL: 1,
} as const;

export type BatchKindValue = (typeof BatchKind)[keyof typeof BatchKind];

/**
 * Limits: what a hub accepts on one connection. The hub sends its limits in WELCOME; the edge's
 * encoder honours them, and the hub's decoder enforces them.
 */
export interface Limits {
  /** Largest frame in bytes. */
  maxFrameBytes: number;
  /** Most series defined on one connection. */
  maxSeries: number;
  /** Number of series-list slots (list ids are 0 … maxLists-1; the encoder recycles them). */
  maxLists: number;
  /** Most strings in the connection's string table. */
  maxStrings: number;
  /** Most samples in one batch. */
  maxBatchSamples: number;
}

/** DEFAULT_LIMITS: the limits both sides assume until WELCOME says otherwise. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 16 << 20,
  maxSeries: 4 << 20,
  maxLists: 4096,
  maxStrings: 4 << 20,
  maxBatchSamples: 1 << 20,
});

/** MAX_LABELS_PER_SERIES: a series definition with more labels than this is refused. */
export const MAX_LABELS_PER_SERIES = 1024;

/** MAX_TIMESTAMP_MS: timestamps are integer milliseconds with |t| < 2^52 (about 142,000 years). */
export const MAX_TIMESTAMP_MS = 2 ** 52 - 1;

/** MAX_SEQUENCE: sequence numbers are integers 1 … 2^53-1; 0 in HELLO means "nothing acknowledged yet". */
export const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER;

/** Hello: the edge's first frame on a connection. */
export interface Hello {
  version: number;
  /** The edge's name, unique among the hub's edges. */
  edge: string;
  /** The shared secret the hub checks. */
  token: string;
  /** Labels the hub attaches to every series of this edge, as flat sorted pairs. */
  externalLabels: readonly string[];
  /** The last sequence number the edge knows to be durable on the hub (0: none). */
  resume: number;
}

/** Welcome: the hub accepts the edge. */
export interface Welcome {
  version: number;
  /** The hub's name, for logs. */
  hub: string;
  /** The last sequence of this edge durable on the hub (0: none); the edge resumes after max(acked, its own). */
  acked: number;
  limits: Limits;
}

/** Refuse: the hub turns the edge away; `retryAfterMs` > 0 asks it to wait that long and retry. */
export interface Refuse {
  code: number;
  reason: string;
  retryAfterMs: number;
}

/** Ack: every batch up to and including `seq` is durable on the hub. */
export interface Ack {
  seq: number;
}

/** Ping and Pong: an application-level round trip; a pong echoes the ping's `id`. */
export interface Ping {
  id: number;
}

/** Close: the sender is about to close the connection, and says why. */
export interface Close {
  code: number;
  reason: string;
}

/** MetricType: the metric family types of the exposition formats. */
export const METRIC_TYPES = ['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** MetricMetadata: what the exposition said about one metric family. */
export interface MetricMetadata {
  family: string;
  type: MetricType;
  help: string;
  unit: string;
}

/** TARGET_HEALTH: a target's health as TARGETS codes it (the index is the wire value). */
export const TARGET_HEALTH = ['unknown', 'up', 'down'] as const;
export type TargetHealth = (typeof TARGET_HEALTH)[number];

/** MAX_TARGETS_PER_FRAME: a TARGETS frame listing more targets than this is refused. */
export const MAX_TARGETS_PER_FRAME = 65_536;

/**
 * TargetReport: one active target of an edge as TARGETS carries it. `labels` are the target's
 * labels after relabeling (without the edge's external labels: the hub adds those), as flat
 * sorted name, value pairs.
 */
export interface TargetReport {
  scrapePool: string;
  scrapeUrl: string;
  labels: readonly string[];
  health: TargetHealth;
  lastError: string;
  /** Unix ms of the last scrape; 0 before the first. */
  lastScrape: number;
  /** Microseconds the last scrape took. */
  lastScrapeDurationUs: number;
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
}
