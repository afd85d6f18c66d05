/**
 * The `data` object of a query response (`resultType`, `result`) as Prometheus' HTTP API writes
 * it, into a JsonWriter: values as strings in Go's `'f'` format, times as Unix seconds. A range
 * query's matrix can hold millions of points, so each series' label set is rendered once, and the
 * points are written as bytes straight into the writer, each distinct time and value formatted
 * once and copied where it comes again (two TextCaches).
 */
import type { Labels } from '../model/labels.ts';
import type { QueryValue, Series } from '../promql/engine/index.ts';
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
      for (const s of v.series) points += s.ts.length;
      return 256 + points * POINT_BYTES + v.series.length * LABELS_BYTES;
    }
    default:
      return 256;
  }
}

/**
 * A matrix point's text in two halves, each cached per distinct time or value (TextCache): the
 * time's `,[1795247820.123,"` (its comma the separator from the point before) and the value's
 * `0.5"]`. A series' first comma becomes the `[` that opens its list.
 */

/**
 * writePoints writes a series' points from index `from` on, as the JSON list `[[t,"v"],…]` without
 * its closing `]`, and stops after the first point that leaves `w` holding `stop` bytes or more
 * (one point at least); it returns the index of the first point not written (the series' length
 * when all were). `from` must be below the series' length. The hottest loop of a large response:
 * it hands the caches each number through TextCache.scratch, so that no call boxes it (when V8
 * did not inline TextCache.write, the 1 h `rate` response took 1.5-2 times as long).
 */
function writePoints(w: JsonWriter, s: Series, from: number, stop: number, times: TextCache, values: TextCache): number {
  const { ts, vs } = s;
  const scratch = TextCache.scratch;
  const open = w.length;
  let k = from;
  do {
    scratch[0] = ts[k];
    times.writeScratch(w);
    scratch[0] = vs[k];
    values.writeScratch(w);
  } while (++k < ts.length && w.length < stop);
  // The first point's comma opens the list, patched while it is still in `w` (before a pause).
  if (from === 0) w.set(open, OPEN_LIST);
  return k;
}

const OPEN_LIST = 0x5b; // [
const CLOSE_LIST = 0x5d; // ]

/**
 * writeResult writes a query value as the `data` object of a response into `w`; `extra`
 * (already JSON, such as `"stats":{…}`) is written inside it, after the result.
 */
export function writeResult(w: JsonWriter, v: QueryValue, extra = ''): void {
  for (const _ of writeResultParts(w, v, extra, Infinity));
}

/**
 * writeResultParts writes what writeResult writes, the same bytes, and pauses (yields) each time
 * `w` holds `part` bytes or more, at a place where nothing written so far will change: the caller
 * may then take them (JsonWriter.take) and send them before the rest is rendered. Nothing is
 * written before the first `next()`; `v` must not change until the generator is done.
 */
export function* writeResultParts(w: JsonWriter, v: QueryValue, extra: string, part: number): Generator<void, void, void> {
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
      for (let i = 0; i < v.samples.length; i++) {
        const s = v.samples[i];
        if (s.t !== t) time = formatTime((t = s.t));
        w.raw(`${i === 0 ? '[' : ','}{"metric":${metricJSON(s.metric)},"value":[${time},"${formatValue(s.f)}"]}`);
        if (w.length >= part) yield;
      }
      w.ascii(v.samples.length === 0 ? '[]' : ']');
      break;
    }
    case 'matrix': {
      const times = new TextCache(formatTime, ',[', ',"');
      const values = new TextCache(formatValue, '', '"]', true);
      for (let i = 0; i < v.series.length; i++) {
        const s = v.series[i];
        w.raw(`${i === 0 ? '[' : ','}{"metric":${metricJSON(s.metric)},"values":`);
        if (s.ts.length === 0) {
          w.ascii('[]');
        } else {
          for (let k = 0; (k = writePoints(w, s, k, part, times, values)) < s.ts.length; ) yield;
          w.byte(CLOSE_LIST);
        }
        w.byte(0x7d); // }
        if (w.length >= part) yield;
      }
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
