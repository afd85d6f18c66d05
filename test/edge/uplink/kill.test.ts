import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { countBySeries } from '../../hub/ingest/helpers.ts';
import { ingestedSamples, startHub, tempDir } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = 4;
const S = 20;

/** runChild runs the edge from batch `start`; killed after a random moment unless `last` is given. Resolves with the last stored batch. */
function runChild(dir: string, url: string, start: number, last?: number): Promise<{ stored: number; drained: boolean }> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', join(here, 'kill-child.ts'), dir, url, String(start), ...(last ? [String(last)] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stored = start - 1, drained = false, out = '', err = '';
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready' && !last) timer = setTimeout(() => child.kill('SIGKILL'), 300 + Math.random() * 500);
        else if (line === 'drained') drained = true;
        else if (line.startsWith('stored ')) stored = Math.max(stored, Number(line.slice(7)));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      if (last ? code === 0 : signal === 'SIGKILL') resolve({ stored, drained });
      else reject(new Error(`edge child ended with ${code ?? signal}: ${err}`));
    });
  });
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('uplink SIGKILL', () => {
  it(`an edge SIGKILLed ${ROUNDS} times resumes: every stored batch arrives, once`, async () => {
    const hub = await startHub(0);
    cleanup.push(() => hub.stop());
    const edge = await tempDir('outpost-kill-');
    cleanup.push(edge.remove);
    let next = 1;
    for (let r = 0; r < ROUNDS; r++) {
      const { stored } = await runChild(edge.dir, hub.url, next);
      expect(stored).toBeGreaterThanOrEqual(next - 1);
      next = stored + 1; // a batch stored but not reported is offered again: same samples, deduplicated by storage
    }
    const last = next + 20;
    const { drained } = await runChild(edge.dir, hub.url, next, last);
    expect(drained).toBe(true);
    const counts = countBySeries(hub.storage, 'm_.*');
    expect(counts.size).toBe(S);
    for (const n of counts.values()) expect(n).toBe(last);
    // Appends beyond one per sample are resends: bounded by what may be in flight at each kill.
    const received = await ingestedSamples(hub, 'edge-a');
    expect(received).toBeGreaterThanOrEqual(S * last);
    expect(received).toBeLessThanOrEqual(S * (last + ROUNDS * 33));
  }, 120_000);
});
