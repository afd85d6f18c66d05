import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { ScrapeManager } from '../../../edge/scrape/manager.ts';
import type { DnsResolver } from '../../../edge/discovery/dns.ts';
import { config, listen, series, waitFor, type TestServer } from '../helpers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function target(name: string): Promise<TestServer> {
  const s = await listen((_q, res) => res.end(`${name}_metric 1\n`));
  cleanup.push(() => s.close());
  return s;
}

function manager(resolver?: DnsResolver) {
  const storage = openMemStorage();
  const logs: string[] = [];
  const m = new ScrapeManager(storage, { discoveryUpdateIntervalMs: 50, log: (msg) => logs.push(msg), resolver });
  cleanup.push(async () => {
    await m.stop().catch(() => {});
    await storage.close();
  });
  return { storage, m, logs };
}

describe('ScrapeManager with discovery', () => {
  it('follows file_sd changes: new targets start, removed ones go stale, a broken file changes nothing', async () => {
    const [a, b] = [await target('a'), await target('b')];
    const dir = mkdtempSync(join(tmpdir(), 'outpost-msd-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const f = join(dir, 'targets.yml');
    writeFileSync(f, `- targets: ['${a.address}']\n  labels: {team: x}\n`);
    const { storage, m, logs } = manager();
    await m.applyConfig(config(`scrape_configs:\n  - job_name: files\n    scrape_interval: 200ms\n    file_sd_configs: [{files: ['${dir}/*.yml']}]\n`));
    await waitFor(() => m.targets().active[0]?.health === 'up', 10_000, 'a up');
    expect(m.targets().active[0].labels.toObject()).toEqual({ instance: a.address, job: 'files', team: 'x' });
    expect(m.targets().active[0].discoveredLabels.get('__meta_filepath')).toBe(f);

    writeFileSync(f, `- targets: ['${b.address}']\n`);
    await waitFor(() => m.targets().active.length === 1 && m.targets().active[0].scrapeUrl.includes(b.address) && m.targets().active[0].health === 'up', 10_000, 'b replaces a');
    expect([...series(storage, 'a_metric').values()][0].at(-1)?.[1]).toBe('stale');

    writeFileSync(f, `- targets: ['${a.address}'\n`);
    await waitFor(() => logs.some((l) => l.includes(`${f}:`)), 10_000, 'error logged');
    expect(logs.find((l) => l.includes(f))).toMatch(/^job files: file_sd: .*targets\.yml:\d+: invalid YAML/);
    expect(m.targets().active.map((t) => t.scrapeUrl)).toEqual([`http://${b.address}/metrics`]);
  });

  it('scrapes targets from http_sd and dns_sd', async () => {
    const [a, b] = [await target('a'), await target('b')];
    const sd = await listen((_q, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify([{ targets: [a.address], labels: { zone: 'z1' } }]));
    });
    cleanup.push(() => sd.close());
    const resolver: DnsResolver = {
      resolveSrv: async () => [{ name: '127.0.0.1', port: b.port, priority: 0, weight: 0 }],
      resolve4: async () => [], resolve6: async () => [], resolveMx: async () => [], resolveNs: async () => [],
    };
    const { m } = manager(resolver);
    await m.applyConfig(config(
      `scrape_configs:\n  - job_name: web\n    scrape_interval: 200ms\n    http_sd_configs: [{url: 'http://${sd.address}/sd'}]\n` +
        `  - job_name: dns\n    scrape_interval: 200ms\n    dns_sd_configs: [{names: [_m._tcp.example.org]}]\n`,
    ));
    await waitFor(() => m.targets().active.length === 2 && m.targets().active.every((t) => t.health === 'up'), 10_000, 'both up');
    const web = m.targets().active.find((t) => t.scrapePool === 'web')!;
    expect(web.labels.toObject()).toEqual({ instance: a.address, job: 'web', zone: 'z1' });
    expect(web.discoveredLabels.get('__meta_url')).toBe(`http://${sd.address}/sd`);
    const dns = m.targets().active.find((t) => t.scrapePool === 'dns')!;
    expect(dns.discoveredLabels.toObject()).toMatchObject({
      __address__: b.address, __meta_dns_name: '_m._tcp.example.org', __meta_dns_srv_record_target: '127.0.0.1.', __meta_dns_srv_record_port: String(b.port),
    });
  });
});
