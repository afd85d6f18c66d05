import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileDiscoverer, expandGlobs, readGroupsFile } from '../../../edge/discovery/file.ts';
import type { TargetGroup } from '../../../edge/discovery/types.ts';
import { parseGroupsDocument } from '../../../edge/discovery/groups-file.ts';
import { waitFor } from '../helpers.ts';

const dirs: string[] = [];
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'outpost-filesd-'));
  dirs.push(d);
  return d;
}

const flat = (groups: TargetGroup[]) =>
  groups.map((g) => ({ source: g.source, targets: g.targets.map((t) => t.get('__address__')), labels: g.labels.toObject() }));

describe('parseGroupsDocument', () => {
  const bad = (text: string, format: 'json' | 'yaml', want: string) => expect(() => parseGroupsDocument(text, format, 'f')).toThrow(want);
  it('reads JSON and YAML groups', () => {
    expect(parseGroupsDocument('[{"targets": ["a:1", "b:2"], "labels": {"env": "x"}}]', 'json', 'f')).toEqual([
      { targets: ['a:1', 'b:2'], labels: expect.objectContaining({ flat: ['env', 'x'] }) },
    ]);
    expect(parseGroupsDocument('- targets: [a:1]\n  labels: {port: 80}\n', 'yaml', 'f')[0].labels.get('port')).toBe('80');
    expect(parseGroupsDocument('', 'yaml', 'f')).toEqual([]);
  });
  it('names the line of a problem', () => {
    bad('[\n{"targets": ["a:1"]},\n{"targets": "a:1"}\n]', 'json', 'f:3: "targets" must be a list');
    bad('[\n{"targets": ["a:1"],\n]', 'json', 'f:3: invalid JSON');
    bad('- targets: [a:1]\n  labelz: {}\n', 'yaml', 'f:2: unknown field "labelz"');
    bad('- targets: [a:1]\n  labels: {"": x}\n', 'yaml', 'f:2: "" is not a valid label name');
    bad('[{"targets": ["a:1"], "labels": {"n": 1}}]', 'json', 'f:1: the value of label "n" must be a string');
    bad('{"targets": []}', 'json', 'f:1: expected a list of target groups');
  });
});

describe('FileDiscoverer', () => {
  it('expands globs in the last path element only to existing files', async () => {
    const d = tempDir();
    for (const f of ['a.json', 'b.json', 'c.yml']) writeFileSync(join(d, f), '[]');
    expect(await expandGlobs([join(d, '*.json'), join(d, 'c.yml'), join(d, 'missing.yml'), '/nonexistent/*.json'])).toEqual(
      [join(d, 'a.json'), join(d, 'b.json'), join(d, 'c.yml')],
    );
  });

  it('labels groups with __meta_filepath and sources them by file and index', async () => {
    const d = tempDir();
    const f = join(d, 't.yml');
    writeFileSync(f, '- targets: [a:1]\n- targets: [b:2, c:3]\n  labels: {env: prod}\n');
    expect(flat(await readGroupsFile(f))).toEqual([
      { source: `${f}:0`, targets: ['a:1'], labels: { __meta_filepath: f } },
      { source: `${f}:1`, targets: ['b:2', 'c:3'], labels: { __meta_filepath: f, env: 'prod' } },
    ]);
  });

  it('follows file changes, keeps the last good groups of a broken file, and drops a deleted one', async () => {
    const d = tempDir();
    const f = join(d, 'targets.json');
    writeFileSync(f, '[{"targets": ["a:1"]}]');
    const updates: TargetGroup[][] = [];
    const errors: Error[] = [];
    const disc = new FileDiscoverer({ files: [join(d, '*.json')], refreshInterval: 60_000 });
    stops.push(() => disc.stop());
    disc.start({ update: (g) => updates.push(g), error: (e) => errors.push(e) });
    await waitFor(() => updates.length === 1, 10_000, 'first read');
    expect(flat(updates[0])[0].targets).toEqual(['a:1']);

    writeFileSync(f, '[{"targets": ["a:1", "b:2"]}]');
    await waitFor(() => updates.at(-1)?.[0]?.targets.length === 2, 10_000, 'watched change');

    writeFileSync(f, '[{"targets": ["a:1",\n  "b:2"\n  }]');
    await waitFor(() => errors.length > 0, 10_000, 'parse error');
    expect(errors[0].message).toMatch(new RegExp(`file_sd: ${f.replace(/[.]/g, '\\.')}:3: invalid JSON`));
    await disc.refresh();
    expect(flat(updates.at(-1)!)[0].targets).toEqual(['a:1', 'b:2']);

    unlinkSync(f);
    await waitFor(() => updates.at(-1)?.length === 0, 10_000, 'deleted file drops its groups');
  });

  it('re-reads on refresh_interval when no watch event comes', async () => {
    const d = tempDir();
    const sub = join(d, 'later');
    const updates: TargetGroup[][] = [];
    // The directory does not exist yet, so it cannot be watched: only the interval finds the file.
    const disc = new FileDiscoverer({ files: [join(sub, '*.yaml')], refreshInterval: 100 });
    stops.push(() => disc.stop());
    const errors: Error[] = [];
    disc.start({ update: (g) => updates.push(g), error: (e) => errors.push(e) });
    expect(errors[0]?.message).toMatch(/file_sd: watch .*later/);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sub);
    writeFileSync(join(sub, 'x.yaml'), '- targets: [z:9]\n');
    await waitFor(() => updates.at(-1)?.[0]?.targets[0]?.get('__address__') === 'z:9', 10_000, 'interval re-read');
  });
});
