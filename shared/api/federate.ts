/**
 * `/federate`, as Prometheus serves it: for every series matching any `match[]` selector, its
 * newest sample within the lookback delta before now (staleness markers skipped), in the text
 * format 0.0.4 with timestamps. Samples are grouped by metric name, each group under
 * `# TYPE <name> untyped`; the server's external labels are appended to each series that does
 * not carry them, and `instance=""` to a series without an instance, so that the federating
 * server keeps series apart. The newest sample is found by the storage's `instant` kernel, one
 * call for all series. A bad selector is a 400 with the parser's message as plain text.
 */
import type { Context, Hono } from 'hono';
import { ParseError, parseMetricSelector } from '../promql/parser/index.ts';
import { isLegacyLabelName, isLegacyMetricName, METRIC_NAME, type Labels } from '../model/labels.ts';
import type { Matcher } from '../model/matcher.ts';
import type { Queryable, StoredSeries } from '../storage/interface.ts';
import { TEXT_CONTENT_TYPE } from '../exposition/content-type.ts';
import { escapeLabelValue, formatFloat } from '../exposition/format-number.ts';
import { Params } from './params.ts';

/** FederateOptions: what /federate reads and adds. */
export interface FederateOptions {
  storage: Queryable;
  /** The external labels in force now (read per request, so a reload is seen). */
  externalLabels: () => Labels;
  /** How far back a sample may be (default 5 minutes, Prometheus' lookback delta). */
  lookbackDeltaMs?: number;
  /** The clock (Unix ms); tests pass their own. */
  now?: () => number;
}

/** FederatedSample: the newest sample of one series. */
export interface FederatedSample {
  labels: Labels;
  t: number;
  v: number;
}

/**
 * newestSamples returns, for each series matching any of `sets`, its newest non-stale sample in
 * (now - lookback, now], sorted by metric name and then labels.
 */
export function newestSamples(storage: Queryable, sets: readonly Matcher[][], now: number, lookbackMs: number): FederatedSample[] {
  const q = storage.querier(now - lookbackMs, now);
  try {
    const seen = new Map<string, StoredSeries>();
    const loads: Array<{ set: ReturnType<typeof q.select>; index: number[] }> = [];
    for (const m of sets) {
      const set = q.select(m);
      const index: number[] = [];
      set.series.forEach((s, i) => {
        const key = s.labels.key();
        if (seen.has(key)) return;
        seen.set(key, s);
        index.push(i);
      });
      if (index.length) loads.push({ set, index });
    }
    const out: FederatedSample[] = [];
    for (const { set, index } of loads) {
      const batch = set.load(now - lookbackMs, now);
      try {
        const m = batch.kernels.instant({ start: now, step: 1, steps: 1 }, lookbackMs);
        for (const i of index) {
          if (!m.present[i]) continue;
          out.push({ labels: set.series[i].labels, t: m.timestamps![i], v: m.values[i] });
        }
      } finally {
        batch.release();
      }
    }
    return out.sort((a, b) => {
      const na = a.labels.get(METRIC_NAME);
      const nb = b.labels.get(METRIC_NAME);
      return na < nb ? -1 : na > nb ? 1 : a.labels.compare(b.labels);
    });
  } finally {
    q.close();
  }
}

function quoted(name: string): string {
  return `"${escapeLabelValue(name)}"`;
}

/** writeFederation renders samples as /federate's text body. */
export function writeFederation(samples: readonly FederatedSample[], external: Labels): string {
  const extra: Array<[string, string]> = [];
  external.forEach((n, v) => extra.push([n, v]));
  if (!external.has('instance')) extra.push(['instance', '']);
  extra.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: string[] = [];
  let last: string | undefined;
  for (const s of samples) {
    const name = s.labels.get(METRIC_NAME);
    if (name === '') continue; // Prometheus skips nameless series
    const legacy = isLegacyMetricName(name);
    if (name !== last) {
      out.push('# TYPE ', legacy ? name : quoted(name), ' untyped\n');
      last = name;
    }
    const pairs: string[] = [];
    if (!legacy) pairs.push(quoted(name));
    s.labels.forEach((n, v) => {
      if (n !== METRIC_NAME) pairs.push(`${isLegacyLabelName(n) ? n : quoted(n)}="${escapeLabelValue(v)}"`);
    });
    for (const [n, v] of extra) if (!s.labels.has(n)) pairs.push(`${isLegacyLabelName(n) ? n : quoted(n)}="${escapeLabelValue(v)}"`);
    out.push(legacy ? name : '', '{', pairs.join(','), '} ', formatFloat(s.v), ' ', String(s.t), '\n');
  }
  return out.join('');
}

/** federateRoute registers GET /federate. */
export function federateRoute(app: Hono, o: FederateOptions): void {
  const lookback = o.lookbackDeltaMs ?? 300_000;
  const now = o.now ?? Date.now;
  app.get('/federate', async (c: Context) => {
    const p = await Params.read(c);
    let sets: Matcher[][];
    try {
      sets = p.all('match[]').map((s) => parseMetricSelector(s));
    } catch (err) {
      if (err instanceof ParseError) return c.text(`${err.message}\n`, 400);
      throw err;
    }
    const body = writeFederation(newestSamples(o.storage, sets, now(), lookback), o.externalLabels());
    return c.body(body, 200, { 'content-type': TEXT_CONTENT_TYPE });
  });
}
