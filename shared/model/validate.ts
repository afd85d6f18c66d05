/**
 * Validation of label names, label values and whole label sets, with Prometheus 3 rules: names
 * and values are any valid UTF-8 (in a JavaScript string: no lone surrogate), names are
 * non-empty, and names starting with `__` are reserved for internal use, except `__name__`.
 * The legacy scheme (`metric_name_validation_scheme: legacy`) additionally restricts names to
 * `[a-zA-Z_][a-zA-Z0-9_]*` and metric names to `[a-zA-Z_:][a-zA-Z0-9_:]*`.
 */
import { METRIC_NAME, isLegacyLabelName, isLegacyMetricName, type Labels } from './labels.ts';

export { isLegacyLabelName, isLegacyMetricName };

/** ValidationScheme: which names are accepted; 'utf8' is Prometheus 3's default. */
export type ValidationScheme = 'utf8' | 'legacy';

/**
 * InvalidLabelError: a label set that storage or a parser refuses. `label` is the offending
 * label name ('' when the set as a whole is wrong, e.g. empty), `reason` says what is wrong.
 */
export class InvalidLabelError extends Error {
  constructor(
    readonly label: string,
    readonly reason: string,
  ) {
    super(label === '' ? `invalid label set: ${reason}` : `invalid label ${JSON.stringify(label)}: ${reason}`);
    this.name = 'InvalidLabelError';
  }
}

/**
 * isWellFormed: true when `s` has no lone surrogate, i.e. it encodes to UTF-8 without loss.
 * (String.prototype.isWellFormed, spelled out for the ES2023 library types.)
 */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue; // fast path: not a surrogate
    if (c > 0xdbff) return false; // a low surrogate without a high one before it
    const d = s.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false; // a high surrogate without a low one after it
    i++;
  }
  return true;
}

/** isReservedLabelName: names starting with `__` are internal, except `__name__`. */
export function isReservedLabelName(name: string): boolean {
  return name.startsWith('__') && name !== METRIC_NAME;
}

/** labelNameProblem returns why `name` is not a valid label name under `scheme`, or ''. */
export function labelNameProblem(name: string, scheme: ValidationScheme = 'utf8'): string {
  if (name === '') return 'empty label name';
  if (scheme === 'legacy') return isLegacyLabelName(name) ? '' : 'label name does not match [a-zA-Z_][a-zA-Z0-9_]*';
  return isWellFormed(name) ? '' : 'label name is not valid UTF-8';
}

/** isValidLabelName: true when `name` is a valid label name under `scheme`. */
export function isValidLabelName(name: string, scheme: ValidationScheme = 'utf8'): boolean {
  return labelNameProblem(name, scheme) === '';
}

/** isValidMetricName: true when `name` is a valid metric name under `scheme`. */
export function isValidMetricName(name: string, scheme: ValidationScheme = 'utf8'): boolean {
  if (name === '') return false;
  return scheme === 'legacy' ? isLegacyMetricName(name) : isWellFormed(name);
}

/** isValidLabelValue: label values may be any valid UTF-8. */
export function isValidLabelValue(value: string): boolean {
  return isWellFormed(value);
}

/** ValidateOptions for validateLabels. */
export interface ValidateOptions {
  /** Name rules; default 'utf8'. */
  scheme?: ValidationScheme;
  /** Accept `__`-prefixed names other than `__name__` (discovery and relabeling do); default false. */
  allowReserved?: boolean;
  /** Accept a set with no labels at all; default false (storage refuses it). */
  allowEmpty?: boolean;
}

/**
 * validateLabels throws an InvalidLabelError naming the first problem in `labels`: an empty set,
 * names out of order or repeated (possible with Labels.fromSortedFlat), an invalid or reserved
 * name, an invalid metric name, a value that is not valid UTF-8. It is what storage runs on
 * every new series.
 */
export function validateLabels(labels: Labels, options: ValidateOptions = {}): void {
  const scheme = options.scheme ?? 'utf8';
  const f = labels.flat;
  if (f.length === 0 && !options.allowEmpty) throw new InvalidLabelError('', 'no labels');
  for (let i = 0; i < f.length; i += 2) {
    const name = f[i], value = f[i + 1];
    if (i > 0 && !(f[i - 2] < name)) {
      throw new InvalidLabelError(name, f[i - 2] === name ? 'label name given twice' : 'labels not sorted by name');
    }
    const problem = labelNameProblem(name, scheme);
    if (problem !== '') throw new InvalidLabelError(name, problem);
    if (!options.allowReserved && isReservedLabelName(name)) {
      throw new InvalidLabelError(name, 'label names starting with "__" are reserved for internal use');
    }
    if (value === '') throw new InvalidLabelError(name, 'empty label value');
    if (name === METRIC_NAME) {
      if (!isValidMetricName(value, scheme)) {
        throw new InvalidLabelError(
          name,
          scheme === 'legacy'
            ? `metric name ${JSON.stringify(value)} does not match [a-zA-Z_:][a-zA-Z0-9_:]*`
            : 'metric name is not valid UTF-8',
        );
      }
    } else if (!isValidLabelValue(value)) {
      throw new InvalidLabelError(name, 'label value is not valid UTF-8');
    }
  }
}
