/**
 * Reader for Prometheus' PromQL test scripts (promqltest `.test` files): turns a script into a
 * typed list of commands (`load`, `clear`, `eval`) with their file line numbers, expanding the
 * series value notation (`1+2x10`, `_x3`, `stale`, `Inf`, durations as seconds) and recognising
 * native-histogram literals (`{{schema:1 sum:3 count:22 buckets:[5 10 7]}}`, `{{…}}+{{…}}x3`).
 * It reads the current `expect …` lines and the deprecated `eval_fail`/`eval_warn`/`eval_info`/
 * `eval_ordered` and `expected_fail_message`/`expected_fail_regexp` forms. Bad input throws a
 * ScriptError naming the file line. The series notation itself lives in
 * shared/promql/series-notation.ts (promtool's rule unit tests use it too).
 */
import { parseDuration } from '../../shared/promql/parser/numbers.ts';
import { unquote } from '../../shared/promql/parser/gostr.ts';
import {
  parseMetric, parseValues, seriesNumber, SeriesNotationError,
  type SequenceValue,
} from '../../shared/promql/series-notation.ts';

export { parseMetric, parseValues, type CounterResetHint, type HistogramLiteral, type SequenceValue } from '../../shared/promql/series-notation.ts';

/** ScriptError: a line of a test script that cannot be read (the series notation's error class). */
export { SeriesNotationError as ScriptError };
const ScriptError = SeriesNotationError;

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
