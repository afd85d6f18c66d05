/**
 * The `outpost edge` command: the edge's composition root. It loads the configuration, opens the
 * durable TSDB in --storage.tsdb.path, runs the scrape manager into it and serves the edge's
 * local API (targets, series, PromQL queries, /metrics). When the config has a `hub` section the
 * edge also opens its uplink (backlog in <path>/uplink) and streams every committed scrape to the
 * hub through streamingStorage, with the config's `global.external_labels` sent in HELLO, and
 * reports its scrape targets to the hub (TARGETS frames). SIGHUP
 * and `POST /-/reload` re-read the configuration: a new one that does not parse is refused with
 * its file:line message and the running one stays (the `hub` section is read at start only).
 * SIGINT/SIGTERM stop scraping (staleness markers written), flush the storage, close the uplink
 * (backlog kept for the next start), the server and the storage.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerStorageMetrics } from '../shared/storage/mem/metrics.ts';
import { version } from '../shared/cli/version.ts';
import type { Command } from '../shared/cli/command.ts';
import { ConfigError, loadConfigFile, parseDuration, type Config } from '../shared/config/index.ts';
import { openDB, type DB } from '../shared/tsdb/db/index.ts';
import { Engine } from '../shared/promql/engine/index.ts';
import { startRules, type RulesRuntime } from '../shared/rules/runtime.ts';
import { reofferRecent } from './uplink/reoffer.ts';
import { RuleFileError } from '../shared/rules/index.ts';
import type { SyncPolicy } from '../shared/tsdb/wal/index.ts';
import { parseListenAddress, serve, type ListenAddress } from '../shared/api/serve.ts';
import { ScrapeManager, type ScrapeManagerOptions } from './scrape/manager.ts';
import { Uplink, type UplinkOptions } from './uplink/index.ts';
import { streamingStorage } from './uplink/streaming-storage.ts';
import { edgeApp } from './app.ts';
import { startExternalGc } from '../shared/cli/external-gc.ts';

/** INGEST_PATH: where a hub serves edge streams; a `hub.url` without a path gets it appended. */
export const INGEST_PATH = '/api/v1/edge/stream';

/** EdgeStorageOptions: where and how the edge keeps its samples. */
export interface EdgeStorageOptions {
  /** The data directory (created if missing): the TSDB, and the uplink's backlog in `uplink/`. */
  path: string;
  /** Blocks older than this are deleted (ms; 0 = no limit). */
  retentionMs: number;
  /** When a commit is durable (the uplink's backlog always fsyncs). */
  walSync: SyncPolicy;
}

/** EdgeOptions: what startEdge needs. */
export interface EdgeOptions {
  configFile: string;
  listen: ListenAddress;
  storage: EdgeStorageOptions;
  log?: (msg: string) => void;
  /** Passed to the scrape manager (discovery timing, DNS resolver). */
  scrape?: Omit<ScrapeManagerOptions, 'log'>;
  /** Overrides the uplink's options built from the `hub` section (tests: backoff). */
  uplink?: Partial<Pick<UplinkOptions, 'backoff' | 'ackTimeoutMs' | 'maxBacklogBytes'>>;
}

/** Edge: a running edge. */
export interface Edge {
  readonly port: number;
  readonly storage: DB;
  readonly manager: ScrapeManager;
  /** The stream to the hub; null without a `hub` section. */
  readonly uplink: Uplink | null;
  /** reload re-reads the config file; it rejects (ConfigError) and changes nothing when it is invalid. */
  reload(): Promise<void>;
  /** close stops scraping, flushes the storage, then closes the uplink, the server and the storage. */
  close(): Promise<void>;
}

/** ingestURL: the hub section's URL, with the ingest path when it names none. */
export function ingestURL(url: string): string {
  const u = new URL(url);
  if (u.pathname === '' || u.pathname === '/') u.pathname = INGEST_PATH;
  return u.toString();
}

async function openUplink(config: Config, o: EdgeOptions, registry: Registry, log: (msg: string) => void): Promise<Uplink | null> {
  const hub = config.sections.hub;
  if (!hub) return null;
  const options = await Uplink.optionsFromConfig(hub, {
    edge: hub.edgeName ?? hostname(),
    externalLabels: config.global.externalLabels.flat,
    dir: join(o.storage.path, 'uplink'),
    registry,
    log,
    backoff: { initialMs: hub.minBackoffMs, maxMs: hub.maxBackoffMs },
    ...o.uplink,
  });
  options.url = ingestURL(options.url!);
  return Uplink.open(options);
}

/** streamingKey: what of a config the uplink was opened with (read at start only). */
function streamingKey(c: Config): string {
  return JSON.stringify([c.sections.hub ?? null, c.global.externalLabels.flat]);
}

/** startEdge loads the config (ConfigError when invalid), starts scraping and serving, and resolves once listening. */
export async function startEdge(opts: EdgeOptions): Promise<Edge> {
  const log = opts.log ?? ((msg: string) => console.error(`outpost edge: ${msg}`));
  const config = await loadConfigFile(opts.configFile);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const db = await openDB(opts.storage.path, { sync: opts.storage.walSync, retentionMs: opts.storage.retentionMs, log });
  registerStorageMetrics(registry, db.head.mem, version);
  let uplink: Uplink | null;
  try {
    uplink = await openUplink(config, opts, registry, log);
  } catch (err) {
    await db.close();
    throw err;
  }
  const storage = uplink ? streamingStorage(db, uplink) : db;
  const manager = new ScrapeManager(storage, { ...opts.scrape, log });
  // The hub lists the edge's targets beside its own (TARGETS frames, docs/protocol.md).
  uplink?.setTargets(() => manager.targets());
  // Rules run on the edge's own data, so they keep working while the hub is unreachable; their
  // outputs (recorded series, ALERTS) are stored and streamed like scraped samples.
  const engine = new Engine();
  let rules: RulesRuntime;
  try {
    rules = await startRules({ config, storage, engine, registry, externalURL: `http://${opts.listen.host}:${opts.listen.port}/` });
  } catch (err) {
    await uplink?.close();
    await db.close();
    throw err;
  }
  let reloading: Promise<void> = Promise.resolve();
  const reload = () => {
    const next = reloading.then(async () => {
      const fresh = await loadConfigFile(opts.configFile);
      await rules.reload(fresh);
      await manager.applyConfig(fresh);
      log(`configuration reloaded from ${opts.configFile}: ${fresh.scrapeConfigs.length} scrape job(s)`);
      if (streamingKey(fresh) !== streamingKey(config)) log('the hub section or the external labels changed: they apply when the edge restarts');
    });
    reloading = next.catch(() => {});
    return next;
  };
  const app = edgeApp({ storage: db, targets: manager, reload, registry, engine, rules, uplink: uplink ?? undefined, listenAddress: `${opts.listen.host}:${opts.listen.port}` });
  let server;
  try {
    server = await serve(app, opts.listen);
  } catch (err) {
    await rules.stop();
    await uplink?.close();
    await db.close();
    throw err;
  }
  if (uplink) {
    // A scrape stored just before a kill may have missed the backlog: offer the newest stored
    // samples again before scraping resumes (the hub stores exact repeats as no-ops).
    const n = await reofferRecent(db, db.stats().headMaxT, uplink);
    if (n > 0) log(`re-offered the ${n} newest stored samples to the hub`);
    uplink.start();
  }
  await manager.applyConfig(config);
  let closing: Promise<void> | undefined;
  return {
    port: server.port,
    storage: db,
    manager,
    uplink,
    reload,
    close() {
      closing ??= (async () => {
        await manager.stop();
        await rules.stop();
        await db.flush().catch((err: Error) => log(`flush storage: ${err.message}`));
        await uplink?.close();
        await server.close();
        await db.close();
      })();
      return closing;
    },
  };
}

/** edgeStorageFlags reads the --storage.tsdb.* flags; throws an Error naming a bad one. */
export function edgeStorageFlags(flags: ReadonlyMap<string, string>): EdgeStorageOptions {
  const retention = flags.get('storage.tsdb.retention.time') ?? '';
  let retentionMs = 0;
  if (retention !== '' && retention !== '0') {
    try {
      retentionMs = parseDuration(retention);
    } catch (err) {
      throw new Error(`invalid --storage.tsdb.retention.time=${retention}: ${(err as Error).message}`, { cause: err });
    }
  }
  const sync = flags.get('storage.tsdb.wal-fsync') ?? 'batch';
  if (sync !== 'always' && sync !== 'batch' && sync !== 'never') throw new Error(`invalid --storage.tsdb.wal-fsync=${sync}: want always, batch or never`);
  return { path: flags.get('storage.tsdb.path') || 'edge-data/', retentionMs, walSync: sync };
}

export const edgeCommand: Command = {
  name: 'edge',
  summary: 'Run an edge: scrape targets into local storage, evaluate rules, stream to a hub, serve its local API.',
  usage: 'edge --config.file=FILE [flags]',
  flags: [
    { name: 'config.file', help: 'Prometheus-format configuration file (scrape_configs)', default: '' },
    { name: 'web.listen-address', help: 'Address to listen on for the local API and /-/reload', default: '0.0.0.0:9095' },
    { name: 'storage.tsdb.path', help: "Base path for the edge's data: WAL, blocks, and the uplink's backlog in uplink/", default: 'edge-data/' },
    { name: 'storage.tsdb.retention.time', help: 'How long the edge keeps samples locally (0: no limit)', default: '15d' },
    { name: 'storage.tsdb.wal-fsync', help: 'When a local write is durable: always, batch (at most every 100 ms), never', default: 'batch' },
  ],
  async run(args) {
    const file = args.flags.get('config.file')!;
    if (file === '') {
      console.error('outpost edge: --config.file is required');
      return 2;
    }
    let listen: ListenAddress;
    try {
      listen = parseListenAddress(args.flags.get('web.listen-address')!);
    } catch (err) {
      console.error(`outpost edge: ${(err as Error).message}`);
      return 2;
    }
    let storage: EdgeStorageOptions;
    try {
      storage = edgeStorageFlags(args.flags);
    } catch (err) {
      console.error(`outpost edge: ${(err as Error).message}`);
      return 2;
    }
    let edge: Edge;
    try {
      edge = await startEdge({ configFile: file, listen, storage });
    } catch (err) {
      console.error(`outpost edge: ${err instanceof ConfigError || err instanceof RuleFileError ? 'invalid configuration: ' : ''}${(err as Error).message}`);
      return 1;
    }
    const streaming = edge.uplink ? `, streaming to ${edge.uplink.url}` : '';
    console.error(`outpost edge: listening on ${listen.host}:${edge.port}, scraping ${edge.manager.jobNames().length} job(s) from ${file}${streaming}`);
    const onHup = () => {
      edge.reload().catch((err: Error) => console.error(`outpost edge: reload refused, keeping the running configuration: ${err.message}`));
    };
    process.on('SIGHUP', onHup);
    const stopGc = startExternalGc();
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    process.off('SIGHUP', onHup);
    stopGc();
    console.error('outpost edge: shutting down');
    await edge.close();
    return 0;
  },
};
