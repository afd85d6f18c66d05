/**
 * Discovery vocabulary: a target group (Prometheus' targetgroup.Group: targets, each a label set
 * with `__address__`, plus labels shared by the group, named by a source) and the contract every
 * discovery mechanism implements. A discoverer reports the complete current list of its groups
 * each time something changes; the job's discovery merges the lists of all its discoverers.
 */
import type { Labels } from '../../shared/model/labels.ts';

/** TargetGroup: targets found together, with labels (`__meta_*` among them) common to all. */
export interface TargetGroup {
  /** Where the group came from, unique within its discoverer (`file.json:0`, `https://sd/…:1`). */
  readonly source: string;
  /** One label set per target; each has `__address__` and may carry per-target `__meta_*` labels. */
  readonly targets: readonly Labels[];
  /** Labels shared by every target of the group. */
  readonly labels: Labels;
}

/** DiscoveryListener: what a discoverer tells its job. */
export interface DiscoveryListener {
  /** update replaces everything this discoverer reported before with `groups`. */
  update(groups: TargetGroup[]): void;
  /** error reports a failed refresh; the groups reported last stay in use. */
  error(err: Error): void;
}

/**
 * Discoverer: one discovery mechanism of one job. start() begins reporting to the listener (the
 * first report may come synchronously); stop() ends all timers, watchers and requests, after
 * which nothing more is reported.
 */
export interface Discoverer {
  start(listener: DiscoveryListener): void;
  stop(): Promise<void>;
}
