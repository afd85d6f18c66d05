/**
 * What a rule unit test compares and how a failure reads: firing alerts (label and annotation
 * sets, order-insensitive) and query results (label sets and values, order-insensitive, floats
 * equal exactly or, with fuzzy_compare, within one step of the last mantissa bit), printed the
 * way promtool prints them (Go's label-set and `%E` float formats, indented alert lists).
 */
import type { Labels } from '../../model/labels.ts';

/** AlertSet: one alert as compared: its labels (alertname included) and annotations. */
export interface AlertSet {
  labels: Labels;
  annotations: Labels;
}

/** ResultSample: one element of a query result or expectation; `histogram` is '' for floats. */
export interface ResultSample {
  labels: Labels;
  value: number;
  histogram: string;
}

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** goLabels formats a label set as Go's labels.String(): `{__name__="up", job="x"}`. */
export function goLabels(l: Labels): string {
  const parts: string[] = [];
  l.forEach((n, v) => parts.push(`${LEGACY_NAME.test(n) ? n : JSON.stringify(n)}=${JSON.stringify(v)}`));
  return `{${parts.join(', ')}}`;
}

/** formatFloatE formats as Go's strconv.FormatFloat(v, 'E', -1, 64): `1E+00`, `3.5E-07`. */
export function formatFloatE(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const [mant, exp] = v.toExponential().split('e');
  const e = Number(exp);
  return `${Object.is(v, -0) ? '-' : ''}${mant}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** goDuration formats milliseconds as Go's time.Duration.String(): `0s`, `1m0s`, `1.5s`, `250ms`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const frac = rest - s * 1000;
  const secs = frac === 0 ? `${s}` : `${s}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
  if (h > 0) return `${sign}${h}h${m}m${secs}s`;
  if (m > 0) return `${sign}${m}m${secs}s`;
  return `${sign}${secs}s`;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** nextAfter: the float next to `x` in the direction of `toward` (Go's math.Nextafter). */
export function nextAfter(x: number, toward: number): number {
  if (Number.isNaN(x) || Number.isNaN(toward)) return NaN;
  if (x === toward) return x;
  if (x === 0) return toward > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  f64[0] = x;
  u64[0] += (toward > x) === (x > 0) ? 1n : -1n;
  return f64[0];
}

/**
 * floatsEqual compares as promtool: exactly (NaN never equals NaN), or with `fuzzy` also when `b`
 * is the float just above or below `a`.
 */
export function floatsEqual(a: number, b: number, fuzzy: boolean): boolean {
  if (a === b) return true;
  return fuzzy && (nextAfter(a, -Infinity) === b || nextAfter(a, Infinity) === b);
}

function compareAlerts(a: AlertSet, b: AlertSet): number {
  return a.labels.compare(b.labels) || a.annotations.compare(b.annotations);
}

/** alertsEqual: the same alerts in any order. */
export function alertsEqual(exp: readonly AlertSet[], got: readonly AlertSet[]): boolean {
  if (exp.length !== got.length) return false;
  const a = [...exp].sort(compareAlerts), b = [...got].sort(compareAlerts);
  return a.every((x, i) => x.labels.equals(b[i].labels) && x.annotations.equals(b[i].annotations));
}

/** samplesEqual: the same label sets with equal values (or histogram texts), in any order. */
export function samplesEqual(exp: readonly ResultSample[], got: readonly ResultSample[], fuzzy: boolean): boolean {
  if (exp.length !== got.length) return false;
  const byLabels = (x: ResultSample, y: ResultSample) => x.labels.compare(y.labels);
  const a = [...exp].sort(byLabels), b = [...got].sort(byLabels);
  return a.every((x, i) => {
    const y = b[i];
    if (!x.labels.equals(y.labels) || x.histogram !== y.histogram) return false;
    return x.histogram !== '' || floatsEqual(x.value, y.value, fuzzy);
  });
}

/** indentLines prefixes every line but the first with `indent`. */
export function indentLines(text: string, indent: string): string {
  return text.split('\n').join(`\n${indent}`);
}

/** formatAlerts renders a sorted alert list as promtool does (`[]`, or numbered entries). */
export function formatAlerts(alerts: readonly AlertSet[]): string {
  if (alerts.length === 0) return '[]';
  const sorted = [...alerts].sort(compareAlerts);
  const items = sorted.map((a, i) => `${i}:${indentLines(`\nLabels:${goLabels(a.labels)}\nAnnotations:${goLabels(a.annotations)}`, '  ')}`);
  return `[\n${items.join(',\n')}\n]`;
}

/** formatSamples renders a sorted sample list as promtool does (`nil`, or `{…} 1E+00, …`). */
export function formatSamples(samples: readonly ResultSample[]): string {
  if (samples.length === 0) return 'nil';
  const sorted = [...samples].sort((x, y) => x.labels.compare(y.labels));
  return sorted.map((s) => `${goLabels(s.labels)} ${s.histogram !== '' ? s.histogram : formatFloatE(s.value)}`).join(', ');
}

/** withAlertname: expected alert labels as promtool completes them. */
export function withAlertname(labels: Labels, alertname: string): Labels {
  return labels.with('alertname', alertname);
}
