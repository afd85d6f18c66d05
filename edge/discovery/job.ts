/**
 * Job discovery: runs every discovery mechanism of one scrape job (static, file, HTTP, DNS),
 * merges what they report into one list of target groups, and hands it on coalesced, as
 * Prometheus' discovery manager does: the first list once every mechanism has answered (or one
 * update interval has passed), then at most one list per update interval (5 s by default), only
 * when something changed.
 */
import type { ServiceDiscovery } from '../../shared/config/sd.ts';
import { DnsDiscoverer, type DnsResolver } from './dns.ts';
import { FileDiscoverer } from './file.ts';
import { HttpDiscoverer } from './http.ts';
import { StaticDiscoverer } from './static.ts';
import type { Discoverer, TargetGroup } from './types.ts';

export const DEFAULT_UPDATE_INTERVAL_MS = 5000;

/** JobDiscoveryOptions: timing and test seams. */
export interface JobDiscoveryOptions {
  /** The least time between two lists handed on (default 5000 ms). */
  updateIntervalMs?: number;
  /** DNS resolver for dns_sd_configs (default: node:dns). */
  resolver?: DnsResolver;
  /** Receives every discovery error (the previous groups stay in use). */
  onError?: (err: Error) => void;
}

/**
 * JobDiscovery: the discovery of one job. `onGroups` receives the complete merged list each time.
 * Construction builds every discoverer (an unreadable TLS or credentials file throws
 * ClientSetupError); start() starts them; stop() ends them and nothing more is delivered.
 */
export class JobDiscovery {
  readonly #discoverers: Discoverer[];
  readonly #lists: Array<TargetGroup[] | undefined>;
  readonly #onGroups: (groups: TargetGroup[]) => void;
  readonly #interval: number;
  readonly #onError: (err: Error) => void;
  #answered = 0;
  #delivered = false;
  #dirty = false;
  #lastDelivery = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(sd: ServiceDiscovery, onGroups: (groups: TargetGroup[]) => void, opts: JobDiscoveryOptions = {}) {
    this.#onGroups = onGroups;
    this.#interval = opts.updateIntervalMs ?? DEFAULT_UPDATE_INTERVAL_MS;
    this.#onError = opts.onError ?? (() => {});
    this.#discoverers = [
      ...(sd.staticConfigs.length ? [new StaticDiscoverer(sd.staticConfigs)] : []),
      ...sd.fileSdConfigs.map((c) => new FileDiscoverer(c)),
      ...sd.httpSdConfigs.map((c) => new HttpDiscoverer(c)),
      ...sd.dnsSdConfigs.map((c) => new DnsDiscoverer(c, opts.resolver)),
    ];
    this.#lists = new Array(this.#discoverers.length).fill(undefined);
  }

  start(): void {
    if (this.#discoverers.length === 0) {
      this.#dirty = true;
      this.#flush();
      return;
    }
    this.#timer = setTimeout(() => this.#flush(), this.#interval);
    this.#discoverers.forEach((d, i) => {
      let answered = false;
      const answer = () => {
        if (answered) return;
        answered = true;
        this.#answered++;
      };
      d.start({
        update: (groups) => {
          if (this.#stopped) return;
          answer();
          this.#lists[i] = groups;
          this.#changed();
        },
        error: (err) => {
          if (this.#stopped) return;
          answer();
          this.#onError(err);
          // Before the first list an error counts as this mechanism's answer; later it changes nothing.
          if (!this.#delivered) this.#changed();
        },
      });
    });
  }

  /** groups is the merged list as it stands now (delivered or not). */
  groups(): TargetGroup[] {
    return this.#lists.flatMap((l) => l ?? []);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await Promise.all(this.#discoverers.map((d) => d.stop()));
  }

  #changed(): void {
    this.#dirty = true;
    if (!this.#delivered) {
      if (this.#answered === this.#discoverers.length) {
        clearTimeout(this.#timer);
        // Deliver after the current turn, so synchronous first answers arrive together.
        this.#timer = setTimeout(() => this.#flush(), 0);
      }
      return;
    }
    if (this.#timer === undefined) {
      const wait = Math.max(0, this.#lastDelivery + this.#interval - Date.now());
      this.#timer = setTimeout(() => this.#flush(), wait);
    }
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#stopped || !this.#dirty) return;
    this.#dirty = false;
    this.#delivered = true;
    this.#lastDelivery = Date.now();
    this.#onGroups(this.groups());
  }
}
