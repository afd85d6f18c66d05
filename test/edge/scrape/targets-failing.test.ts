import { afterEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { ScrapeManager } from '../../../edge/scrape/manager.ts';
import { config, listen, series, waitFor, type TestServer } from '../helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function serve(handler: Parameters<typeof listen>[0]): Promise<TestServer> {
  const s = await listen(handler);
  cleanup.push(() => s.close());
  return s;
}

describe('failing targets', () => {
  it('fail only their own scrape, with the reason in up and the targets state', async () => {
    const good = await serve((_q, res) => res.end('good_metric 1\n'));
    const hang = await serve(() => {}); // never answers
    const garbage = await serve((_q, res) => res.end('this is {not metrics\n'));
    const huge = await serve((_q, res) => res.end(`big ${'1'.repeat(4000)}\n`));
    const slow = await serve((_q, res) => setTimeout(() => res.end('slow_metric 1\n'), 600));
    const status = await serve((_q, res) => {
      res.statusCode = 503;
      res.end('down for maintenance');
    });
    const bomb = await serve((_q, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync(Buffer.alloc(1 << 20, 'a'))); // 1 KiB on the wire, 1 MiB decoded
    });
    const storage = openMemStorage();
    const m = new ScrapeManager(storage, { discoveryUpdateIntervalMs: 50, log: () => {} });
    cleanup.push(async () => {
      await m.stop();
      await storage.close();
    });
    const all = [good, hang, garbage, huge, slow, status, bomb].map((s) => `'${s.address}'`).join(', ');
    await m.applyConfig(config(`scrape_configs:\n  - job_name: mixed\n    scrape_interval: 1s\n    scrape_timeout: 300ms\n    body_size_limit: 2KB\n    static_configs: [{targets: [${all}]}]\n`));
    await waitFor(() => m.targets().active.length === 7 && m.targets().active.every((t) => t.health !== 'unknown'), 10_000, 'every target scraped once');

    const byAddress = new Map(m.targets().active.map((t) => [t.labels.get('instance'), t]));
    const err = (s: TestServer) => byAddress.get(s.address)!.lastError;
    expect(byAddress.get(good.address)).toMatchObject({ health: 'up', lastError: '' });
    expect(err(hang)).toMatch(/context deadline exceeded/);
    expect(err(garbage)).toMatch(/^line 1: /);
    expect(err(huge)).toBe('body size limit exceeded: more than 2048 bytes');
    expect(err(slow)).toMatch(/context deadline exceeded/);
    expect(err(status)).toBe('server returned HTTP status 503 Service Unavailable');
    expect(err(bomb)).toBe('body size limit exceeded: more than 2048 bytes');
    for (const s of [hang, garbage, huge, slow, status, bomb]) expect(byAddress.get(s.address)!.health).toBe('down');

    const up = series(storage, 'up');
    const last = (s: TestServer) => [...up.entries()].find(([k]) => k.includes(s.address))![1].at(-1)![1];
    expect(last(good)).toBe(1);
    for (const s of [hang, garbage, huge, slow, status, bomb]) expect(last(s)).toBe(0);
    expect(series(storage, 'good_metric', [new Matcher('=', 'instance', good.address)]).size).toBe(1);
    // A timed-out scrape took no longer than its timeout.
    expect(byAddress.get(hang.address)!.lastScrapeDuration).toBeLessThan(0.6);
  });
});
