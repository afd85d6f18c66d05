/**
 * Go text/template's predefined functions: and, or, not, len, index, slice, print, printf,
 * println, eq, ne, lt, le, gt, ge, html, js and urlquery, with Go's type rules for comparisons
 * (an int never equals a float64: "incompatible types for comparison").
 */
import { TemplateFuncError, type TemplateFunc } from './exec.ts';
import { sprint, sprintf, sprintln } from './fmt.ts';
import { GoMap, SafeHTML, goTypeName, isTrue } from './values.ts';

type Kind = 'bool' | 'int' | 'float' | 'string' | 'nil' | 'other';

function basicKind(v: unknown): Kind {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string' || v instanceof SafeHTML) return 'string';
  if (v === null || v === undefined) return 'nil';
  return 'other';
}

const str = (v: unknown) => (v instanceof SafeHTML ? v.html : (v as string));

function want(name: string, args: unknown[], n: number): void {
  if (args.length !== n) throw new TemplateFuncError(`wrong number of args for ${name}: want ${n} got ${args.length}`);
}

function equal(a: unknown, b: unknown): boolean {
  const ka = basicKind(a), kb = basicKind(b);
  if (ka === 'nil' || kb === 'nil') {
    if (ka === 'nil' && kb === 'nil') return true;
    if (ka === 'other' || kb === 'other') return false;
    throw new TemplateFuncError('incompatible types for comparison');
  }
  if (ka === 'other' || kb === 'other') throw new TemplateFuncError(`non-comparable type ${goTypeName(ka === 'other' ? a : b)}`);
  if (ka !== kb) throw new TemplateFuncError('incompatible types for comparison');
  return ka === 'string' ? str(a) === str(b) : a === b;
}

function less(a: unknown, b: unknown): boolean {
  const ka = basicKind(a), kb = basicKind(b);
  if (ka === 'bool' || ka === 'nil' || ka === 'other') throw new TemplateFuncError('invalid type for comparison');
  if (ka !== kb) throw new TemplateFuncError('incompatible types for comparison');
  if (ka === 'string') return str(a) < str(b);
  return (a as number) < (b as number);
}

function toIndex(v: unknown, what: string): number {
  if (typeof v !== 'bigint') throw new TemplateFuncError(`cannot index slice/array with type ${goTypeName(v)}`);
  void what;
  return Number(v);
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (c < 0x20) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** queryEscape: Go's url.QueryEscape (space as `+`, unreserved kept, the rest %XX). */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** evalArgsText: how html, js and urlquery turn their arguments into one string. */
function argsText(args: unknown[]): string {
  if (args.length === 1 && (typeof args[0] === 'string' || args[0] instanceof SafeHTML)) return str(args[0]);
  return sprint(args);
}

/** BUILTINS: Go's predefined template functions. `and` and `or` are evaluated lazily by exec. */
export const BUILTINS: ReadonlyMap<string, TemplateFunc> = new Map<string, TemplateFunc>([
  ['and', (a) => a.find((x) => !isTrue(x)) ?? a[a.length - 1]],
  ['or', (a) => a.find((x) => isTrue(x)) ?? a[a.length - 1]],
  ['not', (a) => (want('not', a, 1), !isTrue(a[0]))],
  ['len', (a) => {
    want('len', a, 1);
    const v = a[0];
    if (typeof v === 'string') return BigInt(Buffer.byteLength(v, 'utf8'));
    if (Array.isArray(v)) return BigInt(v.length);
    if (v instanceof GoMap) return BigInt(v.entries.size);
    throw new TemplateFuncError(`len of type ${goTypeName(v)}`);
  }],
  ['index', (a) => {
    if (a.length < 1) throw new TemplateFuncError('wrong number of args for index: want at least 1 got 0');
    let v = a[0];
    for (const k of a.slice(1)) {
      if (Array.isArray(v)) {
        const i = toIndex(k, 'index');
        if (i < 0 || i >= v.length) throw new TemplateFuncError(`index out of range: ${i}`);
        v = v[i];
      } else if (v instanceof GoMap) {
        if (typeof k !== 'string') throw new TemplateFuncError(`value has type ${goTypeName(k)}; should be string`);
        v = v.entries.has(k) ? v.entries.get(k) : v.zero;
      } else if (typeof v === 'string') {
        const bytes = Buffer.from(v, 'utf8');
        const i = toIndex(k, 'index');
        if (i < 0 || i >= bytes.length) throw new TemplateFuncError(`index out of range: ${i}`);
        v = BigInt(bytes[i]);
      } else if (v === null || v === undefined) {
        throw new TemplateFuncError('index of untyped nil');
      } else throw new TemplateFuncError(`can't index item of type ${goTypeName(v)}`);
    }
    return v;
  }],
  ['slice', (a) => {
    if (a.length < 1) throw new TemplateFuncError('wrong number of args for slice: want at least 1 got 0');
    const v = a[0];
    const idx = a.slice(1).map((k) => toIndex(k, 'slice'));
    if (idx.length > 2) throw new TemplateFuncError(`too many slice indexes: ${idx.length}`);
    if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8');
      const [i = 0, j = bytes.length] = idx;
      if (i < 0 || j > bytes.length || i > j) throw new TemplateFuncError(`index out of range: ${i > j ? i : j}`);
      return bytes.subarray(i, j).toString('utf8');
    }
    if (Array.isArray(v)) {
      const [i = 0, j = v.length] = idx;
      if (i < 0 || j > v.length || i > j) throw new TemplateFuncError(`index out of range: ${i > j ? i : j}`);
      return v.slice(i, j);
    }
    throw new TemplateFuncError(`can't slice item of type ${goTypeName(v)}`);
  }],
  ['print', (a) => sprint(a)],
  ['printf', (a) => {
    if (a.length < 1 || (typeof a[0] !== 'string' && !(a[0] instanceof SafeHTML))) {
      throw new TemplateFuncError(a.length < 1 ? 'wrong number of args for printf: want at least 1 got 0' : `wrong type for value; expected string; got ${goTypeName(a[0])}`);
    }
    return sprintf(str(a[0]), a.slice(1));
  }],
  ['println', (a) => sprintln(a)],
  ['eq', (a) => {
    if (a.length < 2) throw new TemplateFuncError('missing argument for comparison');
    return a.slice(1).some((b) => equal(a[0], b));
  }],
  ['ne', (a) => (want('ne', a, 2), !equal(a[0], a[1]))],
  ['lt', (a) => (want('lt', a, 2), less(a[0], a[1]))],
  ['le', (a) => (want('le', a, 2), less(a[0], a[1]) || equal(a[0], a[1]))],
  ['gt', (a) => (want('gt', a, 2), !less(a[0], a[1]) && !equal(a[0], a[1]))],
  ['ge', (a) => (want('ge', a, 2), !less(a[0], a[1]))],
  ['html', (a) => htmlEscape(argsText(a))],
  ['js', (a) => jsEscape(argsText(a))],
  ['urlquery', (a) => queryEscape(argsText(a))],
]);
