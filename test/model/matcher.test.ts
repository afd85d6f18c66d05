import { describe, expect, it } from 'vitest';
import { EmptySelectorError, Matcher, checkSelector, hasNonEmptyMatcher, type MatchType } from '../../shared/model/matcher.ts';
import { RegexError } from '../../shared/model/regex.ts';

describe('Matcher.matches', () => {
  // type, value, input, want
  const cases: [MatchType, string, string, boolean][] = [
    ['=', 'a', 'a', true],
    ['=', 'a', 'ab', false],
    ['=', '', '', true],
    ['!=', 'a', 'b', true],
    ['!=', 'a', '', true],
    ['!=', '', '', false],
    ['=~', 'a|b', 'b', true],
    ['=~', 'a|b', 'ab', false], // fully anchored
    ['=~', 'b', 'abc', false],
    ['=~', '.*', '', true],
    ['=~', '.*', 'line\nbreak', true], // `.` matches newlines
    ['=~', '.+', '', false],
    ['=~', 'foo.*', 'foobar', true],
    ['=~', '(?i)FOO', 'foo', true],
    ['=~', 'a(?i)b', 'aB', true], // a flag group applies to the rest of its group
    ['=~', 'a(?i)b', 'AB', false],
    ['=~', '(?i:foo)bar', 'FoObar', true],
    ['=~', '(?i:foo)bar', 'fooBAR', false],
    ['=~', 'x((?i)y)z', 'xYz', true],
    ['=~', 'x((?i)y)z', 'xYZ', false],
    ['=~', '(?i:[a-c]+)', 'AbC', true],
    ['=~', '(?i:[^a])', 'A', false],
    ['=~', '[[:digit:]]+', '123', true],
    ['=~', '[[:alpha:]_]+', 'ab_c', true],
    ['=~', '[[:^digit:]]+', 'abc', true],
    ['=~', '[[:^digit:]]+', 'a1', false],
    ['=~', '[]a]', ']', true],
    ['=~', '\\Qa.b\\E', 'a.b', true],
    ['=~', '\\Qa.b\\E', 'axb', false],
    ['=~', '(?P<x>a)b', 'ab', true],
    ['=~', '\\pL+', 'héllo', true],
    ['!~', 'a|b', 'a', false],
    ['!~', 'a|b', '', true],
    ['!~', '.+', '', true],
  ];
  for (const [type, value, input, want] of cases) {
    it(`${type}${JSON.stringify(value)} on ${JSON.stringify(input)}`, () => {
      expect(new Matcher(type, 'l', value).matches(input)).toBe(want);
    });
  }
});

describe('Matcher regex errors', () => {
  for (const bad of ['(', 'a[', '[[:nope:]]', '(?U)a', 'a(?U:b)', 'a(?m)b']) {
    it(JSON.stringify(bad), () => expect(() => new Matcher('=~', 'l', bad)).toThrow(RegexError));
  }
});

describe('Matcher shape', () => {
  // value, set, prefix, all, nonEmpty
  const cases: [string, string[] | null, string, boolean, boolean][] = [
    ['a|b|c', ['a', 'b', 'c'], '', false, false],
    ['(a|b)', ['a', 'b'], '', false, false],
    ['(?:a|b)', ['a', 'b'], '', false, false],
    ['a|', ['a', ''], '', false, false],
    ['', [''], '', false, false],
    ['foo', ['foo'], '', false, false],
    ['a\\.b|c', ['a.b', 'c'], '', false, false],
    ['a|a', ['a'], '', false, false],
    ['foo.*', null, 'foo', false, false],
    ['foo(a|b)', null, 'foo', false, false],
    ['fooo?', null, 'foo', false, false],
    ['foo|bar.*', null, '', false, false],
    ['(?i)foo', null, '', false, false],
    ['(?s)foo.*', null, 'foo', false, false],
    ['.*', null, '', true, false],
    ['(.*)', null, '', true, false],
    ['.+', null, '', false, true],
    ['\\d+', null, '', false, false],
    ['(a)|(b)', ['a', 'b'], '', false, false],
    ['(a)(b)', null, '', false, false],
  ];
  for (const [value, set, prefix, all, nonEmpty] of cases) {
    it(JSON.stringify(value), () => {
      const m = new Matcher('=~', 'l', value);
      expect(m.shape).toEqual({ set, prefix, all, nonEmpty });
      // The shape never contradicts the regex itself.
      for (const s of set ?? []) expect(m.matches(s)).toBe(true);
      if (all) expect(m.matches('')).toBe(true);
    });
  }
  it('equality matchers are a one-element set', () => {
    expect(new Matcher('!=', 'l', 'x').setMatches).toEqual(['x']);
    expect(new Matcher('=', 'l', 'x').prefix).toBe('x');
  });
});

describe('selectors', () => {
  const cases: [Matcher[], boolean][] = [
    [[new Matcher('=', 'job', 'a')], true],
    [[new Matcher('=~', 'job', '.*')], false],
    [[new Matcher('!=', 'job', 'a')], false],
    [[new Matcher('=', 'job', '')], false],
    [[new Matcher('=~', 'job', '.*'), new Matcher('=~', 'x', '.+')], true],
    [[], false],
  ];
  for (const [ms, want] of cases) {
    it(`{${ms.join(',')}}`, () => {
      expect(hasNonEmptyMatcher(ms)).toBe(want);
      if (want) expect(() => checkSelector(ms)).not.toThrow();
      else expect(() => checkSelector(ms)).toThrow(EmptySelectorError);
    });
  }
});
