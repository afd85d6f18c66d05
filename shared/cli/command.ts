/**
 * Command: one `outpost` subcommand — its flags, its help and what it runs. The composition roots
 * (hub/, edge/) define commands; bin/main.ts dispatches to them.
 */
import { formatHelp, parseFlags, UsageError, type FlagSpec, type ParsedArgs } from './flags.ts';

export interface Command {
  name: string;
  summary: string;
  /** Usage line after `outpost `, e.g. `hub [flags]`. */
  usage: string;
  flags: readonly FlagSpec[];
  /** run does the work and resolves to the exit code (a server resolves when it has stopped). */
  run(args: ParsedArgs): Promise<number>;
}

/** runCommand parses argv for `cmd`, prints help or usage errors, and runs it. */
export async function runCommand(cmd: Command, argv: readonly string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseFlags(argv, cmd.flags);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`outpost ${cmd.name}: ${err.message}\n(see: outpost ${cmd.name} --help)`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    console.log(formatHelp(`outpost ${cmd.usage}`, cmd.summary, cmd.flags));
    return 0;
  }
  return cmd.run(args);
}
