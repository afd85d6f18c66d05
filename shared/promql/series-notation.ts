/**
 * The series value notation of Prometheus' PromQL test scripts, which promtool's rule unit tests
 * also use for `input_series`: a metric selector (`name{a="b"}`) and a value list where `1+2x3`
 * expands to `1 3 5 7`, `_` and `_xN` are missing samples, `stale` is a staleness marker, numbers
 * may be `Inf`/`NaN` or durations (read as seconds), and `{{schema:1 sum:3 count:22 buckets:[5 10 7]}}`
 * (optionally `{{…}}+{{…}}xN`) is a native histogram. Bad text throws SeriesNotationError with the
 * caller's line number.
 */
import { parseDuration } from './parser/numbers.ts';
import { unquote } from './parser/gostr.ts';

/** SeriesNotationError: text that is not valid series notation; `line` is the caller's line. */
export class SeriesNotationError extends Error {
  readonly line: number;
  /** detail: the message without the `line N: ` prefix. */
  readonly detail: string;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'SeriesNotationError';
    this.line = line;
    this.detail = message;
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

const NUM = String.raw`(?:[Ii][Nn][Ff]|[Nn][Aa][Nn]|(?:\d+(?:ms|[smhdwy]))+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)`;
const FLOAT_ITEM = new RegExp(`^([+-]?${NUM})(?:([+-]${NUM})?x(\\d+))?$`);
const HINTS: ReadonlySet<string> = new Set(['unknown', 'reset', 'not_reset', 'gauge']);

/** seriesNumber reads a value of the series notation: a number, Inf/NaN, or a duration (seconds). */
export function seriesNumber(text: string, line: number): number {
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
      throw new SeriesNotationError(line, `bad duration ${JSON.stringify(text)}: ${(e as Error).message}`);
    }
  } else if (/^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(body)) v = Number(body);
  else throw new SeriesNotationError(line, `bad number ${JSON.stringify(text)}`);
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
    if (seen.has(key)) throw new SeriesNotationError(line, `duplicate key "${key}" in histogram`);
    seen.add(key);
    const list = () => {
      if (!raw.startsWith('[')) throw new SeriesNotationError(line, `histogram ${key} needs a [list]`);
      return raw.slice(1, -1).trim().split(/\s+/).filter((s) => s !== '').map((s) => seriesNumber(s, line));
    };
    const int = () => {
      if (!/^-?\d+$/.test(raw)) throw new SeriesNotationError(line, `histogram ${key} needs an integer, got ${JSON.stringify(raw)}`);
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
        if (!HINTS.has(raw)) throw new SeriesNotationError(line, `bad counter_reset_hint ${JSON.stringify(raw)}`);
        h.counterResetHint = raw as CounterResetHint;
        break;
      default:
        throw new SeriesNotationError(line, `bad histogram descriptor found: ${JSON.stringify(key)}`);
    }
  }
  if (body.slice(at).trim() !== '') throw new SeriesNotationError(line, `bad histogram description ${JSON.stringify(text)}`);
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
      if (close < 0) throw new SeriesNotationError(line, 'unterminated histogram {{…');
      const base = parseHistogram(s.slice(i, close + 2), line);
      i = close + 2;
      let delta: { op: '+' | '-'; by: HistogramLiteral } | null = null;
      if ((s[i] === '+' || s[i] === '-') && s.startsWith('{{', i + 1)) {
        const c2 = s.indexOf('}}', i + 1);
        if (c2 < 0) throw new SeriesNotationError(line, 'unterminated histogram {{…');
        delta = { op: s[i] as '+' | '-', by: parseHistogram(s.slice(i + 1, c2 + 2), line) };
        i = c2 + 2;
      }
      const rep = /^x(\d+)/.exec(s.slice(i));
      if (delta && !rep) throw new SeriesNotationError(line, 'histogram increment needs a repetition count (xN)');
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
    if (!m) throw new SeriesNotationError(line, `unexpected ${JSON.stringify(tok)} in series values, expected number or "stale"`);
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
      } else throw new SeriesNotationError(line, `bad label set in ${JSON.stringify(text)}`);
      const eq = /\s*=\s*/y;
      eq.lastIndex = i;
      if (!eq.test(text)) throw new SeriesNotationError(line, `expected "=" after label ${JSON.stringify(key)}`);
      str.lastIndex = eq.lastIndex;
      const v = str.exec(text);
      if (!v) throw new SeriesNotationError(line, `expected a quoted value for label ${JSON.stringify(key)}`);
      if (key in labels) throw new SeriesNotationError(line, `duplicate label ${JSON.stringify(key)}`);
      const value = unquote(v[1]);
      if (value !== '') labels[key] = value;
      i = str.lastIndex;
      const comma = /\s*,/y;
      comma.lastIndex = i;
      if (comma.test(text)) i = comma.lastIndex;
    }
  } else if (!name) {
    throw new SeriesNotationError(line, `expected a metric name or label set in ${JSON.stringify(text)}`);
  }
  return { labels, rest: text.slice(i) };
}
