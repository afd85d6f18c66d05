/**
 * Scraping real software through the scrape manager: Debian's prometheus-node-exporter started on
 * a free loopback port, and an app instrumented with prom-client. What the manager stored must
 * match a direct scrape and parse of the same endpoint.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../../support/net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { openMemStorage, type MemStorage } from '../../../shared/storage/mem/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { isStaleNaN } from '../../../shared/model/stale.ts';
import { acceptHeader, parserForContentType } from '../../../shared/exposition/content-type.ts';
import { mergeTargetLabels } from '../../../edge/scrape/page.ts';
import { ScrapeManager } from '../../../edge/scrape/manager.ts';
import { config, listen, waitFor } from '../helpers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);

/** stored reads every non-synthetic sample stamped exactly `t`: label text → value. */
function stored(storage: MemStorage, t: number): Map<string, number> {
  const q = storage.querier(t, t);
  try {
    const set = q.select([new Matcher('=~', '__name__', '.+')]);
    const batch = set.load();
    const off = batch.offsets(), ts = batch.timestamps(), vs = batch.values();
    const out = new Map<string, number>();
    set.series.forEach((s, i) => {
      if (SYNTHETIC.has(s.labels.metricName)) return;
      for (let j = off[i]; j < off[i + 1]; j++) if (ts[j] === t && !isStaleNaN(vs[j])) out.set(s.labels.toString(), vs[j]);
    });
    batch.release();
    return out;
  } finally {
    q.close();
  }
}

/** direct scrapes `url` and parses it as the manager would label it: label text → value, and counter names. */
async function direct(url: string, target: Labels): Promise<{ samples: Map<string, number>; counters: Set<string> }> {
  const res = await fetch(url, { headers: { accept: acceptHeader() } });
  const parser = parserForContentType(res.headers.get('content-type'), await res.text());
  const samples = new Map<string, number>();
  const counters = new Set<string>();
  for (let k = parser.next(); k !== 'eof'; k = parser.next()) {
    if (k === 'type' && parser.type() === 'counter') counters.add(parser.metricName());
    if (k !== 'series' || parser.isCreatedSeries()) continue;
    samples.set(mergeTargetLabels(parser.labels(), { targetLabels: target, honorLabels: false }).toString(), parser.value);
  }
  return { samples, counters };
}

async function scrapeThroughManager(address: string, interval: string) {
  const storage = openMemStorage();
  const m = new ScrapeManager(storage, { discoveryUpdateIntervalMs: 50, log: () => {} });
  cleanup.push(async () => {
    await m.stop().catch(() => {});
    await storage.close();
  });
  await m.applyConfig(config(`scrape_configs:\n  - job_name: real\n    scrape_interval: ${interval}\n    static_configs: [{targets: ['${address}']}]\n`));
  const loop = await waitFor(() => m.loops('real').find((l) => l.health.lastScrape > 0), 10_000, 'first scrape');
  return { storage, m, loop };
}

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const haveNodeExporter = spawnSync(NODE_EXPORTER, ['--version']).status === 0;
const skipNodeExporter = !haveNodeExporter && process.env.CI !== 'true';
if (skipNodeExporter) console.warn(`SKIP node_exporter test: ${NODE_EXPORTER} is not installed (apt-get install prometheus-node-exporter); CI is not "true"`);

describe('real targets', () => {
  it.skipIf(skipNodeExporter)(`node_exporter: stored samples match a direct scrape${haveNodeExporter ? '' : ' (SKIPPED: binary missing)'}`, async () => {
    const port = await freePort();
    const textfiles = mkdtempSync(join(tmpdir(), 'outpost-textfile-'));
    cleanup.push(() => rmSync(textfiles, { recursive: true, force: true }));
    writeFileSync(join(textfiles, 'outpost.prom'), '# HELP outpost_test_info From the textfile collector.\n# TYPE outpost_test_info gauge\noutpost_test_info{suite="edge"} 1\n');
    const child: ChildProcess = spawn(NODE_EXPORTER, [
      `--web.listen-address=127.0.0.1:${port}`, `--collector.textfile.directory=${textfiles}`,
      // Slow or machine-dependent collectors off: the comparison wants a stable series set.
      '--no-collector.hwmon', '--no-collector.thermal_zone', '--no-collector.rapl', '--no-collector.netclass', '--no-collector.arp',
    ], { stdio: 'ignore' });
    cleanup.push(() => new Promise<void>((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    }));
    const address = `127.0.0.1:${port}`;
    await waitFor(() => fetch(`http://${address}/metrics`).then((r) => r.ok, () => false), 10_000, 'node_exporter up');

    const { storage, loop } = await scrapeThroughManager(address, '3s');
    const t = loop.health.lastScrape;
    expect(loop.health).toMatchObject({ health: 'up', lastError: '' });
    const mine = stored(storage, t);
    const theirs = await direct(`http://${address}/metrics`, loop.target.targetLabels);
    const dt = (Date.now() - t) / 1000;

    expect([...mine.keys()].sort()).toEqual([...theirs.samples.keys()].sort());
    expect(mine.get(`outpost_test_info{instance="${address}", job="real", suite="edge"}`)).toBe(1);
    let counters = 0;
    for (const [key, v] of mine) {
      const name = key.slice(0, key.indexOf('{'));
      if (!theirs.counters.has(name)) continue;
      counters++;
      const now = theirs.samples.get(key)!;
      expect(now, key).toBeGreaterThanOrEqual(v);
      // A CPU spends at most one second per second in any mode (plus a clock tick).
      if (name === 'node_cpu_seconds_total') expect(now - v, key).toBeLessThanOrEqual(dt + 0.02);
    }
    expect(counters).toBeGreaterThan(10);
  }, 30_000);

  it('an app instrumented with prom-client: stored samples match a direct scrape', async () => {
    const registry = new Registry();
    const requests = new Counter({ name: 'app_requests_total', help: 'Requests.', labelNames: ['code'], registers: [registry] });
    const inflight = new Gauge({ name: 'app_inflight', help: 'In flight.', registers: [registry] });
    const latency = new Histogram({ name: 'app_latency_seconds', help: 'Latency.', buckets: [0.1, 1], registers: [registry] });
    const sizes = new Summary({ name: 'app_size_bytes', help: 'Sizes.', percentiles: [0.5, 0.9], registers: [registry] });
    requests.inc({ code: '200' }, 5);
    requests.inc({ code: '500' });
    inflight.set(3);
    latency.observe(0.05);
    latency.observe(0.5);
    sizes.observe(100);
    sizes.observe(300);
    const app = await listen(async (_req, res) => {
      res.setHeader('content-type', registry.contentType);
      res.end(await registry.metrics());
    });
    cleanup.push(() => app.close());

    const { storage, loop, m } = await scrapeThroughManager(app.address, '2s');
    const mine = stored(storage, loop.health.lastScrape);
    const theirs = await direct(`http://${app.address}/metrics`, loop.target.targetLabels);
    expect(mine).toEqual(theirs.samples);
    expect(mine.get(`app_requests_total{code="200", instance="${app.address}", job="real"}`)).toBe(5);
    expect(mine.get(`app_latency_seconds_bucket{instance="${app.address}", job="real", le="0.1"}`)).toBe(1);
    expect(m.targetMetadata().find((x) => x.metric === 'app_latency_seconds')).toMatchObject({ type: 'histogram', help: 'Latency.' });
  }, 30_000);
});
