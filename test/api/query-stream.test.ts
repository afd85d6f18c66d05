// Query responses larger than one part (256 KiB) are sent part by part: the same bytes as one
// rendering, gzipped as well when asked for, and each part rendered only when the body's reader
// asks for it.
import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { Labels } from '../../shared/model/labels.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import { Engine } from '../../shared/promql/engine/index.ts';
import { compressAccepted } from '../../shared/api/compress.ts';
import { queryRoutes } from '../../shared/api/query-routes.ts';
import { resultJSON } from '../../shared/api/result-json.ts';
import { partStream } from '../../shared/api/respond.ts';
import { JsonWriter } from '../../shared/api/json-writer.ts';

describe('large query responses', () => {
  const storage = openMemStorage();
  const a = storage.appender();
  // 40 series x 2,000 points: about 3 MB of JSON, a dozen parts.
  for (let i = 0; i < 2000; i++) for (let s = 0; s < 40; s++) a.append(0, Labels.from({ __name__: 'x_total', s: String(s) }), 1e12 + i * 1000, (i * 7 + s) / 3);
  a.commit();
  const engine = new Engine();
  const app = new Hono();
  app.use(compressAccepted());
  queryRoutes(app, storage, engine);
  const path = `/api/v1/query_range?query=${encodeURIComponent('rate(x_total[5s])')}&start=1000000000&end=1000001999&step=1`;

  const whole = async () => {
    const r = await engine.rangeQuery(storage, 'rate(x_total[5s])', 1e12, 1e12 + 1_999_000, 1000, { signal: new AbortController().signal });
    return `{"status":"success","data":${resultJSON(r.value)}}`;
  };

  it('sends the bytes of one rendering, part by part', async () => {
    const res = await app.request(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const chunks: Uint8Array[] = [];
    for await (const c of res.body!) chunks.push(new Uint8Array(c));
    expect(chunks.length).toBeGreaterThan(5);
    const body = Buffer.concat(chunks).toString('utf8');
    expect(body.length).toBeGreaterThan(2_000_000);
    expect(body).toBe(await whole());
  });

  it('gzips them for a client that accepts gzip', async () => {
    const res = await app.request(path, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await res.arrayBuffer())).toString('utf8')).toBe(await whole());
  });
});

describe('partStream', () => {
  // A writer of `n` parts of one letter each, counting the parts it has begun.
  const setup = (n: number) => {
    const w = new JsonWriter(8);
    const state = { begun: 0, finished: false };
    const parts = (function* () {
      try {
        for (let i = 0; i < n; i++) {
          state.begun++;
          w.ascii(String.fromCharCode(0x61 + i).repeat(3));
          if (i < n - 1) yield;
        }
      } finally {
        state.finished = true;
      }
    })();
    expect(parts.next().done).toBe(false);
    return { stream: partStream(w, parts, 8), state };
  };
  const ticks = () => new Promise((r) => setTimeout(r, 5));

  it('renders a part only when the reader asks for it', async () => {
    const { stream, state } = setup(3);
    const reader = stream.getReader();
    await ticks();
    expect(state.begun).toBe(1);
    const got: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const { value } = await reader.read();
      got.push(Buffer.from(value!).toString());
      await ticks();
      expect(state.begun).toBe(i);
    }
    expect(got).toEqual(['aaa', 'bbb', 'ccc']);
    expect((await reader.read()).done).toBe(true);
    expect(state.finished).toBe(true);
  });

  it('ends the writer when the reader cancels', async () => {
    const { stream, state } = setup(5);
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    expect(state.begun).toBe(1);
    expect(state.finished).toBe(true);
  });
});
