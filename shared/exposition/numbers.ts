/**
 * Number parsing for the exposition formats, over a span of the page without slicing it on the
 * fast path. OpenMetrics numbers follow its ABNF exactly (decimal only, case-insensitive
 * `inf`/`infinity`/`nan`); text-format values follow Go's strconv.ParseFloat as Prometheus
 * does (adds hexadecimal floats); text-format timestamps are integer milliseconds. Every
 * function returns undefined for text that is not a number of its kind, never throws.
 */

/** POW10: the powers of ten a double holds exactly. */
export const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * parseRealNumber parses `[sign] digits [. digits] [e [sign] digits]` (at least one mantissa
 * digit) in s[a, b). Fast path: up to 15 significant digits and no exponent are computed
 * exactly from the characters; anything else goes through Number().
 */
export function parseRealNumber(s: string, a: number, b: number): number | undefined {
  let i = a;
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === 43 || c === 45) {
    neg = c === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let sawDot = false;
  let exp = false;
  for (; i < b; i++) {
    c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      if (sawDot) frac++;
    } else if (c === 46 && !sawDot) {
      sawDot = true;
    } else break;
  }
  if (digits === 0) return undefined;
  if (i < b) {
    if (c !== 101 && c !== 69) return undefined;
    i++;
    c = s.charCodeAt(i);
    if (c === 43 || c === 45) i++;
    const expStart = i;
    while (i < b && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
    if (i === expStart || i !== b) return undefined;
    exp = true;
  }
  // Fast path: the mantissa is exact below 2^53 and a power of ten up to 1e22 is exact, so one
  // division is correctly rounded. Leading zeros count as digits here, which only costs speed.
  if (!exp && digits <= 15 && frac <= 22) {
    const v = frac === 0 ? mant : mant / POW10[frac];
    return neg ? -v : v;
  }
  return Number(s.slice(a, b));
}

/** parseSpecial recognises [sign] inf / infinity, and unsigned nan, ignoring case. */
function parseSpecial(s: string, a: number, b: number): number | undefined {
  const len = b - a;
  if (len < 3 || len > 9) return undefined;
  const w = s.slice(a, b).toLowerCase();
  switch (w) {
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    case 'nan':
      return NaN;
  }
  return undefined;
}

/** parseOpenMetricsNumber parses an OpenMetrics `number`: a realnumber, ±inf(inity) or nan. */
export function parseOpenMetricsNumber(s: string, a: number, b: number): number | undefined {
  if (a >= b) return undefined;
  const v = parseRealNumber(s, a, b);
  if (v !== undefined) return v;
  return parseSpecial(s, a, b);
}

/**
 * parseGoFloat parses a value as Go's strconv.ParseFloat does for the text format: decimal
 * with optional exponent, special values, and hexadecimal floats with a mandatory `p` exponent.
 */
export function parseGoFloat(s: string, a: number, b: number): number | undefined {
  if (a >= b) return undefined;
  const v = parseRealNumber(s, a, b);
  if (v !== undefined) return v;
  const sp = parseSpecial(s, a, b);
  if (sp !== undefined) return sp;
  return parseHexFloat(s, a, b);
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** parseHexFloat parses `[sign] 0x hex [. hex] p [sign] digits`. */
function parseHexFloat(s: string, a: number, b: number): number | undefined {
  let i = a;
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === 43 || c === 45) {
    neg = c === 45;
    i++;
  }
  if (s.charCodeAt(i) !== 48 || (s.charCodeAt(i + 1) | 32) !== 120) return undefined;
  i += 2;
  let mant = 0;
  let digits = 0;
  let scale = 0;
  let sawDot = false;
  for (; i < b; i++) {
    c = s.charCodeAt(i);
    const d = hexDigit(c);
    if (d >= 0) {
      mant = mant * 16 + d;
      digits++;
      if (sawDot) scale -= 4;
    } else if (c === 46 && !sawDot) sawDot = true;
    else break;
  }
  if (digits === 0 || i >= b || (s.charCodeAt(i) | 32) !== 112) return undefined;
  i++;
  let eneg = false;
  c = s.charCodeAt(i);
  if (c === 43 || c === 45) {
    eneg = c === 45;
    i++;
  }
  const expStart = i;
  let e = 0;
  while (i < b && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    e = e * 10 + (c - 48);
    i++;
  }
  if (i === expStart || i !== b) return undefined;
  const v = mant * Math.pow(2, (eneg ? -e : e) + scale);
  return neg ? -v : v;
}

/** parseIntegerMs parses a text-format timestamp: `[sign] digits`, milliseconds. */
export function parseIntegerMs(s: string, a: number, b: number): number | undefined {
  let i = a;
  let neg = false;
  const c0 = s.charCodeAt(i);
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i++;
  }
  if (i >= b) return undefined;
  let v = 0;
  for (; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  if (b - a > 15) v = Math.abs(Number(s.slice(a, b)));
  return neg ? -v : v;
}

/**
 * parseSecondsAsMs parses an OpenMetrics timestamp (a realnumber of seconds) into Unix
 * milliseconds, rounded to the nearest millisecond.
 */
export function parseSecondsAsMs(s: string, a: number, b: number): number | undefined {
  if (a >= b) return undefined;
  const sec = parseRealNumber(s, a, b);
  if (sec === undefined) return undefined;
  return Math.round(sec * 1000);
}
