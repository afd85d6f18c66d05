import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile } from '../../shared/config/index.ts';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/config');
const BAD = join(FIXTURES, 'bad');

/** check loads a bad fixture and expects a ConfigError containing the `# expect:` line. */
async function check(name: string): Promise<void> {
  const path = join(BAD, name);
  const first = readFileSync(path, 'utf8').split('\n')[0];
  const m = /^# expect: (.+)$/.exec(first);
  expect(m, `${name} must start with "# expect: <message substring>"`).not.toBeNull();
  const err = await loadConfigFile(path, { env: {} }).then(() => null, (e: unknown) => e);
  expect(err, `${name} must fail`).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).message).toContain(m![1]);
  expect((err as ConfigError).file).toBe(path);
}

describe('bad configs', () => {
  const files = readdirSync(BAD).filter((f) => f.endsWith('.yml')).sort();
  it('has fixtures', () => expect(files.length).toBeGreaterThan(40));
  for (const f of files) it(f, () => check(f));
});

describe('loadConfigFile', () => {
  it('reports an unreadable file as a ConfigError', async () => {
    const err = await loadConfigFile(join(FIXTURES, 'nope.yml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/nope\.yml: cannot read the configuration file: ENOENT/);
  });

  it('reports line and column of the offending value', async () => {
    const err = (await loadConfigFile(join(BAD, 'bad-duration.yml')).catch((e: unknown) => e)) as ConfigError;
    expect([err.line, err.column, err.path, err.reason]).toEqual([4, 22, 'scrape_configs[0].scrape_interval', '"5x" is not a valid duration']);
  });
});
