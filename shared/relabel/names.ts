/**
 * Label-name validity as relabeling checks it: under Prometheus 3's default `utf8` scheme a name
 * is any non-empty, well-formed string; under `legacy` it must match `[a-zA-Z_][a-zA-Z0-9_]*`.
 * Relabeling also accepts `$1` / `${name}` placeholders in target labels, checked here.
 */
import { isLegacyLabelName } from '../model/labels.ts';

/** NameValidationScheme: which label names are accepted; 'utf8' is Prometheus 3's default. */
export type NameValidationScheme = 'utf8' | 'legacy';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** isValidName: true when `name` is a valid label name under `scheme`. */
export function isValidName(name: string, scheme: NameValidationScheme): boolean {
  if (name === '') return false;
  if (scheme === 'legacy') return isLegacyLabelName(name);
  return !LONE_SURROGATE.test(name);
}

// Legacy characters plus `$var` / `${var}` placeholders, as Prometheus' relabelTargetLegacy.
const LEGACY_TEMPLATE = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

/**
 * isValidNameTemplate: true when `name`, which may hold `$` placeholders, can name a label under
 * `scheme` (under utf8 any non-empty well-formed string can).
 */
export function isValidNameTemplate(name: string, scheme: NameValidationScheme): boolean {
  if (scheme === 'legacy') return LEGACY_TEMPLATE.test(name);
  return isValidName(name, scheme);
}
