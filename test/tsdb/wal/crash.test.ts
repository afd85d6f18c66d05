import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openReplay, tempDir } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = 8;

/** runChild starts the writer, kills it with SIGKILL at a random moment and returns the acked batches. */
function runChild(dir: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'crash-child.ts'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), 50 + Math.random() * 600);
        else acked.push(Number(line));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code ?? signal} before the kill: ${err}`));
      else resolve(acked);
    });
  });
}

describe('crash safety', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it(`every acknowledged batch survives ${ROUNDS} SIGKILLs exactly once`, async () => {
    const acked = new Set<number>();
    let checked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const k of await runChild(t.dir)) acked.add(k);
      const { wal, records } = await openReplay(t.dir);
      await wal.close();
      const seen = new Map<number, number>();
      for (const r of records) {
        if (r.type !== 'samples') continue;
        const k = r.t as number;
        seen.set(k, (seen.get(k) ?? 0) + 1);
        // Values come back with the batch's exact bits.
        for (let i = 0; i < r.refs.length; i++) expect(r.values[i]).toBe(k * r.refs[i]);
      }
      for (const [k, n] of seen) if (n !== 1) expect.fail(`batch ${k} replayed ${n} times after round ${round}`);
      for (const k of acked) if (!seen.has(k)) expect.fail(`acknowledged batch ${k} lost after round ${round}`);
      checked = acked.size;
    }
    expect(checked).toBeGreaterThan(ROUNDS * 10);
  }, 120_000);
});
