/**
 * runUntilKilled: the crash tests' driver. It starts a child TypeScript script that prints `ready`
 * once it is writing, then one acknowledged id per line; the child is SIGKILLed at a random moment
 * after `ready` (within killWindowMs, after minMs), and the ids it acknowledged come back. A child
 * that exits by itself before the kill, or never gets ready within guardMs, fails the test.
 */
import { spawn } from 'node:child_process';

export interface KillOptions {
  /** Earliest kill after `ready`, ms. */
  minMs: number;
  /** The kill falls within minMs + [0, windowMs) after `ready`. */
  windowMs: number;
  /** Hard limit for the whole run, ms. */
  guardMs: number;
}

export function runUntilKilled(script: string, args: readonly string[], o: KillOptions): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), o.guardMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), o.minMs + Math.random() * o.windowMs);
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
