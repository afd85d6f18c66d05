import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { compressAccepted } from '../../shared/api/compress.ts';
import { jsonResponse } from '../../shared/api/respond.ts';

describe('compressAccepted', () => {
  const app = new Hono();
  app.use(compressAccepted());
  const body = JSON.stringify({ status: 'success', data: Array.from({ length: 500 }, (_, i) => `value-${i}`) });
  app.get('/json', () => jsonResponse(body));
  app.get('/text', (c) => c.text('x'.repeat(4096)));

  const check = async (path: string, acceptEncoding: string | undefined, coded: string | null) => {
    const res = await app.request(path, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe(coded);
    const bytes = Buffer.from(await res.arrayBuffer());
    return coded === 'gzip' ? gunzipSync(bytes).toString() : bytes.toString();
  };

  it('compresses for a client that accepts gzip', async () => {
    expect(await check('/json', 'gzip, deflate', 'gzip')).toBe(body);
    expect(await check('/text', 'gzip', 'gzip')).toBe('x'.repeat(4096));
  });

  it('passes responses through for a client that accepts no encoding', async () => {
    for (const ae of [undefined, '', 'identity']) {
      expect(await check('/json', ae, null)).toBe(body);
      expect(await check('/text', ae, null)).toBe('x'.repeat(4096));
    }
  });

  it('keeps Vary: Accept-Encoding on API responses either way', async () => {
    for (const ae of [undefined, 'gzip']) {
      const res = await app.request('/json', { headers: ae ? { 'accept-encoding': ae } : {} });
      expect(res.headers.get('vary')).toBe('Accept-Encoding');
      expect(res.headers.get('content-type')).toBe('application/json');
    }
  });
});
