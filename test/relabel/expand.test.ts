import { describe, expect, it } from 'vitest';
import { compileAnchored } from '../../shared/model/regex.ts';
import { expand } from '../../shared/relabel/expand.ts';

// [regex, input, template, expected]
const cases: [string, string, string, string][] = [
  ['(a)(b)', 'ab', '$2$1', 'ba'],
  ['(a)(b)', 'ab', '${2}x${1}', 'bxa'],
  ['(a)(b)', 'ab', '$2x', ''], // the group named "2x" does not exist
  ['(a)(b)', 'ab', '$$1', '$1'],
  ['(a)(b)', 'ab', '$', '$'],
  ['(a)(b)', 'ab', '${1', '${1'],
  ['(a)(b)', 'ab', '${}', '${}'],
  ['(a)(b)', 'ab', '$-', '$-'],
  ['(a)(b)', 'ab', '$0', 'ab'],
  ['(a)(b)', 'ab', '$01', ''], // leading zero: a name, not a number
  ['(a)(b)', 'ab', '$3', ''],
  ['(a)(b)', 'ab', '$9999999999', ''],
  ['(a)|(b)', 'b', '[$1][$2]', '[][b]'], // a group that did not participate
  ['(?P<first>a)(?<second>b)', 'ab', '$second$first ${first}', 'ba a'],
  ['(?P<first>a)', 'a', '$nope', ''],
  ['(a)', 'a', '$1é', ''], // é is a letter, so the name is "1é"
  ['(a)', 'a', '${1}é', 'aé'],
  ['(a)', 'a', 'no vars', 'no vars'],
];

describe('expand', () => {
  for (const [re, input, tmpl, want] of cases) {
    it(`${re} ${JSON.stringify(tmpl)}`, () => {
      const m = compileAnchored(re).exec(input);
      expect(m).not.toBeNull();
      expect(expand(tmpl, m!)).toBe(want);
    });
  }
});
