import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startExternalGc } from '../../shared/cli/external-gc.ts';

const module = fileURLToPath(new URL('../../shared/cli/external-gc.ts', import.meta.url));

/**
 * node runs `body` in a node process (with or without --expose-gc) where the check runs every
 * 20 ms at a growth of 8 MiB, and returns what it printed. `fill(n)` allocates n MiB of buffers;
 * `fullGcSeen()` resolves once PerformanceObserver delivered a full collection, so the check
 * has seen it too.
 */
function node(exposeGc: boolean, body: string): string {
  const script = `
    const { startExternalGc } = await import(${JSON.stringify(module)});
    const { constants, PerformanceObserver } = await import('node:perf_hooks');
    const stop = startExternalGc({ intervalMs: 20, growthBytes: 8 << 20 });
    const fill = (n) => Array.from({ length: n }, () => new Uint8Array(1 << 20).fill(1));
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    let fulls = 0;
    const waiting = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fulls++, waiting.splice(0).forEach((r) => r());
    }).observe({ entryTypes: ['gc'] });
    const fullGcSeen = () => new Promise((r) => waiting.push(r));
    ${body}
    stop();
  `;
  const flags = exposeGc ? ['--expose-gc'] : [];
  return execFileSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 }).trim();
}

/**
 * run drops 48 MiB of ArrayBuffers, below V8's own 64 MiB trigger, and returns how much RSS
 * (MiB) went back once the check had time to run. (RSS, not V8's external memory figure: V8
 * updates that for freed buffers only at its next collection.)
 */
function run(exposeGc: boolean): number {
  return Number(
    node(
      exposeGc,
      `let keep = fill(48);
       const full = process.memoryUsage().rss;
       keep = null;
       await sleep(400);
       console.log((full - process.memoryUsage().rss) / 1048576);`,
    ),
  );
}

describe('startExternalGc', () => {
  it('collects dead buffers once external memory has grown by the threshold', () => {
    expect(run(true)).toBeGreaterThan(40);
  });

  it('collects buffers that a full collection found alive and that died after it', () => {
    // A WAL checkpoint's buffers alive during a collection V8 makes (here: one forced while they
    // are), dead a moment later: they never count as growth from the level it left.
    const freed = node(
      true,
      `let keep = fill(48);
       const full = process.memoryUsage().rss;
       const seen = fullGcSeen();
       gc();
       await seen;
       keep = null;
       await sleep(400);
       console.log((full - process.memoryUsage().rss) / 1048576);`,
    );
    expect(Number(freed)).toBeGreaterThan(40);
  });

  it('collects again only a few times when the higher level is live', () => {
    // 48 MiB kept for good after a collection: a few rechecks, then the level is taken as settled
    // (not one collection per check for as long as the memory lives).
    const collections = node(
      true,
      `const keep = fill(48);
       const seen = fullGcSeen();
       gc();
       await seen;
       const before = fulls;
       await sleep(600);
       console.log(fulls - before, keep.length);`,
    );
    const [n] = collections.split(' ').map(Number);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(8);
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
