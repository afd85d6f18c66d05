/**
 * Outpost's built-in sections: `hub` (edge side: where to stream, as which edge, and how to
 * authenticate), `edges` (hub side: which edges may connect, each with its token) and `dedup`
 * (hub side: which external labels make edges HA replicas of one cluster). Registered on import.
 *
 *     hub: {url: wss://hub.example:9090, edge_name: edge-a, token_file: hub.token, tls_config: {ca_file: ca.pem},
 *           min_backoff: 500ms, max_backoff: 30s, max_backlog: 256MiB}
 *     edges: {tokens: [{name: edge-a, token: "…"}, {name: edge-b, token_file: b.token}]}
 *     dedup: {cluster_label: cluster, replica_label: replica, failover_timeout: 30s}
 */
import { parseTLSConfig, type TLSConfig } from './http-client.ts';
import { registerSection } from './sections.ts';
import type { Fields, YamlValue } from './yaml-value.ts';
import { isValidLabelName } from '../model/validate.ts';

/** HubConfig: the edge's uplink. Exactly one of token and tokenFile is set. */
export interface HubConfig {
  /** A ws:// or wss:// URL. */
  readonly url: string;
  readonly token: string;
  /** Resolved against the config file's directory; read when connecting. */
  readonly tokenFile: string;
  readonly tlsConfig: TLSConfig;
  /**
   * `edge_name`: the name the edge streams as (it must match the hub's `edges.tokens[].name`).
   * Absent: the edge uses its host name.
   */
  readonly edgeName?: string;
  /** `min_backoff`: the first reconnect delay in ms (absent: 500 ms); doubles up to maxBackoffMs. */
  readonly minBackoffMs?: number;
  /** `max_backoff`: the longest reconnect delay in ms (absent: 30 s). */
  readonly maxBackoffMs?: number;
  /**
   * `max_backlog`: the most bytes the edge keeps for the hub while it cannot deliver (absent:
   * 256 MiB); past it the oldest data is dropped, counted and logged.
   */
  readonly maxBacklogBytes?: number;
}

/** EdgeToken: one edge allowed to connect. Exactly one of token and tokenFile is set. */
export interface EdgeToken {
  readonly name: string;
  readonly token: string;
  readonly tokenFile: string;
}

export interface EdgesConfig {
  readonly tokens: readonly EdgeToken[];
}

/**
 * DedupConfig: HA deduplication on the hub. Edges whose external labels carry `clusterLabel` and
 * `replicaLabel` are replicas of the cluster named by the first; one replica's samples are stored
 * per cluster, without `replicaLabel`. `failoverTimeoutMs` 0: twice the longest scrape interval seen.
 */
export interface DedupConfig {
  /** `cluster_label`, default `cluster`. */
  readonly clusterLabel: string;
  /**
   * `replica_label`, default `replica`. Not a reserved `__` name: edges send it as an external
   * label, and HELLO refuses reserved names there.
   */
  readonly replicaLabel: string;
  /** `failover_timeout`, default 0 (automatic). */
  readonly failoverTimeoutMs: number;
}

declare module './sections.ts' {
  interface SectionTypes {
    hub: HubConfig;
    edges: EdgesConfig;
    dedup: DedupConfig;
  }
}

/** readToken reads the token / token_file pair of `f`; checkToken then requires exactly one. */
function readToken(f: Fields): { token: string; tokenFile: string } {
  return { token: f.opt('token', (x) => x.str(), ''), tokenFile: f.opt('token_file', (x) => x.file(), '') };
}

function checkToken(t: { token: string; tokenFile: string }, f: Fields, where: YamlValue): void {
  if (t.token !== '' && t.tokenFile !== '') f.at('token_file').fail('at most one of token and token_file must be configured');
  if (t.token === '' && t.tokenFile === '') where.fail('one of token or token_file must be configured');
}

/** parseHub reads the `hub` section. */
export function parseHub(v: YamlValue): HubConfig {
  const f = v.fields();
  const urlV = f.get('url');
  if (!urlV) v.fail('url is required');
  const url = urlV.url(['ws:', 'wss:']);
  const edgeName = f.opt('edge_name', (x) => x.str(), '');
  if (f.get('edge_name') && edgeName === '') f.at('edge_name').fail('edge name is empty');
  const minBackoffMs = f.opt('min_backoff', (x) => x.duration(), 0);
  const maxBackoffMs = f.opt('max_backoff', (x) => x.duration(), 0);
  const maxBacklogBytes = f.opt('max_backlog', (x) => x.size(), 0);
  if (f.get('max_backlog') && maxBacklogBytes < 1 << 20) f.at('max_backlog').fail('max_backlog must be at least 1MiB');
  const hub: HubConfig = {
    url,
    ...readToken(f),
    tlsConfig: parseTLSConfig(f.get('tls_config')),
    ...(edgeName ? { edgeName } : {}),
    ...(minBackoffMs ? { minBackoffMs } : {}),
    ...(maxBackoffMs ? { maxBackoffMs } : {}),
    ...(maxBacklogBytes ? { maxBacklogBytes } : {}),
  };
  f.done();
  if (minBackoffMs && maxBackoffMs && minBackoffMs > maxBackoffMs) f.at('max_backoff').fail('max_backoff must not be below min_backoff');
  checkToken(hub, f, v);
  return hub;
}

/** parseEdges reads the `edges` section: names unique, tokens not shared between edges. */
export function parseEdges(v: YamlValue): EdgesConfig {
  const f = v.fields();
  const names = new Set<string>();
  const tokens = new Map<string, string>();
  const list = (f.get('tokens')?.list() ?? []).map((item) => {
    const tf = item.fields();
    const name = tf.opt('name', (x) => x.str(), '');
    if (name === '') tf.at('name').fail('edge name is empty');
    if (names.has(name)) tf.at('name').fail(`found multiple edges named ${JSON.stringify(name)}`);
    names.add(name);
    const t = readToken(tf);
    tf.done();
    checkToken(t, tf, item);
    if (t.token !== '') {
      const other = tokens.get(t.token);
      if (other !== undefined) tf.at('token').fail(`edge ${JSON.stringify(name)} has the same token as edge ${JSON.stringify(other)}`);
      tokens.set(t.token, name);
    }
    return { name, ...t };
  });
  f.done();
  return { tokens: list };
}

/** parseDedup reads the `dedup` section: two different valid label names and a duration. */
export function parseDedup(v: YamlValue): DedupConfig {
  const f = v.fields();
  const clusterLabel = f.opt('cluster_label', (x) => x.str(), 'cluster');
  const replicaLabel = f.opt('replica_label', (x) => x.str(), 'replica');
  const failoverTimeoutMs = f.opt('failover_timeout', (x) => x.duration(), 0);
  f.done();
  if (!isValidLabelName(clusterLabel) || clusterLabel === '__name__') f.at('cluster_label').fail(`${JSON.stringify(clusterLabel)} is not a valid label name`);
  if (!isValidLabelName(replicaLabel) || replicaLabel === '__name__') f.at('replica_label').fail(`${JSON.stringify(replicaLabel)} is not a valid label name`);
  if (clusterLabel === replicaLabel) f.at('replica_label').fail('replica_label must differ from cluster_label');
  for (const [key, name] of [['cluster_label', clusterLabel], ['replica_label', replicaLabel]] as const) {
    if (name.startsWith('__')) f.at(key).fail(`${JSON.stringify(name)} is reserved: edges send it as an external label, and names starting with "__" are refused there`);
  }
  return { clusterLabel, replicaLabel, failoverTimeoutMs };
}

registerSection('hub', (v) => parseHub(v));
registerSection('dedup', (v) => parseDedup(v));
registerSection('edges', (v) => parseEdges(v));
