import { describe, expect, it } from 'vitest';
import { DnsDiscoverer, hostPort, type DnsResolver } from '../../../edge/discovery/dns.ts';
import type { DNSSDConfig } from '../../../shared/config/sd.ts';

function fake(records: Record<string, unknown>, failing = new Set<string>()): DnsResolver {
  const answer = (kind: string) => async (name: string) => {
    if (failing.has(name)) throw Object.assign(new Error(`queryX ESERVFAIL ${name}`), { code: 'ESERVFAIL' });
    const r = records[`${kind} ${name}`];
    if (r === undefined) throw Object.assign(new Error(`queryX ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return r as never;
  };
  return { resolveSrv: answer('SRV'), resolve4: answer('A'), resolve6: answer('AAAA'), resolveMx: answer('MX'), resolveNs: answer('NS') };
}

const cfg = (type: DNSSDConfig['type'], names: string[], port = 0): DNSSDConfig => ({ names, type, port, refreshInterval: 30_000 });
const targets = async (d: DnsDiscoverer) => (await d.refresh()).map((g) => [g.source, g.targets.map((t) => t.toObject())]);

describe('DnsDiscoverer', () => {
  it('turns SRV records into targets with the record port and Prometheus meta labels', async () => {
    const d = new DnsDiscoverer(cfg('SRV', ['_web._tcp.example.org']), fake({
      'SRV _web._tcp.example.org': [{ name: 'a.example.org', port: 8080, priority: 0, weight: 0 }, { name: 'b.example.org', port: 9090, priority: 0, weight: 0 }],
    }));
    expect(await targets(d)).toEqual([['_web._tcp.example.org', [
      { __address__: 'a.example.org:8080', __meta_dns_name: '_web._tcp.example.org', __meta_dns_srv_record_target: 'a.example.org.', __meta_dns_srv_record_port: '8080' },
      { __address__: 'b.example.org:9090', __meta_dns_name: '_web._tcp.example.org', __meta_dns_srv_record_target: 'b.example.org.', __meta_dns_srv_record_port: '9090' },
    ]]]);
  });

  it('uses the configured port for A, AAAA and MX records', async () => {
    const r = fake({ 'A web': ['10.0.0.1'], 'AAAA web6': ['fd00::1'], 'MX mail': [{ exchange: 'mx1.example.org', priority: 10 }] });
    expect(await targets(new DnsDiscoverer(cfg('A', ['web'], 9100), r))).toEqual([['web', [{ __address__: '10.0.0.1:9100', __meta_dns_name: 'web' }]]]);
    expect(await targets(new DnsDiscoverer(cfg('AAAA', ['web6'], 9100), r))).toEqual([['web6', [{ __address__: '[fd00::1]:9100', __meta_dns_name: 'web6' }]]]);
    expect(await targets(new DnsDiscoverer(cfg('MX', ['mail'], 25), r))).toEqual([['mail', [
      { __address__: 'mx1.example.org:25', __meta_dns_name: 'mail', __meta_dns_mx_record_target: 'mx1.example.org.' },
    ]]]);
  });

  it('gives a name without records an empty group and keeps the last group of a failing name', async () => {
    const failing = new Set<string>();
    const d = new DnsDiscoverer(cfg('A', ['up', 'gone', 'flaky'], 80), fake({ 'A up': ['10.0.0.1'], 'A flaky': ['10.0.0.9'] }, failing));
    expect((await targets(d)).map(([s, t]) => [s, (t as unknown[]).length])).toEqual([['up', 1], ['gone', 0], ['flaky', 1]]);
    failing.add('flaky');
    const errors: string[] = [];
    const groups = await d.refresh({ error: (e) => errors.push(e.message) });
    expect(groups.find((g) => g.source === 'flaky')?.targets[0].get('__address__')).toBe('10.0.0.9:80');
    expect(errors).toEqual([expect.stringMatching(/^dns_sd: lookup A flaky: .*ESERVFAIL/)]);
  });

  it('joins hosts and ports', () => {
    expect(hostPort('a.example.org.', 80)).toBe('a.example.org:80');
    expect(hostPort('::1', 9)).toBe('[::1]:9');
  });
});
