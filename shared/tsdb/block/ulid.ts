/**
 * Block ids: ULID-shaped strings (26 characters of Crockford base32: 48 bits of Unix ms, then 80
 * random bits), so ids sort by creation time as strings. Ids made in the same millisecond by
 * one process increase (the random part is incremented), so they sort by creation order too.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

let lastTime = -1;
let lastRandom: Uint8Array = new Uint8Array(10);

/** newULID returns a fresh id for time `now` (Unix ms, default the clock). */
export function newULID(now = Date.now()): string {
  if (!Number.isSafeInteger(now) || now < 0 || now >= 2 ** 48) throw new Error(`BUG: ULID time ${now} out of range`);
  let rand: Uint8Array;
  if (now === lastTime) {
    rand = Uint8Array.from(lastRandom);
    let i = 9;
    while (i >= 0 && rand[i] === 255) rand[i--] = 0;
    if (i < 0) throw new Error('BUG: ULID random part overflowed within one millisecond');
    rand[i]++;
  } else {
    rand = randomBytes(10);
  }
  lastTime = now;
  lastRandom = rand;
  let out = '';
  let t = now;
  const time: string[] = new Array(10);
  for (let i = 9; i >= 0; i--) {
    time[i] = ALPHABET[t % 32];
    t = Math.floor(t / 32);
  }
  out += time.join('');
  // 80 bits → 16 characters, 5 bits each, most significant first.
  let acc = 0, bits = 0;
  for (const b of rand) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** isULID tells whether `s` is shaped like an id newULID makes. */
export function isULID(s: string): boolean {
  return ULID_RE.test(s);
}

/** ulidTime returns the Unix ms encoded in an id. */
export function ulidTime(id: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(id[i]);
  return t;
}
