/**
 * What an edge tells its hub about its scrape targets: `targetReports` turns the scrape side's
 * TargetsSnapshot into the TARGETS frame's entries (docs/protocol.md), and `TargetsReporter`
 * decides when a connection sends them: at once after WELCOME, then whenever a target's health
 * changes (checked every `checkMs`) and at least every `intervalMs`.
 */
import type { TargetsSnapshot } from '../../shared/api/targets-routes.ts';
import { parseDuration } from '../../shared/config/units.ts';
import { InvalidLabelError, validateLabels } from '../../shared/model/validate.ts';
import { MAX_TARGETS_PER_FRAME, type TargetReport } from '../../shared/protocol/index.ts';

/** TargetsSource: the edge's current targets (the scrape manager's snapshot). */
export type TargetsSource = () => TargetsSnapshot;

/** TARGETS_INTERVAL_MS / TARGETS_CHECK_MS: the default report interval and health check period. */
export const TARGETS_INTERVAL_MS = 15_000;
export const TARGETS_CHECK_MS = 1_000;

/**
 * targetReports converts the active targets of `snap`. A target whose labels the hub would refuse
 * (a reserved "__" name, an empty value) is left out and named in `skipped`; at most
 * MAX_TARGETS_PER_FRAME targets are kept.
 */
export function targetReports(snap: TargetsSnapshot): { reports: TargetReport[]; skipped: string[] } {
  const reports: TargetReport[] = [];
  const skipped: string[] = [];
  for (const t of snap.active) {
    if (reports.length >= MAX_TARGETS_PER_FRAME) {
      skipped.push(`${snap.active.length - MAX_TARGETS_PER_FRAME} targets over ${MAX_TARGETS_PER_FRAME}`);
      break;
    }
    try {
      validateLabels(t.labels, { allowEmpty: true });
    } catch (err) {
      if (!(err instanceof InvalidLabelError)) throw err;
      skipped.push(`${t.scrapePool} ${t.scrapeUrl}: ${err.message}`);
      continue;
    }
    reports.push({
      scrapePool: t.scrapePool,
      scrapeUrl: t.scrapeUrl,
      labels: t.labels.flat,
      health: t.health,
      lastError: t.lastError,
      lastScrape: Math.max(0, Math.round(t.lastScrape)),
      lastScrapeDurationUs: Math.max(0, Math.round(t.lastScrapeDuration * 1e6)),
      scrapeIntervalMs: durationMs(t.scrapeInterval),
      scrapeTimeoutMs: durationMs(t.scrapeTimeout),
    });
  }
  return { reports, skipped };
}

function durationMs(s: string): number {
  try {
    return parseDuration(s);
  } catch {
    return 0;
  }
}

/**
 * TargetsReporter: one connection's schedule of target reports. `due` says whether to send now;
 * `sent` records what was sent. Health changes are seen through a signature of (pool, url,
 * health) of every target, so a new or removed target also counts as a change.
 */
export class TargetsReporter {
  #lastSentAt = -Infinity;
  #lastSignature: string | null = null;

  constructor(readonly intervalMs = TARGETS_INTERVAL_MS) {}

  /** due: whether `reports` should be sent at `now` (Unix ms). */
  due(reports: readonly TargetReport[], now: number): boolean {
    return this.#lastSignature === null || now - this.#lastSentAt >= this.intervalMs || signature(reports) !== this.#lastSignature;
  }

  sent(reports: readonly TargetReport[], now: number): void {
    this.#lastSentAt = now;
    this.#lastSignature = signature(reports);
  }
}

function signature(reports: readonly TargetReport[]): string {
  return reports.map((r) => `${r.scrapePool}\u0000${r.scrapeUrl}\u0000${r.health}`).join('\u0001');
}
