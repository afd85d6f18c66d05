import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../shared/tsdb/wal/crc32c.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('crc32c', () => {
  // Check values from RFC 3720 (iSCSI) appendix B.4 and the common "123456789" vector.
  const cases: [string, Uint8Array, number][] = [
    ['empty', new Uint8Array(0), 0],
    ['123456789', enc('123456789'), 0xe3069283],
    ['32 zero bytes', new Uint8Array(32), 0x8a9136aa],
    ['32 0xff bytes', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['32 ascending bytes', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['32 descending bytes', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => expect(crc32c(input).toString(16)).toBe(want.toString(16)));
  }

  it('chains across any split point and matches the bytewise definition', () => {
    const buf = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
    const whole = crc32c(buf);
    for (let cut = 0; cut <= buf.length; cut += 13) {
      expect(crc32c(buf, cut, buf.length, crc32c(buf, 0, cut))).toBe(whole);
    }
    // Bitwise reference implementation.
    let c = ~0;
    for (const b of buf) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
    expect(whole).toBe(~c >>> 0);
  });
});
