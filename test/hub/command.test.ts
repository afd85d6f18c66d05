// The hub as its command runs it (startHub), in process: the embedded default config, discovery
// from a file, and reloads that apply or are refused without disturbing what runs.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../shared/config/index.ts';
import { ConfigError } from '../../shared/config/index.ts';
import { defaultConfig, startHub, storageFlags, unsupported, UnsupportedConfigError, type Hub } from '../../hub/command.ts';

const dir = mkdtempSync(join(tmpdir(), 'outpost-hub-'));
const servers: Server[] = [];
let hub: Hub | undefined;
afterAll(async () => {
  await hub?.close();
  for (const s of servers) await new Promise((r) => s.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function target(body: string): Promise<string> {
  const s = createServer((_, res) => res.end(body));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const until = async (what: () => Promise<boolean>) => {
  for (let i = 0; i < 100; i++) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not reached in 5 s');
};

describe('hub config', () => {
  it('runs a default config that scrapes the hub itself', () => {
    const c = parseConfig(defaultConfig(9090), '(default config)');
    expect(c.scrapeConfigs.map((j) => [j.jobName, j.scrapeInterval, j.staticConfigs[0].targets])).toEqual([['outpost', 15_000, ['localhost:9090']]]);
    expect(unsupported(c)).toEqual([]);
  });

  it('names what it does not apply yet', () => {
    expect(unsupported(parseConfig('remote_write: [{url: http://x/}]\n', 't.yml'))).toEqual(['remote_write']);
  });
});

describe('startHub', () => {
  it('scrapes file-discovered targets and reloads its configuration', async () => {
    const a = await target('demo_value 1\n');
    const b = await target('other_value 2\n');
    writeFileSync(join(dir, 'targets.json'), JSON.stringify([{ targets: [a], labels: { team: 'x' } }]));
    const cfg = join(dir, 'hub.yml');
    const job = (name: string, extra = '') => `  - job_name: ${name}\n    scrape_interval: 1s\n    scrape_timeout: 1s\n${extra}`;
    writeFileSync(cfg, `scrape_configs:\n${job('files', '    file_sd_configs: [{files: [targets.json]}]\n')}`);
    const storage = { path: join(dir, 'data'), retentionMs: 0, retentionBytes: 0, walSync: 'batch' as const };
    hub = await startHub({ configFile: cfg, listen: { host: '127.0.0.1', port: 0 }, storage, log: () => {} });
    const series = async (m: string) => {
      const r = await fetch(`http://127.0.0.1:${hub!.port}/api/v1/series?match[]=${encodeURIComponent(m)}`);
      return ((await r.json()) as { data: Array<Record<string, string>> }).data;
    };
    await until(async () => (await series('demo_value')).length === 1);
    expect((await series('demo_value'))[0]).toMatchObject({ job: 'files', team: 'x', instance: a });

    // A bad config is refused and the running one stays.
    writeFileSync(cfg, 'scrape_configs:\n  - job_name: broken\n    scrape_interval: 5x\n');
    await expect(hub.reload()).rejects.toBeInstanceOf(ConfigError);
    expect(hub.manager.jobNames()).toEqual(['files']);
    writeFileSync(cfg, 'remote_write: [{url: "http://127.0.0.1:1/"}]\n');
    await expect(hub.reload()).rejects.toBeInstanceOf(UnsupportedConfigError);

    // A good one adds a job.
    writeFileSync(cfg, `scrape_configs:\n${job('files', '    file_sd_configs: [{files: [targets.json]}]\n')}${job('static', `    static_configs: [{targets: ['${b}']}]\n`)}`);
    await hub.reload();
    expect(hub.manager.jobNames().sort()).toEqual(['files', 'static']);
    await until(async () => (await series('other_value')).length === 1);

    // The data directory is locked while the hub runs, and its data survives a restart.
    await expect(startHub({ configFile: cfg, listen: { host: '127.0.0.1', port: 0 }, storage, log: () => {} })).rejects.toThrow(/lock/i);
    await hub.close();
    hub = await startHub({ configFile: cfg, listen: { host: '127.0.0.1', port: 0 }, storage, log: () => {} });
    expect((await series('demo_value')).length).toBe(1);
  });

  it('reads the storage flags as Prometheus spells them', () => {
    const flags = (o: Record<string, string>) => new Map(Object.entries(o));
    expect(storageFlags(flags({ 'storage.tsdb.path': '/d', 'storage.tsdb.retention.time': '30d', 'storage.tsdb.retention.size': '512MB', 'storage.tsdb.wal-fsync': 'always' }))).toEqual({
      path: '/d', retentionMs: 30 * 86_400_000, retentionBytes: 512 * 1024 * 1024, walSync: 'always',
    });
    expect(storageFlags(flags({ 'storage.tsdb.retention.time': '0' })).retentionMs).toBe(0);
    expect(() => storageFlags(flags({ 'storage.tsdb.retention.time': '30 days' }))).toThrow(/--storage.tsdb.retention.time=30 days/);
    expect(() => storageFlags(flags({ 'storage.tsdb.wal-fsync': 'sometimes' }))).toThrow(/wal-fsync/);
  });
});

describe('startHub serves what it runs', () => {
  it('lists its targets and reloads through /-/reload', async () => {
    const a = await target('x_value 1\n');
    const cfg = join(dir, 'served.yml');
    writeFileSync(cfg, `scrape_configs:\n  - job_name: one\n    scrape_interval: 1s\n    scrape_timeout: 1s\n    static_configs: [{targets: ['${a}']}]\n`);
    const h = await startHub({ configFile: cfg, listen: { host: '127.0.0.1', port: 0 }, storage: { path: join(dir, 'served-data'), retentionMs: 0, retentionBytes: 0, walSync: 'batch' }, log: () => {} });
    try {
      const base = `http://127.0.0.1:${h.port}`;
      await until(async () => ((await (await fetch(`${base}/api/v1/targets`)).json()) as any).data.activeTargets[0]?.health === 'up');
      writeFileSync(cfg, 'scrape_configs: [{job_name: two, static_configs: [{targets: ["127.0.0.1:1"]}]}]\n');
      expect((await fetch(`${base}/-/reload`, { method: 'POST' })).status).toBe(200);
      expect(h.manager.jobNames()).toEqual(['two']);
      writeFileSync(cfg, 'scrape_configs: [{job_name: 3, bad: true}]\n');
      expect((await fetch(`${base}/-/reload`, { method: 'POST' })).status).toBe(500);
      expect(h.manager.jobNames()).toEqual(['two']);
    } finally {
      await h.close();
    }
  });
});

describe('the admin API', () => {
  it('takes a snapshot only when enabled', async () => {
    const cfg = join(dir, 'admin.yml');
    writeFileSync(cfg, 'scrape_configs: []\n');
    for (const enabled of [false, true]) {
      const path = join(dir, `admin-data-${enabled}`);
      const h = await startHub({ configFile: cfg, listen: { host: '127.0.0.1', port: 0 }, storage: { path, retentionMs: 0, retentionBytes: 0, walSync: 'batch' }, adminApi: enabled, log: () => {} });
      try {
        const res = await fetch(`http://127.0.0.1:${h.port}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
        const body = (await res.json()) as { data?: { name: string }; error?: string };
        if (!enabled) {
          expect([res.status, body.error]).toEqual([503, 'admin APIs disabled']);
        } else {
          expect(res.status).toBe(200);
          expect(body.data!.name).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
          expect(existsSync(join(path, 'snapshots', body.data!.name))).toBe(true);
        }
      } finally {
        await h.close();
      }
    }
  });
});
