/**
 * Config: the whole configuration file, Prometheus' format plus Outpost's registered sections.
 * parseConfig reads YAML text, loadConfigFile a file; both throw ConfigError naming the file, line
 * and field path of the first problem. Relative paths inside the file (rule files, file SD globs,
 * token, password and TLS files) are resolved against the config file's directory.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { parseAlerting, type AlertingConfig } from './alerting.ts';
import { parseGlobal, type GlobalConfig } from './global.ts';
import './outpost.ts';
import { parseRemoteRead, parseRemoteWrite, type RemoteReadConfig, type RemoteWriteConfig } from './remote.ts';
import { parseScrapeConfig, type ScrapeConfig } from './scrape.ts';
import { sectionParser, type SectionTypes } from './sections.ts';
import { parseStorage, type StorageConfig } from './storage.ts';
import { ConfigError, YamlValue, type Fields, type ParseContext } from './yaml-value.ts';

export interface Config {
  /** The file name used in messages. */
  readonly file: string;
  readonly global: GlobalConfig;
  readonly alerting: AlertingConfig;
  /** Rule file globs, resolved against the config file's directory. */
  readonly ruleFiles: readonly string[];
  readonly scrapeConfigs: readonly ScrapeConfig[];
  readonly storage: StorageConfig;
  readonly remoteWrite: readonly RemoteWriteConfig[];
  readonly remoteRead: readonly RemoteReadConfig[];
  /** Outpost's own sections that are present, parsed by their registered parsers. */
  readonly sections: Partial<SectionTypes>;
}

export interface ParseOptions {
  /** Environment for `$VAR` in external labels; process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The directory relative paths resolve against; the file's own directory by default. */
  dir?: string;
}

const RULE_PATH = /^[^*]*(\*[^/]*)?$/;

/** parseConfig parses configuration text; `filename` names it in errors and anchors relative paths. */
export function parseConfig(text: string, filename: string, options: ParseOptions = {}): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, schema: 'failsafe', merge: true, uniqueKeys: true, prettyErrors: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = firstError.linePos?.[0] ?? { line: 0, col: 0 };
    const reason = firstError.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(filename, pos.line, pos.col, '', `invalid YAML: ${reason}`, { cause: firstError });
  }
  const ctx: ParseContext = {
    file: filename,
    dir: options.dir ?? resolve(dirname(filename)),
    doc,
    lines,
    env: options.env ?? process.env,
  };
  const root = new YamlValue(ctx, null, '').child(doc.contents, '');
  if (!root.isNull && !isMap(root.node)) root.fail('the configuration must be a mapping of sections');
  const f = root.fields();
  const global = parseGlobal(f.get('global'), ctx.env);
  const scheme = global.metricNameValidationScheme;

  const ruleFiles = (f.get('rule_files')?.list() ?? []).map((v) => {
    const p = v.str();
    if (!RULE_PATH.test(p)) v.fail(`invalid rule file path ${JSON.stringify(p)}`);
    return v.file();
  });

  const jobs = new Map<string, string>();
  const scrapeConfigs = (f.get('scrape_configs')?.list() ?? []).map((v) => {
    const sc = parseScrapeConfig(v, global);
    const first = jobs.get(sc.jobName);
    if (first !== undefined) v.fields().at('job_name').fail(`found multiple scrape configs with job name ${JSON.stringify(sc.jobName)} (first at ${first})`);
    jobs.set(sc.jobName, v.path);
    return sc;
  });

  const remoteWrite = uniqueNames(f.get('remote_write')?.list() ?? [], (v) => parseRemoteWrite(v, scheme), 'remote write');
  const remoteRead = uniqueNames(f.get('remote_read')?.list() ?? [], parseRemoteRead, 'remote read');

  const config: Config = {
    file: filename,
    global,
    alerting: parseAlerting(f.get('alerting'), scheme),
    ruleFiles,
    scrapeConfigs,
    storage: parseStorage(f.get('storage')),
    remoteWrite,
    remoteRead,
    sections: parseSections(root, f, global),
  };
  f.done();
  return config;
}

function uniqueNames<T extends { name: string }>(items: YamlValue[], parse: (v: YamlValue) => T, what: string): T[] {
  const seen = new Set<string>();
  return items.map((v) => {
    const c = parse(v);
    if (c.name !== '' && seen.has(c.name)) v.fields().at('name').fail(`found multiple ${what} configs with name ${JSON.stringify(c.name)}`);
    seen.add(c.name);
    return c;
  });
}

/** parseSections runs the registered parsers over their sections; the caller's Fields checks the rest. */
function parseSections(root: YamlValue, f: Fields, global: GlobalConfig): Partial<SectionTypes> {
  const out: Record<string, unknown> = {};
  for (const [name] of root.entries()) {
    const parse = sectionParser(name);
    if (parse === undefined) continue;
    const v = f.get(name);
    if (v !== undefined) out[name] = parse(v, { global });
  }
  return out as Partial<SectionTypes>;
}

/** loadConfigFile reads and parses the file at `path`. Throws ConfigError, also when unreadable. */
export async function loadConfigFile(path: string, options: ParseOptions = {}): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, 0, 0, '', `cannot read the configuration file: ${(err as Error).message}`, { cause: err });
  }
  return parseConfig(text, path, options);
}
