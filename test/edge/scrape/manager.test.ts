import { afterEach, describe, expect, it } from 'vitest';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { ScrapeManager } from '../../../edge/scrape/manager.ts';
import { config, listen, series, waitFor, type TestServer } from '../helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function target(name: string): Promise<TestServer> {
  let n = 0;
  const s = await listen((_req, res) => {
    n++;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`# TYPE ${name}_total counter\n# HELP ${name}_total Requests of ${name}.\n${name}_total ${n}\n`);
  });
  cleanup.push(() => s.close());
  return s;
}

function manager() {
  const storage = openMemStorage();
  const logs: string[] = [];
  const m = new ScrapeManager(storage, { discoveryUpdateIntervalMs: 50, log: (msg) => logs.push(msg) });
  cleanup.push(async () => {
    await m.stop().catch(() => {});
    await storage.close();
  });
  return { storage, m, logs };
}

const job = (name: string, targets: string[], extra = '') =>
  [`  - job_name: ${name}`, '    scrape_interval: 200ms', `    static_configs: [{targets: [${targets.map((t) => `'${t}'`).join(', ')}]}]`, extra].filter(Boolean).join('\n');
const cfg = (...jobs: string[]) => config(['scrape_configs:', ...jobs, ''].join('\n'));

const up = (storage: ReturnType<typeof openMemStorage>, instance: string) =>
  [...series(storage, 'up', [new Matcher('=', 'instance', instance)]).values()][0] ?? [];

describe('ScrapeManager', () => {
  it('scrapes static targets and reports them for the targets API', async () => {
    const [a, b] = [await target('a'), await target('b')];
    const { storage, m } = manager();
    expect(await m.applyConfig(cfg(job('web', [a.address, b.address])))).toEqual([]);
    await waitFor(() => m.targets().active.every((t) => t.health === 'up') && m.targets().active.length === 2, 10_000, 'two healthy targets');
    const snap = m.targets();
    const t = snap.active.find((x) => x.scrapeUrl === `http://${a.address}/metrics`)!;
    expect(t).toMatchObject({ scrapePool: 'web', lastError: '', scrapeInterval: '200ms', scrapeTimeout: '200ms', health: 'up' });
    expect(t.labels.toObject()).toEqual({ instance: a.address, job: 'web' });
    expect(t.discoveredLabels.toObject()).toMatchObject({ __address__: a.address, job: 'web', __scheme__: 'http', __metrics_path__: '/metrics' });
    expect(t.lastScrape).toBeGreaterThan(Date.now() - 5000);
    expect(snap.droppedCounts).toEqual({ web: 0 });
    expect(series(storage, 'a_total').size).toBe(1);
    expect(up(storage, b.address).at(-1)?.[1]).toBe(1);
    expect(m.targetMetadata()).toContainEqual({ target: t.labels, metric: 'a_total', type: 'counter', help: 'Requests of a.', unit: '' });
  });

  it('keeps unchanged loops on reload, stops removed targets with staleness markers, starts new ones', async () => {
    const [a, b, c] = [await target('a'), await target('b'), await target('c')];
    const { storage, m } = manager();
    await m.applyConfig(cfg(job('web', [a.address, b.address])));
    await waitFor(() => m.loops('web').length === 2 && m.loops('web').every((l) => l.health.health === 'up'), 10_000, 'loops up');
    const loopA = m.loops('web').find((l) => l.target.url.includes(a.address))!;

    await m.applyConfig(cfg(job('web', [a.address, c.address])));
    await waitFor(() => m.loops('web').some((l) => l.target.url.includes(c.address) && l.health.health === 'up'), 10_000, 'c up');
    expect(m.loops('web').find((l) => l.target.url.includes(a.address))).toBe(loopA);
    expect(m.loops('web').some((l) => l.target.url.includes(b.address))).toBe(false);
    expect([...series(storage, 'b_total').values()][0].at(-1)?.[1]).toBe('stale');
    expect(up(storage, b.address).at(-1)?.[1]).toBe('stale');
    expect([...series(storage, 'a_total').values()][0].some(([, v]) => v === 'stale')).toBe(false);
  });

  it('restarts a target whose scrape settings changed, handing its cache over when labelling is the same', async () => {
    const a = await target('a');
    const { storage, m } = manager();
    await m.applyConfig(cfg(job('web', [a.address])));
    await waitFor(() => m.loops('web')[0]?.health.health === 'up', 10_000, 'a up');
    const first = m.loops('web')[0];

    await m.applyConfig(cfg(job('web', [a.address], '    scrape_timeout: 150ms')));
    const second = m.loops('web')[0];
    expect(second).not.toBe(first);
    expect(second.cache).toBe(first.cache);
    const before = second.health.lastScrape;
    await waitFor(() => second.health.lastScrape > before, 10_000, 'restarted loop scraped');
    expect([...series(storage, 'a_total').values()][0].some(([, v]) => v === 'stale')).toBe(false);
    expect(m.targets().active[0].scrapeTimeout).toBe('150ms');

    // New metric relabeling changes the series: the old ones go stale and the cache starts over.
    await m.applyConfig(cfg(job('web', [a.address], "    metric_relabel_configs: [{target_label: env, replacement: prod}]")));
    const third = m.loops('web')[0];
    expect(third.cache).not.toBe(second.cache);
    expect(series(storage, 'a_total', [new Matcher('=', 'env', '')]).values().next().value!.at(-1)?.[1]).toBe('stale');
    await waitFor(() => series(storage, 'a_total', [new Matcher('=', 'env', 'prod')]).size === 1, 10_000, 'relabeled series');
  });

  it('stops a removed job with staleness markers and keeps running jobs untouched', async () => {
    const [a, b] = [await target('a'), await target('b')];
    const { storage, m } = manager();
    await m.applyConfig(cfg(job('one', [a.address]), job('two', [b.address])));
    await waitFor(() => m.loops().length === 2 && m.loops().every((l) => l.health.health === 'up'), 10_000, 'both up');
    const two = m.loops('two')[0];
    await m.applyConfig(cfg(job('two', [b.address])));
    expect(m.jobNames()).toEqual(['two']);
    expect(m.loops('two')[0]).toBe(two);
    expect([...series(storage, 'a_total').values()][0].at(-1)?.[1]).toBe('stale');
  });

  it('de-duplicates targets and fails every target of a job over target_limit', async () => {
    const [a, b, c] = [await target('a'), await target('b'), await target('c')];
    const { m } = manager();
    await m.applyConfig(cfg(job('web', [a.address, a.address, b.address])));
    await waitFor(() => m.loops('web').length === 2, 10_000, 'two loops');
    await m.applyConfig(cfg(job('web', [a.address, b.address, c.address], '    target_limit: 2')));
    await waitFor(() => m.targets().active.length === 3 && m.targets().active.every((t) => t.health === 'down'), 10_000, 'all down');
    expect(new Set(m.targets().active.map((t) => t.lastError))).toEqual(new Set(['target_limit exceeded (number of targets: 3, limit: 2)']));
    await m.applyConfig(cfg(job('web', [a.address, b.address], '    target_limit: 2')));
    await waitFor(() => m.targets().active.length === 2 && m.targets().active.every((t) => t.health === 'up'), 10_000, 'back up');
  });

  it('reports targets dropped by relabeling, keeping at most keep_dropped_targets', async () => {
    const a = await target('a');
    const { m } = manager();
    const drop = "    relabel_configs: [{source_labels: [__address__], regex: '10\\..*', action: drop}]\n    keep_dropped_targets: 1";
    await m.applyConfig(cfg(job('web', [a.address, '10.0.0.1:80', '10.0.0.2:80'], drop)));
    await waitFor(() => m.targets().active.length === 1, 10_000, 'one active');
    const snap = m.targets();
    expect(snap.droppedCounts).toEqual({ web: 2 });
    expect(snap.dropped).toHaveLength(1);
    expect(snap.dropped[0].scrapePool).toBe('web');
    expect(snap.dropped[0].discoveredLabels.get('__address__')).toBe('10.0.0.1:80');
  });

  it('leaves out a job whose TLS files cannot be read, and runs the others', async () => {
    const a = await target('a');
    const { m } = manager();
    const problems = await m.applyConfig(cfg(job('bad', ['127.0.0.1:1'], '    tls_config: {ca_file: /nonexistent/ca.pem}'), job('good', [a.address])));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/job bad: read ca_file \/nonexistent\/ca.pem/);
    await waitFor(() => m.loops('good')[0]?.health.health === 'up', 10_000, 'good up');
    expect(m.jobNames()).toEqual(['good']);
  });
});
