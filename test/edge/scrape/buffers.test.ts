/**
 * Between scrapes nothing page-sized stays referenced by a target: every loop borrows its body
 * buffers (plain and gzip-coded) from the process' BodyPool for one scrape, concurrent scrapes
 * get buffers of their own, and the scrape cache keeps no view of a page it has read.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { newParser } from '../../../shared/exposition/content-type.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { bodyPool } from '../../../edge/http/body-pool.ts';
import { ScrapeLoop } from '../../../edge/scrape/loop.ts';
import { ScrapeCache, type PageOptions } from '../../../edge/scrape/page.ts';
import { listen, series, type TestServer } from '../helpers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** page is target `i`'s page of `n` series, each valued i·10⁶ + its number, with metadata. */
function page(i: number, n: number): string {
  let text = '# HELP m A metric.\n# TYPE m gauge\n';
  for (let k = 0; k < n; k++) text += `m{k="${k}"} ${i * 1e6 + k}\n`;
  return text;
}

/**
 * watchPool records what the shared pool lends: `clashes` lists buffers lent while already lent
 * (two borrowers at once), `most` the most lent at one time, `lent` those not given back yet.
 */
function watchPool() {
  const w = { lent: new Set<Buffer>(), most: 0, clashes: [] as Buffer[] };
  const take = bodyPool.take.bind(bodyPool), give = bodyPool.give.bind(bodyPool);
  vi.spyOn(bodyPool, 'take').mockImplementation((min, size) => {
    const b = take(min, size);
    if (w.lent.has(b)) w.clashes.push(b);
    w.lent.add(b);
    w.most = Math.max(w.most, w.lent.size);
    return b;
  });
  vi.spyOn(bodyPool, 'give').mockImplementation((b) => {
    w.lent.delete(b);
    give(b);
  });
  return w;
}

async function serve(handler: Parameters<typeof listen>[0]): Promise<TestServer> {
  const s = await listen(handler);
  cleanup.push(() => s.close());
  return s;
}

function loopFor(storage: ReturnType<typeof openMemStorage>, s: TestServer, opts: { bodySizeLimit?: number; timeoutMs?: number } = {}): ScrapeLoop {
  return new ScrapeLoop(storage, {
    url: `http://${s.address}/metrics`, intervalMs: 10_000, timeoutMs: opts.timeoutMs ?? 5000, bodySizeLimit: opts.bodySizeLimit ?? 0,
    targetLabels: Labels.from({ job: 'j', instance: s.address }), honorLabels: false, honorTimestamps: true, metricRelabel: [], sampleLimit: 0,
  });
}

/** values reads target `s`'s series m as k → value. */
function values(storage: ReturnType<typeof openMemStorage>, s: TestServer): Map<number, number> {
  const out = new Map<number, number>();
  for (const [labels, points] of series(storage, 'm')) {
    if (!labels.includes(`instance="${s.address}"`)) continue;
    out.set(Number(/k="(\d+)"/.exec(labels)![1]), points.at(-1)![1] as number);
  }
  return out;
}

describe('scrape buffers', () => {
  it('are lent to one scrape at a time and all given back to the shared pool', async () => {
    const storage = openMemStorage();
    cleanup.push(() => storage.close());
    const N = 20_000;
    const bodies = [0, 1].map((i) => Buffer.from(page(i + 1, N)));
    // Both responses start only once both requests arrived, and each stops halfway for a while:
    // the two scrapes are receiving their pages at the same time.
    const waiting: Array<() => void> = [];
    const servers = await Promise.all(
      bodies.map((body) =>
        serve((_req, res) => {
          waiting.push(() => {
            res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
            res.write(body.subarray(0, body.length >> 1));
            setTimeout(() => res.end(body.subarray(body.length >> 1)), 100);
          });
          if (waiting.length === 2) for (const go of waiting.splice(0)) go();
        }),
      ),
    );
    const w = watchPool();
    const loops = servers.map((s) => loopFor(storage, s));
    for (let round = 1; round <= 2; round++) {
      await Promise.all(loops.map((l) => l.scrape(1000 * round)));
      for (const l of loops) expect(l.health).toMatchObject({ health: 'up', lastError: '' });
      expect(w.clashes).toEqual([]);
      expect(w.most).toBeGreaterThanOrEqual(2);
      expect(w.lent.size).toBe(0); // every page's buffer is back in the pool
      expect(bodyPool.idleBytes).toBeGreaterThanOrEqual(2 * bodies[0].length);
    }
    servers.forEach((s, i) => {
      const got = values(storage, s);
      expect(got.size).toBe(N);
      for (let k = 0; k < N; k += 997) expect(got.get(k)).toBe((i + 1) * 1e6 + k);
    });
  });

  it('are given back after gzip-coded pages and failed scrapes', async () => {
    const storage = openMemStorage();
    cleanup.push(() => storage.close());
    const body = Buffer.from(page(3, 5000));
    const coded = gzipSync(body);
    const plain = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }); // chunked: no Content-Length
      res.end(body);
    });
    const gzip = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': coded.length });
      res.end(coded);
    });
    const slow = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.write(coded.subarray(0, 1000)); // and never the rest
    });
    const w = watchPool();
    const cases: Array<[ScrapeLoop, string]> = [
      [loopFor(storage, plain), ''],
      [loopFor(storage, gzip), ''],
      [loopFor(storage, plain, { bodySizeLimit: 10_000 }), 'body size limit exceeded'],
      [loopFor(storage, gzip, { bodySizeLimit: 10_000 }), 'body size limit exceeded'],
      [loopFor(storage, slow, { timeoutMs: 200 }), 'context deadline exceeded'],
    ];
    for (const [loop, error] of cases) {
      await loop.scrape(1000);
      expect(loop.health.lastError).toContain(error);
      expect(w.lent.size).toBe(0);
    }
    expect(w.most).toBeGreaterThanOrEqual(1);
    expect(values(storage, gzip).get(4999)).toBe(3e6 + 4999);
  });
});

describe('ScrapeCache', () => {
  it('keeps no view of a page once it is read, read whole or failed', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const storage = openMemStorage();
    cleanup.push(() => storage.close());
    const opts: PageOptions = { targetLabels: Labels.from({ job: 'j' }), honorLabels: false, honorTimestamps: true, metricRelabel: [], sampleLimit: 0 };
    const cache = new ScrapeCache();
    /** read appends `text` as a page of its own memory and returns a weak reference to that memory. */
    const read = (text: string, t: number): WeakRef<ArrayBufferLike> => {
      const bytes = new Uint8Array(Buffer.from(text)); // a copy: memory of its own, not Buffer's shared slab
      const app = storage.appender();
      try {
        cache.appendPage(app, newParser('text', bytes), t, opts);
        app.commit();
      } catch {
        app.rollback();
      }
      return new WeakRef(bytes.buffer);
    };
    const refs = [
      read(page(1, 2000), 1000), // every series and metadata line new
      read(page(1, 2000), 2000), // every line known
      read(page(2, 2100).replace('A metric.', 'Another help.'), 3000), // new values, metadata and series
      read(`${page(1, 1000)}m{k="x"} not-a-number\n`, 4000), // a parse error halfway
    ];
    expect(cache.size).toBe(2100);
    // WeakRef targets are kept until the current job ends.
    await new Promise((r) => setImmediate(r));
    gc();
    expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true, true, true]);
  });
});
