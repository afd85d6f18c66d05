/**
 * Sample values and times as Prometheus' HTTP API writes them: values as strings in Go's `'f'`
 * format (`NaN`, `+Inf`, `-Inf` included), times as Unix seconds (JSON numbers). Whole results
 * are written by result-json.ts into a JsonWriter (json-writer.ts).
 */

/** formatValue renders a sample value as Prometheus' API does: Go's FormatFloat(v, 'f', -1, 64). */
export function formatValue(v: number): string {
  // Fast path: where JavaScript prints no exponent, both print the shortest round-trip digits.
  const a = v < 0 ? -v : v;
  if (a >= 1e-6 && a < 1e21) return String(v);
  return formatValueExact(v);
}

/** formatValueExact is formatValue without its fast path, for every value (NaN, ±Inf, ±0 included). */
export function formatValueExact(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // JavaScript switches to exponents below 1e-6 and from 1e21; Go's 'f' never does.
  const neg = s[0] === '-';
  const mantissa = s.slice(neg ? 1 : 0, e);
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot < 0 ? mantissa.length : dot) + Number(s.slice(e + 1));
  const body =
    point <= 0 ? `0.${'0'.repeat(-point)}${digits}`
    : point >= digits.length ? digits + '0'.repeat(point - digits.length)
    : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${body}` : body;
}

/** formatTime renders Unix ms as the API's Unix seconds (a JSON number). */
export function formatTime(ms: number): string {
  return String(ms / 1000);
}
