/**
 * ScrapeCache's fast path tries the series at the same position on the previous page first: a
 * page whose lines move, appear, vanish or repeat must still give every sample to its own series,
 * with the same counts and staleness as a cache that always looks series up by their text.
 */
import { describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { isStaleNaN } from '../../../shared/model/stale.ts';
import { TextParser } from '../../../shared/exposition/text-parser.ts';
import { newParser } from '../../../shared/exposition/content-type.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { ScrapeCache, type PageOptions } from '../../../edge/scrape/page.ts';
import { BodyBuffer } from '../../../edge/http/body-buffer.ts';

const opts: PageOptions = { targetLabels: Labels.from({ job: 'j' }), honorLabels: false, honorTimestamps: true, metricRelabel: [], sampleLimit: 0 };

function points(storage: ReturnType<typeof openMemStorage>): Record<string, Array<[number, number | 'stale']>> {
  const q = storage.querier(-Infinity, Infinity);
  const set = q.select([new Matcher('=', 'job', 'j')]);
  const batch = set.load();
  const off = batch.offsets(), ts = batch.timestamps(), vs = batch.values();
  const out: Record<string, Array<[number, number | 'stale']>> = {};
  set.series.forEach((s, i) => {
    out[s.labels.toString()] = [...ts.subarray(off[i], off[i + 1])].map((t, j) => [t, isStaleNaN(vs[off[i] + j]) ? 'stale' : vs[off[i] + j]]);
  });
  batch.release();
  q.close();
  return out;
}

describe('ScrapeCache page order', () => {
  const pages = [
    'a 1\nb{x="1"} 2\nb{x="2"} 3\nc 4\n',
    'b{x="2"} 13\na 11\nc 14\nb{x="1"} 12\n', // moved
    'a 21\nb{x="1"} 22\nd 25\nc 24\n', // one gone, one new in its place
    'a 31\na 99\nb{x="1"} 32\n', // repeated, shorter
    'a 41\nb{x="1"} 42\nb{x="2"} 43\nc 44\nd 45\n',
  ];

  it('gives each sample to its series whatever the order', () => {
    const s = openMemStorage();
    const cache = new ScrapeCache();
    const reports = pages.map((page, k) => {
      const app = s.appender();
      // Bytes in pieces of 8 for half the pages: the fast path must hold across pieces too.
      const parser = k % 2 ? newParser('text', Buffer.from(page)) : new TextParser(page);
      const r = cache.appendPage(app, parser, 1000 * (k + 1), opts);
      app.commit();
      return r;
    });
    expect(reports.map((r) => [r.scraped, r.kept, r.added])).toEqual([[4, 4, 4], [4, 4, 0], [4, 4, 1], [3, 2, 0], [5, 5, 0]]);
    expect(points(s)).toEqual({
      'a{job="j"}': [[1000, 1], [2000, 11], [3000, 21], [4000, 31], [5000, 41]],
      'b{job="j", x="1"}': [[1000, 2], [2000, 12], [3000, 22], [4000, 32], [5000, 42]],
      'b{job="j", x="2"}': [[1000, 3], [2000, 13], [3000, 'stale'], [5000, 43]],
      'c{job="j"}': [[1000, 4], [2000, 14], [3000, 24], [4000, 'stale'], [5000, 44]],
      'd{job="j"}': [[3000, 25], [4000, 'stale'], [5000, 45]],
    });
  });
});

describe('BodyBuffer', () => {
  it('collects chunks, reuses its memory and shrinks after small bodies', () => {
    const b = new BodyBuffer();
    b.reset();
    b.append(Buffer.from('abc'));
    b.append(Buffer.from('def'));
    expect(b.finish().toString()).toBe('abcdef');
    const big = Buffer.alloc(3 << 20, 120);
    b.reset(big.length);
    const cap = b.capacity;
    expect(cap).toBe(big.length);
    b.append(big);
    expect(b.finish().equals(big)).toBe(true);
    for (let i = 0; i < 7; i++) {
      b.reset(10);
      b.append(Buffer.from('0123456789'));
      expect(b.finish().toString()).toBe('0123456789');
      expect(b.capacity).toBe(cap); // kept while small bodies are few
    }
    b.reset();
    b.append(Buffer.from('x'));
    expect(b.finish().toString()).toBe('x');
    expect(b.capacity).toBe(0); // the eighth small body in a row gives the memory back
  });
});
