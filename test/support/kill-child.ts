/**
 * runUntilKilled: the crash tests' driver. It starts a child TypeScript script that prints `ready`
 * once it is writing, then one acknowledged id per line; the child is SIGKILLed at a random moment
 * after `ready` and its first `minAcks` acknowledgements (within windowMs, after minMs), and the
 * ids it acknowledged come back. Counting acknowledgements rather than time keeps the amount of
 * work per round the same on a loaded machine. A child that exits by itself before the kill, or
 * is not killed within guardMs, fails the test.
 */
import { spawn } from 'node:child_process';

export interface KillOptions {
  /** Earliest kill after `ready`, ms. */
  minMs: number;
  /** The kill falls within minMs + [0, windowMs) after `ready`. */
  windowMs: number;
  /** Acknowledgements to wait for (after `ready`) before the kill is timed; default 0. */
  minAcks?: number;
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
    let ready = false;
    const arm = () => {
      if (timer || !ready || acked.length < (o.minAcks ?? 0)) return;
      timer = setTimeout(() => child.kill('SIGKILL'), o.minMs + Math.random() * o.windowMs);
    };
    const guard = setTimeout(() => child.kill('SIGKILL'), o.guardMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') ready = true;
        else acked.push(Number(line));
        arm();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      if (signal === 'SIGKILL' && !timer) reject(new Error(`child not killed within ${o.guardMs} ms of its start (${acked.length} acknowledgements): ${err}`));
      else if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code ?? signal} before the kill: ${err}`));
      else resolve(acked);
    });
  });
}
