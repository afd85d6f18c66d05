/**
 * Recording rules: evaluate an expression and store its vector as new series named after the
 * rule, with the rule's labels applied (Prometheus `rules/recording.go`).
 */
import { Labels, METRIC_NAME } from '../model/labels.ts';
import type { RecordingRuleSpec } from './file.ts';
import { checkLimit, RuleEvalError, RuleStatus, type OutputSample, type QueryFunction } from './rule.ts';

export class RecordingRule {
  readonly kind = 'recording';
  readonly status = new RuleStatus();

  constructor(readonly spec: RecordingRuleSpec) {}

  get name(): string {
    return this.spec.name;
  }

  /**
   * eval queries at `t` and returns the output samples stamped `t`. Throws the query's error,
   * or RuleEvalError when two outputs share a label set or the vector exceeds `limit`.
   */
  async eval(query: QueryFunction, t: number, limit: number, signal: AbortSignal): Promise<OutputSample[]> {
    const vector = await query(this.spec.expr, t, signal);
    const out: OutputSample[] = [];
    const seen = new Set<string>();
    for (const s of vector) {
      const pairs = new Map<string, string>(s.labels);
      pairs.set(METRIC_NAME, this.spec.name);
      this.spec.labels.forEach((n, v) => pairs.set(n, v));
      const labels = Labels.fromPairs(pairs);
      const key = labels.key();
      if (seen.has(key)) throw new RuleEvalError('vector contains metrics with the same labelset after applying rule labels');
      seen.add(key);
      out.push({ labels, t, value: s.value });
    }
    checkLimit(limit, out.length, 'series');
    return out;
  }
}
