import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../support/net.ts';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, waitFor, type TestServer } from './helpers.ts';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'edge-main.ts');
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const yaml = (targets: string[]) => `scrape_configs:\n  - job_name: app\n    scrape_interval: 500ms\n    static_configs: [{targets: [${targets.map((t) => `'${t}'`).join(', ')}]}]\n`;

describe('outpost edge process', () => {
  it('reloads on SIGHUP, keeps running on an invalid config, and exits 0 on SIGTERM', async () => {
    const targets: TestServer[] = [];
    for (const name of ['a', 'b']) {
      const s = await listen((_q, res) => res.end(`${name}_metric 1\n`));
      cleanup.push(() => s.close());
      targets.push(s);
    }
    const dir = mkdtempSync(join(tmpdir(), 'outpost-edge-proc-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'edge.yml');
    writeFileSync(file, yaml([targets[0].address]));
    const port = await freePort();
    let stderr = '';
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, `--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${join(dir, 'data')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    cleanup.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    });
    const active = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/targets?state=active`).catch(() => undefined);
      if (!res?.ok) return undefined;
      return ((await res.json()) as { data: { activeTargets: Array<{ scrapeUrl: string; health: string }> } }).data.activeTargets;
    };
    await waitFor(async () => (await active())?.length === 1, 20_000, 'edge serving one target');

    writeFileSync(file, yaml(targets.map((t) => t.address)));
    child.kill('SIGHUP');
    await waitFor(async () => (await active())?.length === 2, 10_000, 'two targets after SIGHUP');

    writeFileSync(file, 'scrape_configs: [\n');
    child.kill('SIGHUP');
    await waitFor(() => stderr.includes('reload refused'), 10_000, 'refusal logged');
    expect(stderr).toMatch(new RegExp(`reload refused, keeping the running configuration: ${file.replace(/[.]/g, '\\.')}:\\d+`));
    expect((await active())?.length).toBe(2);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
