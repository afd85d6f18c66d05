/**
 * Cardinality statistics of a label index, as Prometheus' `/api/v1/status/tsdb` reports them: the
 * series count per metric name, the number of distinct values per label name, the bytes of those
 * values per label name, and the series count per label pair — each the top `limit` entries, largest
 * first. Read from the postings sizes; no series is visited.
 */
import { METRIC_NAME } from '../../model/labels.ts';
import type { LabelIndex } from './label-index.ts';

/** Stat: one name and its count, as the API's TSDBStat. */
export interface Stat {
  name: string;
  value: number;
}

export interface Cardinality {
  seriesCountByMetricName: Stat[];
  labelValueCountByLabelName: Stat[];
  memoryInBytesByLabelName: Stat[];
  seriesCountByLabelValuePair: Stat[];
  /** Distinct name=value pairs in the index. */
  labelPairs: number;
}

const utf8 = new TextEncoder();

/** cardinality computes the statistics; cost is one pass over the index's names and values. */
export function cardinality(ix: LabelIndex, limit = 10): Cardinality {
  const byMetric: Stat[] = [], valueCount: Stat[] = [], bytes: Stat[] = [], pairs: Stat[] = [];
  let labelPairs = 0;
  for (const name of ix.sortedNames()) {
    const entry = ix.entry(name);
    if (entry === undefined) continue;
    let size = 0, distinct = 0;
    for (const [value, id] of entry.ids) {
      const series = entry.postingsOf(id).length;
      if (series === 0) continue;
      distinct++;
      size += utf8.encode(value).length;
      pairs.push({ name: `${name}=${value}`, value: series });
      if (name === METRIC_NAME) byMetric.push({ name: value, value: series });
    }
    labelPairs += distinct;
    valueCount.push({ name, value: distinct });
    bytes.push({ name, value: size });
  }
  const top = (xs: Stat[]) => xs.sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1)).slice(0, limit);
  return {
    seriesCountByMetricName: top(byMetric),
    labelValueCountByLabelName: top(valueCount),
    memoryInBytesByLabelName: top(bytes),
    seriesCountByLabelValuePair: top(pairs),
    labelPairs,
  };
}
