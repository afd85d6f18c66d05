/**
 * What every rule shares: the query function rules evaluate through (Prometheus' rule manager
 * takes a function, not the engine), the samples it returns and rules produce, and the health
 * record shown by `/api/v1/rules`.
 */
import type { Labels } from '../model/labels.ts';

/** Sample: one element of an instant vector. */
export interface Sample {
  labels: Labels;
  value: number;
}

/**
 * QueryFunction evaluates an instant query at `t` (Unix ms) and returns its vector. A scalar
 * result is returned as one sample with no labels. It throws to report a failed query; `signal`
 * aborts it when the manager stops.
 */
export type QueryFunction = (expr: string, t: number, signal: AbortSignal) => Promise<Sample[]>;

/** OutputSample: a sample a rule writes at `t` (Unix ms). */
export interface OutputSample {
  labels: Labels;
  t: number;
  value: number;
}

export type RuleHealth = 'unknown' | 'ok' | 'err';

/** RuleStatus: the last evaluation of a rule, as the rules API reports it. */
export class RuleStatus {
  health: RuleHealth = 'unknown';
  lastError = '';
  /** Unix ms of the last evaluation; 0 before the first. */
  lastEvaluation = 0;
  /** Duration of the last evaluation, ms. */
  evaluationTime = 0;

  copyFrom(other: RuleStatus): void {
    this.health = other.health;
    this.lastError = other.lastError;
    this.lastEvaluation = other.lastEvaluation;
    this.evaluationTime = other.evaluationTime;
  }
}

/** RuleEvalError: a rule's own evaluation failure (bad output, limit exceeded). */
export class RuleEvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleEvalError';
  }
}

/** checkLimit enforces a group's `limit` on the series one rule produces. */
export function checkLimit(limit: number, n: number, what: 'series' | 'alerts'): void {
  if (limit > 0 && n > limit) throw new RuleEvalError(`exceeded limit of ${limit} with ${n} ${what}`);
}
