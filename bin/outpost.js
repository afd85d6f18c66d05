#!/usr/bin/env node
// outpost: the command-line entry point. Runs main.ts precompiled into one module
// (dist/outpost.mjs, rebuilt by scripts/bundle.js whenever a source is newer). Stack traces name
// the bundle's lines; NODE_OPTIONS=--enable-source-maps maps them back to the TypeScript sources
// (at about 14 MB of RSS, so it is not on by default).
import { pathToFileURL } from 'node:url';
import { ensureBundle } from '../scripts/bundle.js';

const { main } = await import(pathToFileURL(await ensureBundle()).href);
process.exitCode = await main(process.argv.slice(2));
