/**
 * The `data` object of a query response (`resultType`, `result`) as Prometheus' HTTP API writes
 * it, into a JsonWriter: values as strings in Go's `'f'` format, times as Unix seconds. A range
 * query's matrix can hold millions of points, so each series' label set is rendered once, and the
 * points are written as bytes straight into the writer, each distinct time and value formatted
 * once and copied where it comes again (Points: two TextCaches).
 */
import type { Labels } from '../model/labels.ts';
import type { FloatPoint, QueryValue } from '../promql/engine/index.ts';
import { formatTime, formatValue } from './format-value.ts';
import { JsonWriter } from './json-writer.ts';
import { TextCache } from './text-cache.ts';

function metricJSON(labels: Labels): string {
  return JSON.stringify(labels.toObject());
}

/** Bytes per point beside its label set: `,[1795247820.123,"0.7473684210526315"]`. */
const POINT_BYTES = 40;
const LABELS_BYTES = 160;

/** resultSize estimates the bytes of a value's JSON, for the writer's first buffer. */
export function resultSize(v: QueryValue): number {
  switch (v.resultType) {
    case 'vector':
      return 256 + v.samples.length * (POINT_BYTES + LABELS_BYTES);
    case 'matrix': {
      let points = 0;
      for (const s of v.series) points += s.floats.length;
      return 256 + points * POINT_BYTES + v.series.length * LABELS_BYTES;
    }
    default:
      return 256;
  }
}

/** The text that opens a point, up to its value: `[1795247820.123,"`. */
const pointOpen = (t: number) => `[${formatTime(t)},"`;

/** Points: the caches of a result's point times and values (each distinct one formatted once, see TextCache). */
class Points {
  readonly times = new TextCache(pointOpen);
  readonly values = new TextCache(formatValue);

  /** write writes a point, `[1795247820.123,"0.5"]`. */
  write(w: JsonWriter, t: number, f: number): void {
    this.times.write(w, t);
    this.values.write(w, f);
    w.byte(QUOTE);
    w.byte(CLOSE);
  }
}

const QUOTE = 0x22;
const CLOSE = 0x5d; // ]
const COMMA = 0x2c;

/**
 * writePoints writes a series' points, comma-separated: the hottest loop of a large response. It
 * calls the caches itself rather than Points.write, so that the compiler inlines their `write`
 * (called, it would box each number in a new heap object; through Points.write the 1 h `rate`
 * response took twice as long).
 */
function writePoints(w: JsonWriter, floats: readonly FloatPoint[], points: Points): void {
  const { times, values } = points;
  for (let k = 0; k < floats.length; k++) {
    if (k !== 0) w.byte(COMMA);
    const p = floats[k];
    times.write(w, p.t);
    values.write(w, p.f);
    w.byte(QUOTE);
    w.byte(CLOSE);
  }
}

/**
 * writeResult writes a query value as the `data` object of a response into `w`; `extra`
 * (already JSON, such as `"stats":{…}`) is written inside it, after the result.
 */
export function writeResult(w: JsonWriter, v: QueryValue, extra = ''): void {
  w.ascii(`{"resultType":"${v.resultType}","result":`);
  switch (v.resultType) {
    case 'scalar':
      new Points().write(w, v.t, v.f);
      break;
    case 'string':
      w.raw(`[${formatTime(v.t)},${JSON.stringify(v.value)}]`);
      break;
    case 'vector': {
      const points = new Points();
      v.samples.forEach((s, i) => {
        w.raw(`${i === 0 ? '[' : ','}{"metric":${metricJSON(s.metric)},"value":`);
        points.write(w, s.t, s.f);
        w.byte(0x7d); // }
      });
      w.ascii(v.samples.length === 0 ? '[]' : ']');
      break;
    }
    case 'matrix': {
      const points = new Points();
      v.series.forEach((s, i) => {
        w.raw(`${i === 0 ? '[' : ','}{"metric":${metricJSON(s.metric)},"values":[`);
        writePoints(w, s.floats, points);
        w.ascii(']}');
      });
      w.ascii(v.series.length === 0 ? '[]' : ']');
      break;
    }
  }
  w.ascii(extra ? `,${extra}}` : '}');
}

/** resultJSON renders a query value as the `data` object of a response, as a string (see writeResult). */
export function resultJSON(v: QueryValue, extra = ''): string {
  const w = new JsonWriter(resultSize(v));
  writeResult(w, v, extra);
  return w.bytes().toString('utf8');
}
