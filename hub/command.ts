/**
 * The `outpost hub` command: the hub's composition root. startHub opens the durable TSDB in
 * --storage.tsdb.path (WAL replayed, blocks loaded; a directory another process holds is refused), runs the
 * scrape manager over the config's `scrape_configs` (every discovery kind) and the rules of its
 * `rule_files` (alerts go to `alerting.alertmanagers`), and serves the HTTP API. Without
 * --config.file it runs the embedded default config, which scrapes the hub's own `/metrics`
 * every 15 s, so a fresh install has data to query at once. With an `edges` section it also
 * serves edge streams on the same port (`/api/v1/edge/stream`, wss when --web.config.file has TLS),
 * acknowledging batches through WAL position records, with HA deduplication when a `dedup` section
 * is present, and lists edges on `/api/v1/edges`. Edges replay their backlog after an outage as
 * out-of-order samples, so the TSDB then gets an out-of-order window (the config's
 * `storage.tsdb.out_of_order_time_window`, else 6 h: hub/ingest/from-config.ts). SIGHUP reloads the
 * configuration (the `edges` and `dedup` sections apply at start only); an invalid one is refused
 * with its file:line message and the running one stays.
 */
import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import type { Command } from '../shared/cli/command.ts';
import { version } from '../shared/cli/version.ts';
import { ConfigError, parseConfig, type Config } from '../shared/config/index.ts';
import { openDB, DirectoryLockedError, type DB } from '../shared/tsdb/db/index.ts';
import type { SyncPolicy } from '../shared/tsdb/wal/index.ts';
import { formatDuration, formatSize, parseDuration, parseSize } from '../shared/config/index.ts';
import { parseListenAddress, serve, type ListenAddress } from '../shared/api/serve.ts';
import { loadWebConfig, webConfigAuth, WebConfigError, type WebConfig } from '../shared/api/web-config.ts';
import { dbSnapshotter } from '../shared/api/admin-routes.ts';
import { Engine } from '../shared/promql/engine/index.ts';
import { KernelPool, parseQueryWorkers, QUERY_WORKERS_FLAG } from '../shared/promql/parallel/pool.ts';
import { RuleFileError } from '../shared/rules/index.ts';
import { ScrapeManager } from '../edge/scrape/manager.ts';
import { hubApp } from './app.ts';
import { hubRegistry, registerQueryWorkerMetrics } from './metrics.ts';
import { hubStatus } from './status.ts';
import { startRules } from '../shared/rules/runtime.ts';
import { attachIngest, hubTargets, ingestFromConfig, ingestWindowMs, type IngestServer, type WsIngest } from './ingest/index.ts';
import { startExternalGc } from '../shared/cli/external-gc.ts';

export { DEFAULT_INGEST_OOO_WINDOW_MS } from './ingest/index.ts';

/** defaultConfig: the config a hub runs without --config.file: it scrapes itself. */
export function defaultConfig(port: number): string {
  return [
    'global:',
    '  scrape_interval: 15s',
    'scrape_configs:',
    '  - job_name: outpost',
    '    static_configs:',
    `      - targets: ['localhost:${port}']`,
    '',
  ].join('\n');
}

/**
 * unsupported lists the configuration this hub does not apply yet, so that a config using it is
 * refused by name instead of being half obeyed.
 */
export function unsupported(config: Config): string[] {
  return config.remoteWrite.length ? ['remote_write'] : [];
}

/** StorageFlags: where and how long the hub keeps its data. */
export interface StorageOptions {
  /** The data directory (created if missing). */
  path: string;
  /** Blocks older than this are deleted (ms; 0 = no limit). The config's storage.tsdb.retention wins when set. */
  retentionMs: number;
  /** Oldest blocks are deleted while the data takes more bytes than this (0 = no limit). */
  retentionBytes: number;
  /** When a commit is durable: fsync on every commit, at most every 100 ms, or never. */
  walSync: SyncPolicy;
}

/** HubOptions: what startHub needs. `configFile` '' runs the default config. */
export interface HubOptions {
  configFile: string;
  listen: ListenAddress;
  storage: StorageOptions;
  externalURL?: string;
  /** TLS, basic auth and bearer tokens for the HTTP API (--web.config.file); none when absent. */
  web?: WebConfig;
  /** Serve the admin API (`--web.enable-admin-api`): TSDB snapshots. */
  adminApi?: boolean;
  /** Every flag with its value, for /api/v1/status/flags. */
  flags?: ReadonlyMap<string, string>;
  /** Query worker threads beside the main one (--query.workers; default none). */
  queryWorkers?: number;
  log?: (msg: string) => void;
}

/** Hub: a running hub. */
export interface Hub {
  readonly port: number;
  readonly storage: DB;
  readonly manager: ScrapeManager;
  /** The edge streams' server; null without an `edges` section. */
  readonly ingest: IngestServer | null;
  /** reload re-reads the config file; it rejects (ConfigError, RuleFileError) and changes nothing when invalid. */
  reload(): Promise<void>;
  /** close stops scraping (staleness markers written), rules, the server and the storage. */
  close(): Promise<void>;
}

/** UnsupportedConfigError: the configuration uses something this version does not apply yet. */
export class UnsupportedConfigError extends Error {
  constructor(file: string, what: string[]) {
    super(`${file || '(default config)'}: not supported by this version yet: ${what.join(', ')}`);
    this.name = 'UnsupportedConfigError';
  }
}

async function readConfig(file: string, port: number): Promise<{ config: Config; yaml: string }> {
  let yaml = defaultConfig(port);
  if (file) {
    yaml = await readFile(file, 'utf8').catch((err: Error) => {
      throw new ConfigError(file, 0, 0, '', `cannot read the configuration file: ${err.message}`, { cause: err });
    });
  }
  const config = parseConfig(yaml, file || '(default config)');
  const notYet = unsupported(config);
  if (notYet.length) throw new UnsupportedConfigError(file, notYet);
  return { config, yaml };
}

/**
 * startHub loads the configuration (ConfigError, RuleFileError or UnsupportedConfigError when it
 * cannot run it), starts serving, scraping and evaluating, and resolves once listening.
 */
export async function startHub(o: HubOptions): Promise<Hub> {
  const log = o.log ?? ((msg: string) => console.error(`outpost hub: ${msg}`));
  let { config, yaml } = await readConfig(o.configFile, o.listen.port);
  const retention = config.storage.tsdb.retention;
  const retentionMs = retention.time || o.storage.retentionMs;
  const retentionBytes = retention.size || o.storage.retentionBytes;
  const outOfOrderWindowMs = ingestWindowMs(config);
  const storage = await openDB(o.storage.path, { sync: o.storage.walSync, retentionMs, retentionBytes, outOfOrderWindowMs, log });
  const head = storage.head.mem;
  const registry = hubRegistry(head, version);
  let ingest: IngestServer | null;
  try {
    ingest = await ingestFromConfig(config, { hubName: hostname(), storage, registry, windowMs: outOfOrderWindowMs, log });
  } catch (err) {
    await storage.close();
    throw err;
  }
  const workers = new KernelPool({ size: o.queryWorkers ?? 0, log });
  registerQueryWorkerMetrics(registry, workers);
  const engine = new Engine({ workers });
  const manager = new ScrapeManager(storage, { log });
  const externalURL = o.externalURL || `http://localhost:${o.listen.port}/`;
  let rules;
  try {
    rules = await startRules({ config, storage, engine, registry, externalURL });
  } catch (err) {
    await storage.close();
    await workers.close();
    throw err;
  }
  let loadedAt = new Date(), lastReloadOk = true;
  const startedIngest = ingestKey(config);
  const status = hubStatus({
    storage: head,
    flags: o.flags ?? new Map(),
    config: () => ({ yaml, loadedAt, lastReloadOk }),
    retention: [retentionMs ? formatDuration(retentionMs) : '', retentionBytes ? formatSize(retentionBytes) : ''].filter(Boolean).join(' or ') || 'unlimited',
    corruptions: () => storage.replay.corruptions.length,
  });
  const report = (problems: string[]) => problems.forEach((p) => log(`scrape config: ${p}`));

  let reloading: Promise<void> = Promise.resolve();
  const reload = () => {
    const next = reloading.then(async () => {
      try {
        const fresh = await readConfig(o.configFile, o.listen.port);
        await rules.reload(fresh.config);
        report(await manager.applyConfig(fresh.config));
        ({ config, yaml } = fresh);
        loadedAt = new Date();
        lastReloadOk = true;
        log(`configuration reloaded: ${config.scrapeConfigs.length} scrape job(s), ${rules.groups().length} rule group(s)`);
        if (ingestKey(config) !== startedIngest) log('the edges or dedup section changed: they apply when the hub restarts');
      } catch (err) {
        lastReloadOk = false;
        throw err;
      }
    });
    reloading = next.catch(() => {});
    return next;
  };
  const app = hubApp({
    storage, registry, version, status, engine, rules,
    // The hub's own targets, then every edge's with the edge's external labels (hub/ingest/targets.ts).
    targets: ingest ? hubTargets(manager, ingest.targets) : manager,
    externalLabels: () => config.global.externalLabels,
    reload,
    walReplay: () => {
      const { first, last } = storage.stats().walSegments;
      return { min: first, max: last, current: last };
    },
    auth: o.web ? webConfigAuth(o.web) : undefined,
    listenAddress: `${o.listen.host}:${o.listen.port}`,
    externalUrl: externalURL,
    edges: { edges: () => ingest?.edges() ?? [] },
    admin: { enabled: o.adminApi ?? false, snapshot: dbSnapshotter(storage, o.storage.path) },
  });
  let server;
  try {
    server = await serve(app, o.listen, { tls: o.web?.tls });
  } catch (err) {
    await rules.stop();
    await storage.close();
    await workers.close();
    throw err;
  }
  const ws: WsIngest | null = ingest ? attachIngest(server.node, ingest) : null;
  report(await manager.applyConfig(config));
  let closing: Promise<void> | undefined;
  return {
    port: server.port,
    storage,
    manager,
    ingest,
    reload,
    close() {
      closing ??= (async () => {
        await manager.stop();
        await rules.stop();
        // Acks in flight go out, then every edge is told the hub is going away.
        await ws?.close();
        await server.close();
        await workers.close();
        await storage.close();
      })();
      return closing;
    },
  };
}

/** ingestKey: the sections the ingest was built from (read at start only). */
function ingestKey(c: Config): string {
  return JSON.stringify([c.sections.edges ?? null, c.sections.dedup ?? null]);
}

/** storageFlags reads the --storage.tsdb.* flags; throws an Error naming a bad one. */
export function storageFlags(flags: ReadonlyMap<string, string>): StorageOptions {
  const read = <T>(name: string, parse: (v: string) => T): T => {
    const v = flags.get(name) ?? '';
    try {
      return parse(v);
    } catch (err) {
      throw new Error(`invalid --${name}=${v}: ${(err as Error).message}`, { cause: err });
    }
  };
  const sync = flags.get('storage.tsdb.wal-fsync') ?? 'batch';
  if (sync !== 'always' && sync !== 'batch' && sync !== 'never') throw new Error(`invalid --storage.tsdb.wal-fsync=${sync}: want always, batch or never`);
  return {
    path: flags.get('storage.tsdb.path') || 'data/',
    retentionMs: read('storage.tsdb.retention.time', (v) => (v === '0' || v === '' ? 0 : parseDuration(v))),
    retentionBytes: read('storage.tsdb.retention.size', (v) => (v === '0' || v === '' ? 0 : parseSize(v))),
    walSync: sync,
  };
}

export const hubCommand: Command = {
  name: 'hub',
  summary: 'Run a hub: scrape its targets, evaluate rules, store samples durably, serve the Prometheus HTTP API.',
  usage: 'hub [flags]',
  flags: [
    { name: 'config.file', help: 'Prometheus-format configuration file (without it: scrape the hub itself every 15s)', default: '' },
    { name: 'web.listen-address', help: 'Address to listen on for the HTTP API', default: '0.0.0.0:9090' },
    { name: 'web.external-url', help: 'The URL under which the hub is reached, for links in alerts (default: http://localhost:PORT/)', default: '' },
    { name: 'web.enable-admin-api', help: 'Enable the admin API: POST /api/v1/admin/tsdb/snapshot', kind: 'bool', default: 'false' },
    { name: 'web.config.file', help: 'TLS, basic auth and bearer tokens for the HTTP API (Prometheus web config format)', default: '' },
    { name: 'storage.tsdb.path', help: 'Base path for the data: WAL and blocks', default: 'data/' },
    { name: 'storage.tsdb.retention.time', help: 'How long to keep samples (0: no limit); storage.tsdb.retention.time in the config file wins', default: '15d' },
    { name: 'storage.tsdb.retention.size', help: 'The most bytes of blocks and WAL to keep, oldest deleted first (0: no limit), e.g. 512MB', default: '0' },
    { name: 'storage.tsdb.wal-fsync', help: 'When a write is durable: always (fsync each commit), batch (at most every 100 ms), never (the OS decides)', default: 'batch' },
    QUERY_WORKERS_FLAG,
  ],
  async run(args) {
    let listen: ListenAddress;
    try {
      listen = parseListenAddress(args.flags.get('web.listen-address')!);
    } catch (err) {
      console.error(`outpost hub: ${(err as Error).message}`);
      return 2;
    }
    let storage: StorageOptions;
    try {
      storage = storageFlags(args.flags);
    } catch (err) {
      console.error(`outpost hub: ${(err as Error).message}`);
      return 2;
    }
    let queryWorkers: number;
    try {
      queryWorkers = parseQueryWorkers(args.flags.get('query.workers') ?? '');
    } catch (err) {
      console.error(`outpost hub: ${(err as Error).message}`);
      return 2;
    }
    let web: WebConfig | undefined;
    try {
      const file = args.flags.get('web.config.file');
      web = file ? loadWebConfig(file) : undefined;
    } catch (err) {
      if (err instanceof WebConfigError) {
        console.error(`outpost hub: ${err.message}`);
        return 1;
      }
      throw err;
    }
    let hub: Hub;
    try {
      hub = await startHub({ configFile: args.flags.get('config.file')!, listen, storage, web, adminApi: args.flags.get('web.enable-admin-api') === 'true', externalURL: args.flags.get('web.external-url'), flags: args.flags, queryWorkers });
    } catch (err) {
      if (err instanceof ConfigError || err instanceof RuleFileError || err instanceof UnsupportedConfigError) {
        console.error(`outpost hub: invalid configuration: ${err.message}`);
        return 1;
      }
      if (err instanceof DirectoryLockedError) {
        console.error(`outpost hub: ${err.message}`);
        return 1;
      }
      console.error(`outpost hub: ${(err as Error).message}`);
      return 1;
    }
    const streams = hub.ingest ? `, accepting edge streams on ${web?.tls ? 'wss' : 'ws'}://${listen.host}:${hub.port}/api/v1/edge/stream` : '';
    console.error(`outpost hub ${version}: listening on ${listen.host}:${hub.port}, scraping ${hub.manager.jobNames().length} job(s)${streams}`);
    const onHup = () => {
      hub.reload().catch((err: Error) => console.error(`outpost hub: reload refused, keeping the running configuration: ${err.message}`));
    };
    process.on('SIGHUP', onHup);
    const stopGc = startExternalGc();
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    process.off('SIGHUP', onHup);
    stopGc();
    console.error('outpost hub: shutting down');
    await hub.close();
    return 0;
  },
};
