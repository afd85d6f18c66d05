import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import type { WALRecord } from '../../../shared/tsdb/wal/record.ts';
import { bitsOf, FaultyFS, fromBits, openReplay, samples, series, STALE_NAN, tempDir } from './helpers.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** State: what replaying records builds — the model a checkpoint must summarise. */
interface State {
  series: Map<number, string>;
  samples: Map<number, string[]>; // ref → ["t:bits", …]
  positions: Map<string, number>;
}

function apply(records: readonly WALRecord[]): State {
  const st: State = { series: new Map(), samples: new Map(), positions: new Map() };
  for (const r of records) {
    if (r.type === 'series') for (const s of r.series) st.series.set(s.ref, s.labels.toString());
    else if (r.type === 'position') st.positions.set(r.name, r.seq);
    else {
      const bits = bitsOf(r.values);
      for (let i = 0; i < r.refs.length; i++) {
        const t = typeof r.t === 'number' ? r.t : r.t[i];
        const list = st.samples.get(r.refs[i]) ?? [];
        list.push(`${t}:${bits[i].toString(16)}`);
        st.samples.set(r.refs[i], list);
      }
    }
  }
  return st;
}

/** summarise applies a checkpoint's filter to a state. */
function summarise(st: State, keep: (ref: number) => boolean, after: number): State {
  const out: State = { series: new Map(), samples: new Map(), positions: new Map(st.positions) };
  for (const [ref, l] of st.series) if (keep(ref)) out.series.set(ref, l);
  for (const [ref, list] of st.samples) {
    const kept = list.filter((s) => Number(s.split(':')[0]) > after);
    if (keep(ref) && kept.length) out.samples.set(ref, kept);
  }
  return out;
}

function step(k: number, refs: number[]): WALRecord[] {
  const out: WALRecord[] = [];
  for (const r of refs) if (k === r % 7) out.push(series(r, { __name__: 'm', id: String(r) }));
  const live = refs.filter((r) => k >= r % 7);
  out.push(samples(k * 1000, live, fromBits(live.map((r) => (r === 4 && k % 5 === 0 ? STALE_NAN : BigInt(k * 1_000 + r) << 20n)))));
  out.push({ type: 'position', name: k % 2 ? 'odd' : 'even', seq: k });
  return out;
}

describe('checkpoint', () => {
  it('replays to the state it summarises, then folds a second time', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const d = t.dir;
    const refs = Array.from({ length: 20 }, (_, i) => i + 1);
    const all: WALRecord[] = [];
    const { wal } = await openReplay(d, { segmentSize: 1024, sync: 'never' });
    for (let k = 0; k < 40; k++) {
      const recs = step(k, refs);
      all.push(...recs);
      await wal.log(recs);
    }
    const before = await wal.cut();
    expect(before).toBeGreaterThan(3);
    const keep = (ref: number) => ref % 3 !== 0;
    const stats = await wal.checkpoint(before, keep, 25_000);
    expect(stats).toMatchObject({ checkpoint: before - 1, removed: before });
    expect(stats!.seriesDropped).toBe(6);
    expect(readdirSync(d).filter((n) => /^\d{8}$/.test(n))).toEqual([]);
    expect(existsSync(join(d, `checkpoint.${String(before - 1).padStart(8, '0')}`))).toBe(true);

    const tail: WALRecord[] = [];
    for (let k = 40; k < 50; k++) {
      const recs = step(k, refs);
      tail.push(...recs);
      await wal.log(recs);
    }
    await wal.close();

    const want = apply([...summarisedRecords(all, keep, 25_000), ...tail]);
    const got = await openReplay(d, { segmentSize: 1024 });
    expect(got.result.corruptions).toEqual([]);
    expect(apply(got.records)).toEqual(want);

    // A second checkpoint folds the first one and the tail.
    const next = await got.wal.cut();
    const keep2 = (ref: number) => keep(ref) && ref !== 5;
    await got.wal.checkpoint(next, keep2, 44_000);
    expect(await got.wal.checkpoint(next, keep2, 44_000)).toBeUndefined();
    await got.wal.close();
    const third = await openReplay(d);
    expect(apply(third.records)).toEqual(summarise(want, keep2, 44_000));
    expect(readdirSync(d).filter((n) => n.startsWith('checkpoint.'))).toEqual([`checkpoint.${String(next - 1).padStart(8, '0')}`]);
    await third.wal.close();
  });

  it('copies kept series of many-series records as bytes and drops every sample unread under Infinity', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const d = t.dir;
    const { wal } = await openReplay(d, { segmentSize: 4096, sync: 'never' });
    const all: WALRecord[] = [];
    let samplesLogged = 0;
    for (let k = 0; k < 12; k++) {
      // Six series per record, refs far apart (multi-byte deltas), values with non-ASCII bytes.
      const refs = Array.from({ length: 6 }, (_, i) => 1 + (k * 6 + i) * 1000);
      const recs: WALRecord[] = [
        { type: 'series', series: refs.map((ref) => ({ ref, labels: Labels.from({ __name__: 'métrique', id: String(ref), zone: 'α'.repeat(ref % 5) }) })) },
        samples(k * 1000, refs, refs.map((r) => r + 0.5)),
        { type: 'position', name: 'b', seq: k },
      ];
      samplesLogged += refs.length;
      all.push(...recs);
      await wal.log(recs);
    }
    const before = await wal.cut();
    const keep = (ref: number) => ((ref - 1) / 1000) % 4 !== 1;
    const stats = await wal.checkpoint(before, keep, Infinity);
    expect(stats).toMatchObject({ seriesKept: 54, seriesDropped: 18, samplesKept: 0, samplesDropped: samplesLogged, positions: 1 });
    await wal.log(step(0, [1]));
    await wal.close();
    const got = await openReplay(d);
    expect(got.result.corruptions).toEqual([]);
    expect(apply(got.records)).toEqual(apply([...summarisedRecords(all, keep, Infinity), ...step(0, [1])]));
    // The copied records fold again (every series kept: the frames go through whole).
    const next = await got.wal.cut();
    await got.wal.checkpoint(next, () => true, Infinity);
    await got.wal.close();
    const third = await openReplay(d);
    expect(apply(third.records)).toEqual(summarise(apply(got.records), () => true, Infinity));
    await third.wal.close();
  });

  it('refuses a series record whose labels are not sorted, as replay does', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { wal } = await openReplay(t.dir, { sync: 'never' });
    const unsorted = (names: string[]) => Labels.fromSortedFlat(names.flatMap((n) => [n, 'v']));
    await wal.log([{ type: 'series', series: [{ ref: 1, labels: unsorted(['a', 'b']) }, { ref: 2, labels: unsorted(['b', 'a']) }] }]);
    const before = await wal.cut();
    await expect(wal.checkpoint(before, (ref) => ref === 1, 0)).rejects.toThrow(/labels of series 2 are not sorted/);
    await expect(wal.checkpoint(before, () => true, 0)).rejects.toThrow(/labels of series 2 are not sorted/);
    await wal.close();
  });

  it('compares label names in UTF-16 order, as Labels sorts them, not UTF-8 byte order', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const d = t.dir;
    const { wal } = await openReplay(d, { sync: 'never' });
    // U+1F600 (UTF-16 0xD83D…, UTF-8 0xF0…) sorts before U+FF21 (0xFF21, UTF-8 0xEF…) in JavaScript.
    const recs: WALRecord[] = [series(1, { '\u{1F600}': 'x', '\uFF21': 'y', __name__: 'm' }), series(2, { a: '1' })];
    await wal.log(recs);
    const before = await wal.cut();
    await wal.checkpoint(before, (ref) => ref === 1, 0);
    await wal.close();
    const got = await openReplay(d);
    expect(got.result.corruptions).toEqual([]);
    expect(apply(got.records)).toEqual(apply([recs[0]]));
    await got.wal.close();
  });

  it('refuses to fold the active segment', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { wal } = await openReplay(t.dir, { sync: 'never' });
    await wal.log(step(0, [7]));
    await expect(wal.checkpoint(1, () => true, 0)).rejects.toThrow(/BUG: .*active segment 0/);
    await wal.close();
  });

  it('open finishes an interrupted checkpoint: temp dirs and folded segments go', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const d = t.dir;
    const { wal } = await openReplay(d, { sync: 'never' });
    const recs = step(0, [7, 14]);
    await wal.log(recs);
    const before = await wal.cut();
    await wal.log(step(1, [7, 14]));
    await wal.checkpoint(before, () => true, -1);
    await wal.close();
    // Simulate a crash before removal (segment 0 back) and one mid-write (a temp dir).
    writeFileSync(join(d, '00000000'), 'stale segment already folded');
    mkdirSync(join(d, 'checkpoint.00000005.tmp'));
    const again = await openReplay(d);
    expect(again.result.corruptions).toEqual([]);
    expect(apply(again.records)).toEqual(apply([...recs, ...step(1, [7, 14])]));
    expect(readdirSync(d).sort()).toEqual(['00000001', 'checkpoint.00000000']);
    await again.wal.close();
  });
});

describe('checkpoint writes', () => {
  it('go out in batches of about 1 MiB however large the records are', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const fs = new FaultyFS();
    const { wal } = await openReplay(t.dir, { segmentSize: 8 << 20, sync: 'never', fs });
    const refs = Array.from({ length: 1000 }, (_, i) => i + 1);
    const all: WALRecord[] = [{ type: 'series', series: refs.map((ref) => ({ ref, labels: Labels.from({ __name__: 'a', id: String(ref) }) })) }];
    await wal.log(all);
    for (let k = 0; k < 600; k++) {
      // Values whose every bit changes: about 9 KB a record.
      const rec = samples(1000 * (k + 1), refs, refs.map((r) => Math.sin(r * 7919 + k * 104729)));
      all.push(rec);
      await wal.log([rec]);
    }
    const before = await wal.cut();
    fs.maxWrite = 0;
    await wal.checkpoint(before, () => true, -Infinity);
    // 512 records at a time, the only limit before, were 4.8 MB in one write.
    expect(fs.maxWrite).toBeGreaterThan(0);
    expect(fs.maxWrite).toBeLessThan(3 << 19);
    await wal.close();
    const got = await openReplay(t.dir);
    expect(got.result.corruptions).toEqual([]);
    expect(apply(got.records)).toEqual(apply(all));
    await got.wal.close();
  });
});

/** summarisedRecords: the records, filtered as a checkpoint filters them (by ref and time). */
function summarisedRecords(records: readonly WALRecord[], keep: (ref: number) => boolean, after: number): WALRecord[] {
  const st = summarise(apply(records), keep, after);
  const out: WALRecord[] = [];
  for (const r of records) {
    if (r.type === 'series') out.push({ type: 'series', series: r.series.filter((s) => st.series.has(s.ref)) });
    else if (r.type === 'position') out.push(r);
    else {
      const idx = Array.from({ length: r.refs.length }, (_, i) => i).filter((i) => keep(r.refs[i]) && (typeof r.t === 'number' ? r.t : r.t[i]) > after);
      const bits = bitsOf(r.values);
      out.push({ type: 'samples', t: r.t, refs: idx.map((i) => r.refs[i]), values: fromBits(idx.map((i) => bits[i])) });
    }
  }
  return out;
}
