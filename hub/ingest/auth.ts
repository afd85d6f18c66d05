/**
 * Edge authentication: which edges may stream to this hub, and the constant-time check of the
 * token each presents in its HELLO. Tokens come from the `edges` config section (inline or from a
 * token file, read once when the authenticator is built). The check compares SHA-256 digests with
 * crypto.timingSafeEqual, so its time depends neither on where a wrong token differs nor on its
 * length, and an unknown edge name costs the same as a known one.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { EdgesConfig } from '../../shared/config/outpost.ts';

/** AuthResult: the verdict on one HELLO; `reason` says why a refusal happened (never the token). */
export type AuthResult = { ok: true } | { ok: false; reason: string };

/** Authenticator decides whether `edge` may connect with `token`. Must not throw. */
export interface Authenticator {
  check(edge: string, token: string): AuthResult;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * TokenAuthenticator: one secret per edge name. Build it with `fromConfig` (reads token files) or
 * from a map of name → token. Immutable; safe to share between sessions.
 */
export class TokenAuthenticator implements Authenticator {
  readonly #digests = new Map<string, Buffer>();
  /** Compared against when the edge is unknown, so that unknown names take as long as known ones. */
  readonly #decoy = digest('outpost: no such edge');

  constructor(tokens: ReadonlyMap<string, string>) {
    for (const [name, token] of tokens) {
      if (token === '') throw new Error(`edge ${JSON.stringify(name)}: empty token`);
      this.#digests.set(name, digest(token));
    }
  }

  /**
   * fromConfig builds the authenticator of an `edges` section, reading each token_file (trailing
   * newlines trimmed). A missing or empty file fails naming the edge and the file.
   */
  static async fromConfig(config: EdgesConfig): Promise<TokenAuthenticator> {
    const tokens = new Map<string, string>();
    for (const t of config.tokens) {
      let token = t.token;
      if (t.tokenFile !== '') {
        try {
          token = (await readFile(t.tokenFile, 'utf8')).replace(/[\r\n]+$/, '');
        } catch (err) {
          throw new Error(`edge ${JSON.stringify(t.name)}: read token_file ${t.tokenFile}: ${(err as Error).message}`, { cause: err });
        }
        if (token === '') throw new Error(`edge ${JSON.stringify(t.name)}: token_file ${t.tokenFile} is empty`);
      }
      tokens.set(t.name, token);
    }
    return new TokenAuthenticator(tokens);
  }

  /** size: the number of edges allowed. */
  get size(): number {
    return this.#digests.size;
  }

  check(edge: string, token: string): AuthResult {
    const want = this.#digests.get(edge);
    const same = timingSafeEqual(digest(token), want ?? this.#decoy);
    if (token === '') return { ok: false, reason: 'missing token' };
    if (want === undefined || !same) return { ok: false, reason: 'unknown edge or wrong token' };
    return { ok: true };
  }
}
