// bcrypt: hashes computed here equal those of libxcrypt (glibc's crypt(3) on Debian, through
// Python's crypt module), for each minor version, an empty, a non-ASCII and an over-long password.
import { describe, expect, it } from 'vitest';
import { BcryptFormatError, bcryptHash, bcryptVerify, parseHash, piWords } from '../../shared/api/bcrypt.ts';

// [password, hash made by libxcrypt]
const VECTORS: Array<[string, string]> = [
  ['', '$2b$04$abcdefghijklmnopqrstuubyCG3zY1GIXMyxfivm.ClDiInHzxjiq'],
  ['password', '$2b$04$aaaaaaaaaaaaaaaaaaaaaOblT/EYRgvLJylJ1N6Cs.MKyXbwkUqYW'],
  ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['héllo wörld', '$2y$06$0123456789ABCDEFGHIJKuViEp9cI5qWX9fyuiZngl5FQNLGSHIX2'],
  ['x'.repeat(80), '$2b$04$LLLLLLLLLLLLLLLLLLLLLOUY.zBKZEz89o3JirUoKpiyzATxcjzgK'],
  ['secret', '$2b$10$zzzzzzzzzzzzzzzzzzzzzujqRTkJaqNAZInMAW3lZh9Kb8v6kSOgG'],
];

describe('bcrypt', () => {
  it('derives Blowfish\'s constants from π', () => {
    expect(Array.from(piWords(3))).toEqual([0x243f6a88, 0x85a308d3, 0x13198a2e]);
  });

  for (const [pw, hash] of VECTORS) {
    it(`hashes ${JSON.stringify(pw.length > 20 ? pw.slice(0, 10) + '…' : pw)} as libxcrypt does`, () => {
      const p = parseHash(hash);
      expect(bcryptHash(pw, p.salt, p.cost, p.minor)).toBe(hash);
      expect(bcryptVerify(pw, hash)).toBe(true);
      expect(bcryptVerify('!' + pw, hash)).toBe(false);
    });
  }

  it('uses only the first 72 bytes of a password, as OpenBSD', () => {
    expect(bcryptVerify('x'.repeat(72) + 'anything', VECTORS[4][1])).toBe(true);
  });

  it('refuses malformed hashes', () => {
    for (const bad of ['', '$2b$04$short', '$2x$04$abcdefghijklmnopqrstuubyCG3zY1GIXMyxfivm.ClDiInHzxjiq', '$2b$03$abcdefghijklmnopqrstuubyCG3zY1GIXMyxfivm.ClDiInHzxjiq', 'plain']) {
      expect(() => parseHash(bad), bad).toThrow(BcryptFormatError);
    }
  });
});
