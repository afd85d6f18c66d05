/**
 * The functions Prometheus adds to its templates: query and the sample helpers (first, label,
 * value, strvalue, sortByLabel), the humanize family, time and duration conversions, string
 * helpers (title, toUpper, toLower, match, reReplaceAll, stripPort, stripDomain,
 * urlQueryEscape, safeHtml), args, and the links into the expression browser.
 */
import type { Labels } from '../model/labels.ts';
import { compileAnchored, RegexError } from '../model/regex.ts';
import { DurationSyntaxError, NumberSyntaxError, parseDuration, parseNumber } from '../promql/parser/index.ts';
import { queryEscape } from './builtins.ts';
import { TemplateFuncError, type TemplateFunc } from './exec.ts';
import { formatG, formatTime, sprintf } from './fmt.ts';
import { GoDuration, GoMap, GoStruct, GoTime, SafeHTML, goTypeName } from './values.ts';

/** TemplateSample: one element of a query's instant vector. */
export interface TemplateSample {
  labels: Labels;
  value: number;
}

/** TemplateQuery: runs an instant query at `t` (Unix ms) for the `query` template function. */
export type TemplateQuery = (expr: string, t: number, signal?: AbortSignal) => Promise<TemplateSample[]>;

/** PrometheusFuncContext: what the context-dependent functions need. */
export interface PrometheusFuncContext {
  /** Evaluation time, Unix ms. */
  time: number;
  query?: TemplateQuery;
  signal?: AbortSignal;
  /** The external URL (`--web.external-url`), '' when unset. */
  externalURL: string;
}

/** The names of the functions prometheusFuncs returns, for parse-time checks. */
export const PROMETHEUS_FUNC_NAMES = [
  'query', 'first', 'label', 'value', 'strvalue', 'args', 'reReplaceAll', 'safeHtml', 'match', 'title', 'toUpper',
  'toLower', 'graphLink', 'tableLink', 'sortByLabel', 'humanize', 'humanize1024', 'humanizeDuration',
  'humanizePercentage', 'humanizeTimestamp', 'toTime', 'toDuration', 'now', 'pathPrefix', 'externalURL',
  'parseDuration', 'stripPort', 'stripDomain', 'urlQueryEscape',
] as const;

const SAMPLE_TYPE = '*template.sample';

function want(name: string, args: unknown[], n: number): void {
  if (args.length !== n) throw new TemplateFuncError(`wrong number of args for ${name}: want ${n} got ${args.length}`);
}

function asString(v: unknown, name: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof SafeHTML) return v.html;
  throw new TemplateFuncError(`wrong type for value; expected string; got ${goTypeName(v)}`);
  void name;
}

/** convertToFloat: Prometheus' rules: strings parse as floats, ints and durations convert. */
export function convertToFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof GoDuration) return Number(v.ns) / 1e9;
  if (typeof v === 'string') {
    try {
      return parseNumber(v);
    } catch (err) {
      if (err instanceof NumberSyntaxError) throw new TemplateFuncError(err.message);
      throw err;
    }
  }
  throw new TemplateFuncError(`can't convert ${goTypeName(v)} to float`);
}

function asSample(v: unknown): GoStruct {
  if (v instanceof GoStruct && v.typeName === SAMPLE_TYPE) return v;
  throw new TemplateFuncError(`wrong type for value; expected ${SAMPLE_TYPE}; got ${goTypeName(v)}`);
}

function asVector(v: unknown): GoStruct[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v.map(asSample);
  throw new TemplateFuncError(`wrong type for value; expected template.queryResult; got ${goTypeName(v)}`);
}

function sampleLabels(s: GoStruct): GoMap {
  return s.fields.Labels as GoMap;
}

/** toSample wraps a query result for templates. */
export function toSample(s: TemplateSample): GoStruct {
  return new GoStruct(SAMPLE_TYPE, { Labels: GoMap.ofStrings(s.labels), Value: s.value });
}

/** goRegexp compiles `pattern` with Go's unanchored semantics. */
function goRegexp(pattern: string, global: boolean): RegExp {
  try {
    // compileAnchored translates RE2 syntax; strip its `^(?:…)$` anchoring and the (?s) flag it
    // adds for Prometheus label matching, which Go's plain regexp.Compile does not have.
    const anchored = compileAnchored(pattern);
    const src = anchored.source.slice(4, -2);
    return new RegExp(src, anchored.flags.replace('s', '') + (global ? 'g' : ''));
  } catch (err) {
    if (err instanceof RegexError) throw new TemplateFuncError(`error parsing regexp: ${err.message}`);
    throw err;
  }
}

/** goExpand: Regexp.ReplaceAllString's template: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function goExpand(repl: string, m: RegExpExecArray): string {
  return repl.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, tok: string, braced?: string, bare?: string) => {
    if (tok === '$') return '$';
    const name = braced ?? bare!;
    if (/^[0-9]+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

/** splitHostPort: Go's net.SplitHostPort; null when the text has no valid port part. */
function splitHostPort(s: string): [string, string] | null {
  if (s.startsWith('[')) {
    const m = /^\[([^\]]*)\]:([^:]*)$/.exec(s);
    return m ? [m[1], m[2]] : null;
  }
  const i = s.lastIndexOf(':');
  if (i < 0 || s.indexOf(':') !== i) return null;
  return [s.slice(0, i), s.slice(i + 1)];
}

function isIP(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s));
}

/** title: Go's strings.Title: upper-cases the first letter of each word. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    const sep = !/[\p{L}\p{N}_]/u.test(prev) && (prev.codePointAt(0)! < 0x80 ? !/[A-Za-z0-9_]/.test(prev) : /\s/u.test(prev));
    out += sep ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function floatToTime(v: number): GoTime {
  const ns = v * 1e9;
  if (ns > 9.223372036854776e18 || ns < -9.223372036854776e18) {
    throw new TemplateFuncError(`${formatG(v, -1)} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  // Prometheus goes through model.Time, which keeps milliseconds.
  const ms = BigInt(Math.trunc(ns)) / 1_000_000n;
  return new GoTime(ms * 1_000_000n);
}

function humanizeSmall(v: number, unit: string): string {
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${sprintf('%.4g', [v])}${prefix}${unit}`;
}

/** prometheusFuncs builds the Prometheus template functions bound to `ctx`. */
export function prometheusFuncs(ctx: PrometheusFuncContext): Map<string, TemplateFunc> {
  const g4 = (v: number) => sprintf('%.4g', [v]);
  const f = new Map<string, TemplateFunc>();
  f.set('query', async (a) => {
    want('query', a, 1);
    const q = asString(a[0], 'query');
    if (!ctx.query) throw new TemplateFuncError('no query function available for templates');
    try {
      const res = await ctx.query(q, ctx.time, ctx.signal);
      return res.map(toSample);
    } catch (err) {
      throw new TemplateFuncError((err as Error).message);
    }
  });
  f.set('first', (a) => {
    want('first', a, 1);
    const v = asVector(a[0]);
    if (v.length === 0) throw new TemplateFuncError('first() called on vector with no elements');
    return v[0];
  });
  f.set('label', (a) => {
    want('label', a, 2);
    const m = sampleLabels(asSample(a[1]));
    return m.entries.get(asString(a[0], 'label')) ?? '';
  });
  f.set('value', (a) => (want('value', a, 1), asSample(a[0]).fields.Value));
  f.set('strvalue', (a) => (want('strvalue', a, 1), sampleLabels(asSample(a[0])).entries.get('__value__') ?? ''));
  f.set('args', (a) => new GoMap(new Map(a.map((x, i) => [`arg${i}`, x])), undefined, 'map[string]interface {}'));
  f.set('reReplaceAll', (a) => {
    want('reReplaceAll', a, 3);
    const re = goRegexp(asString(a[0], 'reReplaceAll'), true);
    const repl = asString(a[1], 'reReplaceAll');
    const text = asString(a[2], 'reReplaceAll');
    return text.replace(re, (...m) => {
      const groups = typeof m[m.length - 1] === 'object' ? (m[m.length - 1] as Record<string, string>) : undefined;
      const arr = m.slice(0, groups ? -3 : -2) as unknown as RegExpExecArray;
      arr.groups = groups;
      return goExpand(repl, arr);
    });
  });
  f.set('safeHtml', (a) => (want('safeHtml', a, 1), new SafeHTML(asString(a[0], 'safeHtml'))));
  f.set('match', (a) => {
    want('match', a, 2);
    return goRegexp(asString(a[0], 'match'), false).test(asString(a[1], 'match'));
  });
  f.set('title', (a) => (want('title', a, 1), title(asString(a[0], 'title'))));
  f.set('toUpper', (a) => (want('toUpper', a, 1), asString(a[0], 'toUpper').toUpperCase()));
  f.set('toLower', (a) => (want('toLower', a, 1), asString(a[0], 'toLower').toLowerCase()));
  f.set('graphLink', (a) => (want('graphLink', a, 1), `/graph?g0.expr=${queryEscape(asString(a[0], 'graphLink'))}&g0.tab=0`));
  f.set('tableLink', (a) => (want('tableLink', a, 1), `/graph?g0.expr=${queryEscape(asString(a[0], 'tableLink'))}&g0.tab=1`));
  f.set('sortByLabel', (a) => {
    want('sortByLabel', a, 2);
    const label = asString(a[0], 'sortByLabel');
    const key = (s: GoStruct) => sampleLabels(s).entries.get(label) ?? '';
    return [...asVector(a[1])].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  });
  f.set('humanize', (a) => {
    want('humanize', a, 1);
    let v = convertToFloat(a[0]);
    if (v === 0 || !Number.isFinite(v)) return g4(v);
    if (Math.abs(v) < 1) return humanizeSmall(v, '');
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  });
  f.set('humanize1024', (a) => {
    want('humanize1024', a, 1);
    let v = convertToFloat(a[0]);
    if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
    let prefix = '';
    for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
      if (Math.abs(v) < 1024) break;
      prefix = p;
      v /= 1024;
    }
    return g4(v) + prefix;
  });
  f.set('humanizeDuration', (a) => {
    want('humanizeDuration', a, 1);
    let v = convertToFloat(a[0]);
    if (!Number.isFinite(v)) return g4(v);
    if (v === 0) return `${g4(v)}s`;
    if (Math.abs(v) < 1) return humanizeSmall(v, 's');
    const sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    const whole = Math.trunc(v);
    const seconds = whole % 60, minutes = Math.trunc(whole / 60) % 60;
    const hours = Math.trunc(whole / 3600) % 24, days = Math.trunc(whole / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(v)}s`;
  });
  f.set('humanizePercentage', (a) => (want('humanizePercentage', a, 1), `${g4(convertToFloat(a[0]) * 100)}%`));
  f.set('humanizeTimestamp', (a) => {
    want('humanizeTimestamp', a, 1);
    const v = convertToFloat(a[0]);
    if (!Number.isFinite(v)) return g4(v);
    return formatTime(floatToTime(v));
  });
  f.set('toTime', (a) => {
    want('toTime', a, 1);
    const v = convertToFloat(a[0]);
    if (!Number.isFinite(v)) throw new TemplateFuncError('value is NaN or Inf');
    return floatToTime(v);
  });
  f.set('toDuration', (a) => {
    want('toDuration', a, 1);
    const v = convertToFloat(a[0]);
    if (!Number.isFinite(v)) throw new TemplateFuncError('value is NaN or Inf');
    return new GoDuration(BigInt(Math.trunc(v * 1e9)));
  });
  f.set('now', (a) => (want('now', a, 0), ctx.time / 1000));
  f.set('pathPrefix', (a) => (want('pathPrefix', a, 0), ctx.externalURL === '' ? '' : new URL(ctx.externalURL).pathname.replace(/^\/$/, '')));
  f.set('externalURL', (a) => (want('externalURL', a, 0), ctx.externalURL));
  f.set('parseDuration', (a) => {
    want('parseDuration', a, 1);
    try {
      return parseDuration(asString(a[0], 'parseDuration')) / 1000;
    } catch (err) {
      if (err instanceof DurationSyntaxError) throw new TemplateFuncError(err.message);
      throw err;
    }
  });
  f.set('stripPort', (a) => {
    want('stripPort', a, 1);
    const s = asString(a[0], 'stripPort');
    return splitHostPort(s)?.[0] ?? s;
  });
  f.set('stripDomain', (a) => {
    want('stripDomain', a, 1);
    const s = asString(a[0], 'stripDomain');
    const hp = splitHostPort(s);
    const host = hp ? hp[0] : s;
    if (isIP(host)) return s;
    const short = host.split('.')[0];
    if (hp && hp[1] !== '') return short.includes(':') ? `[${short}]:${hp[1]}` : `${short}:${hp[1]}`;
    return short;
  });
  f.set('urlQueryEscape', (a) => (want('urlQueryEscape', a, 1), queryEscape(asString(a[0], 'urlQueryEscape'))));
  return f;
}
