import { describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import { isStaleNaN } from '../../shared/model/stale.ts';
import { alertsData, parseRuleFile, rulesData, RuleManager, type Alert, type Clock, type QueryFunction, type Sample } from '../../shared/rules/index.ts';
import { MemStore } from './mem-store.ts';

const M = 60_000;
const L = (o: Record<string, string>) => Labels.from(o);

/** TableQuery: vectors per expression, each valid from its time on (ms) until the next entry. */
function tableQuery(table: Record<string, [number, Sample[] | Error][]>): QueryFunction & { calls: [string, number][] } {
  const calls: [string, number][] = [];
  const fn = async (expr: string, t: number) => {
    calls.push([expr, t]);
    const rows = table[expr];
    if (!rows) throw new Error(`unexpected query ${expr}`);
    let cur: Sample[] | Error = [];
    for (const [from, v] of rows) if (from <= t) cur = v;
    if (cur instanceof Error) throw cur;
    return cur;
  };
  return Object.assign(fn, { calls });
}

function manager(yaml: string, query: QueryFunction, store = new MemStore(), extra: Partial<ConstructorParameters<typeof RuleManager>[0]> = {}) {
  const sent: Alert[][] = [];
  const m = new RuleManager({
    query, appendable: store, queryable: store, notify: (_e, a) => sent.push(a), externalLabels: L({ dc: 'eu1' }),
    externalURL: 'http://hub:9090', warn: () => {}, ...extra,
  });
  return { m, store, sent, specs: parseRuleFile(yaml, 'rules.yml') };
}

describe('recording rules', () => {
  it('writes outputs with rule labels, marks dropped series stale and reports errors', async () => {
    const q = tableQuery({
      'sum by (job) (up)': [[0, [{ labels: L({ job: 'a' }), value: 2 }, { labels: L({ job: 'b' }), value: 1 }]], [90_000, [{ labels: L({ job: 'a' }), value: 3 }]], [150_000, new Error('boom')]],
    });
    const { m, store, specs } = manager('groups:\n  - name: g\n    query_offset: 10s\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n        labels: { src: r }\n', q);
    await m.update(specs);
    const g = m.groups()[0];
    await g.evaluate(M);
    await g.evaluate(2 * M);
    expect(q.calls.map(([, t]) => t)).toEqual([M - 10_000, 2 * M - 10_000]);
    const a = L({ __name__: 'job:up:sum', job: 'a', src: 'r' }), b = L({ __name__: 'job:up:sum', job: 'b', src: 'r' });
    expect(store.samples(a)).toEqual([{ t: M - 10_000, v: 2 }, { t: 2 * M - 10_000, v: 3 }]);
    const bs = store.samples(b);
    expect(bs).toHaveLength(2);
    expect(isStaleNaN(bs[1].v)).toBe(true);
    expect(g.rules[0].status.health).toBe('ok');
    await g.evaluate(3 * M);
    expect(g.rules[0].status).toMatchObject({ health: 'err', lastError: 'boom', lastEvaluation: 3 * M });
    const data = rulesData(m.groups());
    expect(data.groups[0]).toMatchObject({ name: 'g', file: 'rules.yml', interval: 60, limit: 0, lastEvaluation: '1970-01-01T00:03:00Z' });
    expect(data.groups[0].rules).toEqual([expect.objectContaining({ name: 'job:up:sum', health: 'err', lastError: 'boom', type: 'recording', labels: { src: 'r' } })]);
  });

  it('enforces the group limit', async () => {
    const q = tableQuery({ up: [[0, [{ labels: L({ i: '1' }), value: 1 }, { labels: L({ i: '2' }), value: 1 }]]] });
    const { m, specs } = manager('groups:\n  - name: g\n    limit: 1\n    rules:\n      - record: r\n        expr: up\n', q);
    await m.update(specs);
    await m.groups()[0].evaluate(M);
    expect(m.groups()[0].rules[0].status.lastError).toBe('exceeded limit of 1 with 2 series');
  });
});

const ALERT_RULES = `groups:
  - name: alerts
    rules:
      - alert: Down
        expr: up == 0
        for: 2m
        labels: { severity: page, host: "{{ $labels.instance }}" }
        annotations:
          summary: "{{ $labels.instance }} down, value {{ $value }} ({{ $externalLabels.dc }})"
`;

describe('alerting rules', () => {
  it('goes pending, firing, resolved; writes ALERTS; notifies firing and resolved', async () => {
    const down = [{ labels: L({ __name__: 'up', instance: 'x', job: 'node' }), value: 0 }];
    const q = tableQuery({ 'up == 0': [[0, down], [5 * M, []]] });
    const { m, store, sent, specs } = manager(ALERT_RULES, q);
    await m.update(specs);
    const g = m.groups()[0];
    const rule = g.rules[0];
    if (rule.kind !== 'alerting') throw new Error('BUG');
    rule.restored = true;
    await g.evaluate(M);
    expect(rule.state).toBe('pending');
    expect(sent).toHaveLength(0);
    await g.evaluate(2 * M);
    expect(rule.state).toBe('pending');
    await g.evaluate(3 * M);
    expect(rule.state).toBe('firing');
    expect(sent).toHaveLength(1);
    expect(sent[0][0]).toMatchObject({ state: 'firing', activeAt: M, firedAt: 3 * M, validUntil: 3 * M + 4 * M });
    expect(sent[0][0].labels.toObject()).toEqual({ alertname: 'Down', host: 'x', instance: 'x', job: 'node', severity: 'page' });
    expect(sent[0][0].annotations.get('summary')).toBe('x down, value 0 (eu1)');
    await g.evaluate(4 * M); // within the resend delay: nothing sent
    expect(sent).toHaveLength(1);
    await g.evaluate(5 * M);
    expect(rule.state).toBe('inactive');
    expect(sent).toHaveLength(2);
    expect(sent[1][0]).toMatchObject({ state: 'inactive', resolvedAt: 5 * M });
    const base = { alertname: 'Down', host: 'x', instance: 'x', job: 'node', severity: 'page' };
    const pending = store.samples(L({ ...base, __name__: 'ALERTS', alertstate: 'pending' }));
    expect(pending.map((s) => s.t)).toEqual([M, 2 * M, 3 * M]);
    expect(isStaleNaN(pending[2].v)).toBe(true);
    const firing = store.samples(L({ ...base, __name__: 'ALERTS', alertstate: 'firing' }));
    expect(firing.map((s) => s.t)).toEqual([3 * M, 4 * M, 5 * M]);
    expect(isStaleNaN(firing[2].v)).toBe(true);
    expect(store.samples(L({ ...base, __name__: 'ALERTS_FOR_STATE' }))[0]).toEqual({ t: M, v: 60 });
    expect(alertsData(m.alerts())).toEqual({ alerts: [] });
  });

  it('keeps firing for keep_firing_for and reports alerts in API shape', async () => {
    const q = tableQuery({ 'up == 0': [[0, [{ labels: L({ instance: 'x' }), value: 0 }]], [2 * M, []]] });
    const { m, specs } = manager('groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        keep_firing_for: 2m\n', q);
    await m.update(specs);
    const g = m.groups()[0];
    await g.evaluate(M);
    expect(alertsData(m.alerts()).alerts).toEqual([{ labels: { alertname: 'A', instance: 'x' }, annotations: {}, state: 'firing', activeAt: '1970-01-01T00:01:00Z', value: '0e+00' }]);
    await g.evaluate(2 * M);
    await g.evaluate(3 * M);
    expect(m.alerts()[0]).toMatchObject({ state: 'firing', keepFiringSince: 2 * M });
    await g.evaluate(4 * M);
    expect(m.alerts()).toEqual([]);
    const rules = rulesData(m.groups()).groups[0].rules as Record<string, unknown>[];
    expect(rules[0]).toMatchObject({ state: 'inactive', name: 'A', query: 'up == 0', duration: 0, keepFiringFor: 120, health: 'ok', type: 'alerting', alerts: [] });
  });

  it('restores for-state after a restart with the grace period', async () => {
    const store = new MemStore();
    const down = [{ labels: L({ __name__: 'up', instance: 'x', job: 'node' }), value: 0 }];
    const q = tableQuery({ 'up == 0': [[0, down]] });
    const rules = ALERT_RULES.replace('for: 2m', 'for: 30m');
    const first = manager(rules, q, store, { forGracePeriod: 10 * M });
    await first.m.update(first.specs);
    const g1 = first.m.groups()[0];
    g1.restoreForState(0); // nothing stored yet: marks restored
    for (let t = M; t <= 20 * M; t += M) await g1.evaluate(t); // active since 1m, down at 20m
    // Restart 5 minutes later: 19m spent pending, 11m left (> grace): activeAt shifts by the downtime.
    const second = manager(rules, q, store, { forGracePeriod: 10 * M });
    await second.m.update(second.specs);
    const g2 = second.m.groups()[0];
    await g2.evaluate(25 * M);
    g2.restoreForState(25 * M);
    expect(second.m.alerts()[0].activeAt).toBe(M + 5 * M);
    // Restart where less than the grace period remains: fires exactly forGracePeriod after restart.
    for (let t = 26 * M; t <= 29 * M; t += M) await g2.evaluate(t); // activeAt 6m, 23m spent, 7m left
    const third = manager(rules, q, store, { forGracePeriod: 10 * M });
    await third.m.update(third.specs);
    const g3 = third.m.groups()[0];
    await g3.evaluate(30 * M);
    g3.restoreForState(30 * M);
    expect(third.m.alerts()[0].activeAt).toBe(30 * M + 10 * M - 30 * M);
  });

  it('keeps alert state on reload for unchanged and changed groups', async () => {
    const q = tableQuery({ 'up == 0': [[0, [{ labels: L({ instance: 'x' }), value: 0 }]]] });
    const { m, specs } = manager(ALERT_RULES, q);
    await m.update(specs);
    const g = m.groups()[0];
    await g.evaluate(M);
    await m.update(parseRuleFile(ALERT_RULES, 'rules.yml'));
    expect(m.groups()[0]).toBe(g);
    await m.update(parseRuleFile(ALERT_RULES.replace('alerts', 'alerts').replace('rules:\n', 'interval: 30s\n    rules:\n'), 'rules.yml'));
    expect(m.groups()[0]).not.toBe(g);
    expect(m.alerts()[0]).toMatchObject({ activeAt: M, state: 'pending' });
    await m.update([]);
    expect(m.groups()).toEqual([]);
  });
});

describe('scheduling', () => {
  it('evaluates at stable offsets of the interval with an injected clock', async () => {
    let now = 1_000_000;
    const waiters: { at: number; resolve: () => void }[] = [];
    const clock: Clock = {
      now: () => now,
      sleep: (ms, signal) => new Promise<void>((resolve) => {
        const w = { at: now + ms, resolve };
        waiters.push(w);
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    };
    const advance = async (to: number) => {
      for (;;) {
        await new Promise((r) => setImmediate(r));
        waiters.sort((a, b) => a.at - b.at);
        const w = waiters[0];
        if (!w || w.at > to) break;
        waiters.shift();
        now = w.at;
        w.resolve();
      }
      now = to;
    };
    const q = tableQuery({ '1': [[0, [{ labels: Labels.EMPTY, value: 1 }]]] });
    const { m, specs } = manager('groups:\n  - name: g\n    interval: 10s\n    rules:\n      - record: one\n        expr: "1"\n', q, new MemStore(), { clock });
    await m.update(specs);
    m.start();
    await advance(now + 35_000);
    const g = m.groups()[0];
    const times = q.calls.map(([, t]) => t);
    // Slots fall every 10 s at the group's offset: 3 or 4 of them in 35 s, depending on the offset.
    expect(times.length).toBe(Math.floor((now - g.evalTimestamp(1_000_000) - 10_000) / 10_000) + 1);
    expect(times[1] - times[0]).toBe(10_000);
    expect(times[0] % 10_000).toBe(g.evalTimestamp(now) % 10_000);
    expect(times.every((t) => g.evalTimestamp(t) === t)).toBe(true);
    await m.stop();
  });
});
