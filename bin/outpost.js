#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=1048576 node --expose-gc --max-semi-space-size=2
// outpost: the command-line entry point. Runs main.ts precompiled into one module
// (dist/outpost.mjs, rebuilt by scripts/bundle.js whenever a source is newer). Stack traces name
// the bundle's lines; NODE_OPTIONS=--enable-source-maps maps them back to the TypeScript sources
// (at about 14 MB of RSS, so it is not on by default).
//
// The first line fixes glibc's mmap threshold at 1 MiB. Left alone, glibc raises it (up to
// 32 MiB) each time a large block is freed, after which large buffers (block indexes, scraped
// pages, WAL and encoder buffers) come from heaps that it seldom gives back, and RSS ratchets up.
// Lower thresholds save more memory but make query buffers fresh mappings each time: at 128 KiB a
// 24 h query over every series took 13-25 % longer; at 1 MiB no longer. glibc reads the setting
// when the process starts, so it is set here, where `npx outpost` and `npm start` pass;
// `node bin/outpost.js` runs the same program without it.
//
// `--expose-gc` lets the hub and the edge collect garbage when their buffers outside the JS heap
// have grown by 16 MiB, instead of V8's 64 MiB (shared/cli/external-gc.ts); without it they
// leave that to V8.
//
// `--max-semi-space-size=2` caps V8's young generation at two 2 MiB semi-spaces. V8 grew it to
// two of 8 MiB in the hub and the edge, and kept them resident, although their objects are few
// and short-lived: series and label sets live in typed arrays and WebAssembly memory, not in JS
// objects (issue 6). 1 MiB saved little more and cost the hub's ingest 8 % of its throughput.
import { pathToFileURL } from 'node:url';
import { ensureBundle } from '../scripts/bundle.js';

const { main } = await import(pathToFileURL(await ensureBundle()).href);
process.exitCode = await main(process.argv.slice(2));
