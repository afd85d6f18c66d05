/**
 * The TSDB admin endpoint of the Prometheus HTTP API: `POST|PUT /api/v1/admin/tsdb/snapshot`
 * with its optional `skip_head` (Go boolean syntax), answering `{"status":"success","data":
 * {"name":"<UTC time>-<16 hex digits>"}}` for a snapshot written to `<data>/snapshots/<name>`.
 * As in Prometheus, the admin API is off unless enabled (`--web.enable-admin-api`): then the
 * endpoint answers 503 `unavailable` "admin APIs disabled". What a snapshot does is the caller's
 * `snapshot` function; dbSnapshotter makes one over the durable TSDB's db.snapshot.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context, Hono } from 'hono';
import { failure, success } from './respond.ts';

/** AdminOptions for adminRoutes. */
export interface AdminOptions {
  /** Whether the admin API is enabled; when false every admin request gets 503 "admin APIs disabled". */
  enabled: boolean;
  /** snapshot takes a snapshot (without the head's data when skipHead) and resolves with its name. */
  snapshot(skipHead: boolean): Promise<string>;
}

/** adminRoutes registers the admin endpoints on `app`. */
export function adminRoutes(app: Hono, o: AdminOptions): void {
  const snapshot = async (c: Context) => {
    if (!o.enabled) return failure(c, 'unavailable', 'admin APIs disabled');
    const raw = await formValue(c, 'skip_head');
    let skipHead = false;
    if (raw !== undefined && raw !== '') {
      const b = parseGoBool(raw);
      if (b === undefined) return failure(c, 'bad_data', `invalid parameter "skip_head": unable to parse boolean: strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
      skipHead = b;
    }
    let name: string;
    try {
      name = await o.snapshot(skipHead);
    } catch (err) {
      return failure(c, 'internal', `create snapshot: ${(err as Error).message}`);
    }
    return success(c, { name });
  };
  app.post('/api/v1/admin/tsdb/snapshot', snapshot);
  app.put('/api/v1/admin/tsdb/snapshot', snapshot);
  app.get('/api/v1/admin/tsdb/snapshot', (c) => c.text('Method Not Allowed', 405));
}

/** SnapshotSource: the part of the durable TSDB (shared/tsdb/db) a snapshot needs. */
export interface SnapshotSource {
  snapshot(dir: string): Promise<{ headBlock: string | null }>;
}

/**
 * dbSnapshotter returns a snapshot function for adminRoutes over `db`, whose data directory is
 * `dataDir`: it writes the snapshot into `<dataDir>/snapshots/<name>` and resolves with the name,
 * `<YYYYMMDDThhmmssZ>-<16 random hex digits>` as Prometheus names them. With skipHead, the block
 * db.snapshot made of the head is left out of the snapshot. `now` is for tests.
 */
export function dbSnapshotter(db: SnapshotSource, dataDir: string, now: () => Date = () => new Date()): (skipHead: boolean) => Promise<string> {
  return async (skipHead) => {
    const name = `${snapshotTime(now())}-${randomBytes(8).toString('hex')}`;
    const dir = join(dataDir, 'snapshots', name);
    const res = await db.snapshot(dir);
    if (skipHead && res.headBlock !== null) await rm(join(dir, res.headBlock), { recursive: true, force: true });
    return name;
  };
}

/** snapshotTime formats a time as Go's "20060102T150405Z0700" in UTC. */
export function snapshotTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** parseGoBool parses what Go's strconv.ParseBool accepts; undefined otherwise. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/**
 * formValue reads a parameter as Go's Request.FormValue does: a form-encoded POST or PUT body
 * first, then the query string.
 */
async function formValue(c: Context, name: string): Promise<string | undefined> {
  const method = c.req.method;
  if ((method === 'POST' || method === 'PUT') && (c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
    const body = new URLSearchParams(await c.req.text());
    if (body.has(name)) return body.get(name)!;
  }
  return new URL(c.req.url).searchParams.get(name) ?? undefined;
}
