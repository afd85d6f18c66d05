/**
 * DNS service discovery (`dns_sd_configs`): looks up SRV, A, AAAA, MX or NS records of each name
 * every refresh_interval with node:dns, one group per name (source: the name). Each record becomes
 * a target labelled as Prometheus labels it: `__meta_dns_name`, and per record type
 * `__meta_dns_srv_record_target` / `__meta_dns_srv_record_port`, `__meta_dns_mx_record_target` or
 * `__meta_dns_ns_record_target` (record targets as fully qualified names, with the final dot).
 * SRV records carry their port; the others take the configured one. A name with no records has
 * an empty group; a name whose lookup fails keeps its last good group and the error is reported.
 */
import { Resolver } from 'node:dns/promises';
import type { DNSSDConfig } from '../../shared/config/sd.ts';
import { Labels } from '../../shared/model/labels.ts';
import type { Discoverer, DiscoveryListener, TargetGroup } from './types.ts';

/** DnsResolver: the node:dns/promises calls discovery uses (tests substitute a fake). */
export interface DnsResolver {
  resolveSrv(name: string): Promise<Array<{ name: string; port: number; priority: number; weight: number }>>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  resolveMx(name: string): Promise<Array<{ exchange: string; priority: number }>>;
  resolveNs(name: string): Promise<string[]>;
}

/** Answers that mean "no such records", not a failure. */
const EMPTY_CODES = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

/** DnsDiscoverer: one dns_sd_configs entry. */
export class DnsDiscoverer implements Discoverer {
  readonly #config: DNSSDConfig;
  readonly #resolver: DnsResolver;
  readonly #last = new Map<string, TargetGroup>();
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<void> | undefined;
  #stopped = false;

  constructor(config: DNSSDConfig, resolver: DnsResolver = new Resolver({ timeout: 5000, tries: 2 })) {
    this.#config = config;
    this.#resolver = resolver;
  }

  start(listener: DiscoveryListener): void {
    const tick = () => {
      if (this.#stopped) return;
      this.#inflight = this.refresh(listener).then((groups) => {
        if (!this.#stopped) listener.update(groups);
      });
      this.#timer = setTimeout(tick, this.#config.refreshInterval);
    };
    tick();
  }

  /** refresh looks every name up once; failures go to `listener.error` and keep the name's last group. */
  async refresh(listener?: Pick<DiscoveryListener, 'error'>): Promise<TargetGroup[]> {
    const groups = await Promise.all(
      this.#config.names.map(async (name) => {
        try {
          const group = { source: name, targets: await this.#lookup(name), labels: Labels.EMPTY };
          this.#last.set(name, group);
          return group;
        } catch (err) {
          listener?.error(new Error(`dns_sd: lookup ${this.#config.type} ${name}: ${(err as Error).message}`, { cause: err }));
          return this.#last.get(name);
        }
      }),
    );
    return groups.filter((g): g is TargetGroup => g !== undefined);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#inflight;
  }

  async #lookup(name: string): Promise<Labels[]> {
    const r = this.#resolver;
    const { port, type } = this.#config;
    const target = (address: string, extra: Record<string, string>) => Labels.from({ __address__: address, __meta_dns_name: name, ...extra });
    try {
      switch (type) {
        case 'SRV':
          return (await r.resolveSrv(name)).map((s) =>
            target(hostPort(s.name, s.port), { __meta_dns_srv_record_target: fqdn(s.name), __meta_dns_srv_record_port: String(s.port) }),
          );
        case 'A':
          return (await r.resolve4(name)).map((ip) => target(hostPort(ip, port), {}));
        case 'AAAA':
          return (await r.resolve6(name)).map((ip) => target(hostPort(ip, port), {}));
        case 'MX':
          return (await r.resolveMx(name)).map((m) => target(hostPort(m.exchange, port), { __meta_dns_mx_record_target: fqdn(m.exchange) }));
        case 'NS':
          return (await r.resolveNs(name)).map((ns) => target(hostPort(ns, port), { __meta_dns_ns_record_target: fqdn(ns) }));
        default:
          throw new Error(`BUG: DNS record type ${type as string}`);
      }
    } catch (err) {
      if (EMPTY_CODES.has((err as NodeJS.ErrnoException).code ?? '')) return [];
      throw err;
    }
  }
}

/** hostPort joins a host and port, bracketing IPv6 addresses; a final dot is dropped from names. */
export function hostPort(host: string, port: number): string {
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  return h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}
