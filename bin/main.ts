/**
 * main: the `outpost` command's dispatcher, and the composition root of the command line. Each
 * subcommand is defined next to the code it runs (hub/, edge/) and listed here.
 */
import { runCommand, type Command } from '../shared/cli/command.ts';
import { hubCommand } from '../hub/command.ts';
import { edgeCommand } from '../edge/command.ts';
import { testRulesCommand } from '../shared/rules/unittest/command.ts';
import { tsdbCommand } from '../shared/tsdb/backfill/index.ts';
import { version } from '../shared/cli/version.ts';

const versionCommand: Command = {
  name: 'version',
  summary: 'Print the version of Outpost.',
  usage: 'version',
  flags: [],
  async run() {
    console.log(`outpost ${version} (node ${process.version})`);
    return 0;
  },
};

const commands: Command[] = [hubCommand, edgeCommand, tsdbCommand, testRulesCommand, versionCommand];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: outpost COMMAND [flags]',
    '',
    'Outpost: Prometheus-compatible monitoring; edges scrape and stream to hubs.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `outpost COMMAND --help` for the flags of one command.',
  ].join('\n');
}

/** main runs one command line and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') return versionCommand.run({ flags: new Map(), lists: new Map(), positional: [], help: false });
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    console.error(`outpost: unknown command ${JSON.stringify(name)}\n\n${overview()}`);
    return 2;
  }
  return runCommand(cmd, rest);
}
