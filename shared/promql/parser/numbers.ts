/**
 * Number and duration literals of PromQL, read and written as Prometheus does: numbers follow
 * Go's ParseInt(base 0) then ParseFloat (so `0x1f`, `010` (octal), `1_000`, `1e3`, `Inf`, `NaN`),
 * durations follow Prometheus' model.ParseDuration (`1y2w3d4h5m6s7ms`, units largest first, each
 * at most once) and print as model.Duration.String does.
 */

/** NumberSyntaxError: text that is not a number; `message` reads like Go's strconv error. */
export class NumberSyntaxError extends Error {}

const DEC_INT = /^[0-9](_?[0-9])*$/;
const OCT_INT = /^0(_?[0-7])+$/;
const HEX_INT = /^0[xX](_?[0-9a-fA-F])+$/;
const DIGITS = '[0-9](_?[0-9])*';
const DEC_FLOAT = new RegExp(`^(${DIGITS}(\\.(${DIGITS})?)?|\\.${DIGITS})([eE][+-]?${DIGITS})?$`);
const INT64_MAX = 9223372036854775807n;

/** parseNumber reads a number token. Throws NumberSyntaxError with Go's wording on bad input. */
export function parseNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === 'nan') return NaN;
  const plain = text.replace(/_/g, '');
  if (HEX_INT.test(text) || OCT_INT.test(text) || DEC_INT.test(text)) {
    const big = HEX_INT.test(text) ? BigInt(plain) : OCT_INT.test(text) ? BigInt('0o' + plain.slice(1)) : BigInt(plain);
    if (big <= INT64_MAX) return Number(big);
    // ParseInt overflowed: Go falls back to ParseFloat, which has no hex integers.
    if (HEX_INT.test(text)) throw new NumberSyntaxError(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
  }
  if (!DEC_FLOAT.test(text)) throw new NumberSyntaxError(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
  const v = Number(plain);
  if (!Number.isFinite(v)) throw new NumberSyntaxError(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: value out of range`);
  return v;
}

/** DurationSyntaxError: text that is not a duration; `message` is Prometheus' wording. */
export class DurationSyntaxError extends Error {}

const UNITS: Record<string, { pos: number; ms: bigint }> = {
  y: { pos: 1, ms: 365n * 24n * 3600000n },
  w: { pos: 2, ms: 7n * 24n * 3600000n },
  d: { pos: 3, ms: 24n * 3600000n },
  h: { pos: 4, ms: 3600000n },
  m: { pos: 5, ms: 60000n },
  s: { pos: 6, ms: 1000n },
  ms: { pos: 7, ms: 1n },
};
/** The largest duration Go's time.Duration holds, in milliseconds. */
const MAX_MS = 9223372036854n;

/** parseDuration reads a duration such as `1h30m` into milliseconds. Throws DurationSyntaxError. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  if (text === '') throw new DurationSyntaxError('empty duration string');
  const invalid = () => new DurationSyntaxError(`not a valid duration string: ${JSON.stringify(text)}`);
  let rest = text;
  let total = 0n;
  let lastPos = 0;
  while (rest !== '') {
    const num = /^[0-9]+/.exec(rest);
    if (!num) throw invalid();
    rest = rest.slice(num[0].length);
    const unit = /^[^0-9]+/.exec(rest);
    if (!unit) throw invalid();
    rest = rest.slice(unit[0].length);
    const u = UNITS[unit[0]];
    if (!u) throw new DurationSyntaxError(`unknown unit ${JSON.stringify(unit[0])} in duration ${JSON.stringify(text)}`);
    if (u.pos <= lastPos) throw invalid();
    lastPos = u.pos;
    total += BigInt(num[0]) * u.ms;
    if (total > MAX_MS) throw new DurationSyntaxError('duration out of range');
  }
  return Number(total);
}

/**
 * formatDuration prints milliseconds as Prometheus' model.Duration does: `0s`, `1h30m`, `90d`;
 * years and weeks only when they divide exactly. Negative values get a leading `-`.
 */
export function formatDuration(ms: number): string {
  let v = Math.trunc(ms);
  if (v === 0) return '0s';
  let out = '';
  if (v < 0) {
    out = '-';
    v = -v;
  }
  const step = (unit: string, mult: number, exact: boolean) => {
    if (exact && v % mult !== 0) return;
    const n = Math.floor(v / mult);
    if (n > 0) {
      out += `${n}${unit}`;
      v -= n * mult;
    }
  };
  step('y', 365 * 24 * 3600000, true);
  step('w', 7 * 24 * 3600000, true);
  step('d', 24 * 3600000, false);
  step('h', 3600000, false);
  step('m', 60000, false);
  step('s', 1000, false);
  step('ms', 1, false);
  return out;
}

/** formatFloat prints a number as Go's strconv.FormatFloat(v, 'f', -1, 64): no exponent. */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  if (!/e/.test(s)) return s;
  // Expand the exponent form JavaScript uses for very large or small magnitudes.
  const [mant, expStr] = s.split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const pointAt = (mant.replace('-', '').indexOf('.') === -1 ? mant.replace('-', '').length : mant.replace('-', '').indexOf('.')) + exp;
  let res: string;
  if (pointAt <= 0) res = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) res = digits + '0'.repeat(pointAt - digits.length);
  else res = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return (neg ? '-' : '') + res;
}
