/**
 * The `outpost edge` command: the edge's composition root. It loads the configuration, runs the
 * scrape manager into an in-memory storage and serves the edge's local API. SIGHUP and
 * `POST /-/reload` re-read the configuration: a new one that does not parse is refused with its
 * file:line message and the running one stays. SIGINT/SIGTERM stop scraping (staleness markers
 * written) and the server.
 */
import type { Command } from '../shared/cli/command.ts';
import { ConfigError, loadConfigFile } from '../shared/config/index.ts';
import { openMemStorage, type MemStorage } from '../shared/storage/mem/index.ts';
import { parseListenAddress, serve, type ListenAddress } from '../shared/api/serve.ts';
import { ScrapeManager, type ScrapeManagerOptions } from './scrape/manager.ts';
import { edgeApp } from './app.ts';

/** EdgeOptions: what startEdge needs. */
export interface EdgeOptions {
  configFile: string;
  listen: ListenAddress;
  log?: (msg: string) => void;
  /** Passed to the scrape manager (discovery timing, DNS resolver). */
  scrape?: Omit<ScrapeManagerOptions, 'log'>;
}

/** Edge: a running edge. */
export interface Edge {
  readonly port: number;
  readonly storage: MemStorage;
  readonly manager: ScrapeManager;
  /** reload re-reads the config file; it rejects (ConfigError) and changes nothing when it is invalid. */
  reload(): Promise<void>;
  /** close stops scraping, then the server, then the storage. */
  close(): Promise<void>;
}

/** startEdge loads the config (ConfigError when invalid), starts scraping and serving, and resolves once listening. */
export async function startEdge(opts: EdgeOptions): Promise<Edge> {
  const log = opts.log ?? ((msg: string) => console.error(`outpost edge: ${msg}`));
  const config = await loadConfigFile(opts.configFile);
  const storage = openMemStorage();
  const manager = new ScrapeManager(storage, { ...opts.scrape, log });
  let reloading: Promise<void> = Promise.resolve();
  const reload = () => {
    const next = reloading.then(async () => {
      const fresh = await loadConfigFile(opts.configFile);
      await manager.applyConfig(fresh);
      log(`configuration reloaded from ${opts.configFile}: ${fresh.scrapeConfigs.length} scrape job(s)`);
    });
    reloading = next.catch(() => {});
    return next;
  };
  const app = edgeApp({ storage, targets: manager, reload, listenAddress: `${opts.listen.host}:${opts.listen.port}` });
  let server;
  try {
    server = await serve(app, opts.listen);
  } catch (err) {
    await storage.close();
    throw err;
  }
  await manager.applyConfig(config);
  return {
    port: server.port,
    storage,
    manager,
    reload,
    async close() {
      await manager.stop();
      await server.close();
      await storage.close();
    },
  };
}

export const edgeCommand: Command = {
  name: 'edge',
  summary: 'Run an edge: discover and scrape targets into local storage, serve its targets and series API.',
  usage: 'edge --config.file=FILE [flags]',
  flags: [
    { name: 'config.file', help: 'Prometheus-format configuration file (scrape_configs)', default: '' },
    { name: 'web.listen-address', help: 'Address to listen on for the local API and /-/reload', default: '0.0.0.0:9095' },
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
    let edge: Edge;
    try {
      edge = await startEdge({ configFile: file, listen });
    } catch (err) {
      console.error(`outpost edge: ${err instanceof ConfigError ? 'invalid configuration: ' : ''}${(err as Error).message}`);
      return 1;
    }
    console.error(`outpost edge: listening on ${listen.host}:${edge.port}, scraping ${edge.manager.jobNames().length} job(s) from ${file}`);
    const onHup = () => {
      edge.reload().catch((err: Error) => console.error(`outpost edge: reload refused, keeping the running configuration: ${err.message}`));
    };
    process.on('SIGHUP', onHup);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    process.off('SIGHUP', onHup);
    console.error('outpost edge: shutting down');
    await edge.close();
    return 0;
  },
};
