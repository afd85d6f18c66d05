/**
 * Reader for Prometheus' PromQL test scripts (promqltest `.test` files): turns a script into a
 * typed list of commands (`load`, `clear`, `eval`) with their file line numbers, expanding the
 * series value notation (`1+2x10`, `_x3`, `stale`, `Inf`, durations as seconds) and recognising
 * native-histogram literals (`{{schema:1 sum:3 count:22 buckets:[5 10 7]}}`, `{{…}}+{{…}}x3`).
 * It reads the current `expect …` lines and the deprecated `eval_fail`/`eval_warn`/`eval_info`/
 * `eval_ordered` and `expected_fail_message`/`expected_fail_regexp` forms. Bad input throws a
 * ScriptError naming the file line.
 */
import { parseDuration } from '../../shared/promql/parser/numbers.ts';
import { unquote } from '../../shared/promql/parser/gostr.ts';

/** ScriptError: a line of a test script that cannot be read. */
export class ScriptError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ScriptError';
    this.line = line;
  }
}

export type CounterResetHint = 'unknown' | 'reset' | 'not_reset' | 'gauge';

/** HistogramLiteral: a native histogram as the `{{…}}` notation spells it. */
export interface HistogramLiteral {
  schema: number;
  sum: number;
  count: number;
  zeroCount: number;
  zeroThreshold: number;
  positiveOffset: number;
  positiveBuckets: number[];
  negativeOffset: number;
  negativeBuckets: number[];
  customValues: number[];
  /** counterResetHint: null when the literal does not spell it (then it is not checked). */
  counterResetHint: CounterResetHint | null;
}

/**
 * SequenceValue: one point of a series line. A histogram produced by `{{a}}+{{b}}xN` is the
 * i-th point `a + i·b` (or `a − i·b`); the engine does the histogram arithmetic.
 */
export type SequenceValue =
  | { kind: 'float'; value: number; stale: boolean }
  | { kind: 'omitted' }
  | { kind: 'histogram'; base: HistogramLiteral; delta: { op: '+' | '-'; by: HistogramLiteral; times: number } | null };

/** SeriesLine: `metric{labels} values…`, labels as sorted pairs (`__name__` included). */
export interface SeriesLine {
  line: number;
  labels: Record<string, string>;
  values: SequenceValue[];
  /** startTimestamps: offsets (seconds) from a preceding `metric@st …` line, if any. */
  startTimestamps: SequenceValue[] | null;
  hasHistograms: boolean;
}

export interface LoadCommand {
  kind: 'load';
  line: number;
  /** step: milliseconds between points. */
  step: number;
  withNhcb: boolean;
  series: SeriesLine[];
}

export interface ClearCommand {
  kind: 'clear';
  line: number;
}

export interface AnnotationExpectation {
  /** match: null for "any"; otherwise an exact message or a regular expression source. */
  match: { type: 'msg' | 'regex'; text: string } | null;
}

export type ExpectedResult =
  | { kind: 'series'; line: number; labels: Record<string, string>; values: SequenceValue[] }
  | { kind: 'scalar'; line: number; value: number };

export interface EvalCommand {
  kind: 'eval';
  line: number;
  expr: string;
  /** instant: true for `eval instant at <t>`; then `start` = `end` = t and `step` = 0. */
  instant: boolean;
  start: number;
  end: number;
  step: number;
  fail: AnnotationExpectation | null;
  warn: AnnotationExpectation[];
  info: AnnotationExpectation[];
  noWarn: boolean;
  noInfo: boolean;
  ordered: boolean;
  /** rangeVector: `expect range vector from <a> to <b> step <s>` (ms). */
  rangeVector: { start: number; end: number; step: number } | null;
  /** expectedString: `expect string "…"`. */
  expectedString: string | null;
  results: ExpectedResult[];
  /** nativeInExpectedOutput: an expected value is a histogram literal. */
  nativeInExpectedOutput: boolean;
}

export type ScriptCommand = LoadCommand | ClearCommand | EvalCommand;

const NUM = String.raw`(?:[Ii][Nn][Ff]|[Nn][Aa][Nn]|(?:\d+(?:ms|[smhdwy]))+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)`;
const FLOAT_ITEM = new RegExp(`^([+-]?${NUM})(?:([+-]${NUM})?x(\\d+))?$`);
const HINTS: ReadonlySet<string> = new Set(['unknown', 'reset', 'not_reset', 'gauge']);

/** seriesNumber reads a value of the series notation: a number, Inf/NaN, or a duration (seconds). */
function seriesNumber(text: string, line: number): number {
  const neg = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  const lower = body.toLowerCase();
  let v: number;
  if (lower === 'inf') v = Infinity;
  else if (lower === 'nan') v = NaN;
  else if (/^(\d+(ms|[smhdwy]))+$/.test(body)) {
    try {
      v = parseDuration(body) / 1000;
    } catch (e) {
      throw new ScriptError(line, `bad duration ${JSON.stringify(text)}: ${(e as Error).message}`);
    }
  } else if (/^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(body)) v = Number(body);
  else throw new ScriptError(line, `bad number ${JSON.stringify(text)}`);
  return neg ? -v : v;
}

function parseHistogram(text: string, line: number): HistogramLiteral {
  const h: HistogramLiteral = {
    schema: 0, sum: 0, count: 0, zeroCount: 0, zeroThreshold: 0, positiveOffset: 0, positiveBuckets: [],
    negativeOffset: 0, negativeBuckets: [], customValues: [], counterResetHint: null,
  };
  const body = text.slice(2, -2).trim();
  const seen = new Set<string>();
  const re = /\s*([a-z_]+):(\[[^\]]*\]|\S+)/y;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < body.length && (m = re.exec(body))) {
    at = re.lastIndex;
    const [, key, raw] = m;
    if (seen.has(key)) throw new ScriptError(line, `duplicate key "${key}" in histogram`);
    seen.add(key);
    const list = () => {
      if (!raw.startsWith('[')) throw new ScriptError(line, `histogram ${key} needs a [list]`);
      return raw.slice(1, -1).trim().split(/\s+/).filter((s) => s !== '').map((s) => seriesNumber(s, line));
    };
    const int = () => {
      if (!/^-?\d+$/.test(raw)) throw new ScriptError(line, `histogram ${key} needs an integer, got ${JSON.stringify(raw)}`);
      return Number(raw);
    };
    switch (key) {
      case 'schema': h.schema = int(); break;
      case 'sum': h.sum = seriesNumber(raw, line); break;
      case 'count': h.count = seriesNumber(raw, line); break;
      case 'z_bucket': h.zeroCount = seriesNumber(raw, line); break;
      case 'z_bucket_w': h.zeroThreshold = seriesNumber(raw, line); break;
      case 'offset': h.positiveOffset = int(); break;
      case 'n_offset': h.negativeOffset = int(); break;
      case 'buckets': h.positiveBuckets = list(); break;
      case 'n_buckets': h.negativeBuckets = list(); break;
      case 'custom_values': h.customValues = list(); break;
      case 'counter_reset_hint':
        if (!HINTS.has(raw)) throw new ScriptError(line, `bad counter_reset_hint ${JSON.stringify(raw)}`);
        h.counterResetHint = raw as CounterResetHint;
        break;
      default:
        throw new ScriptError(line, `bad histogram descriptor found: ${JSON.stringify(key)}`);
    }
  }
  if (body.slice(at).trim() !== '') throw new ScriptError(line, `bad histogram description ${JSON.stringify(text)}`);
  return h;
}

/** parseValues expands the value notation of a series line. */
export function parseValues(text: string, line: number): { values: SequenceValue[]; hasHistograms: boolean } {
  const values: SequenceValue[] = [];
  let hasHistograms = false;
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    if (/\s/.test(s[i])) {
      i++;
      continue;
    }
    if (s.startsWith('{{', i)) {
      hasHistograms = true;
      const close = s.indexOf('}}', i);
      if (close < 0) throw new ScriptError(line, 'unterminated histogram {{…');
      const base = parseHistogram(s.slice(i, close + 2), line);
      i = close + 2;
      let delta: { op: '+' | '-'; by: HistogramLiteral } | null = null;
      if ((s[i] === '+' || s[i] === '-') && s.startsWith('{{', i + 1)) {
        const c2 = s.indexOf('}}', i + 1);
        if (c2 < 0) throw new ScriptError(line, 'unterminated histogram {{…');
        delta = { op: s[i] as '+' | '-', by: parseHistogram(s.slice(i + 1, c2 + 2), line) };
        i = c2 + 2;
      }
      const rep = /^x(\d+)/.exec(s.slice(i));
      if (delta && !rep) throw new ScriptError(line, 'histogram increment needs a repetition count (xN)');
      if (rep) {
        i += rep[0].length;
        const n = Number(rep[1]);
        for (let k = 0; k <= n; k++) values.push({ kind: 'histogram', base, delta: delta ? { ...delta, times: k } : null });
      } else {
        values.push({ kind: 'histogram', base, delta: null });
      }
      continue;
    }
    let j = i;
    while (j < s.length && !/\s/.test(s[j])) j++;
    const tok = s.slice(i, j);
    i = j;
    if (tok === '_') {
      values.push({ kind: 'omitted' });
      continue;
    }
    const blank = /^_x(\d+)$/.exec(tok);
    if (blank) {
      for (let k = 0; k < Number(blank[1]); k++) values.push({ kind: 'omitted' });
      continue;
    }
    if (tok === 'stale') {
      values.push({ kind: 'float', value: NaN, stale: true });
      continue;
    }
    const m = FLOAT_ITEM.exec(tok);
    if (!m) throw new ScriptError(line, `unexpected ${JSON.stringify(tok)} in series values, expected number or "stale"`);
    let v = seriesNumber(m[1], line);
    if (m[3] === undefined) {
      values.push({ kind: 'float', value: v, stale: false });
      continue;
    }
    const inc = m[2] === undefined ? 0 : seriesNumber(m[2], line);
    for (let k = 0; k <= Number(m[3]); k++) {
      values.push({ kind: 'float', value: v, stale: false });
      v += inc;
    }
  }
  return { values, hasHistograms };
}

/** parseMetric reads `name{a="b",…}` (either part optional) and returns the labels and the rest. */
export function parseMetric(text: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 0;
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text);
  if (name) {
    labels.__name__ = name[0];
    i = name[0].length;
  }
  if (text[i] === '{') {
    i++;
    const str = /\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/y;
    const ident = /\s*([a-zA-Z_][a-zA-Z0-9_]*)/y;
    for (;;) {
      const close = /\s*}/y;
      close.lastIndex = i;
      if (close.test(text)) {
        i = close.lastIndex;
        break;
      }
      let key: string;
      ident.lastIndex = i;
      str.lastIndex = i;
      let m = ident.exec(text);
      if (m) {
        key = m[1];
        i = ident.lastIndex;
      } else if ((m = str.exec(text))) {
        key = unquote(m[1]);
        i = str.lastIndex;
      } else throw new ScriptError(line, `bad label set in ${JSON.stringify(text)}`);
      const eq = /\s*=\s*/y;
      eq.lastIndex = i;
      if (!eq.test(text)) throw new ScriptError(line, `expected "=" after label ${JSON.stringify(key)}`);
      str.lastIndex = eq.lastIndex;
      const v = str.exec(text);
      if (!v) throw new ScriptError(line, `expected a quoted value for label ${JSON.stringify(key)}`);
      if (key in labels) throw new ScriptError(line, `duplicate label ${JSON.stringify(key)}`);
      const value = unquote(v[1]);
      if (value !== '') labels[key] = value;
      i = str.lastIndex;
      const comma = /\s*,/y;
      comma.lastIndex = i;
      if (comma.test(text)) i = comma.lastIndex;
    }
  } else if (!name) {
    throw new ScriptError(line, `expected a metric name or label set in ${JSON.stringify(text)}`);
  }
  return { labels, rest: text.slice(i) };
}

function time(text: string, line: number): number {
  try {
    return parseDuration(text.trim());
  } catch (e) {
    throw new ScriptError(line, `bad time ${JSON.stringify(text)}: ${(e as Error).message}`);
  }
}

const INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+at\s+(\S+)\s+(.+)$/;
const RANGE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.+)$/;

function parseEval(first: string, lineNo: number): EvalCommand {
  const cmd: EvalCommand = {
    kind: 'eval', line: lineNo, expr: '', instant: true, start: 0, end: 0, step: 0, fail: null, warn: [], info: [],
    noWarn: false, noInfo: false, ordered: false, rangeVector: null, expectedString: null, results: [],
    nativeInExpectedOutput: false,
  };
  let variant: string | undefined;
  let m = INSTANT.exec(first);
  if (m) {
    variant = m[1];
    cmd.start = cmd.end = time(m[2], lineNo);
    cmd.expr = m[3];
  } else if ((m = RANGE.exec(first))) {
    variant = m[1];
    cmd.instant = false;
    cmd.start = time(m[2], lineNo);
    cmd.end = time(m[3], lineNo);
    cmd.step = time(m[4], lineNo);
    cmd.expr = m[5];
  } else {
    throw new ScriptError(lineNo, `invalid eval command: ${JSON.stringify(first)}`);
  }
  if (variant === 'fail') cmd.fail = { match: null };
  if (variant === 'warn') cmd.warn.push({ match: null });
  if (variant === 'info') cmd.info.push({ match: null });
  if (variant === 'ordered') cmd.ordered = true;
  return cmd;
}

const EXPECT = /^expect\s+(fail|warn|info|no_warn|no_info|ordered)(?:\s+(msg|regex)\s*:\s?(.*))?$/;

function parseEvalBodyLine(cmd: EvalCommand, text: string, lineNo: number): void {
  if (text.startsWith('expect ')) {
    const rv = /^expect\s+range\s+vector\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)$/.exec(text);
    if (rv) {
      cmd.rangeVector = { start: time(rv[1], lineNo), end: time(rv[2], lineNo), step: time(rv[3], lineNo) };
      return;
    }
    const es = /^expect\s+string\s+(.*)$/.exec(text);
    if (es) {
      try {
        cmd.expectedString = unquote(es[1].trim());
      } catch {
        throw new ScriptError(lineNo, `expect string needs a quoted string, got ${es[1]}`);
      }
      return;
    }
    const m = EXPECT.exec(text);
    if (!m) throw new ScriptError(lineNo, `invalid expect line: ${JSON.stringify(text)}`);
    const [, type, matchType, matchText] = m;
    if (matchType && (type === 'ordered' || type === 'no_warn' || type === 'no_info')) {
      throw new ScriptError(lineNo, `expect ${type} takes no message`);
    }
    const exp: AnnotationExpectation = { match: matchType ? { type: matchType as 'msg' | 'regex', text: matchText.trim() } : null };
    if (exp.match?.type === 'msg' && type === 'fail') exp.match.text = exp.match.text.replace(/^"(.*)"$/, '$1');
    if (type === 'fail') cmd.fail = exp;
    else if (type === 'warn') cmd.warn.push(exp);
    else if (type === 'info') cmd.info.push(exp);
    else if (type === 'no_warn') cmd.noWarn = true;
    else if (type === 'no_info') cmd.noInfo = true;
    else cmd.ordered = true;
    return;
  }
  const old = /^expected_fail_(message|regexp)\s+(.*)$/.exec(text);
  if (old) {
    cmd.fail = { match: { type: old[1] === 'message' ? 'msg' : 'regex', text: old[2] } };
    return;
  }
  if (/^[+-]?(?:[Ii][Nn][Ff]|[Nn][Aa][Nn]|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)$/.test(text)) {
    cmd.results.push({ kind: 'scalar', line: lineNo, value: seriesNumber(text, lineNo) });
    return;
  }
  const { labels, rest } = parseMetric(text, lineNo);
  const { values, hasHistograms } = parseValues(rest, lineNo);
  if (hasHistograms) cmd.nativeInExpectedOutput = true;
  cmd.results.push({ kind: 'series', line: lineNo, labels, values });
}

/** parseScript reads a whole test script. Throws ScriptError for a line it cannot read. */
export function parseScript(source: string): ScriptCommand[] {
  const lines = source.split('\n').map((l) => l.trim());
  const out: ScriptCommand[] = [];
  let i = 0;
  const blank = (l: string) => l === '' || l.startsWith('#');
  while (i < lines.length) {
    const text = lines[i];
    const lineNo = i + 1;
    i++;
    if (blank(text)) continue;
    if (text === 'clear') {
      out.push({ kind: 'clear', line: lineNo });
      continue;
    }
    const load = /^load(_with_nhcb)?\s+(\S+)$/.exec(text);
    if (load) {
      const cmd: LoadCommand = { kind: 'load', line: lineNo, step: time(load[2], lineNo), withNhcb: !!load[1], series: [] };
      let pendingSt: { labels: Record<string, string>; values: SequenceValue[] } | null = null;
      for (; i < lines.length && !blank(lines[i]); i++) {
        const { labels, rest } = parseMetric(lines[i], i + 1);
        if (rest.startsWith('@st')) {
          pendingSt = { labels, values: parseValues(rest.slice(3), i + 1).values };
          continue;
        }
        const { values, hasHistograms } = parseValues(rest, i + 1);
        let st: SequenceValue[] | null = null;
        if (pendingSt && sameLabels(pendingSt.labels, labels)) st = pendingSt.values;
        pendingSt = null;
        cmd.series.push({ line: i + 1, labels, values, startTimestamps: st, hasHistograms });
      }
      out.push(cmd);
      continue;
    }
    if (text.startsWith('eval')) {
      const cmd = parseEval(text, lineNo);
      for (; i < lines.length && !blank(lines[i]); i++) parseEvalBodyLine(cmd, lines[i], i + 1);
      out.push(cmd);
      continue;
    }
    throw new ScriptError(lineNo, `invalid command: ${JSON.stringify(text)}`);
  }
  return out;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
