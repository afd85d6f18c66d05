/**
 * The data of `/api/v1/features` (Prometheus 3.8): which features this server has, by category,
 * each a boolean. The PromQL categories are read from the engine's registry and the parser's
 * operator set, so they cannot drift from what is implemented; the others state what Outpost's
 * hub does. Absent means false to clients, so only the categories Outpost can answer are listed.
 */
import { FUNCTIONS } from '../promql/functions.ts';
import { FUNCTION_IMPLS } from '../promql/engine/index.ts';

export type Features = Record<string, Record<string, boolean>>;

const OPERATORS = [
  '+', '-', '*', '/', '%', '^', 'atan2', '==', '!=', '>', '<', '>=', '<=', 'and', 'or', 'unless',
  '=', '=~', '!~', '@', 'offset',
  'sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'count_values',
  'quantile', 'limitk', 'limit_ratio',
];

/** FeatureFacts: what the composition root knows about the running server. */
export interface FeatureFacts {
  /** The admin API (`/api/v1/admin/…`) is served. */
  admin: boolean;
  /** `/-/reload` is served. */
  lifecycle: boolean;
  /** Service discovery mechanisms the server's scraper runs. */
  serviceDiscovery: readonly string[];
}

/** features builds the `/api/v1/features` data. */
export function features(facts: FeatureFacts): Features {
  const functions: Record<string, boolean> = {};
  for (const name of [...FUNCTIONS.keys()].sort()) functions[name] = FUNCTION_IMPLS.has(name);
  const operators: Record<string, boolean> = {};
  for (const op of OPERATORS) operators[op] = true;
  const sd: Record<string, boolean> = {};
  for (const name of [...facts.serviceDiscovery].sort()) sd[name] = true;
  return {
    api: {
      admin: facts.admin,
      exclude_alerts: true,
      lifecycle: facts.lifecycle,
      query_stats: true,
      query_warnings: true,
      remote_write_receiver: false,
      otlp_write_receiver: false,
      time_range_labels: true,
      time_range_series: true,
      label_values_match: true,
    },
    prometheus: { agent_mode: false, server_mode: true, auto_reload_config: false },
    promql: {
      at_modifier: true,
      negative_offset: true,
      subqueries: true,
      per_query_lookback_delta: true,
      delayed_name_removal: true,
      duration_expr: true,
      per_step_stats: false,
    },
    promql_functions: functions,
    promql_operators: operators,
    rules: { keep_firing_for: true, query_offset: true, concurrent_rule_eval: false },
    service_discovery_providers: sd,
    tsdb: { exemplar_storage: false, native_histograms: false },
  };
}
