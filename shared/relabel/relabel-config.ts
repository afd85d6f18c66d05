/**
 * RelabelConfig: one validated, compiled relabeling rule (`relabel_configs`,
 * `metric_relabel_configs`, `write_relabel_configs`, `alert_relabel_configs`), built from its
 * YAML fields with Prometheus 3's defaults and validation rules. Compiling happens once, at config
 * load; a compiled rule is immutable and safe to share.
 */
import { compileAnchored, RegexError } from '../model/regex.ts';
import { hasVar } from './expand.ts';
import { isValidName, isValidNameTemplate, type NameValidationScheme } from './names.ts';

/** RELABEL_ACTIONS: every action Prometheus 3 knows, lower case. */
export const RELABEL_ACTIONS = [
  'replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod',
  'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
] as const;

export type RelabelAction = (typeof RELABEL_ACTIONS)[number];

/**
 * RelabelSpec: a rule's fields as written. An absent field takes its default; `regex: null`
 * (written as an empty `regex:`) means the empty expression, as in Prometheus.
 */
export interface RelabelSpec {
  source_labels?: readonly string[];
  separator?: string;
  regex?: string | null;
  modulus?: bigint | number;
  target_label?: string;
  replacement?: string;
  action?: string;
}

/** RelabelConfigError: a rule that fails validation. `field` names the offending field, if one. */
export class RelabelConfigError extends Error {
  constructor(
    message: string,
    readonly field?: keyof RelabelSpec,
  ) {
    super(message);
    this.name = 'RelabelConfigError';
  }
}

export const DEFAULT_SEPARATOR = ';';
export const DEFAULT_REGEX = '(.*)';
export const DEFAULT_REPLACEMENT = '$1';

/** RelabelConfig: a compiled rule. Build it with compileRelabelConfig. */
export interface RelabelConfig {
  readonly action: RelabelAction;
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  /** The expression as written (without the anchors). */
  readonly regexSource: string;
  /** The compiled, fully anchored expression. */
  readonly regex: RegExp;
  /** True when `regex` was not given, which enables replace's fast path. */
  readonly regexIsDefault: boolean;
  readonly modulus: bigint;
  readonly targetLabel: string;
  readonly replacement: string;
  readonly targetHasVar: boolean;
  readonly replacementHasVar: boolean;
  readonly nameValidationScheme: NameValidationScheme;
}

const DEFAULT_COMPILED = compileAnchored(DEFAULT_REGEX);

/**
 * compileRelabelConfig validates `spec` as Prometheus does and compiles it. Throws
 * RelabelConfigError naming the field at fault.
 */
export function compileRelabelConfig(spec: RelabelSpec, scheme: NameValidationScheme = 'utf8'): RelabelConfig {
  const actionText = spec.action ?? 'replace';
  const action = actionText.toLowerCase() as RelabelAction;
  if (actionText === '') throw new RelabelConfigError('relabel action cannot be empty', 'action');
  if (!RELABEL_ACTIONS.includes(action)) {
    throw new RelabelConfigError(`unknown relabel action ${JSON.stringify(actionText)}`, 'action');
  }
  const separator = spec.separator ?? DEFAULT_SEPARATOR;
  const regexIsDefault = spec.regex === undefined;
  const regexSource = spec.regex === undefined ? DEFAULT_REGEX : (spec.regex ?? '');
  let regex: RegExp;
  try {
    regex = regexIsDefault ? DEFAULT_COMPILED : compileAnchored(regexSource);
  } catch (err) {
    if (err instanceof RegexError) throw new RelabelConfigError(err.message, 'regex');
    throw err;
  }
  const modulus = toModulus(spec.modulus);
  const target = spec.target_label ?? '';
  const replacement = spec.replacement ?? DEFAULT_REPLACEMENT;

  const fail = (msg: string, field?: keyof RelabelSpec): never => {
    throw new RelabelConfigError(msg, field);
  };
  if (modulus === 0n && action === 'hashmod') {
    fail('relabel configuration for hashmod requires non-zero modulus', 'modulus');
  }
  const needsTarget = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action);
  if (needsTarget && target === '') {
    fail(`relabel configuration for ${action} action requires 'target_label' value`);
  }
  const invalidTarget = () => fail(`${JSON.stringify(target)} is invalid 'target_label' for ${action} action`, 'target_label');
  if (action === 'replace') {
    if (hasVar(target) ? !isValidNameTemplate(target, scheme) : !isValidName(target, scheme)) invalidTarget();
  }
  const plainTarget = ['lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action);
  if (plainTarget && !isValidName(target, scheme)) invalidTarget();
  if (plainTarget && replacement !== DEFAULT_REPLACEMENT) {
    fail(`'replacement' can not be set for ${action} action`, 'replacement');
  }
  if (action === 'labelmap' && !isValidNameTemplate(replacement, scheme)) {
    fail(`${JSON.stringify(replacement)} is invalid 'replacement' for ${action} action`, 'replacement');
  }
  if (action === 'hashmod' && !isValidName(target, scheme)) invalidTarget();
  if (action === 'keepequal' || action === 'dropequal') {
    if (!regexIsDefault || modulus !== 0n || separator !== DEFAULT_SEPARATOR || replacement !== DEFAULT_REPLACEMENT) {
      fail(`${action} action requires only 'source_labels' and 'target_label', and no other fields`);
    }
  }
  if (action === 'labeldrop' || action === 'labelkeep') {
    if (spec.source_labels !== undefined || target !== '' || modulus !== 0n ||
        separator !== DEFAULT_SEPARATOR || replacement !== DEFAULT_REPLACEMENT) {
      fail(`${action} action requires only 'regex', and no other fields`);
    }
  }
  return {
    action,
    sourceLabels: [...(spec.source_labels ?? [])],
    separator,
    regexSource,
    regex,
    regexIsDefault,
    modulus,
    targetLabel: target,
    replacement,
    targetHasVar: hasVar(target),
    replacementHasVar: hasVar(replacement),
    nameValidationScheme: scheme,
  };
}

const MAX_U64 = (1n << 64n) - 1n;

function toModulus(m: bigint | number | undefined): bigint {
  if (m === undefined) return 0n;
  if (typeof m === 'number' && !Number.isSafeInteger(m)) {
    throw new RelabelConfigError(`modulus ${m} is not a non-negative integer`, 'modulus');
  }
  const b = BigInt(m);
  if (b < 0n || b > MAX_U64) throw new RelabelConfigError(`modulus ${m} is out of range for an unsigned 64-bit integer`, 'modulus');
  return b;
}
