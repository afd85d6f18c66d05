/**
 * The `outpost hub` command: the hub's composition root. It opens the storage, starts the scrape
 * loops of the config's `scrape_configs` (static targets for now) and the rules of its
 * `rule_files` (alerts go to `alerting.alertmanagers`), and serves the HTTP API.
 * Without --config.file it runs the embedded default config, which scrapes the hub's own
 * `/metrics` every 15 s, so a fresh install has data to query at once.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from '../shared/cli/command.ts';
import { ConfigError, parseConfig, type Config } from '../shared/config/index.ts';
import { openMemStorage } from '../shared/storage/mem/index.ts';
import { parseListenAddress, serve } from '../shared/api/serve.ts';
import { ScrapeLoop } from '../edge/scrape/loop.ts';
import { buildTargets, TargetError } from '../edge/scrape/targets.ts';
import { hubApp } from './app.ts';
import { hubRegistry } from './metrics.ts';
import { hubStatus } from './status.ts';
import { startRules, type HubRules } from './rules.ts';
import { Engine } from '../shared/promql/engine/index.ts';
import { RuleFileError } from '../shared/rules/index.ts';

const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version as string;

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
 * unsupported lists the scrape options this hub does not apply yet, so that a config using them is
 * refused by name instead of being half obeyed.
 */
export function unsupported(config: Config): string[] {
  const out: string[] = [];
  for (const job of config.scrapeConfigs) {
    const at = `scrape_configs[job_name=${JSON.stringify(job.jobName)}]`;
    if (job.fileSdConfigs.length) out.push(`${at}.file_sd_configs`);
    if (job.httpSdConfigs.length) out.push(`${at}.http_sd_configs`);
    if (job.dnsSdConfigs.length) out.push(`${at}.dns_sd_configs`);
    if (job.targetLimit) out.push(`${at}.target_limit`);
    if (job.labelLimit || job.labelNameLengthLimit || job.labelValueLengthLimit) out.push(`${at}.label_limit / label_*_length_limit`);
    if (job.trackTimestampsStaleness) out.push(`${at}.track_timestamps_staleness`);
    const tls = job.httpClient.tlsConfig;
    if (tls.caFile || tls.certFile || tls.keyFile || tls.ca || tls.cert || tls.serverName || tls.insecureSkipVerify) out.push(`${at}.tls_config`);
  }
  if (config.remoteWrite.length) out.push('remote_write');
  return out;
}

export const hubCommand: Command = {
  name: 'hub',
  summary: 'Run a hub: scrape its targets, store samples in memory, serve the Prometheus HTTP API.',
  usage: 'hub [flags]',
  flags: [
    { name: 'config.file', help: 'Prometheus-format configuration file (without it: scrape the hub itself every 15s)', default: '' },
    { name: 'web.listen-address', help: 'Address to listen on for the HTTP API', default: '0.0.0.0:9090' },
    { name: 'web.external-url', help: 'The URL under which the hub is reached, for links in alerts (default: http://localhost:PORT/)', default: '' },
  ],
  async run(args) {
    const listen = parseListenAddress(args.flags.get('web.listen-address')!);
    const file = args.flags.get('config.file')!;
    let config: Config;
    let configYaml = defaultConfig(listen.port);
    try {
      if (file) {
        configYaml = await readFile(file, 'utf8').catch((err: Error) => {
          throw new ConfigError(file, 0, 0, '', `cannot read the configuration file: ${err.message}`, { cause: err });
        });
      }
      config = parseConfig(configYaml, file || '(default config)');
    } catch (err) {
      if (err instanceof ConfigError) {
        console.error(`outpost hub: invalid configuration: ${err.message}`);
        return 1;
      }
      throw err;
    }
    const notYet = unsupported(config);
    if (notYet.length) {
      console.error(`outpost hub: ${file}: not supported by this version yet: ${notYet.join(', ')}`);
      return 1;
    }
    const storage = openMemStorage();
    const registry = hubRegistry(storage, version);
    const engine = new Engine();
    let rules: HubRules;
    try {
      rules = await startRules({ config, storage, engine, registry, externalURL: args.flags.get('web.external-url') || `http://localhost:${listen.port}/` });
    } catch (err) {
      if (err instanceof RuleFileError) {
        console.error(`outpost hub: invalid rule file: ${err.message}`);
        return 1;
      }
      throw err;
    }
    const status = hubStatus({ storage, flags: args.flags, configYaml });
    const app = hubApp({ storage, registry, version, status, engine, rules });
    const server = await serve(app, listen);
    const loops: ScrapeLoop[] = [];
    try {
      for (const job of config.scrapeConfigs) {
        for (const target of buildTargets(job, job.staticConfigs).active) loops.push(new ScrapeLoop(storage, target));
      }
    } catch (err) {
      await server.close();
      await rules.stop();
      if (err instanceof TargetError) {
        console.error(`outpost hub: ${err.message}`);
        return 1;
      }
      throw err;
    }
    for (const loop of loops) loop.start();
    console.error(`outpost hub ${version}: listening on ${listen.host}:${server.port}, scraping ${loops.length} target(s)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    console.error('outpost hub: shutting down');
    await Promise.all(loops.map((l) => l.stop()));
    await rules.stop();
    await server.close();
    await storage.close();
    return 0;
  },
};
