/**
 * Matcher: one label matcher of a selector (`name="v"`, `!=`, `=~`, `!~`), with Prometheus 3
 * semantics: regular expressions are fully anchored and `.` matches any character, newlines
 * included. A label that is absent has the value '', so a matcher that matches '' also selects
 * series without the label. Regular expressions use Go's RE2 syntax; see regex.ts for how they
 * are translated.
 */
import { analyzeRegex, compileAnchored, type RegexShape } from './regex.ts';

export type MatchType = '=' | '!=' | '=~' | '!~';

export class Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  readonly #re: RegExp | undefined;
  #shape: RegexShape | undefined;

  /** Throws a RegexError naming the expression when a regex does not compile. */
  constructor(type: MatchType, name: string, value: string) {
    this.type = type;
    this.name = name;
    this.value = value;
    this.#re = type === '=~' || type === '!~' ? compileAnchored(value) : undefined;
  }

  /** matches tells whether a label value ('' for an absent label) satisfies the matcher. */
  matches(v: string): boolean {
    switch (this.type) {
      case '=':
        return v === this.value;
      case '!=':
        return v !== this.value;
      case '=~':
        return this.#re!.test(v);
      case '!~':
        return !this.#re!.test(v);
    }
  }

  /** matchesEmpty: true when the matcher selects series that lack the label. */
  get matchesEmpty(): boolean {
    return this.matches('');
  }

  /** isRegex: true for `=~` and `!~`. */
  get isRegex(): boolean {
    return this.type === '=~' || this.type === '!~';
  }

  /** isNegative: true for `!=` and `!~`. */
  get isNegative(): boolean {
    return this.type === '!=' || this.type === '!~';
  }

  /**
   * setMatches: for `=~` / `!~`, the literal strings that are the regex's only matches when it is
   * an alternation of literals (`a|b|c`); for `=` / `!=`, the one value; otherwise null.
   */
  get setMatches(): readonly string[] | null {
    return this.#re ? this.shape.set : [this.value];
  }

  /** prefix: a literal that every value the regex accepts starts with ('' when none is known). */
  get prefix(): string {
    return this.#re ? this.shape.prefix : this.value;
  }

  /** shape: what is known about the regex without running it (see regex.ts analyzeRegex). */
  get shape(): RegexShape {
    if (!this.#re) return { set: [this.value], prefix: this.value, all: false, nonEmpty: false };
    return (this.#shape ??= analyzeRegex(this.value));
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}

/**
 * EmptySelectorError: a selector whose every matcher matches the empty string, so it would
 * select every series (`{job=~".*"}`, `{a!="b"}`). Prometheus refuses these.
 */
export class EmptySelectorError extends Error {
  constructor(readonly matchers: readonly Matcher[]) {
    super(`vector selector must contain at least one non-empty matcher: {${matchers.join(', ')}}`);
    this.name = 'EmptySelectorError';
  }
}

/** hasNonEmptyMatcher: true when some matcher does not match '' (the selector is bounded). */
export function hasNonEmptyMatcher(matchers: readonly Matcher[]): boolean {
  return matchers.some((m) => !m.matchesEmpty);
}

/** checkSelector throws EmptySelectorError unless hasNonEmptyMatcher(matchers). */
export function checkSelector(matchers: readonly Matcher[]): void {
  if (!hasNonEmptyMatcher(matchers)) throw new EmptySelectorError(matchers);
}
