/**
 * Reads lists of relabeling rules (`relabel_configs`, `metric_relabel_configs`,
 * `write_relabel_configs`, `alert_relabel_configs`) and compiles them with shared/relabel, so a
 * rule that fails validation is reported at its own line, at the field at fault when there is one.
 */
import { compileRelabelConfig, RelabelConfigError, type NameValidationScheme, type RelabelConfig, type RelabelSpec } from '../relabel/index.ts';
import type { YamlValue } from './yaml-value.ts';

/** parseRelabelConfigs reads and compiles a list of rules; null items are errors, as in Prometheus. */
export function parseRelabelConfigs(v: YamlValue | undefined, scheme: NameValidationScheme): RelabelConfig[] {
  if (v === undefined) return [];
  return v.list().map((item) => {
    if (item.isNull) item.fail('empty or null relabeling rule');
    const f = item.fields();
    const spec: RelabelSpec = {};
    const src = f.get('source_labels');
    if (src) spec.source_labels = src.strList();
    const sep = f.raw('separator');
    if (sep !== undefined) spec.separator = sep.str();
    const re = f.raw('regex');
    if (re !== undefined) spec.regex = re.isNull ? null : re.str();
    const mod = f.get('modulus');
    if (mod) spec.modulus = mod.bigUint();
    const target = f.get('target_label');
    if (target) spec.target_label = target.str();
    const repl = f.raw('replacement');
    if (repl !== undefined) spec.replacement = repl.str();
    // A null field is Go's zero value: '' for separator, replacement and action.
    const action = f.raw('action');
    if (action !== undefined) spec.action = action.str();
    f.done();
    try {
      return compileRelabelConfig(spec, scheme);
    } catch (err) {
      if (err instanceof RelabelConfigError) (err.field ? f.at(err.field) : item).fail(err.message, err);
      throw err;
    }
  });
}
