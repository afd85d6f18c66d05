/**
 * Templates for alert labels and annotations: the subset of Go's text/template that Prometheus
 * rule templates use, with Prometheus' functions and data (`$labels`, `$value`,
 * `$externalLabels`, `$externalURL`). checkAlertTemplate validates at load time;
 * expandAlertTemplate renders at evaluation time (async, because `query` asks the database).
 */
import type { Labels } from '../model/labels.ts';
import { BUILTINS } from './builtins.ts';
import { execute, type TemplateFunc } from './exec.ts';
import { parseTemplate, type Template } from './parse.ts';
import { PROMETHEUS_FUNC_NAMES, prometheusFuncs, type TemplateQuery } from './prometheus.ts';
import { GoMap, GoStruct } from './values.ts';

export { TemplateSyntaxError } from './lex.ts';
export { TemplateExecError, TemplateFuncError } from './exec.ts';
export type { TemplateQuery, TemplateSample } from './prometheus.ts';
export { sprintf, formatG } from './fmt.ts';

/** FUNC_NAMES: every function a template may call. */
export const FUNC_NAMES: ReadonlySet<string> = new Set([...BUILTINS.keys(), ...PROMETHEUS_FUNC_NAMES]);

/**
 * ALERT_PRELUDE: the variable definitions Prometheus prepends to every alert template. It has no
 * newline, so line numbers in messages are those of the user's text.
 */
const ALERT_PRELUDE = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

/** AlertTemplateData: what an alert's templates see. */
export interface AlertTemplateData {
  labels: Labels;
  externalLabels: Labels;
  externalURL: string;
  value: number;
}

/** ExpandOptions: the evaluation context of one expansion. */
export interface ExpandOptions {
  /** Evaluation time, Unix ms (for `query`, `now`). */
  time: number;
  query?: TemplateQuery;
  signal?: AbortSignal;
}

/**
 * compileAlertTemplate parses an alert label or annotation template named `name` (Prometheus
 * names them `__alert_<alertname>`). Throws TemplateSyntaxError. The result may be expanded any
 * number of times, concurrently.
 */
export function compileAlertTemplate(name: string, text: string): Template {
  return parseTemplate(name, ALERT_PRELUDE + text, FUNC_NAMES);
}

/** checkAlertTemplate throws TemplateSyntaxError when `text` does not parse. */
export function checkAlertTemplate(name: string, text: string): void {
  compileAlertTemplate(name, text);
}

/**
 * expandAlertTemplate renders a compiled alert template. Throws TemplateExecError (with Go's
 * message) when execution fails; the caller decides what to show instead.
 */
export async function expandAlertTemplate(tmpl: Template, data: AlertTemplateData, opts: ExpandOptions): Promise<string> {
  const dot = new GoStruct('struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }', {
    Labels: GoMap.ofStrings(data.labels),
    ExternalLabels: GoMap.ofStrings(data.externalLabels),
    ExternalURL: data.externalURL,
    Value: data.value,
  });
  const funcs = new Map<string, TemplateFunc>([...BUILTINS, ...prometheusFuncs({ time: opts.time, query: opts.query, signal: opts.signal, externalURL: data.externalURL })]);
  return execute(tmpl, dot, funcs);
}

/** expandTemplate parses and renders a plain template with `data` as dot (for tests and tools). */
export async function expandTemplate(name: string, text: string, data: unknown, opts: ExpandOptions & { externalURL?: string }): Promise<string> {
  const tmpl = parseTemplate(name, text, FUNC_NAMES);
  const funcs = new Map<string, TemplateFunc>([...BUILTINS, ...prometheusFuncs({ time: opts.time, query: opts.query, signal: opts.signal, externalURL: opts.externalURL ?? '' })]);
  return execute(tmpl, data, funcs);
}
