import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../support/temp-dirs.ts';
import { version } from '../../shared/cli/version.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };

const tempDir = tempDirs('outpost-launcher-');

describe('the outpost launcher', () => {
  it('runs the bundle, which finds package.json and the WebAssembly core from dist/', () => {
    const out = execFileSync(process.execPath, ['bin/outpost.js', 'version'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(out).toBe(`outpost ${pkg.version} (node ${process.version})\n`);
    const bundle = statSync(`${root}dist/outpost.mjs`);
    expect(bundle.mtimeMs).toBeGreaterThanOrEqual(statSync(`${root}bin/main.ts`).mtimeMs);
    // ASCII only, so that V8 holds its source at one byte per character (the sources' comments have dashes and arrows).
    expect(readFileSync(`${root}dist/outpost.mjs`, 'latin1')).toMatch(/^[\x00-\x7f]*$/);
    // A backfill encodes chunks in the WebAssembly core.
    const dir = tempDir();
    writeFileSync(join(dir, 'in.om'), 'a_metric 1 1\na_metric 2 16\n# EOF\n');
    execFileSync(process.execPath, [`${root}bin/outpost.js`, 'tsdb', 'create-blocks-from', 'openmetrics', '--quiet', 'in.om', 'data'], { cwd: dir, timeout: 60_000 });
    expect(readdirSync(join(dir, 'data')).filter((e) => /^[0-9A-Z]{26}$/.test(e))).toHaveLength(1);
  });

  it('runs as an executable through its #! line, which fixes the glibc mmap threshold, exposes gc() and caps the young generation', () => {
    const out = execFileSync(`${root}bin/outpost.js`, ['version'], { encoding: 'utf8', timeout: 60_000 });
    expect(out).toBe(`outpost ${pkg.version} (node ${process.version})\n`);
    const shebang = readFileSync(`${root}bin/outpost.js`, 'utf8').split('\n')[0];
    expect(shebang).toBe('#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=1048576 node --expose-gc --max-semi-space-size=2');
  });

  it('reads the version from the sources too', () => {
    expect(version).toBe(pkg.version);
  });
});
