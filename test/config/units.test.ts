import { describe, expect, it } from 'vitest';
import { DurationError, expandEnv, formatDuration, formatSize, parseDuration, parseSize, SizeError } from '../../shared/config/index.ts';

const D = 86_400_000;

function checkParse<E>(parse: (s: string) => number, err: new (...a: never[]) => E, input: string, want: number | string): void {
  if (typeof want === 'number') expect(parse(input), input).toBe(want);
  else {
    expect(() => parse(input), input).toThrow(err as unknown as new () => Error);
    expect(() => parse(input), input).toThrow(want);
  }
}

describe('durations', () => {
  const cases: [string, number | string][] = [
    ['0', 0], ['0s', 0], ['1ms', 1], ['5s', 5000], ['1m', 60_000], ['2h', 7_200_000], ['3d', 3 * D], ['1w', 7 * D],
    ['1y', 365 * D], ['1y2w3d4h5m6s7ms', 365 * D + 14 * D + 3 * D + 4 * 3_600_000 + 5 * 60_000 + 6000 + 7],
    ['90s', 90_000], ['1h30m', 5_400_000],
    ['', 'is not a valid duration: empty string'], ['5x', '"5x" is not a valid duration'], ['5', 'not a valid duration'],
    ['-5s', 'not a valid duration'], ['1.5h', 'not a valid duration'], ['5m1h', 'not a valid duration'],
    ['1s1s', 'not a valid duration'], [' 5s', 'not a valid duration'], ['300y', 'out of range'],
  ];
  for (const [input, want] of cases) it(`parse ${JSON.stringify(input)}`, () => checkParse(parseDuration, DurationError, input, want));

  const formats: [number, string][] = [
    [0, '0s'], [1, '1ms'], [5000, '5s'], [90_000, '1m30s'], [90 * D, '90d'], [91 * D, '13w'], [365 * D, '1y'],
    [366 * D, '366d'], [D + 1, '1d1ms'], [14 * D + 3_600_000, '14d1h'],
  ];
  for (const [ms, want] of formats) {
    it(`format ${ms}`, () => {
      expect(formatDuration(ms)).toBe(want);
      expect(parseDuration(want)).toBe(ms);
    });
  }
});

describe('sizes', () => {
  const cases: [string, number | string][] = [
    ['0', 0], ['0B', 0], ['512B', 512], ['1KB', 1024], ['1KiB', 1024], ['1MB', 2 ** 20], ['10MiB', 10 * 2 ** 20],
    ['1GB', 2 ** 30], ['1.5GB', 1.5 * 2 ** 30], ['2TB', 2 * 2 ** 40], ['1PB', 2 ** 50], ['1EB', 2 ** 60],
    ['1KiB512B', 1536], ['.5KB', 512],
    ['', 'empty string'], ['10', 'unknown unit ""'], ['10kB', 'unknown unit "kB"'], ['10 MB', 'unknown unit " MB"'],
    ['-1GB', 'negative'], ['GB', 'is not a valid size'], ['16EB', 'out of range'],
  ];
  for (const [input, want] of cases) it(`parse ${JSON.stringify(input)}`, () => checkParse(parseSize, SizeError, input, want));

  const formats: [number, string][] = [[0, '0B'], [512, '512B'], [1024, '1KiB'], [1536, '1KiB512B'], [3 * 2 ** 30, '3GiB']];
  for (const [n, want] of formats) {
    it(`format ${n}`, () => {
      expect(formatSize(n)).toBe(want);
      expect(parseSize(want)).toBe(n);
    });
  }
});

describe('expandEnv', () => {
  const env = { A: 'x', B_2: 'y', EMPTY: '' };
  const cases: [string, string][] = [
    ['plain', 'plain'], ['$A', 'x'], ['${A}', 'x'], ['pre-$A-post', 'pre-x-post'], ['$B_2$A', 'yx'], ['$$A', '$A'],
    ['$MISSING', ''], ['${MISSING}z', 'z'], ['$', '$'], ['a$', 'a$'], ['$.', '$.'], ['${}', ''], ['$1x', 'x'],
  ];
  for (const [input, want] of cases) it(JSON.stringify(input), () => expect(expandEnv(input, env)).toBe(want));
});
