import { describe, expect, it } from 'vitest';
import { parseFlags, UsageError, type FlagSpec } from '../../shared/cli/flags.ts';

const specs: FlagSpec[] = [
  { name: 'config.file', help: '', default: '' },
  { name: 'web.listen-address', help: '', default: '0.0.0.0:9090' },
  { name: 'verbose', help: '', kind: 'bool' },
  { name: 'run', help: '', kind: 'list' },
];

describe('parseFlags', () => {
  const check = (argv: string[], want: Record<string, string>, lists: Record<string, string[]> = {}, positional: string[] = []) => {
    const got = parseFlags(argv, specs);
    expect(Object.fromEntries(got.flags)).toEqual({ 'config.file': '', 'web.listen-address': '0.0.0.0:9090', ...want });
    expect(Object.fromEntries(got.lists)).toEqual(lists);
    expect(got.positional).toEqual(positional);
  };
  it('takes = and space forms, defaults and positionals', () => {
    check(['--config.file=a.yml', 'x', '--web.listen-address', ':9091'], { 'config.file': 'a.yml', 'web.listen-address': ':9091' }, {}, ['x']);
    check(['-config.file', 'b.yml', '--', '--verbose'], { 'config.file': 'b.yml' }, {}, ['--verbose']);
  });
  it('reads booleans', () => {
    check(['--verbose'], { verbose: 'true' });
    check(['--verbose=false'], { verbose: 'false' });
  });
  it('collects repeated list flags', () => check(['--run', 'a', '--run=b'], { run: 'b' }, { run: ['a', 'b'] }));
  it('names a bad flag', () => {
    for (const [argv, msg] of [[['--nope'], 'unknown flag --nope'], [['--config.file'], 'flag --config.file needs a value'], [['--verbose=yes'], 'flag --verbose takes true or false']] as const) {
      expect(() => parseFlags(argv, specs)).toThrow(UsageError);
      expect(() => parseFlags(argv, specs)).toThrow(msg);
    }
  });
  it('sees --help', () => expect(parseFlags(['--help'], specs).help).toBe(true));
});
