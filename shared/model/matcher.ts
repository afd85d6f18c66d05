/**
 * Matcher: one label matcher of a selector (`name="v"`, `!=`, `=~`, `!~`), with Prometheus 3
 * semantics: regular expressions are fully anchored and `.` matches any character, newlines
 * included. A label that is absent has the value '', so a matcher that matches '' also selects
 * series without the label. Regular expressions use Go's RE2 syntax; see regex.ts for how they
 * are translated.
 */
import { compileAnchored } from './regex.ts';

export type MatchType = '=' | '!=' | '=~' | '!~';

export class Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  readonly #re: RegExp | undefined;

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

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}
