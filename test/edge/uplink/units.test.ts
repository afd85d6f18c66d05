import { describe, expect, it } from 'vitest';
import { AckedSet } from '../../../edge/uplink/acked.ts';
import { Backoff } from '../../../edge/uplink/socket.ts';

describe('AckedSet', () => {
  const cases: { name: string; ops: (['add', number] | ['raise', number])[]; watermark: number; above: number[] }[] = [
    { name: 'in order', ops: [['add', 1], ['add', 2], ['add', 3]], watermark: 3, above: [] },
    { name: 'live first, backlog behind', ops: [['add', 9], ['add', 10], ['add', 1], ['add', 2]], watermark: 2, above: [9, 10] },
    { name: 'gap filled', ops: [['add', 2], ['add', 3], ['add', 1]], watermark: 3, above: [] },
    { name: 'raise past ids above', ops: [['add', 5], ['add', 8], ['raise', 6]], watermark: 6, above: [8] },
    { name: 'raise joins the next', ops: [['add', 7], ['raise', 6]], watermark: 7, above: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = new AckedSet();
      for (const [op, n] of c.ops) (op === 'add' ? s.add(n) : s.raise(n));
      expect(s.watermark).toBe(c.watermark);
      expect(AckedSet.decodeAbove(s.encodeAbove())).toEqual(c.above);
      const back = new AckedSet(s.watermark, AckedSet.decodeAbove(s.encodeAbove()));
      for (let id = 1; id <= 12; id++) expect(back.has(id)).toBe(s.has(id));
    });
  }

  it('refuses a damaged record', () => {
    expect(() => AckedSet.decodeAbove(new Uint8Array(5))).toThrow(/not a list of f64/);
  });
});

describe('Backoff', () => {
  it('doubles up to the cap, each delay in [d/2, d], and starts over after reset', () => {
    const lo = new Backoff(100, 1000, () => 0);
    const hi = new Backoff(100, 1000, () => 1);
    expect(Array.from({ length: 6 }, () => lo.next())).toEqual([50, 100, 200, 400, 500, 500]);
    expect(Array.from({ length: 6 }, () => hi.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    hi.reset();
    expect(hi.next()).toBe(100);
  });
});

describe('Uplink.optionsFromConfig', () => {
  it('reads the token file and the CA file of the hub section', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { Uplink } = await import('../../../edge/uplink/index.ts');
    const dir = await mkdtemp(join(tmpdir(), 'outpost-cfg-'));
    try {
      await writeFile(join(dir, 'token'), 's3cret\n');
      await writeFile(join(dir, 'ca.pem'), 'PEM');
      const tls = { caFile: join(dir, 'ca.pem'), certFile: '', keyFile: '', ca: '', cert: '', key: '', serverName: 'hub.example', insecureSkipVerify: false, minVersion: '', maxVersion: '' };
      const o = await Uplink.optionsFromConfig({ url: 'wss://hub.example:9090/api/v1/edge/stream', token: '', tokenFile: join(dir, 'token'), tlsConfig: tls }, { edge: 'e', dir });
      expect(o).toMatchObject({ url: 'wss://hub.example:9090/api/v1/edge/stream', token: 's3cret', tls: { ca: 'PEM', serverName: 'hub.example', insecureSkipVerify: false } });
      await expect(Uplink.optionsFromConfig({ url: 'ws://h', token: '', tokenFile: join(dir, 'missing'), tlsConfig: tls }, { edge: 'e', dir })).rejects.toThrow(/hub.token_file .*missing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Uplink.offerRefs', () => {
  it('never throws at the storage that committed: a series without labels is a logged rejection, and the batch is not logged', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { Labels } = await import('../../../shared/model/labels.ts');
    const { Uplink } = await import('../../../edge/uplink/index.ts');
    const dir = await mkdtemp(join(tmpdir(), 'outpost-offer-'));
    const logs: string[] = [];
    const u = await Uplink.open({ dial: () => new Promise(() => undefined), edge: 'e', token: 't', dir, sync: 'never', log: (m) => logs.push(m) });
    try {
      u.seriesFrom({ seriesLabels: (ref) => (ref === 1 ? Labels.from({ __name__: 'a' }) : undefined), seriesRef: () => 0 });
      let offered!: Promise<void>;
      expect(() => (offered = u.offerRefs(1000, Float64Array.of(1, 500), Float64Array.of(1, 2)))).not.toThrow();
      await expect(offered).rejects.toThrow(/BUG: uplink series 500 has no labels/);
      expect(logs).toEqual([expect.stringMatching(/^uplink: .*series 500 has no labels/)]);
      expect(u.status().pendingBatches).toBe(0);
      await u.offerRefs(2000, Float64Array.of(1), Float64Array.of(3));
      expect(u.status().pendingBatches).toBe(1);
    } finally {
      await u.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
