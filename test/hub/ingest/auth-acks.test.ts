import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileAckStore, PositionAckStore } from '../../../hub/ingest/acks.ts';
import { TokenAuthenticator } from '../../../hub/ingest/auth.ts';
import { RateLimiter } from '../../../hub/ingest/limits.ts';
import { isLoopback } from '../../../hub/ingest/socket.ts';
import { openDB } from '../../../shared/tsdb/db/index.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'outpost-ingest-'));
  dirs.push(d);
  return d;
}

describe('TokenAuthenticator', () => {
  it('reads token files (trailing newline trimmed) and checks name and token together', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'b.token'), 'from-file\n');
    const auth = await TokenAuthenticator.fromConfig({ tokens: [{ name: 'a', token: 'inline', tokenFile: '' }, { name: 'b', token: '', tokenFile: join(dir, 'b.token') }] });
    expect(auth.check('a', 'inline')).toEqual({ ok: true });
    expect(auth.check('b', 'from-file')).toEqual({ ok: true });
    expect(auth.check('b', 'inline')).toEqual({ ok: false, reason: 'unknown edge or wrong token' });
    expect(auth.check('c', 'inline')).toEqual({ ok: false, reason: 'unknown edge or wrong token' });
    expect(auth.check('a', '')).toEqual({ ok: false, reason: 'missing token' });
  });

  it('fails naming the edge and file when a token file is missing or empty', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'empty'), '\n');
    await expect(TokenAuthenticator.fromConfig({ tokens: [{ name: 'x', token: '', tokenFile: join(dir, 'nope') }] })).rejects.toThrow(/edge "x": read token_file .*nope/);
    await expect(TokenAuthenticator.fromConfig({ tokens: [{ name: 'y', token: '', tokenFile: join(dir, 'empty') }] })).rejects.toThrow(/edge "y": token_file .* is empty/);
  });
});

describe('ack stores', () => {
  it('FileAckStore survives a reopen and coalesces concurrent writes', async () => {
    const path = join(await tempDir(), 'acks.json');
    const s = await FileAckStore.open(path);
    await Promise.all([s.set('a', 1), s.set('a', 2), s.set('b', 7), s.set('a', 3)]);
    const again = await FileAckStore.open(path);
    expect([again.get('a'), again.get('b'), again.get('c')]).toEqual([3, 7, 0]);
  });

  it('FileAckStore refuses a damaged file', async () => {
    const path = join(await tempDir(), 'acks.json');
    await writeFile(path, '{"a": -1}');
    await expect(FileAckStore.open(path)).rejects.toThrow(/edge a has position -1/);
  });

  it('PositionAckStore keeps positions in the TSDB WAL across a restart', async () => {
    const dir = await tempDir();
    const db = await openDB(dir);
    await new PositionAckStore(db).set('edge-a', 42);
    await db.close();
    const db2 = await openDB(dir);
    expect(new PositionAckStore(db2).get('edge-a')).toBe(42);
    expect(new PositionAckStore(db2).get('edge-b')).toBe(0);
    await db2.close();
  });
});

describe('limits and addresses', () => {
  it('RateLimiter lets the burst through, then asks to wait in proportion', () => {
    const r = new RateLimiter(100, 50, 0);
    expect(r.take(50, 0)).toBe(0);
    expect(r.take(10, 0)).toBe(100);
    expect(r.take(10, 100)).toBe(0);
    expect(r.take(500, 100)).toBeGreaterThan(0); // larger than the bucket: waits until it is full
    expect(r.take(500, 1000)).toBe(0);
    expect(new RateLimiter(0, 0, 0).take(1e9, 0)).toBe(0);
  });

  it('isLoopback', () => {
    const cases: [string, boolean][] = [['127.0.0.1', true], ['127.9.8.7', true], ['::1', true], ['::ffff:127.0.0.1', true], ['10.0.0.1', false], ['::ffff:10.0.0.1', false], ['fe80::1', false], ['', false]];
    for (const [a, want] of cases) expect([a, isLoopback(a)]).toEqual([a, want]);
  });
});
