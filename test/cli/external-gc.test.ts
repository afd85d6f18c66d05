import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startExternalGc } from '../../shared/cli/external-gc.ts';

const module = fileURLToPath(new URL('../../shared/cli/external-gc.ts', import.meta.url));

/**
 * run starts a node process (with or without --expose-gc) that drops 48 MiB of ArrayBuffers,
 * below V8's own 64 MiB trigger, with the check running every 20 ms at a growth of 8 MiB, and
 * returns how much RSS (MiB) went back once the check had time to run. (RSS, not V8's external
 * memory figure: V8 updates that for freed buffers only at its next collection.)
 */
function run(exposeGc: boolean): number {
  const script = `
    const { startExternalGc } = await import(${JSON.stringify(module)});
    const stop = startExternalGc({ intervalMs: 20, growthBytes: 8 << 20 });
    let keep = [];
    for (let i = 0; i < 48; i++) keep.push(new Uint8Array(1 << 20).fill(1));
    const full = process.memoryUsage().rss;
    keep = null;
    await new Promise((r) => setTimeout(r, 400));
    stop();
    console.log((full - process.memoryUsage().rss) / 1048576);
  `;
  const flags = exposeGc ? ['--expose-gc'] : [];
  return Number(execFileSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 }).trim());
}

describe('startExternalGc', () => {
  it('collects dead buffers once external memory has grown by the threshold', () => {
    expect(run(true)).toBeGreaterThan(40);
  });

  it('leaves them to V8 without gc() (node without --expose-gc)', () => {
    expect(run(false)).toBeLessThan(8);
  });

  it('is a no-op that can be stopped when gc() is missing', () => {
    const g = globalThis as { gc?: unknown };
    const saved = g.gc;
    delete g.gc;
    try {
      expect(() => startExternalGc()()).not.toThrow();
    } finally {
      if (saved !== undefined) g.gc = saved;
    }
  });
});
