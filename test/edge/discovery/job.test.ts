import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobDiscovery } from '../../../edge/discovery/job.ts';
import type { TargetGroup } from '../../../edge/discovery/types.ts';
import { config, waitFor } from '../helpers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('JobDiscovery', () => {
  it('delivers static and file groups together first, then coalesces changes to one update per interval', async () => {
    const d = mkdtempSync(join(tmpdir(), 'outpost-job-'));
    cleanup.push(() => rmSync(d, { recursive: true, force: true }));
    const f = join(d, 't.json');
    writeFileSync(f, '[{"targets": ["f:1"]}]');
    const c = config(`scrape_configs:\n  - job_name: j\n    static_configs: [{targets: ['s:1']}]\n    file_sd_configs: [{files: ['${f}']}]\n`);
    const lists: TargetGroup[][] = [];
    const times: number[] = [];
    const job = new JobDiscovery(c.scrapeConfigs[0], (g) => {
      lists.push(g);
      times.push(Date.now());
    }, { updateIntervalMs: 400 });
    cleanup.push(() => job.stop());
    job.start();
    await waitFor(() => lists.length === 1, 2000, 'first list');
    expect(lists[0].flatMap((g) => g.targets.map((t) => t.get('__address__')))).toEqual(['s:1', 'f:1']);
    // Three quick edits arrive as one update, no sooner than the interval after the first list.
    for (const n of [2, 3, 4]) {
      writeFileSync(f, `[{"targets": ["f:${n}"]}]`);
      await new Promise((r) => setTimeout(r, 80));
    }
    await waitFor(() => lists.at(-1)?.[1]?.targets[0]?.get('__address__') === 'f:4', 10_000, 'coalesced update');
    expect(lists.length).toBeLessThanOrEqual(3);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(390);
  });

  it('delivers an empty list for a job without discovery', async () => {
    const c = config('scrape_configs:\n  - job_name: j\n');
    const lists: TargetGroup[][] = [];
    const job = new JobDiscovery(c.scrapeConfigs[0], (g) => lists.push(g), { updateIntervalMs: 50 });
    cleanup.push(() => job.stop());
    job.start();
    expect(lists).toEqual([[]]);
  });
});
