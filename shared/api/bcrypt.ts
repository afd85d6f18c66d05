/**
 * bcrypt password hashes (`$2a$`, `$2b$`, `$2y$`), as Prometheus' web config file stores its
 * basic-auth passwords: Provos and Mazières' Eksblowfish key schedule over Blowfish, in pure
 * TypeScript since Node has no bcrypt. Blowfish's initial P-array and S-boxes are the hexadecimal
 * digits of π's fraction; they are computed once, on first use, with BigInt (Machin's formula),
 * rather than written out as a table. Passwords are UTF-8, with the terminating NUL, and cut at
 * 72 bytes as OpenBSD does. A cost-10 hash takes roughly 100 ms to check: callers should cache
 * successful checks (web-config.ts does).
 */

const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** BcryptFormatError: a string that is not a bcrypt hash. */
export class BcryptFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BcryptFormatError';
  }
}

const WORDS = 18 + 4 * 256;
let initial: Uint32Array | undefined;

/** arctanInv returns arctan(1/x) scaled by 2^bits, by its Taylor series. */
function arctanInv(x: bigint, bits: bigint): bigint {
  const x2 = x * x;
  let term = (1n << bits) / x;
  let sum = term;
  for (let k = 1n; term !== 0n; k++) {
    term /= x2;
    sum += (k & 1n ? -term : term) / (2n * k + 1n);
  }
  return sum;
}

/** piWords returns the first `n` 32-bit words of π's fractional part (Blowfish's constants). */
export function piWords(n: number): Uint32Array {
  const bits = BigInt(n * 32 + 64); // 64 guard bits absorb the series' rounding
  const pi = 16n * arctanInv(5n, bits) - 4n * arctanInv(239n, bits);
  let frac = (pi & ((1n << bits) - 1n)) >> 64n;
  const out = new Uint32Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(frac & 0xffffffffn);
    frac >>= 32n;
  }
  return out;
}

/** Blowfish state: P-array at [0, 18), S-boxes at [18, 18 + 1024). */
class Blowfish {
  readonly s = new Uint32Array(WORDS);
  readonly lr = new Uint32Array(2);

  constructor() {
    initial ??= piWords(WORDS);
    this.s.set(initial);
  }

  /** encrypt enciphers the block held in lr, in place. */
  encrypt(): void {
    const s = this.s;
    let l = this.lr[0];
    let r = this.lr[1];
    for (let i = 0; i < 16; i += 2) {
      l ^= s[i];
      r ^= (((s[18 + (l >>> 24)] + s[274 + ((l >>> 16) & 0xff)]) ^ s[530 + ((l >>> 8) & 0xff)]) + s[786 + (l & 0xff)]);
      r ^= s[i + 1];
      l ^= (((s[18 + (r >>> 24)] + s[274 + ((r >>> 16) & 0xff)]) ^ s[530 + ((r >>> 8) & 0xff)]) + s[786 + (r & 0xff)]);
    }
    this.lr[0] = r ^ s[17];
    this.lr[1] = l ^ s[16];
  }

  /** expand is Eksblowfish's ExpandKey; `salt` null for the unsalted rounds. */
  expand(key: Uint8Array, salt: Uint8Array | null): void {
    const s = this.s;
    let kp = 0;
    for (let i = 0; i < 18; i++) {
      let w = 0;
      for (let j = 0; j < 4; j++) {
        w = (w << 8) | key[kp];
        kp = (kp + 1) % key.length;
      }
      s[i] ^= w;
    }
    let sp = 0;
    const saltWord = () => {
      let w = 0;
      for (let j = 0; j < 4; j++) {
        w = (w << 8) | salt![sp];
        sp = (sp + 1) % salt!.length;
      }
      return w >>> 0;
    };
    this.lr[0] = 0;
    this.lr[1] = 0;
    for (let i = 0; i < WORDS; i += 2) {
      if (salt) {
        this.lr[0] ^= saltWord();
        this.lr[1] ^= saltWord();
      }
      this.encrypt();
      s[i] = this.lr[0];
      s[i + 1] = this.lr[1];
    }
  }
}

function decode64(s: string, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < s.length && o < bytes; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? DECODE[c] : -1;
    if (v < 0) throw new BcryptFormatError(`invalid character ${JSON.stringify(s[i])} in bcrypt base64`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

function encode64(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i += 3) {
    const c1 = b[i];
    const c2 = i + 1 < b.length ? b[i + 1] : 0;
    const c3 = i + 2 < b.length ? b[i + 2] : 0;
    out += ALPHABET[c1 >> 2] + ALPHABET[((c1 & 3) << 4) | (c2 >> 4)];
    if (i + 1 < b.length) out += ALPHABET[((c2 & 15) << 2) | (c3 >> 6)];
    if (i + 2 < b.length) out += ALPHABET[c3 & 63];
  }
  return out;
}

/** ParsedHash: the parts of `$2b$10$<22 chars salt><31 chars hash>`. */
export interface ParsedHash {
  minor: 'a' | 'b' | 'y';
  cost: number;
  salt: string;
  hash: string;
}

/** parseHash splits a bcrypt hash; throws BcryptFormatError when it is not one. */
export function parseHash(h: string): ParsedHash {
  const m = /^\$2([aby])\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/.exec(h);
  if (!m) throw new BcryptFormatError('not a bcrypt hash: want $2a$, $2b$ or $2y$, a two-digit cost and 53 characters of salt and hash');
  const cost = Number(m[2]);
  if (cost < 4 || cost > 31) throw new BcryptFormatError(`bcrypt cost ${cost} is outside 4..31`);
  return { minor: m[1] as ParsedHash['minor'], cost, salt: m[3], hash: m[4] };
}

/** bcryptHash hashes `password` with a 22-character bcrypt salt at `cost` (4..31). */
export function bcryptHash(password: string, salt: string, cost: number, minor: ParsedHash['minor'] = 'b'): string {
  if (!/^[./A-Za-z0-9]{22}$/.test(salt)) throw new BcryptFormatError('a bcrypt salt is 22 characters of ./A-Za-z0-9');
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new BcryptFormatError(`bcrypt cost ${cost} is outside 4..31`);
  const pw = new TextEncoder().encode(password);
  const key = new Uint8Array(Math.min(pw.length + 1, 72));
  key.set(pw.subarray(0, key.length - (pw.length + 1 > 72 ? 0 : 1)));
  const saltBytes = decode64(salt, 16);
  const bf = new Blowfish();
  bf.expand(key, saltBytes);
  for (let i = 2 ** cost; i > 0; i--) {
    bf.expand(key, null);
    bf.expand(saltBytes, null);
  }
  const text = new TextEncoder().encode('OrpheanBeholderScryDoubt');
  const words = new Uint32Array(6);
  for (let i = 0; i < 6; i++) words[i] = ((text[4 * i] << 24) | (text[4 * i + 1] << 16) | (text[4 * i + 2] << 8) | text[4 * i + 3]) >>> 0;
  for (let round = 0; round < 64; round++) {
    for (let j = 0; j < 6; j += 2) {
      bf.lr[0] = words[j];
      bf.lr[1] = words[j + 1];
      bf.encrypt();
      words[j] = bf.lr[0];
      words[j + 1] = bf.lr[1];
    }
  }
  const out = new Uint8Array(24);
  for (let i = 0; i < 6; i++) {
    out[4 * i] = words[i] >>> 24;
    out[4 * i + 1] = (words[i] >>> 16) & 0xff;
    out[4 * i + 2] = (words[i] >>> 8) & 0xff;
    out[4 * i + 3] = words[i] & 0xff;
  }
  // The salt's last character carries 4 unused bits: normalize it as OpenBSD does.
  return `$2${minor}$${String(cost).padStart(2, '0')}$${encode64(saltBytes)}${encode64(out.subarray(0, 23))}`;
}

/** bcryptVerify tells whether `password` matches `hash`; throws BcryptFormatError for a malformed hash. */
export function bcryptVerify(password: string, hash: string): boolean {
  const p = parseHash(hash);
  const got = bcryptHash(password, p.salt, p.cost, p.minor);
  // Compare the hash parts only (the salt's unused bits may differ in the stored form).
  const a = got.slice(-31);
  const b = p.hash;
  let diff = 0;
  for (let i = 0; i < 31; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
