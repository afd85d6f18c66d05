/**
 * Number and string rendering shared by the exposition writers: floats as Go's
 * strconv.FormatFloat(v, 'g', -1, 64) renders them (what Prometheus and client_golang emit),
 * timestamps as integer milliseconds (text format) or decimal seconds (OpenMetrics), and the
 * escapes of label values and HELP text.
 */

/** formatFloat renders v like Go's `%g` with shortest precision; specials as +Inf, -Inf, NaN. */
export function formatFloat(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const abs = v < 0 ? -v : v;
  // Fast path: Go and JavaScript both write plain decimals for exponents -4..5.
  if (abs >= 1e-4 && abs < 1e6) return String(v);
  const e = v.toExponential();
  const i = e.indexOf('e');
  const exp = Number(e.slice(i + 1));
  const a = exp < 0 ? -exp : exp;
  return `${e.slice(0, i)}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

/** formatMsAsSeconds renders Unix milliseconds as OpenMetrics seconds, exactly for integers. */
export function formatMsAsSeconds(ms: number): string {
  if (!Number.isInteger(ms)) return formatFloat(ms / 1000);
  const neg = ms < 0;
  const a = neg ? -ms : ms;
  const whole = Math.floor(a / 1000);
  const frac = a - whole * 1000;
  let out = neg ? '-' + whole : String(whole);
  if (frac !== 0) out += '.' + String(frac).padStart(3, '0').replace(/0+$/, '');
  return out;
}

const NEEDS_ESCAPE = /[\\"\n]/;

/** escapeLabelValue escapes `\`, `"` and newline, as both formats require in quoted strings. */
export function escapeLabelValue(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c));
}

/** escapeHelp escapes HELP text: `\` and newline, plus `"` for OpenMetrics. */
export function escapeHelp(v: string, openMetrics: boolean): string {
  return openMetrics ? escapeLabelValue(v) : v.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}
