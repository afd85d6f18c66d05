/**
 * Relabeling: applies compiled rules to a label set in order, with Prometheus 3's semantics
 * (model/relabel). Keep and drop rules allocate nothing; a run that changes nothing returns the
 * input Labels instance itself.
 */
import { createHash } from 'node:crypto';
import type { Labels } from '../model/labels.ts';
import { LabelsBuilder } from './builder.ts';
import { expand } from './expand.ts';
import { isValidName } from './names.ts';
import type { RelabelConfig } from './relabel-config.ts';

/**
 * relabel applies `rules` to `labels` in order. It returns the resulting set (the same instance
 * when nothing changed) or null when a rule dropped it. Safe to call concurrently.
 */
export function relabel(labels: Labels, rules: readonly RelabelConfig[]): Labels | null {
  if (rules.length === 0) return labels; // fast path
  const b = new LabelsBuilder(labels);
  return relabelBuilder(b, rules) ? b.labels() : null;
}

/**
 * relabelBuilder applies `rules` to the builder in place, for callers that edit labels before or
 * after relabeling. Returns false when a rule dropped the set (the builder is then half-edited).
 */
export function relabelBuilder(b: LabelsBuilder, rules: readonly RelabelConfig[]): boolean {
  for (const rule of rules) if (!applyRule(rule, b)) return false;
  return true;
}

function sourceValue(rule: RelabelConfig, b: LabelsBuilder): string {
  const src = rule.sourceLabels;
  if (src.length === 1) return b.get(src[0]); // fast path: no join
  if (src.length === 0) return '';
  let v = b.get(src[0]);
  for (let i = 1; i < src.length; i++) v += rule.separator + b.get(src[i]);
  return v;
}

function applyRule(rule: RelabelConfig, b: LabelsBuilder): boolean {
  const val = sourceValue(rule, b);
  switch (rule.action) {
    case 'drop':
      return !rule.regex.test(val);
    case 'keep':
      return rule.regex.test(val);
    case 'dropequal':
      return b.get(rule.targetLabel) !== val;
    case 'keepequal':
      return b.get(rule.targetLabel) === val;
    case 'replace': {
      // Fast path: set or delete a fixed label.
      if (val === '' && rule.regexIsDefault && !rule.targetHasVar && !rule.replacementHasVar) {
        b.set(rule.targetLabel, rule.replacement);
        return true;
      }
      const m = rule.regex.exec(val);
      if (m === null) return true; // no match: no replacement
      const target = rule.targetHasVar ? expand(rule.targetLabel, m) : rule.targetLabel;
      if (!isValidName(target, rule.nameValidationScheme)) return true;
      const res = rule.replacementHasVar ? expand(rule.replacement, m) : rule.replacement;
      if (res === '') b.del(target);
      else b.set(target, res);
      return true;
    }
    case 'lowercase':
      b.set(rule.targetLabel, goLower(val));
      return true;
    case 'uppercase':
      b.set(rule.targetLabel, goUpper(val));
      return true;
    case 'hashmod': {
      const digest = createHash('md5').update(val, 'utf8').digest();
      const mod = digest.readBigUInt64BE(8) % rule.modulus;
      b.set(rule.targetLabel, mod.toString());
      return true;
    }
    case 'labelmap':
      b.range((name, value) => {
        const m = rule.regex.exec(name);
        if (m !== null) b.set(expand(rule.replacement, m), value);
      });
      return true;
    case 'labeldrop':
      b.range((name) => {
        if (rule.regex.test(name)) b.del(name);
      });
      return true;
    case 'labelkeep':
      b.range((name) => {
        if (!rule.regex.test(name)) b.del(name);
      });
      return true;
    default:
      throw new Error(`BUG: unknown relabel action ${JSON.stringify((rule as RelabelConfig).action)}`);
  }
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * goLower / goUpper map each code point by Unicode's simple (one-to-one) case mapping, as Go's
 * strings.ToLower/ToUpper do; JavaScript's own mapping may expand one character into several.
 */
export function goLower(s: string): string {
  if (ASCII.test(s)) return s.toLowerCase(); // fast path
  let out = '';
  for (const ch of s) {
    if (ch === '\u0130') { out += 'i'; continue; } // İ: simple mapping is plain i
    const l = ch.toLowerCase();
    out += [...l].length === 1 ? l : ch;
  }
  return out;
}

export function goUpper(s: string): string {
  if (ASCII.test(s)) return s.toUpperCase(); // fast path
  let out = '';
  for (const ch of s) {
    const u = ch.toUpperCase();
    out += [...u].length === 1 ? u : ch;
  }
  return out;
}
