/**
 * Writers for the Prometheus text format 0.0.4 and OpenMetrics 1.0. They append string chunks
 * to an array the caller owns (join it, or write the chunks to a stream), so /federate,
 * /metrics and push can stream families without building one big string per family. A
 * family's samples carry their full label sets, `__name__` included with any suffix
 * (`_total`, `_bucket`…); the writers do not invent names. Names that are not legacy names are
 * written in Prometheus 3's quoted form, `{"my.metric","a.b"="x"}`.
 */
import { isLegacyLabelName, isLegacyMetricName, METRIC_NAME, type Labels } from '../model/labels.ts';
import { escapeHelp, escapeLabelValue, formatFloat, formatMsAsSeconds } from './format-number.ts';
import type { Exemplar, MetricType } from './types.ts';

/** Sample: one sample to write; timestamp in Unix ms, NaN or absent for none. */
export interface Sample {
  labels: Labels;
  value: number;
  timestamp?: number;
  exemplar?: Exemplar;
}

/** MetricFamily: a family with its metadata and samples, in the order they are written. */
export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  unit?: string;
  samples: readonly Sample[];
}

/** The text format knows fewer types; the others are written as their closest kin. */
const TEXT_TYPE: Readonly<Record<MetricType, string>> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'histogram',
  summary: 'summary',
  info: 'untyped',
  stateset: 'untyped',
  unknown: 'untyped',
  untyped: 'untyped',
};

function quoteName(name: string): string {
  return `"${escapeLabelValue(name)}"`;
}

function writeName(out: string[], name: string): void {
  out.push(isLegacyMetricName(name) ? name : quoteName(name));
}

/** writeSeries appends `name{labels}` for a label set (`__name__` included). */
export function writeSeries(out: string[], labels: Labels): void {
  const name = labels.get(METRIC_NAME);
  const legacy = name === '' || isLegacyMetricName(name);
  if (legacy && name !== '') out.push(name);
  const f = labels.flat;
  let first = true;
  if (!legacy) {
    out.push('{', quoteName(name));
    first = false;
  }
  for (let i = 0; i < f.length; i += 2) {
    const n = f[i];
    if (n === METRIC_NAME) continue;
    out.push(first ? '{' : ',', isLegacyLabelName(n) ? n : quoteName(n), '="', escapeLabelValue(f[i + 1]), '"');
    first = false;
  }
  if (!first) out.push('}');
}

/** writeTextHeader appends a family's `# HELP` (when help is given) and `# TYPE` lines. */
export function writeTextHeader(out: string[], name: string, type: MetricType, help?: string): void {
  if (help !== undefined) {
    out.push('# HELP ');
    writeName(out, name);
    out.push(' ', escapeHelp(help, false), '\n');
  }
  out.push('# TYPE ');
  writeName(out, name);
  out.push(' ', TEXT_TYPE[type], '\n');
}

/** writeTextSample appends one text-format sample line; timestamp in ms, NaN/undefined for none. */
export function writeTextSample(out: string[], labels: Labels, value: number, timestamp?: number): void {
  writeSeries(out, labels);
  out.push(' ', formatFloat(value));
  if (timestamp !== undefined && timestamp === timestamp) out.push(' ', String(Math.round(timestamp)));
  out.push('\n');
}

/** writeText appends whole families in the text format. */
export function writeText(out: string[], families: Iterable<MetricFamily>): void {
  for (const fam of families) {
    writeTextHeader(out, fam.name, fam.type, fam.help);
    for (const s of fam.samples) writeTextSample(out, s.labels, s.value, s.timestamp);
  }
}

/** writeOpenMetricsHeader appends `# TYPE`, `# UNIT` (when non-empty) and `# HELP` (when given). */
export function writeOpenMetricsHeader(out: string[], name: string, type: MetricType, help?: string, unit?: string): void {
  out.push('# TYPE ');
  writeName(out, name);
  out.push(' ', type === 'untyped' ? 'unknown' : type, '\n');
  if (unit) {
    out.push('# UNIT ');
    writeName(out, name);
    out.push(' ', unit, '\n');
  }
  if (help !== undefined) {
    out.push('# HELP ');
    writeName(out, name);
    out.push(' ', escapeHelp(help, true), '\n');
  }
}

/** writeOpenMetricsSample appends one OpenMetrics sample line, with its exemplar if given. */
export function writeOpenMetricsSample(out: string[], labels: Labels, value: number, timestamp?: number, exemplar?: Exemplar): void {
  writeSeries(out, labels);
  out.push(' ', formatFloat(value));
  if (timestamp !== undefined && timestamp === timestamp) out.push(' ', formatMsAsSeconds(timestamp));
  if (exemplar !== undefined) {
    out.push(' # ');
    if (exemplar.labels.size === 0) out.push('{}');
    else writeSeries(out, exemplar.labels);
    out.push(' ', formatFloat(exemplar.value));
    if (exemplar.timestamp === exemplar.timestamp) out.push(' ', formatMsAsSeconds(exemplar.timestamp));
  }
  out.push('\n');
}

/** writeOpenMetricsEof appends the mandatory `# EOF` line that ends an exposition. */
export function writeOpenMetricsEof(out: string[]): void {
  out.push('# EOF\n');
}

/** writeOpenMetrics appends whole families and the closing `# EOF`. */
export function writeOpenMetrics(out: string[], families: Iterable<MetricFamily>): void {
  for (const fam of families) {
    writeOpenMetricsHeader(out, fam.name, fam.type, fam.help, fam.unit);
    for (const s of fam.samples) writeOpenMetricsSample(out, s.labels, s.value, s.timestamp, s.exemplar);
  }
  writeOpenMetricsEof(out);
}
