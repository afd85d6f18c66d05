/**
 * PromQL benchmark: the harness' query set (../shared/bench/config/queries.json) on synthetic data
 * from the same generator (../shared/bench/gen/model.js), loaded into the in-memory storage, timed
 * through Engine.instantQuery / rangeQuery (medians), beside Prometheus' and VictoriaMetrics'
 * medians from ../shared/bench/results-anchors.md. The data is smaller than the anchors' 10k series
 * × 24 h unless OUTPOST_BENCH_SERIES / OUTPOST_BENCH_HOURS say otherwise; the output says which.
 */
import { Engine } from '../../shared/promql/engine/index.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import { loadModel, median, parsePrefix } from './workload.ts';

/** Anchor medians (ms), Prometheus 2.42 / VictoriaMetrics 1.79, measured on this machine. */
const ANCHORS: Record<string, [number, number]> = {
  'instant rate': [17, 31], 'instant sum_by_job': [11, 25], 'instant p99': [35, 97], 'instant topk': [9.0, 23],
  'instant regex': [1.2, 2.3], 'instant count_all': [39, 151],
  '1h@15s rate': [121, 116], '1h@15s sum_by_job': [64, 27], '1h@15s p99': [242, 106], '1h@15s topk': [72, 30],
  '1h@15s regex': [7.3, 3.8], '1h@15s count_all': [196, 169],
  '24h@60s sum_by_job': [688, 60], '24h@60s p99': [2680, 229], '24h@60s topk': [762, 73], '24h@60s regex': [61, 7.0],
  '24h@60s count_all': [2773, 313],
};

const QUERIES: Record<string, string> = {
  rate: 'rate(http_requests_total[5m])',
  sum_by_job: 'sum by (job) (rate(http_requests_total[5m]))',
  p99: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
  topk: 'topk(5, sum by (handler) (rate(http_requests_total[5m])))',
  regex: 'sum by (code) (rate(http_requests_total{handler=~"/api/v1/.*",code=~"5.."}[5m]))',
  count_all: 'count({__name__=~".+"})',
  subquery: 'max_over_time(sum by (job) (rate(http_requests_total[5m]))[30m:1m])',
};

export default async function run(): Promise<void> {
  const model = loadModel();
  const seriesWanted = Number(process.env.OUTPOST_BENCH_SERIES ?? 10_000);
  const hours = Number(process.env.OUTPOST_BENCH_HOURS ?? 24);
  const targets = 10;
  const handlers = Math.max(1, Math.round(seriesWanted / targets / model.SERIES_PER_HANDLER));
  const intervalMs = 15_000;
  const scrapes = Math.round((hours * 3_600_000) / intervalMs) + 1;
  const storage = openMemStorage();
  const t0 = 1_700_000_000_000;
  const loadStart = performance.now();
  // One generator per target for the whole history, as the harness' history.js writes it: counters
  // never restart. Refs are kept as a scrape cache keeps them.
  const gens = Array.from({ length: targets }, (_, i) => new model.Target({ handlers, seed: 1000 + i }));
  const labels = gens.map((g, i) => g.prefixes.map((p) => parsePrefix(p, { job: model.jobFor(i), instance: `10.0.0.${i}:9100` })));
  const refs = labels.map((l) => new Array<number>(l.length).fill(0));
  let samples = 0;
  for (let s = 0; s < scrapes; s++) {
    const t = t0 + s * intervalMs;
    for (let k = 0; k < targets; k++) {
      gens[k].advance(intervalMs / 1000);
      const app = storage.appender();
      const ls = labels[k], r = refs[k], vs = gens[k].values;
      for (let i = 0; i < ls.length; i++) r[i] = app.append(r[i], ls[i], t, vs[i]);
      app.commit();
      samples += ls.length;
    }
  }
  const series = labels.reduce((n, l) => n + l.length, 0);
  const loadMs = performance.now() - loadStart;
  const end = t0 + (scrapes - 1) * intervalMs;
  console.log(`data: ${series} series × ${hours} h @ 15 s = ${(samples / 1e6).toFixed(1)} M samples, generated and loaded in ${(loadMs / 1000).toFixed(1)} s` +
    (series < 10_000 || hours < 24 ? ` (smaller than the anchors' 10,150 series × 24 h: set OUTPOST_BENCH_SERIES / OUTPOST_BENCH_HOURS)` : ''));
  console.log('Outpost is timed in process (engine only, no HTTP or JSON); the anchors were timed over HTTP.\n');
  const engine = new Engine();
  const plan: Array<[string, number, number, string[], number]> = [
    ['instant', 0, 0, ['rate', 'sum_by_job', 'p99', 'topk', 'regex', 'count_all', 'subquery'], 9],
    ['1h@15s', 3_600_000, 15_000, ['rate', 'sum_by_job', 'p99', 'topk', 'regex', 'count_all', 'subquery'], 5],
    ['24h@60s', 86_400_000, 60_000, ['sum_by_job', 'p99', 'topk', 'regex', 'count_all', 'subquery'], 3],
  ];
  console.log('| case | Outpost median ms | result | Prometheus 2.42 median ms | VictoriaMetrics 1.79 median ms |');
  console.log('|---|---:|---|---:|---:|');
  for (const [kind, range, step, ids, reps] of plan) {
    if (range > hours * 3_600_000) continue;
    for (const id of ids) {
      const times: number[] = [];
      let shape = '';
      for (let r = 0; r < reps; r++) {
        const a = performance.now();
        const res = range === 0 ? await engine.instantQuery(storage, QUERIES[id], end) : await engine.rangeQuery(storage, QUERIES[id], end - range, end, step);
        times.push(performance.now() - a);
        const v = res.value;
        shape = v.resultType === 'vector' ? `${v.samples.length} series` : v.resultType === 'matrix' ? `${v.series.length} series, ${v.series.reduce((n, s) => n + s.ts.length, 0)} points` : v.resultType;
      }
      const anchor = ANCHORS[`${kind} ${id}`];
      console.log(`| ${kind} ${id} | ${median(times).toFixed(1)} | ${shape} | ${anchor ? anchor[0] : '–'} | ${anchor ? anchor[1] : '–'} |`);
    }
  }
  console.log('\nAnchors: ../shared/bench/results-anchors.md, measured on this machine over HTTP (Outpost figures are in-process, no HTTP or JSON).');
  await storage.close();
}
