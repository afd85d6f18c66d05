/**
 * The YAML walker every config section parses with: a `YamlValue` is one node of the document
 * together with its field path (`scrape_configs[2].scrape_interval`), and every conversion it
 * offers throws a ConfigError naming the file, line, column and path. The document is read with
 * YAML's failsafe schema, so every scalar arrives as its source text and is converted here with the
 * rules of Go's yaml.v2 that Prometheus uses (`yes`/`on` are booleans, `~` and an empty value are
 * null, a null field is the same as an absent one). Mappings are strict: a key nobody asked for is
 * an error, as in Prometheus' strict unmarshalling.
 */
import { isAbsolute, join } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import { DurationError, parseDuration, parseSize, SizeError } from './units.ts';

/** ConfigError: a configuration that cannot be loaded, with where and what. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${line > 0 ? `:${line}` : ''}: ${path === '' ? '' : `${path}: `}${reason}`, options);
    this.name = 'ConfigError';
  }
}

/** ParseContext: what every value of one document shares. */
export interface ParseContext {
  /** The file name used in messages. */
  readonly file: string;
  /** The directory relative paths resolve against. */
  readonly dir: string;
  readonly doc: Document;
  readonly lines: LineCounter;
  /** Environment for `$VAR` expansion in external labels. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSES = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

/**
 * Fields that Prometheus has but Outpost does not implement: reported as unsupported, not as
 * unknown, so users are not sent looking for a typo.
 */
export const UNSUPPORTED_FIELDS = new Set([
  'azure_sd_configs', 'consul_sd_configs', 'digitalocean_sd_configs', 'docker_sd_configs',
  'dockerswarm_sd_configs', 'ec2_sd_configs', 'eureka_sd_configs', 'gce_sd_configs', 'hetzner_sd_configs',
  'ionos_sd_configs', 'kubernetes_sd_configs', 'kuma_sd_configs', 'lightsail_sd_configs', 'linode_sd_configs',
  'marathon_sd_configs', 'nerve_sd_configs', 'nomad_sd_configs', 'openstack_sd_configs', 'ovhcloud_sd_configs',
  'puppetdb_sd_configs', 'scaleway_sd_configs', 'serverset_sd_configs', 'stackit_sd_configs', 'triton_sd_configs',
  'uyuni_sd_configs', 'vultr_sd_configs', 'oauth2', 'sigv4', 'azuread', 'google_iam', 'tracing', 'otlp',
  'runtime', 'scrape_config_files', 'http_headers', 'proxy_connect_header',
]);

export class YamlValue {
  constructor(
    readonly ctx: ParseContext,
    /** The node, aliases resolved; null for an absent value. */
    readonly node: Node | null,
    readonly path: string,
    /** Where to point when the node is null (the key that has no value). */
    readonly anchor: Node | null = null,
  ) {}

  /** error builds a ConfigError located at this value. */
  error(reason: string, cause?: unknown): ConfigError {
    const at = this.node ?? this.anchor;
    let line = 0, col = 0;
    if (at?.range) ({ line, col } = this.ctx.lines.linePos(at.range[0]));
    return new ConfigError(this.ctx.file, line, col, this.path, reason, cause === undefined ? undefined : { cause });
  }

  /** fail throws a ConfigError at this value. */
  fail(reason: string, cause?: unknown): never {
    throw this.error(reason, cause);
  }

  /** url: an absolute URL whose scheme is one of `schemes` (e.g. `['http:', 'https:']`). */
  url(schemes: readonly string[]): string {
    const s = this.str();
    let parsed: URL;
    try {
      parsed = new URL(s);
    } catch (err) {
      throw this.error(`${JSON.stringify(s)} is not a valid URL`, err);
    }
    if (!schemes.includes(parsed.protocol)) {
      this.fail(`URL scheme must be ${schemes.map((x) => `'${x.slice(0, -1)}'`).join(' or ')}, not '${parsed.protocol.slice(0, -1)}'`);
    }
    if (parsed.hostname === '') this.fail('host is missing in URL');
    return s;
  }

  /** oneOf: a string that must be one of `allowed`. */
  oneOf<T extends string>(allowed: readonly T[], what: string): T {
    const s = this.str();
    if (!allowed.includes(s as T)) this.fail(`${JSON.stringify(s)} is not a valid ${what} (use ${allowed.join(', ')})`);
    return s as T;
  }

  /** isNull: true for an absent value, `~`, `null` or nothing after the colon. */
  get isNull(): boolean {
    const n = this.node;
    return n === null || (isScalar(n) && n.type === 'PLAIN' && NULLS.has(String(n.value)));
  }

  /** child builds the value for a sub-node. */
  child(node: Node | null, path: string, anchor: Node | null = null): YamlValue {
    return new YamlValue(this.ctx, resolve(this.ctx, node), path, anchor);
  }

  #scalar(what: string): string {
    const n = this.node;
    if (!isScalar(n)) this.fail(`expected ${what}, got ${describe(n)}`);
    return String(n.value);
  }

  /** str: the scalar's text; a null reads as ''. Numbers and booleans are taken as written. */
  str(): string {
    return this.isNull ? '' : this.#scalar('a string');
  }

  bool(): boolean {
    const s = this.#scalar('a boolean');
    if (TRUES.has(s)) return true;
    if (FALSES.has(s)) return false;
    return this.fail(`${JSON.stringify(s)} is not a boolean (use true or false)`);
  }

  /** uint: a non-negative integer within JavaScript's safe range. */
  uint(): number {
    const b = this.bigUint();
    if (b > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${b} is too large`);
    return Number(b);
  }

  /** int: a (possibly negative) safe integer. */
  int(): number {
    const s = this.#scalar('an integer').replace(/_/g, '');
    if (!/^[-+]?(?:0|[1-9]\d*)$/.test(s) || !Number.isSafeInteger(Number(s))) this.fail(`${JSON.stringify(s)} is not an integer`);
    return Number(s);
  }

  /** bigUint: a non-negative integer up to 2^64-1, decimal, 0x hex, 0o/0 octal or 0b binary. */
  bigUint(): bigint {
    const raw = this.#scalar('a non-negative integer');
    const s = raw.replace(/_/g, '').replace(/^\+/, '');
    let v: bigint | undefined;
    if (/^(?:0|[1-9]\d*)$/.test(s)) v = BigInt(s);
    else if (/^0x[0-9a-fA-F]+$/.test(s) || /^0b[01]+$/.test(s) || /^0o[0-7]+$/.test(s)) v = BigInt(s);
    else if (/^0[0-7]+$/.test(s)) v = BigInt(`0o${s.slice(1)}`);
    if (v === undefined) this.fail(`${JSON.stringify(raw)} is not a non-negative integer`);
    if (v > (1n << 64n) - 1n) this.fail(`${raw} is out of range for an unsigned 64-bit integer`);
    return v;
  }

  float(): number {
    const s = this.#scalar('a number');
    const special: Record<string, number> = { '.inf': Infinity, '+.inf': Infinity, '-.inf': -Infinity, '.nan': NaN };
    const v = special[s.toLowerCase()] ?? (/^[-+]?(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][-+]?\d+)?$/.test(s) && /\d/.test(s) ? Number(s.replace(/_/g, '')) : NaN);
    if (Number.isNaN(v) && s.toLowerCase() !== '.nan') this.fail(`${JSON.stringify(s)} is not a number`);
    return v;
  }

  /** duration: a Prometheus duration, in milliseconds. */
  duration(): number {
    const s = this.#scalar('a duration');
    try {
      return parseDuration(s);
    } catch (err) {
      if (err instanceof DurationError) this.fail(err.message);
      throw err;
    }
  }

  /** size: a Prometheus byte size, in bytes. */
  size(): number {
    const s = this.#scalar('a size');
    try {
      return parseSize(s);
    } catch (err) {
      if (err instanceof SizeError) this.fail(err.message);
      throw err;
    }
  }

  /** list: the items of a sequence; a null reads as an empty list. */
  list(): YamlValue[] {
    if (this.isNull) return [];
    const n = this.node;
    if (!isSeq(n)) this.fail(`expected a list, got ${describe(n)}`);
    return n.items.map((item, i) => this.child(item as Node | null, `${this.path}[${i}]`, n));
  }

  strList(): string[] {
    return this.list().map((v) => v.str());
  }

  /** entries: the pairs of a mapping, merge keys (`<<`) applied; a null reads as no pairs. */
  entries(): [string, YamlValue][] {
    if (this.isNull) return [];
    const n = this.node;
    if (!isMap(n)) this.fail(`expected a mapping, got ${describe(n)}`);
    const out = new Map<string, [string, YamlValue]>();
    const merged: [string, YamlValue][] = [];
    for (const pair of n.items as Pair<Node | null, Node | null>[]) {
      const key = pair.key;
      if (isScalar(key) && typeof key.value === 'symbol') {
        merged.push(...this.#mergeSources(pair.value));
        continue;
      }
      if (!isScalar(key)) throw this.child(key, this.path).error('mapping keys must be plain strings');
      const name = String(key.value);
      const sub = this.path === '' ? name : `${this.path}.${name}`;
      out.set(name, [name, this.child(pair.value, sub, key)]);
    }
    for (const [name, v] of merged) if (!out.has(name)) out.set(name, [name, v]);
    return [...out.values()];
  }

  #mergeSources(node: Node | null): [string, YamlValue][] {
    const v = this.child(node, this.path);
    const n = v.node;
    if (isSeq(n)) return v.list().flatMap((item) => item.entries());
    return v.entries();
  }

  /** fields opens a strict mapping: read fields with get, then call done. */
  fields(): Fields {
    return new Fields(this);
  }

  /** stringMap: a mapping of strings to strings. */
  stringMap(): Map<string, string> {
    return new Map(this.entries().map(([k, v]) => [k, v.str()]));
  }

  /** file: a path string, resolved against the config file's directory; '' stays ''. */
  file(): string {
    const s = this.str();
    return s === '' ? '' : joinDir(this.ctx.dir, s);
  }
}

/** Fields: a mapping read key by key; done() rejects every key that was not read. */
export class Fields {
  readonly #value: YamlValue;
  readonly #entries: Map<string, YamlValue>;
  readonly #used = new Set<string>();

  constructor(value: YamlValue) {
    this.#value = value;
    this.#entries = new Map(value.entries());
  }

  get value(): YamlValue {
    return this.#value;
  }

  /** has: true when `key` is present with a non-null value. */
  has(key: string): boolean {
    const v = this.#entries.get(key);
    return v !== undefined && !v.isNull;
  }

  /** get returns the value of `key`, or undefined when it is absent or null. */
  get(key: string): YamlValue | undefined {
    this.#used.add(key);
    const v = this.#entries.get(key);
    return v === undefined || v.isNull ? undefined : v;
  }

  /** raw returns the value of `key` even when null (for fields where null means something). */
  raw(key: string): YamlValue | undefined {
    this.#used.add(key);
    return this.#entries.get(key);
  }

  /** opt reads `key` with `read`, or returns `dflt` when it is absent or null. */
  opt<T>(key: string, read: (v: YamlValue) => T, dflt: T): T {
    const v = this.get(key);
    return v === undefined ? dflt : read(v);
  }

  /** at returns a value for reporting an error about `key` (the key itself when absent). */
  at(key: string): YamlValue {
    const path = this.#value.path === '' ? key : `${this.#value.path}.${key}`;
    return this.#entries.get(key) ?? this.#value.child(null, path, this.#value.node);
  }

  /** done throws for the first key that no one read. */
  done(): void {
    for (const [key, v] of this.#entries) {
      if (this.#used.has(key)) continue;
      const where = new YamlValue(v.ctx, null, v.path, v.anchor);
      if (UNSUPPORTED_FIELDS.has(key)) where.fail(`field ${JSON.stringify(key)} is not supported by Outpost`);
      where.fail(`unknown field ${JSON.stringify(key)}`);
    }
  }
}

function resolve(ctx: ParseContext, node: Node | null): Node | null {
  let n = node;
  for (let depth = 0; n !== null && isAlias(n); depth++) {
    if (depth > 100) throw new Error('BUG: alias chain too deep');
    n = (n.resolve(ctx.doc) as Node | undefined) ?? null;
  }
  return n;
}

function describe(n: Node | null): string {
  if (n === null) return 'nothing';
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) return JSON.stringify(String(n.value));
  return 'an unexpected node';
}

/** joinDir resolves `p` against `dir` unless it is absolute. */
export function joinDir(dir: string, p: string): string {
  if (p === '' || isAbsolute(p)) return p;
  return join(dir, p);
}
