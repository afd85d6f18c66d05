/**
 * Template expansion for relabeling, with the rules of Go's `Regexp.Expand`: `$1`, `${1}`,
 * `$name`, `${name}` insert a capture group, `$$` inserts `$`. A bare name takes the longest run
 * of letters, digits and `_`, so `$1x` means the group named `1x`. A group that does not exist or
 * did not participate inserts nothing. A malformed `$` (`${`, `$-`) is kept as literal text.
 */

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** hasVar: true when `template` has a `$` and so may need expanding. */
export function hasVar(template: string): boolean {
  return template.includes('$');
}

/** expand fills `template` from a match of an anchored regexp. Pure; safe to call concurrently. */
export function expand(template: string, m: RegExpExecArray): string {
  let i = template.indexOf('$');
  if (i < 0) return template; // fast path: nothing to expand
  let out = template.slice(0, i);
  while (i < template.length) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    const ref = readRef(template, i + 1);
    if (ref === null) {
      out += '$';
      i++;
      continue;
    }
    out += group(m, ref.name);
    i = ref.end;
  }
  return out;
}

/** readRef parses the name after a `$` at `start`; null when it is malformed. */
function readRef(t: string, start: number): { name: string; end: number } | null {
  const brace = t[start] === '{';
  let j = brace ? start + 1 : start;
  const nameStart = j;
  while (j < t.length) {
    const cp = t.codePointAt(j)!;
    const ch = String.fromCodePoint(cp);
    if (!NAME_CHAR.test(ch)) break;
    j += ch.length;
  }
  if (j === nameStart) return null;
  const name = t.slice(nameStart, j);
  if (brace) {
    if (t[j] !== '}') return null;
    j++;
  }
  return { name, end: j };
}

/** group returns the text of group `name` (a number or a group name), or '' when there is none. */
function group(m: RegExpExecArray, name: string): string {
  if (/^(?:0|[1-9][0-9]{0,8})$/.test(name)) {
    const n = Number(name);
    return n < m.length ? (m[n] ?? '') : '';
  }
  if (/^[0-9]+$/.test(name)) return ''; // leading zeros or too long: a name no group can have
  return m.groups?.[name] ?? '';
}
