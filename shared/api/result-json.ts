/**
 * The `data` object of a query response (`resultType`, `result`) as Prometheus' HTTP API writes
 * it, into a JsonWriter: values as strings in Go's `'f'` format, times as Unix seconds. A range
 * query's matrix can hold millions of points, so each series' label set is rendered once, each
 * step time once for all series, and a series' points are joined into one string before they
 * are written.
 */
import type { Labels } from '../model/labels.ts';
import type { QueryValue } from '../promql/engine/index.ts';
import { formatTime, formatValue } from './format-value.ts';
import { JsonWriter } from './json-writer.ts';

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

/**
 * StepTimes: the times of a matrix's points, each rendered once as the text that opens a point
 * (`,[1795247820.123,"`), since a range query's series share their step times. Kept sorted, so
 * that a series walked in time order finds each of its times by moving a cursor forward (the
 * caller's loop does, inline: this is the hottest loop of a large response).
 */
class StepTimes {
  readonly times: number[] = [];
  readonly texts: string[] = [];

  /** insert adds time `t` at index `i`, where the order puts it. */
  insert(i: number, t: number): void {
    this.times.splice(i, 0, t);
    this.texts.splice(i, 0, `,[${formatTime(t)},"`);
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
      w.ascii(`[${formatTime(v.t)},"${formatValue(v.f)}"]`);
      break;
    case 'string':
      w.raw(`[${formatTime(v.t)},${JSON.stringify(v.value)}]`);
      break;
    case 'vector': {
      // An instant query's samples share their time.
      let t = NaN, time = '';
      v.samples.forEach((s, i) => {
        if (s.t !== t) time = formatTime((t = s.t));
        w.raw(`${i === 0 ? '[' : ','}{"metric":${metricJSON(s.metric)},"value":[${time},"${formatValue(s.f)}"]}`);
      });
      w.ascii(v.samples.length === 0 ? '[]' : ']');
      break;
    }
    case 'matrix': {
      const steps = new StepTimes();
      const { times, texts } = steps;
      v.series.forEach((s, i) => {
        w.raw(`${i === 0 ? '[' : ','}{"metric":${metricJSON(s.metric)},"values":[`);
        const floats = s.floats;
        let points = '';
        for (let k = 0, at = 0; k < floats.length; k++) {
          const p = floats[k];
          const t = p.t;
          while (at < times.length && times[at] < t) at++;
          if (times[at] !== t) steps.insert(at, t);
          points += texts[at] + formatValue(p.f) + '"]';
        }
        w.ascii(points.slice(1)); // without the first point's comma
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
