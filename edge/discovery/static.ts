/**
 * Static discovery: the `static_configs` of a job, reported once. Prometheus names each group's
 * source by its index in the list.
 */
import { Labels } from '../../shared/model/labels.ts';
import type { StaticConfig } from '../../shared/config/sd.ts';
import type { Discoverer, DiscoveryListener, TargetGroup } from './types.ts';

/** staticGroups turns static_configs into target groups. */
export function staticGroups(configs: readonly StaticConfig[]): TargetGroup[] {
  return configs.map((c, i) => ({
    source: String(i),
    targets: c.targets.map((address) => Labels.from({ __address__: address })),
    labels: c.labels,
  }));
}

/** StaticDiscoverer: reports its groups at start and never again. */
export class StaticDiscoverer implements Discoverer {
  readonly #groups: TargetGroup[];
  constructor(configs: readonly StaticConfig[]) {
    this.#groups = staticGroups(configs);
  }
  start(listener: DiscoveryListener): void {
    listener.update(this.#groups);
  }
  async stop(): Promise<void> {}
}
