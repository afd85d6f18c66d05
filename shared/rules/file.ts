/**
 * Rule files: Prometheus' rule-file format (groups of recording and alerting rules) read with
 * the yaml package, keeping node positions, and validated as Prometheus' rulefmt does: known keys
 * only, expressions that parse, valid names, no `for`/`keep_firing_for`/annotations on recording
 * rules, alert templates that parse, unique group names. Every problem is collected and reported
 * together in one RuleFileError, with Prometheus' wording and `line:column` positions.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import { Labels, METRIC_NAME } from '../model/labels.ts';
import { isValidLabelName, isValidLabelValue, isValidMetricName, type ValidationScheme } from '../model/validate.ts';
import { DurationSyntaxError, parseDuration, parseExpr, ParseError } from '../promql/parser/index.ts';
import { checkAlertTemplate, TemplateSyntaxError } from '../template/index.ts';
import { YamlValue, type ParseContext } from '../config/yaml-value.ts';

/** RecordingRuleSpec: a validated `record:` rule. */
export interface RecordingRuleSpec {
  readonly kind: 'recording';
  readonly name: string;
  readonly expr: string;
  readonly labels: Labels;
}

/** AlertingRuleSpec: a validated `alert:` rule; label and annotation values are templates. */
export interface AlertingRuleSpec {
  readonly kind: 'alerting';
  readonly name: string;
  readonly expr: string;
  /** `for`, ms. */
  readonly for: number;
  /** `keep_firing_for`, ms. */
  readonly keepFiringFor: number;
  readonly labels: Labels;
  /** Annotations in file order. */
  readonly annotations: readonly (readonly [string, string])[];
}

export type RuleSpec = RecordingRuleSpec | AlertingRuleSpec;

/** RuleGroupSpec: a validated group. `interval` 0 means the global evaluation interval. */
export interface RuleGroupSpec {
  readonly file: string;
  readonly name: string;
  readonly interval: number;
  /** query_offset in ms, or null to use the global rule_query_offset. */
  readonly queryOffset: number | null;
  readonly limit: number;
  readonly labels: Labels;
  readonly rules: readonly RuleSpec[];
}

/** RuleFileError: a rule file that cannot be used; `problems` lists every problem found. */
export class RuleFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problems.join('; ')}`, options);
    this.name = 'RuleFileError';
  }
}

/** ParseRulesOptions: name validation ('utf8', Prometheus 3's default, or 'legacy'). */
export interface ParseRulesOptions {
  scheme?: ValidationScheme;
}

const GROUP_KEYS = new Set(['name', 'interval', 'query_offset', 'limit', 'labels', 'rules']);
const RULE_KEYS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
const TOP_KEYS = new Set(['groups']);

/** parseRuleFile parses and validates rule-file text. Throws RuleFileError listing all problems. */
export function parseRuleFile(text: string, file: string, options: ParseRulesOptions = {}): RuleGroupSpec[] {
  const scheme = options.scheme ?? 'utf8';
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, schema: 'failsafe', merge: true, uniqueKeys: true });
  const problems: string[] = [];
  const groups: RuleGroupSpec[] = [];
  const docList = Array.isArray(docs) ? docs : [];
  for (const doc of docList) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      throw new RuleFileError(file, [`${pos ? `${pos.line}:${pos.col}: ` : ''}yaml: ${err.message.split('\n')[0]}`], { cause: err });
    }
  }
  const seen = new Set<string>();
  for (const doc of docList) {
    const ctx: ParseContext = { file, dir: '', doc, lines, env: {} };
    const root = new YamlValue(ctx, null, '').child(doc.contents as Node | null, '');
    if (root.isNull) continue;
    const r = new Reader(ctx, problems);
    if (!isMap(root.node)) {
      problems.push(r.at(root, `cannot unmarshal ${kindOf(root.node)} into rulefmt.RuleGroups`));
      continue;
    }
    const top = r.mapping(root, TOP_KEYS, 'rulefmt.RuleGroups');
    const groupsV = top.get('groups');
    if (!groupsV) continue;
    if (!isSeq(groupsV.node)) {
      problems.push(r.at(groupsV, `cannot unmarshal ${kindOf(groupsV.node)} into []rulefmt.RuleGroup`));
      continue;
    }
    for (const gv of groupsV.list()) {
      const g = r.group(gv, scheme);
      if (g === null) continue;
      if (g.name === '') problems.push(r.at(gv, 'Groupname must not be empty'));
      if (seen.has(g.name)) problems.push(r.at(gv, `groupname: "${g.name}" is repeated in the same file`));
      seen.add(g.name);
      groups.push(g);
    }
  }
  if (problems.length > 0) throw new RuleFileError(file, problems);
  return groups;
}

/** loadRuleFile reads and parses the rule file at `path`. Throws RuleFileError. */
export async function loadRuleFile(path: string, options: ParseRulesOptions = {}): Promise<RuleGroupSpec[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new RuleFileError(path, [`cannot read rule file: ${(err as Error).message}`], { cause: err });
  }
  return parseRuleFile(text, path, options);
}

function kindOf(n: Node | null): string {
  if (isMap(n)) return '!!map';
  if (isSeq(n)) return '!!seq';
  if (isScalar(n)) return `!!str \`${String(n.value)}\``;
  return '!!null';
}

/** Reader: the walk over one document, appending problems instead of stopping at the first. */
class Reader {
  constructor(
    readonly ctx: ParseContext,
    readonly problems: string[],
  ) {}

  /** at formats `msg` at the position of `v` (Prometheus: `line:col: msg`). */
  at(v: YamlValue, msg: string): string {
    const n = v.node ?? v.anchor;
    if (!n?.range) return msg;
    const { line, col } = this.ctx.lines.linePos(n.range[0]);
    return `${line}:${col}: ${msg}`;
  }

  /** mapping reads a mapping's values by key, reporting keys not in `known`. */
  mapping(v: YamlValue, known: ReadonlySet<string>, type: string): Map<string, YamlValue> {
    const out = new Map<string, YamlValue>();
    for (const [k, val] of v.entries()) {
      if (!known.has(k)) {
        const keyAt = new YamlValue(this.ctx, null, val.path, val.anchor);
        this.problems.push(this.at(keyAt, `field ${k} not found in type ${type}`));
        continue;
      }
      if (!val.isNull) out.set(k, val);
    }
    return out;
  }

  scalar(v: YamlValue | undefined, what: string): string {
    if (v === undefined) return '';
    if (!isScalar(v.node)) {
      this.problems.push(this.at(v, `cannot unmarshal ${kindOf(v.node)} into ${what}`));
      return '';
    }
    return String(v.node.value);
  }

  duration(v: YamlValue | undefined): number {
    const s = this.scalar(v, 'model.Duration');
    if (s === '') return 0;
    try {
      return parseDuration(s);
    } catch (err) {
      if (!(err instanceof DurationSyntaxError)) throw err;
      this.problems.push(this.at(v!, err.message));
      return 0;
    }
  }

  stringMap(v: YamlValue | undefined): [string, string][] {
    if (v === undefined) return [];
    if (!isMap(v.node)) {
      this.problems.push(this.at(v, `cannot unmarshal ${kindOf(v.node)} into map[string]string`));
      return [];
    }
    return v.entries().map(([k, val]) => [k, val.isNull ? '' : this.scalar(val, 'string')]);
  }

  group(gv: YamlValue, scheme: ValidationScheme): RuleGroupSpec | null {
    if (!isMap(gv.node)) {
      this.problems.push(this.at(gv, `cannot unmarshal ${kindOf(gv.node)} into rulefmt.RuleGroup`));
      return null;
    }
    const f = this.mapping(gv, GROUP_KEYS, 'rulefmt.RuleGroup');
    const name = this.scalar(f.get('name'), 'string');
    const interval = this.duration(f.get('interval'));
    const queryOffset = f.has('query_offset') ? this.duration(f.get('query_offset')) : null;
    let limit = 0;
    const limitV = f.get('limit');
    if (limitV) {
      const s = this.scalar(limitV, 'int');
      if (!/^[-+]?[0-9]+$/.test(s)) this.problems.push(this.at(limitV, `cannot unmarshal !!str \`${s}\` into int`));
      else limit = Number(s);
    }
    const groupLabels = this.labelPairs(this.stringMap(f.get('labels')), scheme, (msg) => this.problems.push(this.at(f.get('labels')!, msg)));
    const rules: RuleSpec[] = [];
    const rulesV = f.get('rules');
    if (rulesV && !isSeq(rulesV.node)) this.problems.push(this.at(rulesV, `cannot unmarshal ${kindOf(rulesV.node)} into []rulefmt.Rule`));
    else {
      (rulesV?.list() ?? []).forEach((rv, i) => {
        const rule = this.rule(rv, name, i + 1, scheme);
        if (rule) rules.push(rule);
      });
    }
    return { file: this.ctx.file, name, interval, queryOffset, limit, labels: groupLabels, rules };
  }

  labelPairs(pairs: [string, string][], scheme: ValidationScheme, report: (msg: string) => void): Labels {
    const ok: [string, string][] = [];
    for (const [k, v] of pairs) {
      let good = true;
      if (!isValidLabelName(k, scheme) || k === METRIC_NAME) {
        report(`invalid label name: ${k}`);
        good = false;
      }
      if (!isValidLabelValue(v)) {
        report(`invalid label value: ${v}`);
        good = false;
      }
      if (good) ok.push([k, v]);
    }
    return Labels.fromPairs(ok);
  }

  rule(rv: YamlValue, group: string, index: number, scheme: ValidationScheme): RuleSpec | null {
    if (!isMap(rv.node)) {
      this.problems.push(this.at(rv, `cannot unmarshal ${kindOf(rv.node)} into rulefmt.Rule`));
      return null;
    }
    const f = this.mapping(rv, RULE_KEYS, 'rulefmt.Rule');
    const record = this.scalar(f.get('record'), 'string');
    const alert = this.scalar(f.get('alert'), 'string');
    const expr = this.scalar(f.get('expr'), 'string');
    const forMs = this.duration(f.get('for'));
    const keepFiringFor = this.duration(f.get('keep_firing_for'));
    const labels = this.stringMap(f.get('labels'));
    const annotations = this.stringMap(f.get('annotations'));
    const ruleName = alert !== '' ? alert : record;
    const before = this.problems.length;
    // Prometheus: `line:col: group "g", rule N, "name": problem`, positioned at the field at fault.
    const report = (msg: string, at?: YamlValue, alt?: YamlValue) => {
      const where = (v: YamlValue) => {
        const n = v.node ?? v.anchor;
        if (!n?.range) return '0:0: ';
        const { line, col } = this.ctx.lines.linePos(n.range[0]);
        return `${line}:${col}: `;
      };
      const prefix = at ? where(at) + (alt ? where(alt) : '') : '';
      this.problems.push(`${prefix}group "${group}", rule ${index}, "${ruleName}": ${msg}`);
    };
    const recordV = f.get('record') ?? rv;
    const alertV = f.get('alert') ?? rv;
    if (record !== '' && alert !== '') report("only one of 'record' and 'alert' must be set", recordV, alertV);
    if (record === '' && alert === '') report("one of 'record' or 'alert' must be set", recordV, alertV);
    if (expr === '') report("field 'expr' must be set in rule", f.get('expr') ?? rv);
    else {
      try {
        parseExpr(expr);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        report(`could not parse expression: ${err.message}`, f.get('expr'));
      }
    }
    if (record !== '') {
      if (annotations.length > 0) report("invalid field 'annotations' in recording rule", recordV);
      if (forMs !== 0) report("invalid field 'for' in recording rule", recordV);
      if (keepFiringFor !== 0) report("invalid field 'keep_firing_for' in recording rule", recordV);
      if (!isValidMetricName(record, scheme)) report(`invalid recording rule name: ${record}`, recordV);
      if (record.includes('{') || record.includes('}')) {
        report(`braces present in the recording rule name; should it be in expr?: ${record}`, recordV);
      }
    }
    const ruleLabels = this.labelPairs(labels, scheme, (msg) => report(msg));
    for (const [k] of annotations) {
      if (!isValidLabelName(k, scheme)) report(`invalid annotation name: ${k}`);
    }
    if (alert !== '') {
      const check = (what: string, k: string, text: string) => {
        try {
          checkAlertTemplate(`__alert_${alert}`, text);
        } catch (err) {
          if (!(err instanceof TemplateSyntaxError)) throw err;
          report(`${what} "${k}": ${err.message}`);
        }
      };
      for (const [k, v] of labels) check('label', k, v);
      for (const [k, v] of annotations) check('annotation', k, v);
    }
    if (this.problems.length > before) return null;
    if (record !== '') return { kind: 'recording', name: record, expr, labels: ruleLabels };
    return { kind: 'alerting', name: alert, expr, for: forMs, keepFiringFor, labels: ruleLabels, annotations };
  }
}
