/**
 * The rule manager: it loads rule files, runs one Group per rule group, and on reload keeps
 * groups that did not change running untouched, hands alert and staleness state from old to new
 * versions of changed groups, and stops removed groups (marking their series stale). It takes a
 * query function and an Appendable, never the engine or the TSDB, so edge and hub share it.
 */
import { Labels } from '../model/labels.ts';
import type { Appendable, Queryable } from '../storage/interface.ts';
import type { Alert } from './alerting.ts';
import { loadRuleFile, RuleFileError, type ParseRulesOptions, type RuleGroupSpec } from './file.ts';
import { expandRuleFileGlobs } from './glob.ts';
import { Group, SYSTEM_CLOCK, type Clock, type GroupOptions, type NotifyFunction } from './group.ts';
import type { QueryFunction } from './rule.ts';

/** RuleManagerOptions: see GroupOptions for the shared ones; durations in ms. */
export interface RuleManagerOptions {
  query: QueryFunction;
  appendable: Appendable;
  queryable?: Queryable;
  notify?: NotifyFunction;
  externalLabels?: Labels;
  externalURL?: string;
  clock?: Clock;
  /** Global evaluation_interval; default 1m. */
  evaluationInterval?: number;
  /** Global rule_query_offset; default 0. */
  queryOffset?: number;
  /** How far back alert state is restored from (--rules.alert.for-outage-tolerance); default 1h. */
  outageTolerance?: number;
  /** Minimum pending time after a restore (--rules.alert.for-grace-period); default 10m. */
  forGracePeriod?: number;
  /** Minimum time between re-sends of an alert (--rules.alert.resend-delay); default 1m. */
  resendDelay?: number;
  warn?: (msg: string) => void;
  parse?: ParseRulesOptions;
}

export class RuleManager {
  #groups = new Map<string, Group>();
  readonly #opts: GroupOptions;
  #running = false;
  readonly #parse: ParseRulesOptions;

  constructor(opts: RuleManagerOptions) {
    this.#opts = {
      query: opts.query,
      appendable: opts.appendable,
      queryable: opts.queryable,
      notify: opts.notify,
      alertContext: { externalLabels: opts.externalLabels ?? Labels.EMPTY, externalURL: opts.externalURL ?? '' },
      clock: opts.clock ?? SYSTEM_CLOCK,
      evaluationInterval: opts.evaluationInterval ?? 60_000,
      queryOffset: opts.queryOffset ?? 0,
      outageTolerance: opts.outageTolerance ?? 3_600_000,
      forGracePeriod: opts.forGracePeriod ?? 600_000,
      resendDelay: opts.resendDelay ?? 60_000,
      warn: opts.warn ?? ((msg) => console.warn(msg)),
    };
    this.#parse = opts.parse ?? {};
  }

  /** groups: the current groups, sorted by file then name. */
  groups(): Group[] {
    return [...this.#groups.values()].sort((a, b) => (a.file === b.file ? cmp(a.name, b.name) : cmp(a.file, b.file)));
  }

  /** group finds a group by file and name. */
  group(file: string, name: string): Group | undefined {
    return this.#groups.get(`${file}\xff${name}`);
  }

  /** alerts: every pending and firing alert of every rule. */
  alerts(): Alert[] {
    return this.groups().flatMap((g) => g.rules.flatMap((r) => (r.kind === 'alerting' ? r.activeAlerts() : [])));
  }

  /**
   * loadFiles reads the rule files matching `patterns` (paths or globs in the last path element)
   * and applies them with update(). On any invalid file nothing changes and the RuleFileError of
   * the first bad file is thrown.
   */
  async loadFiles(patterns: readonly string[]): Promise<void> {
    const files = await expandRuleFileGlobs(patterns);
    const specs: RuleGroupSpec[] = [];
    for (const f of files) specs.push(...(await loadRuleFile(f, this.#parse)));
    await this.update(specs);
  }

  /**
   * update replaces the running groups with `specs`: unchanged groups keep running, changed ones
   * restart with the old alert state, removed ones stop and mark their series stale. Safe to call
   * while running; not safe to call concurrently with itself.
   */
  async update(specs: readonly RuleGroupSpec[]): Promise<void> {
    const next = new Map<string, Group>();
    const stopped: Group[] = [];
    for (const spec of specs) {
      const key = `${spec.file}\xff${spec.name}`;
      if (next.has(key)) throw new RuleFileError(spec.file, [`groupname: "${spec.name}" is repeated in the same file`]);
      const old = this.#groups.get(key);
      if (old && sameSpec(old.spec, spec)) {
        next.set(key, old);
        continue;
      }
      const g = new Group(spec, this.#opts);
      if (old) {
        g.copyState(old);
        stopped.push(old);
      }
      next.set(key, g);
    }
    const removed = [...this.#groups].filter(([k]) => !next.has(k)).map(([, g]) => g);
    await Promise.all([...stopped, ...removed].map((g) => g.stop()));
    const now = this.#opts.clock.now();
    for (const g of removed) g.markStale(now);
    const fresh = [...next.values()].filter((g) => !this.#groups.has(g.key) || this.#groups.get(g.key) !== g);
    this.#groups = next;
    if (this.#running) for (const g of fresh) g.start();
  }

  /** start runs every group on its schedule. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const g of this.#groups.values()) g.start();
  }

  /** stop ends all schedules and waits for running evaluations. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all([...this.#groups.values()].map((g) => g.stop()));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameSpec(a: RuleGroupSpec, b: RuleGroupSpec): boolean {
  const canon = (s: RuleGroupSpec) =>
    JSON.stringify([s.file, s.name, s.interval, s.queryOffset, s.limit, s.labels.flat, s.rules.map((r) => ({ ...r, labels: r.labels.flat }))]);
  return canon(a) === canon(b);
}
