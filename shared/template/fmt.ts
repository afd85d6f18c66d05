/**
 * Go's fmt package as templates use it: fmt.Sprint of template values (the `{{ … }}` output),
 * strconv.FormatFloat's %g/%e/%f, and Sprintf with Go's verbs, flags, width and precision,
 * including Go's in-band error text (`%!d(float64=1.5)`, `%!s(MISSING)`, `%!(EXTRA …)`).
 */
import { GoDuration, GoMap, GoStruct, GoTime, SafeHTML, goTypeName } from './values.ts';

/** decimalDigits: v's decimal digits (no trailing zeros) and decimal point position. */
function decimalDigits(v: number, prec: number): { digits: string; dp: number } {
  if (v === 0) return { digits: '', dp: 0 };
  const s = prec < 0 ? Math.abs(v).toExponential() : Math.abs(v).toExponential(Math.max(prec - 1, 0));
  const [mant, exp] = s.split('e');
  const digits = mant.replace('.', '').replace(/0+$/, '');
  return { digits, dp: Number(exp) + 1 };
}

function specials(v: number, plus: boolean): string | null {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return plus ? '+Inf' : '+Inf';
  if (v === -Infinity) return '-Inf';
  return null;
}

function expPart(exp: number, e: string): string {
  const a = Math.abs(exp);
  return `${e}${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

/** formatE: %e with `prec` digits after the point (-1: shortest). */
export function formatE(v: number, prec: number, e = 'e'): string {
  const sp = specials(v, false);
  if (sp !== null) return sp;
  const neg = v < 0 || Object.is(v, -0);
  let { digits, dp } = decimalDigits(v, prec < 0 ? -1 : prec + 1);
  if (digits === '') {
    digits = '0';
    dp = 1;
  }
  const want = prec < 0 ? digits.length - 1 : prec;
  const frac = digits.slice(1).padEnd(want, '0');
  return `${neg ? '-' : ''}${digits[0]}${want > 0 ? '.' + frac : ''}${expPart(dp - 1, e)}`;
}

/** formatF: %f with `prec` digits after the point (-1: shortest). */
export function formatF(v: number, prec: number): string {
  const sp = specials(v, false);
  if (sp !== null) return sp;
  if (prec < 0) {
    const { digits, dp } = decimalDigits(v, -1);
    const neg = v < 0 ? '-' : '';
    if (digits === '') return `${neg}0`;
    if (dp <= 0) return `${neg}0.${'0'.repeat(-dp)}${digits}`;
    if (dp >= digits.length) return `${neg}${digits}${'0'.repeat(dp - digits.length)}`;
    return `${neg}${digits.slice(0, dp)}.${digits.slice(dp)}`;
  }
  if (Math.abs(v) < 1e21) {
    const s = v.toFixed(prec);
    return Object.is(v, -0) || (v < 0 && !s.startsWith('-')) ? `-${s}` : s;
  }
  const int = BigInt(v).toString();
  return prec > 0 ? `${int}.${'0'.repeat(prec)}` : int;
}

/** formatG: strconv.FormatFloat(v, 'g', prec, 64); prec -1 is the shortest exact form. */
export function formatG(v: number, prec: number, e = 'e'): string {
  const sp = specials(v, false);
  if (sp !== null) return sp;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const neg = v < 0 ? '-' : '';
  const shortest = prec < 0;
  let p = prec === 0 ? 1 : prec;
  const { digits, dp } = decimalDigits(v, shortest ? -1 : p);
  const nd = digits.length;
  let eprec = p;
  if (eprec > nd && nd >= dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (shortest || p > nd) p = nd;
    const frac = digits.slice(1, p).padEnd(p - 1, '0');
    return `${neg}${digits[0]}${p > 1 ? '.' + frac : ''}${expPart(exp, e)}`;
  }
  if (shortest || p > dp) p = nd;
  const decimals = Math.max(p - dp, 0);
  let body: string;
  if (dp <= 0) body = `0.${'0'.repeat(-dp)}${digits}`.slice(0, 2 + decimals);
  else if (dp >= nd) body = digits + '0'.repeat(dp - nd) + (decimals > 0 ? '.' + '0'.repeat(decimals) : '');
  else body = `${digits.slice(0, dp)}.${digits.slice(dp).padEnd(decimals, '0')}`;
  return neg + body;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** formatTime: Go's time.Time.String() for a UTC time: `2006-01-02 15:04:05.999999999 +0000 UTC`. */
export function formatTime(t: GoTime): string {
  const ms = Number(t.ns / 1_000_000n) - (t.ns < 0n && t.ns % 1_000_000n !== 0n ? 1 : 0);
  const d = new Date(ms);
  let frac = ((t.ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const fracText = frac === 0n ? '' : '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  frac = 0n;
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${fracText} +0000 UTC`;
}

/** formatGoDuration: Go's time.Duration.String(), e.g. `1h2m3.5s`, `150ms`, `0s`. */
export function formatGoDuration(d: GoDuration): string {
  let ns = d.ns;
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  if (neg) ns = -ns;
  const sign = neg ? '-' : '';
  const fracOf = (v: bigint, unit: bigint, digits: number) => {
    const whole = v / unit;
    const rest = v % unit;
    return rest === 0n ? `${whole}` : `${whole}.${rest.toString().padStart(digits, '0').replace(/0+$/, '')}`;
  };
  if (ns < 1000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000n) return `${sign}${fracOf(ns, 1000n, 3)}µs`;
  if (ns < 1_000_000_000n) return `${sign}${fracOf(ns, 1_000_000n, 6)}ms`;
  const h = ns / 3_600_000_000_000n;
  const m = (ns / 60_000_000_000n) % 60n;
  const s = fracOf(ns % 60_000_000_000n, 1_000_000_000n, 9);
  return `${sign}${h > 0n ? `${h}h` : ''}${h > 0n || m > 0n ? `${m}m` : ''}${s}s`;
}

/** sprintValue: fmt.Sprint of one value (%v). */
export function sprintValue(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatG(v, -1);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(sprintValue).join(' ')}]`;
  if (v instanceof GoMap) {
    const keys = [...v.entries.keys()].sort();
    return `map[${keys.map((k) => `${k}:${sprintValue(v.entries.get(k))}`).join(' ')}]`;
  }
  if (v instanceof GoStruct) return `{${Object.values(v.fields).map(sprintValue).join(' ')}}`;
  if (v instanceof SafeHTML) return v.html;
  if (v instanceof GoTime) return formatTime(v);
  if (v instanceof GoDuration) return formatGoDuration(v);
  throw new Error(`BUG: template value of unexpected JavaScript type ${typeof v}`);
}

/** sprint: fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && typeof args[i] !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += sprintValue(args[i]);
  }
  return out;
}

/** sprintln: fmt.Sprintln: spaces between all operands and a trailing newline. */
export function sprintln(args: readonly unknown[]): string {
  return args.map(sprintValue).join(' ') + '\n';
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number;
  prec: number;
}

function padTo(s: string, f: Spec): string {
  const n = [...s].length;
  if (n >= f.width) return s;
  if (f.minus) return s + ' '.repeat(f.width - n);
  if (f.zero && /^[+-]?[0-9.]/.test(s)) {
    const sign = /^[+-]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(f.width - n) + s.slice(sign.length);
  }
  return ' '.repeat(f.width - n) + s;
}

function goQuoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function signed(s: string, f: Spec): string {
  if (s.startsWith('-')) return s;
  if (f.plus) return '+' + s;
  if (f.space) return ' ' + s;
  return s;
}

function bad(verb: string, v: unknown): string {
  return `%!${verb}(${goTypeName(v)}=${sprintValue(v)})`;
}

function formatOne(verb: string, v: unknown, f: Spec): string {
  if (verb === 'T') return padTo(goTypeName(v), f);
  if (verb === 'v' && (v === null || v === undefined)) return padTo('<nil>', f);
  if (typeof v === 'number') {
    const p = f.prec;
    switch (verb) {
      case 'v':
      case 'g':
        return padTo(signed(formatG(v, p), f), f);
      case 'G':
        return padTo(signed(formatG(v, p, 'E'), f), f);
      case 'e':
        return padTo(signed(formatE(v, p < 0 ? 6 : p), f), f);
      case 'E':
        return padTo(signed(formatE(v, p < 0 ? 6 : p, 'E'), f), f);
      case 'f':
      case 'F':
        return padTo(signed(formatF(v, p < 0 ? 6 : p), f), f);
      default:
        return bad(verb, v);
    }
  }
  if (typeof v === 'bigint') {
    const abs = v < 0n ? -v : v;
    const neg = v < 0n ? '-' : '';
    let digits: string;
    switch (verb) {
      case 'v':
      case 'd':
        digits = abs.toString();
        break;
      case 'x':
        digits = (f.sharp ? '0x' : '') + abs.toString(16);
        break;
      case 'X':
        digits = (f.sharp ? '0X' : '') + abs.toString(16).toUpperCase();
        break;
      case 'o':
        digits = (f.sharp ? '0' : '') + abs.toString(8);
        break;
      case 'b':
        digits = abs.toString(2);
        break;
      case 'c':
        return padTo(String.fromCodePoint(Number(v)), f);
      case 'q':
        return padTo(`'${String.fromCodePoint(Number(v))}'`, f);
      case 'e':
      case 'f':
      case 'g':
        return bad(verb, v);
      default:
        return bad(verb, v);
    }
    if (f.prec >= 0) digits = digits.padStart(f.prec, '0');
    return padTo(signed(neg + digits, f), f);
  }
  if (typeof v === 'string' || v instanceof SafeHTML) {
    let s = typeof v === 'string' ? v : v.html;
    switch (verb) {
      case 'v':
      case 's':
        if (f.prec >= 0) s = [...s].slice(0, f.prec).join('');
        return padTo(s, f);
      case 'q':
        return padTo(goQuoteString(s), f);
      case 'x':
      case 'X': {
        const hex = Buffer.from(s, 'utf8').toString('hex');
        return padTo(verb === 'X' ? hex.toUpperCase() : hex, f);
      }
      default:
        return bad(verb, v);
    }
  }
  if (typeof v === 'boolean') return verb === 'v' || verb === 't' ? padTo(String(v), f) : bad(verb, v);
  if (verb === 'v' || verb === 's') return padTo(sprintValue(v), f);
  return bad(verb, v);
}

/** sprintf: Go's fmt.Sprintf for the verbs v s q d x X o b c e E f F g G t T and %%. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const f: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: 0, prec: -1 };
    i++;
    for (; i < format.length; i++) {
      const fl = format[i];
      if (fl === '-') f.minus = true;
      else if (fl === '+') f.plus = true;
      else if (fl === '#') f.sharp = true;
      else if (fl === ' ') f.space = true;
      else if (fl === '0') f.zero = true;
      else break;
    }
    while (i < format.length && /[0-9]/.test(format[i])) f.width = f.width * 10 + Number(format[i++]);
    if (format[i] === '.') {
      i++;
      f.prec = 0;
      while (i < format.length && /[0-9]/.test(format[i])) f.prec = f.prec * 10 + Number(format[i++]);
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = format[i];
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argi++], f);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args.slice(argi).map((a) => `${goTypeName(a)}=${sprintValue(a)}`).join(', ')})`;
  }
  return out;
}
