/**
 * formatExpr prints an AST back as PromQL the way Prometheus' String() methods do (used by
 * /api/v1/format_query and to check the parser by round trip): single spaces around binary
 * operators, matchers sorted, durations as `1h30m`, `@` timestamps with three decimals, and
 * label names quoted only when they are not legacy identifiers.
 */
import type { AtModifier, DurationExpr, Expr, VectorMatching, VectorSelector } from './ast.ts';
import { goQuote } from './parser/gostr.ts';
import { formatDuration, formatFloat } from './parser/numbers.ts';
import type { Matcher } from '../model/matcher.ts';

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function labelName(s: string): string {
  return LEGACY_NAME.test(s) ? s : goQuote(s);
}

function labelList(ls: readonly string[]): string {
  return ls.map(labelName).join(', ');
}

function matcherText(m: Matcher): string {
  return `${labelName(m.name)}${m.type}${goQuote(m.value)}`;
}

function atText(at: AtModifier | null): string {
  if (at === null) return '';
  if (at === 'start') return ' @ start()';
  if (at === 'end') return ' @ end()';
  return ` @ ${(at / 1000).toFixed(3)}`;
}

function offsetText(offset: number, expr: DurationExpr | null): string {
  if (expr) return ` offset ${formatExpr(expr)}`;
  if (offset > 0) return ` offset ${formatDuration(offset)}`;
  if (offset < 0) return ` offset -${formatDuration(-offset)}`;
  return '';
}

function selectorText(vs: VectorSelector): string {
  const parts: string[] = [];
  for (const m of vs.matchers) {
    if (m.name === '__name__' && m.type === '=' && m.value === vs.name && m.value !== '') continue;
    parts.push(matcherText(m));
  }
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return vs.name + (parts.length > 0 ? `{${parts.join(',')}}` : '');
}

function matchingText(m: VectorMatching | null): string {
  if (!m) return '';
  let out = '';
  const grouped = m.card === 'many-to-one' || m.card === 'one-to-many';
  if (m.labels.length > 0 || m.on || grouped) out += ` ${m.on ? 'on' : 'ignoring'} (${labelList(m.labels)})`;
  if (grouped) out += ` group_${m.card === 'many-to-one' ? 'left' : 'right'} (${labelList(m.include)})`;
  const { lhs, rhs } = m.fill;
  // Go's `==`, as Prometheus' printer compares: fill(NaN) prints as fill_left (NaN) fill_right (NaN).
  if (lhs !== null && rhs !== null && lhs === rhs) {
    out += ` fill (${goValue(lhs)})`;
  } else {
    if (lhs !== null) out += ` fill_left (${goValue(lhs)})`;
    if (rhs !== null) out += ` fill_right (${goValue(rhs)})`;
  }
  return out;
}

/**
 * goValue prints a float as Go's `%v` does: strconv's shortest 'g' form, which switches to an
 * exponent (two digits at least) below 1e-4 and from 1e6 up: 0.0001, 1e-05, 123456, 1e+06.
 */
function goValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, exp] = v.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(v);
}

function durationExprText(d: DurationExpr): string {
  let s: string;
  switch (d.op) {
    case 'step':
      s = 'step()';
      break;
    case 'range':
      s = 'range()';
      break;
    case 'min_of':
    case 'max_of':
      s = `${d.op}(${formatExpr(d.lhs!)}, ${formatExpr(d.rhs!)})`;
      break;
    default:
      if (d.lhs === null) {
        if (d.rhs === null) throw new Error(`BUG: duration expression ${d.op} without operands`);
        s = d.op === '-' ? `-${formatExpr(d.rhs)}` : formatExpr(d.rhs);
      } else {
        s = `${formatExpr(d.lhs)} ${d.op} ${formatExpr(d.rhs!)}`;
      }
  }
  return d.wrapped ? `(${s})` : s;
}

/** formatExpr renders `e` as PromQL text, as Prometheus prints it. */
export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'NumberLiteral':
      if (e.duration) return e.value < 0 ? `-${formatDuration(-e.value * 1000)}` : formatDuration(e.value * 1000);
      return formatFloat(e.value);
    case 'StringLiteral':
      return goQuote(e.value);
    case 'ParenExpr':
      return `(${formatExpr(e.expr)})`;
    case 'UnaryExpr':
      return `${e.op}${formatExpr(e.expr)}`;
    case 'Call':
      return `${e.func.name}(${e.args.map(formatExpr).join(', ')})`;
    case 'AggregateExpr': {
      let s = e.op;
      if (e.without) s += ` without (${labelList(e.grouping)}) `;
      else if (e.grouping.length > 0) s += ` by (${labelList(e.grouping)}) `;
      return `${s}(${e.param ? formatExpr(e.param) + ', ' : ''}${formatExpr(e.expr)})`;
    }
    case 'BinaryExpr':
      return `${formatExpr(e.lhs)} ${e.op}${e.returnBool ? ' bool' : ''}${matchingText(e.matching)} ${formatExpr(e.rhs)}`;
    case 'VectorSelector': {
      let s = selectorText(e) + atText(e.at);
      if (e.anchored) s += ' anchored';
      else if (e.smoothed) s += ' smoothed';
      return s + offsetText(e.offset, e.offsetExpr);
    }
    case 'MatrixSelector': {
      const vs = e.vector;
      const range = e.rangeExpr ? formatExpr(e.rangeExpr) : formatDuration(e.range);
      const ext = vs.anchored ? ' anchored' : vs.smoothed ? ' smoothed' : '';
      return `${selectorText(vs)}[${range}]${ext}${atText(vs.at)}${offsetText(vs.offset, vs.offsetExpr)}`;
    }
    case 'SubqueryExpr': {
      const range = e.rangeExpr ? formatExpr(e.rangeExpr) : formatDuration(e.range);
      const step = e.step !== 0 ? formatDuration(e.step) : e.stepExpr ? formatExpr(e.stepExpr) : '';
      return `${formatExpr(e.expr)}[${range}:${step}]${atText(e.at)}${offsetText(e.offset, e.offsetExpr)}`;
    }
    case 'DurationExpr':
      return durationExprText(e);
  }
}
