/** edge-main: runs `outpost edge` with this process's arguments, for tests that need a real process (signals). */
import { runCommand } from '../../shared/cli/command.ts';
import { edgeCommand } from '../../edge/command.ts';

process.exitCode = await runCommand(edgeCommand, process.argv.slice(2));
