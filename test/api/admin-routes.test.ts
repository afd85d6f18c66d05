import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes, dbSnapshotter, parseGoBool, snapshotTime } from '../../shared/api/admin-routes.ts';
import { Labels } from '../../shared/model/labels.ts';
import { Matcher } from '../../shared/model/matcher.ts';
import { isULID } from '../../shared/tsdb/block/index.ts';
import { openDB, type DB } from '../../shared/tsdb/db/index.ts';
import { read } from '../storage/suite.ts';

const quiet = { background: false, log: () => undefined };
let dir: string;
let db: DB;
let app: Hono;
const H = 3_600_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % (2 * H)); // a block range boundary

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-admin-'));
  db = await openDB(join(dir, 'data'), quiet);
  // One block cut from the head ([T0, T0 + 2 h)), and samples left in the head after it.
  for (const t of [T0, T0 + H, T0 + 3 * H, T0 + 4 * H]) {
    const app = db.appender();
    app.append(0, Labels.from({ __name__: 'm', i: '1' }), t, t / 1000);
    expect(app.commit().errors).toEqual([]);
  }
  expect(await db.cutHead()).toBe(1);
  app = new Hono();
  adminRoutes(app, { enabled: true, snapshot: dbSnapshotter(db, join(dir, 'data')) });
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** samplesIn opens a snapshot directory as a TSDB and returns every sample's time. */
async function samplesIn(snapshot: string): Promise<number[]> {
  const s = await openDB(snapshot, quiet);
  try {
    const q = s.querier(0, 1e15);
    try {
      return read(q, [new Matcher('=', '__name__', 'm')]).flatMap((x) => x.samples.map(([t]) => t));
    } finally {
      q.close();
    }
  } finally {
    await s.close();
  }
}

describe('POST|PUT /api/v1/admin/tsdb/snapshot', () => {
  it('writes a snapshot of blocks and head into <data>/snapshots/<name> and answers its name', async () => {
    const res = await app.request('/api/v1/admin/tsdb/snapshot', { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; data: { name: string } };
    expect(Object.keys(body)).toEqual(['status', 'data']);
    expect(body.status).toBe('success');
    expect(Object.keys(body.data)).toEqual(['name']);
    expect(body.data.name).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
    const snap = join(dir, 'data', 'snapshots', body.data.name);
    expect(readdirSync(snap).filter(isULID).length).toBe(2); // the block, and the head as a block
    expect(await samplesIn(snap)).toEqual([T0, T0 + H, T0 + 3 * H, T0 + 4 * H]);
  });

  it('leaves the head out with skip_head=true, in the query string or a PUT form body', async () => {
    for (const init of [
      { path: '/api/v1/admin/tsdb/snapshot?skip_head=true', method: 'POST' },
      { path: '/api/v1/admin/tsdb/snapshot', method: 'PUT', body: 'skip_head=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    ]) {
      const res = await app.request(init.path, init);
      expect(res.status).toBe(200);
      const name = ((await res.json()) as { data: { name: string } }).data.name;
      const snap = join(dir, 'data', 'snapshots', name);
      expect(readdirSync(snap).filter(isULID).length).toBe(1);
      expect(await samplesIn(snap)).toEqual([T0, T0 + H]);
    }
  });

  it('refuses a skip_head that is not a Go boolean with bad_data, and GET with 405', async () => {
    const res = await app.request('/api/v1/admin/tsdb/snapshot?skip_head=yes', { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      status: 'error',
      errorType: 'bad_data',
      error: 'invalid parameter "skip_head": unable to parse boolean: strconv.ParseBool: parsing "yes": invalid syntax',
    });
    expect((await app.request('/api/v1/admin/tsdb/snapshot')).status).toBe(405);
  });

  it('answers 503 "admin APIs disabled" when the admin API is off, and snapshots nothing', async () => {
    const off = new Hono();
    let calls = 0;
    adminRoutes(off, { enabled: false, snapshot: async () => String(++calls) });
    for (const method of ['POST', 'PUT']) {
      const res = await off.request('/api/v1/admin/tsdb/snapshot', { method });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'error', errorType: 'unavailable', error: 'admin APIs disabled' });
    }
    expect(calls).toBe(0);
  });

  it('answers 500 internal when the snapshot fails', async () => {
    const failing = new Hono();
    adminRoutes(failing, { enabled: true, snapshot: async () => Promise.reject(new Error('disk full')) });
    const res = await failing.request('/api/v1/admin/tsdb/snapshot', { method: 'POST' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ status: 'error', errorType: 'internal', error: 'create snapshot: disk full' });
  });
});

describe('snapshot names and parameters', () => {
  it('formats the time as Go\'s 20060102T150405Z0700 in UTC', () => {
    expect(snapshotTime(new Date('2017-12-10T21:12:24.567Z'))).toBe('20171210T211224Z');
  });
  it('parses booleans as strconv.ParseBool', () => {
    const check = (s: string, want: boolean | undefined) => expect(parseGoBool(s), s).toBe(want);
    for (const s of ['1', 't', 'T', 'TRUE', 'true', 'True']) check(s, true);
    for (const s of ['0', 'f', 'F', 'FALSE', 'false', 'False']) check(s, false);
    for (const s of ['yes', 'tRUE', '', ' true']) check(s, undefined);
  });
});
