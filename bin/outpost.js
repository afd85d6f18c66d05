#!/usr/bin/env node
// outpost: the command-line entry point. Registers tsx so the TypeScript sources run directly,
// then hands the arguments to the subcommand dispatcher in main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
