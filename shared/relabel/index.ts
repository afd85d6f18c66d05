/**
 * Relabeling (`relabel_configs` and its kin) with Prometheus 3's semantics: compile rules once
 * at config load with compileRelabelConfig, apply them with relabel.
 */
export { relabel, relabelBuilder, goLower, goUpper } from './process.ts';
export {
  compileRelabelConfig, RelabelConfigError, RELABEL_ACTIONS,
  DEFAULT_SEPARATOR, DEFAULT_REGEX, DEFAULT_REPLACEMENT,
  type RelabelConfig, type RelabelSpec, type RelabelAction,
} from './relabel-config.ts';
export { LabelsBuilder } from './builder.ts';
export { expand } from './expand.ts';
export { isValidName, isValidNameTemplate, type NameValidationScheme } from './names.ts';
