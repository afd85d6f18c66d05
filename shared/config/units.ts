/**
 * Durations and byte sizes in Prometheus' config syntax. A duration is `[0-9]+` followed by a unit,
 * units descending and each at most once: `1y2w3d4h5m6s7ms` (a year is 365 days), or the bare `0`.
 * A size is a decimal number with a base-2 unit, several allowed: `B`, `KB`/`KiB`, `MB`/`MiB`, `GB`,
 * `TB`, `PB`, `EB` (with or without the `i`, all powers of 1024), or the bare `0`.
 */

/** DurationError: a string that is not a Prometheus duration. */
export class DurationError extends Error {
  constructor(readonly input: string, detail = 'is not a valid duration') {
    super(`${JSON.stringify(input)} ${detail}`);
    this.name = 'DurationError';
  }
}

/** SizeError: a string that is not a Prometheus byte size. */
export class SizeError extends Error {
  constructor(readonly input: string, detail = 'is not a valid size') {
    super(`${JSON.stringify(input)} ${detail}`);
    this.name = 'SizeError';
  }
}

const MS = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;
// Go stores durations as int64 nanoseconds.
const MAX_DURATION_MS = Math.floor(Number(2n ** 63n - 1n) / 1e6);

/** parseDuration parses a Prometheus duration into milliseconds. Throws DurationError. */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  if (s === '') throw new DurationError(s, 'is not a valid duration: empty string');
  const m = DURATION.exec(s);
  if (m === null) throw new DurationError(s);
  let ms = 0;
  for (let i = 0; i < DURATION_UNITS.length; i++) {
    if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * MS[DURATION_UNITS[i]];
  }
  if (!(ms <= MAX_DURATION_MS)) throw new DurationError(s, 'is out of range as a duration');
  return ms;
}

/**
 * formatDuration writes milliseconds as Prometheus does: `0s` for zero, years and weeks only when
 * they divide the whole exactly (`90d`, not `12w6d`), then days down to milliseconds.
 */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`BUG: formatDuration of ${ms}`);
  if (ms === 0) return '0s';
  let out = '';
  let rest = ms;
  for (const unit of DURATION_UNITS) {
    const mult = MS[unit];
    if ((unit === 'y' || unit === 'w') && rest % mult !== 0) continue;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return out;
}

const SIZE_UNITS: Record<string, number> = {
  B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40, PB: 2 ** 50, EB: 2 ** 60,
  KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, PiB: 2 ** 50, EiB: 2 ** 60,
};
const SIZE_PART = /(\d*)(?:\.(\d*))?([^\d.]*)/y;

/** parseSize parses a Prometheus byte size into a number of bytes. Throws SizeError. */
export function parseSize(s: string): number {
  if (s === '0') return 0;
  if (s === '') throw new SizeError(s, 'is not a valid size: empty string');
  if (s[0] === '-') throw new SizeError(s, 'is not a valid size: it is negative');
  let i = s[0] === '+' ? 1 : 0;
  if (s.slice(i) === '0') return 0;
  if (i === s.length) throw new SizeError(s);
  let total = 0;
  while (i < s.length) {
    SIZE_PART.lastIndex = i;
    const m = SIZE_PART.exec(s)!;
    const [whole, intPart, frac = '', unit] = m;
    if (whole.length === 0 || (intPart === '' && frac === '')) throw new SizeError(s);
    const mult = SIZE_UNITS[unit];
    if (mult === undefined) {
      throw new SizeError(s, `is not a valid size: unknown unit ${JSON.stringify(unit)} (use B, KiB, MiB, GiB, TiB, PiB or EiB)`);
    }
    total += Number(`${intPart || '0'}.${frac || '0'}`) * mult;
    i += whole.length;
  }
  if (total >= 2 ** 63) throw new SizeError(s, 'is out of range as a size');
  return Math.trunc(total);
}

/** formatSize writes bytes as Prometheus does, e.g. 1536 as `1KiB512B`. */
export function formatSize(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 0) throw new Error(`BUG: formatSize of ${bytes}`);
  if (bytes === 0) return '0B';
  const prefixes = ['', 'K', 'M', 'G', 'T', 'P', 'E'];
  const parts: string[] = [];
  let n = BigInt(bytes);
  for (const p of prefixes) {
    const r = n % 1024n;
    if (r !== 0n) parts.unshift(`${r}${p}${p === '' ? 'B' : 'iB'}`);
    n /= 1024n;
    if (n === 0n) break;
  }
  return parts.join('');
}
