import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../../shared/cli/command.ts';
import { tsdbCommand } from '../../../shared/tsdb/backfill/index.ts';
import { blockDirs, readBack, tempDir, writeOM } from './helpers.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
  vi.restoreAllMocks();
});

/** run runs `outpost tsdb ARGS…` and returns its exit code and what it printed. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const code = await runCommand(tsdbCommand, argv);
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('outpost tsdb create-blocks-from openmetrics', () => {
  it('writes blocks, prints them as promtool does, and exits 0', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const f = writeOM(t.dir, 'in.om', ['# TYPE a counter', 'a_total 1 7200', 'a_total 2 14400', '# EOF']);
    const data = join(t.dir, 'data');
    const r = await run('create-blocks-from', 'openmetrics', f, data, '--human-readable');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^BLOCK ULID\s+MIN TIME\s+MAX TIME\s+DURATION\s+NUM SAMPLES\s+NUM CHUNKS\s+NUM SERIES\s+SIZE$/);
    expect(r.out).toContain('1970-01-01T02:00:00.000Z');
    expect(r.out.split('\n').length).toBe(3);
    expect(r.err).toMatch(/2 samples of 1 series from 4 lines into 2 block\(s\)/);
    expect(blockDirs(data).length).toBe(2);
    expect(await readBack(data)).toEqual([{ labels: 'a_total', samples: [[7_200_000, 1], [14_400_000, 2]] }]);
  });

  it('exits 1 naming the line of bad input, 2 for a bad command line', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const f = writeOM(t.dir, 'bad.om', ['a 1 100', 'a{ 2 200', '# EOF']);
    const bad = await run('create-blocks-from', 'openmetrics', f, join(t.dir, 'data'), '--quiet');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`${f}:2: `);
    const usage: [string[], RegExp][] = [
      [[], /a subcommand is required/],
      [['dump'], /unknown subcommand "dump"/],
      [['create-blocks-from', 'json', f], /unknown input format "json"/],
      [['create-blocks-from', 'openmetrics'], /the input FILE is required/],
      [['create-blocks-from', 'openmetrics', f, 'd', 'e'], /unexpected argument "e"/],
      [['create-blocks-from', 'openmetrics', f, '--encoding=zstd'], /--encoding must be xor or dense/],
      [['create-blocks-from', 'openmetrics', f, '--compression=zstd'], /--compression must be none or brotli, not "zstd"/],
      [['create-blocks-from', 'openmetrics', f, '--max-block-duration=2x'], /"2x" is not a valid duration/],
      [['create-blocks-from', 'openmetrics', f, '--memory-budget=0'], /--memory-budget must be more than 0/],
      [['create-blocks-from', 'openmetrics', f, '--bogus'], /unknown flag --bogus/],
    ];
    for (const [argv, message] of usage) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
  });

  it('prints its usage and flags for --help', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('usage: outpost tsdb create-blocks-from openmetrics [flags] FILE [DATA_DIR]');
    for (const flag of ['--max-block-duration', '--encoding', '--compression', '--memory-budget', '--quiet', '--human-readable']) expect(r.out).toContain(flag);
  });
});
