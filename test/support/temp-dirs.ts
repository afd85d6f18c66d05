/** Temporary directories for tests: fresh under the system's temp directory, removed on request or after each test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** tempDir makes a fresh directory whose name starts with `prefix`; cleanup() removes it. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * tempDirs returns a function that makes a fresh directory each call; every directory it made is
 * removed after each test of the calling file.
 */
export function tempDirs(prefix: string): () => string {
  let made: string[] = [];
  afterEach(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
    made = [];
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}
