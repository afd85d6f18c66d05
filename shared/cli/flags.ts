/**
 * Command-line flags in Prometheus' style: `--name=value` or `--name value`, dotted names such as
 * `--config.file`, booleans as `--flag` or `--flag=false`, and `--help`. Each subcommand declares
 * its flags in one table; parsing reports an unknown or malformed flag by name.
 */

/** FlagSpec: one flag a command accepts. */
export interface FlagSpec {
  name: string;
  help: string;
  /** The default as it would be typed on the command line; absent means "not set". */
  default?: string;
  /**
   * 'bool' flags take no value (`--flag`), but accept `--flag=true|false`; 'list' flags may be
   * given several times and collect every value in ParsedArgs.lists.
   */
  kind?: 'string' | 'bool' | 'list';
}

/** UsageError: the command line is wrong. The message names the flag or argument. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  /** Flag values by name, defaults filled in. Bool flags are 'true' or 'false'. */
  flags: Map<string, string>;
  /** Every value of each 'list' flag, in order (absent when not given). */
  lists: Map<string, string[]>;
  /** Arguments that are not flags, in order. */
  positional: string[];
  help: boolean;
}

/** parseFlags parses argv against specs. Throws UsageError for an unknown flag or a missing value. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const flags = new Map<string, string>();
  const lists = new Map<string, string[]>();
  for (const s of specs) if (s.default !== undefined) flags.set(s.name, s.default);
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    if (name === 'help' || name === 'h') {
      help = true;
      continue;
    }
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    if (spec.kind === 'bool') {
      const v = eq < 0 ? 'true' : body.slice(eq + 1);
      if (v !== 'true' && v !== 'false') throw new UsageError(`flag --${name} takes true or false, not ${JSON.stringify(v)}`);
      flags.set(name, v);
      continue;
    }
    let value: string;
    if (eq >= 0) {
      value = body.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`flag --${name} needs a value`);
      value = argv[++i];
    }
    flags.set(name, value);
    if (spec.kind === 'list') lists.set(name, [...(lists.get(name) ?? []), value]);
  }
  return { flags, lists, positional, help };
}

/** formatHelp renders a command's usage and flag table. */
export function formatHelp(usage: string, summary: string, specs: readonly FlagSpec[]): string {
  const lines = [`usage: ${usage}`, '', summary];
  if (specs.length) {
    lines.push('', 'Flags:');
    const width = Math.max(...specs.map((s) => s.name.length + (s.kind === 'bool' ? 2 : 8)));
    for (const s of specs) {
      const left = s.kind === 'bool' ? `--${s.name}` : `--${s.name}=VALUE`;
      const def = s.default !== undefined && s.default !== '' ? ` (default: ${s.default})` : '';
      lines.push(`  ${left.padEnd(width + 2)}  ${s.help}${def}`);
    }
  }
  lines.push('  --help'.padEnd(0) + '  show this help');
  return lines.join('\n');
}
