// JsonWriter: what each kind of write leaves in the buffer, across the buffer's growth.
import { describe, expect, it } from 'vitest';
import { JsonWriter, PACKED_MAX, PACKED_WORDS } from '../../shared/api/json-writer.ts';

describe('JsonWriter', () => {
  it('writes raw UTF-8, ASCII (short and long), bytes and packed texts (packed from pieces), growing from 64 bytes', () => {
    const w = new JsonWriter(1);
    const words = new Uint32Array(PACKED_WORDS * 24);
    const texts = Array.from({ length: PACKED_MAX + 1 }, (_, n) => '0123456789.-"[],abcdefghijklm'.slice(0, n));
    texts.forEach((t, i) => JsonWriter.pack(words, i * PACKED_WORDS, t.slice(0, i >> 1), t.slice(i >> 1, Math.max(i >> 1, i - 2)), t.slice(Math.max(i >> 1, i - 2))));
    let want = '';
    for (let round = 0; round < 20; round++) {
      w.raw('{"é":"🚀"}');
      w.ascii('[1795247820.5,"');
      w.ascii('x'.repeat(100 + round));
      w.byte(0x5d);
      want += '{"é":"🚀"}[1795247820.5,"' + 'x'.repeat(100 + round) + ']';
      for (let i = 0; i < texts.length; i++) {
        w.packed(words, i * PACKED_WORDS);
        want += texts[i];
      }
    }
    expect(w.bytes().toString('utf8')).toBe(want);
    expect(w.length).toBe(Buffer.byteLength(want));
  });

  it('overwrites a byte already written, and only such a byte', () => {
    const w = new JsonWriter();
    w.ascii(',[1,"2"]');
    w.set(0, 0x5b);
    expect(w.bytes().toString('latin1')).toBe('[[1,"2"]');
    expect(() => w.set(8, 0x5d)).toThrow(/BUG: set at 8, past the 8 bytes written/);
  });

  it('hands over what was written and goes on in a new buffer', () => {
    const w = new JsonWriter(4);
    w.ascii(',[1,"2"]');
    const first = w.take(4);
    w.ascii(',[3,"4"]');
    w.set(0, 0x5d);
    expect(first.toString('latin1')).toBe(',[1,"2"]');
    expect(w.bytes().toString('latin1')).toBe('][3,"4"]');
    expect(w.length).toBe(8);
  });

  it('packs only texts that fit', () => {
    const words = new Uint32Array(PACKED_WORDS);
    expect(() => JsonWriter.pack(words, 0, 'x'.repeat(PACKED_MAX - 1), '', 'yz')).toThrow(/BUG: a PackedText holds 23 bytes, not 24/);
  });

  it('packs over an earlier text without leaving its bytes', () => {
    const words = new Uint32Array(PACKED_WORDS);
    JsonWriter.pack(words, 0, '0.7473684210526315');
    JsonWriter.pack(words, 0, '12');
    const w = new JsonWriter();
    w.packed(words, 0);
    w.ascii('|');
    expect(w.bytes().toString('latin1')).toBe('12|');
  });
});
