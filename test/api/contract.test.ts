// Contract tests: every path and method of Prometheus' OpenAPI description
// (../shared/conformance/http-api/openapi_3.1_golden.yaml) is either served by the hub app, and
// then requested with data loaded and its response validated against the documented schema, or
// listed in UNSERVED with the reason. A path added to the file fails here until it is classified.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Hono } from 'hono';
import { Labels } from '../../shared/model/labels.ts';
import { parseConfig } from '../../shared/config/index.ts';
import { Engine } from '../../shared/promql/engine/index.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import type { TargetsProvider } from '../../shared/api/targets-routes.ts';
import { hubApp } from '../../hub/app.ts';
import { hubRegistry } from '../../hub/metrics.ts';
import { hubStatus } from '../../hub/status.ts';
import { startRules, type RulesRuntime } from '../../shared/rules/runtime.ts';
import { Validator, type Schema } from './schema.ts';

const SPEC_FILE = new URL('../../../shared/conformance/http-api/openapi_3.1_golden.yaml', import.meta.url);
const spec = parse(readFileSync(SPEC_FILE, 'utf8')) as Schema & { paths: Record<string, Record<string, Schema>> };
const validator = new Validator(spec);

/** UNSERVED: the operations Outpost does not serve yet, each with the reason. */
const UNSERVED: Record<string, string> = {
  'GET /search/metric_names': 'experimental in Prometheus, behind --enable-feature=search-api (off by default)',
  'POST /search/metric_names': 'experimental in Prometheus, behind --enable-feature=search-api (off by default)',
  'GET /search/label_names': 'experimental in Prometheus, behind --enable-feature=search-api (off by default)',
  'POST /search/label_names': 'experimental in Prometheus, behind --enable-feature=search-api (off by default)',
  'GET /search/label_values': 'experimental in Prometheus, behind --enable-feature=search-api (off by default)',
  'POST /search/label_values': 'experimental in Prometheus, behind --enable-feature=search-api (off by default)',
  'GET /scrape_pools/config': 'needs each pool\'s effective scrape config; the TargetsProvider does not expose it yet',
  'GET /targets/relabel_steps': 'needs per-step relabeling traces from the scrape side, not exposed yet',
  'GET /status/tsdb/blocks': 'the hub runs in-memory storage; blocks come with wiring the durable TSDB',
  'GET /status/self_metrics': 'ProtoJSON rendering of the prom-client registry not written yet',
  'PUT /admin/tsdb/delete_series': 'admin API (off by default in Prometheus: --web.enable-admin-api); no deletion in storage yet',
  'POST /admin/tsdb/delete_series': 'admin API (off by default in Prometheus: --web.enable-admin-api); no deletion in storage yet',
  'PUT /admin/tsdb/clean_tombstones': 'admin API (off by default in Prometheus); no tombstones in storage',
  'POST /admin/tsdb/clean_tombstones': 'admin API (off by default in Prometheus); no tombstones in storage',
  'POST /read': 'remote read (protobuf + snappy) not implemented',
  'POST /write': 'remote write receiver (off by default in Prometheus) not implemented',
  'POST /otlp/v1/metrics': 'OTLP receiver (off by default in Prometheus) not implemented',
};

type Params = Record<string, string | string[]>;
/** Case: one request and the status it must get; its body is validated against that status' schema. */
interface Case {
  params?: Params;
  status?: number;
  /**
   * erratum: where the file's schema disagrees with what Prometheus actually sends, Outpost sends
   * what Prometheus sends (clients are written against it); the one expected violation, and why.
   */
  erratum?: { problem: RegExp; reason: string };
}

const T0 = 1_700_000_000;
const range = { start: String(T0), end: String(T0 + 600), step: '60' };

/** CASES: the requests made per served operation (GET and POST share them). */
const CASES: Record<string, Case[]> = {
  '/query': [
    { params: { query: 'up', time: String(T0 + 300) } },
    { params: { query: 'sum by (job) (rate(req_total[5m]))', time: String(T0 + 300), stats: 'all' } },
    { params: { query: 'req_total', time: String(T0 + 300), limit: '1' } },
    { params: { query: 'scalar(up)', time: String(T0) } },
    {
      params: { query: '"text"', time: String(T0) },
      erratum: {
        problem: /^\$\.data: matches no anyOf branch .*\$\.data\.result\[0\]: want type string, got integer\)$/,
        reason: 'the schema types both items of a string result as strings; Prometheus (promql.String.MarshalJSON) sends [<unix seconds as a number>, "<string>"]',
      },
    },
    { params: { query: 'req_total[5m]', time: String(T0 + 300) } },
    { params: { query: 'sum(' }, status: 400 },
    { params: { query: 'up', limit: '-1' }, status: 400 },
  ],
  '/query_range': [
    { params: { query: 'rate(req_total[5m])', ...range } },
    { params: { query: 'up', ...range, stats: 'true' } },
    { params: { query: 'up', ...range, step: '0' }, status: 400 },
    { params: { query: 'up', start: '0', end: String(T0), step: '1' }, status: 400 },
  ],
  '/query_exemplars': [
    { params: { query: 'req_total', start: String(T0), end: String(T0 + 600) } },
    { params: { query: 'req_total{', start: String(T0) }, status: 400 },
  ],
  '/format_query': [{ params: { query: 'sum(rate(x[5m]))by(job)' } }, { params: { query: '(' }, status: 400 }],
  '/parse_query': [
    { params: { query: 'sum by (job) (rate(req_total{job=~"a.*"}[5m] offset 1m)) / on (job) group_left up' } },
    { params: { query: '-max_over_time(up[1h:5m] @ start())' } },
    { params: { query: 'up{' }, status: 400 },
  ],
  '/labels': [{ params: { 'match[]': 'up' } }, { params: { limit: '1' } }, { params: { start: 'x' }, status: 400 }],
  '/label/{name}/values': [{ params: {} }, { params: { 'match[]': 'req_total', limit: '1' } }],
  '/series': [{ params: { 'match[]': ['up', 'req_total'] } }, { params: {}, status: 400 }],
  '/metadata': [{ params: {} }, { params: { metric: 'req_total', limit_per_metric: '1' } }, { params: { limit: 'x' }, status: 400 }],
  '/scrape_pools': [{}],
  '/targets': [{}, { params: { state: 'active' } }],
  '/targets/metadata': [{ params: { match_target: '{job="app"}' } }, { params: { metric: 'nope' }, status: 404 }],
  '/rules': [{}, { params: { type: 'alert' } }, { params: { type: 'x' }, status: 400 }],
  '/alerts': [{}],
  '/alertmanagers': [{}],
  '/status/config': [{}],
  '/status/runtimeinfo': [{}],
  '/status/buildinfo': [{}],
  '/status/flags': [{}],
  '/status/tsdb': [{}, { params: { limit: '2' } }],
  '/status/walreplay': [{}],
  // The admin API as `--web.enable-admin-api` serves it; disabled, it answers 503 (test/api/admin-routes.test.ts).
  '/admin/tsdb/snapshot': [{ params: {} }, { params: { skip_head: 'true' } }],
  '/notifications': [{}],
  '/features': [{}],
};

const storage = openMemStorage();
const dir = mkdtempSync(join(tmpdir(), 'outpost-contract-'));
let rules: RulesRuntime;
let app: Hono;

const target = Labels.from({ instance: '127.0.0.1:1', job: 'app' });
const targets: TargetsProvider = {
  targets: () => ({
    active: [{
      discoveredLabels: Labels.from({ __address__: '127.0.0.1:1', job: 'app' }), labels: target, scrapePool: 'app',
      scrapeUrl: 'http://127.0.0.1:1/metrics', lastError: '', lastScrape: T0 * 1000, lastScrapeDuration: 0.01,
      health: 'up', scrapeInterval: '15s', scrapeTimeout: '10s',
    }],
    dropped: [{ discoveredLabels: Labels.from({ __address__: '127.0.0.1:2', job: 'app' }), scrapePool: 'app' }],
    droppedCounts: { app: 1 },
  }),
  targetMetadata: () => [
    { target, metric: 'req_total', type: 'counter', help: 'Requests.', unit: '' },
    { target, metric: 'up', type: 'gauge', help: 'Target up.', unit: '' },
  ],
};

beforeAll(async () => {
  for (let i = 0; i <= 40; i++) {
    const a = storage.appender();
    const t = (T0 + i * 15) * 1000;
    a.append(0, Labels.from({ __name__: 'up', job: 'app', instance: '127.0.0.1:1' }), t, 1);
    a.append(0, Labels.from({ __name__: 'req_total', job: 'app', instance: '127.0.0.1:1', path: '/a' }), t, i);
    a.append(0, Labels.from({ __name__: 'req_total', job: 'app', instance: '127.0.0.1:1', path: '/b' }), t, 2 * i);
    a.append(0, Labels.from({ __name__: 'live', job: 'app' }), Date.now() - 1000 + i, 1);
    a.commit();
  }
  writeFileSync(join(dir, 'rules.yml'), [
    'groups:',
    '  - name: contract',
    '    interval: 1s',
    '    rules:',
    '      - record: job:live:sum',
    '        expr: sum by (job) (live)',
    '      - alert: Live',
    '        expr: live > 0',
    '        for: 1m',
    '        labels: {severity: page}',
    '',
  ].join('\n'));
  const config = parseConfig('rule_files: [rules.yml]\n', join(dir, 'outpost.yml'));
  const engine = new Engine();
  const registry = hubRegistry(storage, 'test');
  rules = await startRules({ config, storage, engine, registry, externalURL: 'http://localhost:9090/' });
  app = hubApp({
    storage, registry, version: 'test', engine, rules, targets,
    status: hubStatus({ storage, flags: new Map([['web.listen-address', '127.0.0.1:9090']]), config: () => ({ yaml: 'rule_files: [rules.yml]\n', loadedAt: new Date(), lastReloadOk: true }) }),
    reload: async () => {},
    // The snapshot's shape is what this file checks; writing one is test/hub/command.test.ts's job.
    admin: { enabled: true, snapshot: async () => '20261121T000000Z-0123456789abcdef' },
  });
  // Wait (bounded) for the first evaluation, so that rules and alerts carry state.
  for (let i = 0; i < 40 && rules.alerts().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await rules.stop();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

function request(method: string, path: string, params: Params = {}): Promise<Response> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  const url = `/api/v1${path.replace('{name}', 'path')}`;
  if (method === 'GET') return Promise.resolve(app.request(qs.size ? `${url}?${qs}` : url));
  return Promise.resolve(app.request(url, { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: qs.toString() }));
}

function responseSchema(op: Schema, status: number): Schema {
  const responses = op.responses as Record<string, Schema>;
  const r = responses[String(status)] ?? responses.default;
  const content = r.content as Record<string, { schema: Schema }>;
  return content['application/json'].schema;
}

const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, op })),
);

describe('OpenAPI contract', () => {
  it('classifies every operation in the file: served with cases, or unserved with a reason', () => {
    const unclassified = operations.filter((o) => !(o.key in UNSERVED) && !(o.path in CASES)).map((o) => o.key);
    expect(unclassified).toEqual([]);
    const stale = Object.keys(UNSERVED).filter((k) => !operations.some((o) => o.key === k));
    expect(stale).toEqual([]);
  });

  for (const { key, method, path, op } of operations) {
    if (key in UNSERVED) {
      it(`${key} is not served yet: 404 (${UNSERVED[key]})`, async () => {
        const res = await request(method, path);
        expect(res.status).toBe(404);
      });
      continue;
    }
    it(`${key} answers per its schema`, async () => {
      for (const c of CASES[path] ?? []) {
        const res = await request(method, path, c.params);
        const want = c.status ?? 200;
        const text = await res.text();
        expect(res.status, `${JSON.stringify(c.params)} → ${text.slice(0, 300)}`).toBe(want);
        const problems = validator.validate(JSON.parse(text), responseSchema(op, want));
        if (c.erratum) {
          expect(problems, c.erratum.reason).toHaveLength(1);
          expect(problems[0]).toMatch(c.erratum.problem);
        } else {
          expect({ case: c.params, problems }).toEqual({ case: c.params, problems: [] });
        }
      }
    });
  }

  it('answers a query without selectors on query_exemplars with 204, as Prometheus', async () => {
    const res = await request('GET', '/query_exemplars', { query: '1 + 1' });
    expect(res.status).toBe(204);
  });

  it('exercises the data: stats, limit warning, rules and alerts are present', async () => {
    const stats = (await (await request('GET', '/query', CASES['/query'][1].params)).json()) as { data: { stats: { samples: { totalQueryableSamples: number } } } };
    expect(stats.data.stats.samples.totalQueryableSamples).toBeGreaterThan(0);
    const limited = (await (await request('GET', '/query', CASES['/query'][2].params)).json()) as { data: { result: unknown[] }; warnings: string[] };
    expect(limited.data.result).toHaveLength(1);
    expect(limited.warnings).toContain('results truncated due to limit');
    const alerts = (await (await request('GET', '/alerts')).json()) as { data: { alerts: unknown[] } };
    expect(alerts.data.alerts.length).toBeGreaterThan(0);
  });
});
