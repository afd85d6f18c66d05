/**
 * `outpost tsdb create-blocks-from openmetrics FILE [DATA_DIR]`: promtool's backfill command.
 * It writes the samples of an OpenMetrics file as blocks into DATA_DIR (default `data/`), which a
 * hub or edge started on that directory then serves. Exit 0 on success, 1 when the input is bad
 * or the directory is in use (nothing is left written), 2 for a bad command line.
 */
import type { Command } from '../../cli/command.ts';
import { parseDuration, parseSize } from '../../config/units.ts';
import type { BlockMeta } from '../block/index.ts';
import { backfillOpenMetrics } from './backfill.ts';

const USAGE = 'tsdb create-blocks-from openmetrics [flags] FILE [DATA_DIR]';

export const tsdbCommand: Command = {
  name: 'tsdb',
  summary:
    'TSDB tools. create-blocks-from openmetrics FILE [DATA_DIR]: write the samples of an OpenMetrics file (ending in "# EOF", ' +
    'every sample with a timestamp) as blocks into DATA_DIR (default data/), in one pass over the file, as promtool does.',
  usage: USAGE,
  flags: [
    { name: 'max-block-duration', default: '2h', help: 'Longest block to create: the largest 2h·3^k not above it (at least 2h).' },
    { name: 'encoding', default: 'dense', help: 'Block encoding: dense, or xor (Prometheus-compatible chunks, larger).' },
    { name: 'compression', default: 'none', help: 'Page compression of dense blocks: none (fast to write and to query; compaction compresses later) or brotli (about 40 % smaller, slow to write).' },
    { name: 'memory-budget', default: '1GiB', help: 'Memory for buffered samples; past it, block ranges are written early (finished ones first).' },
    { name: 'quiet', kind: 'bool', default: 'false', help: 'Do not print the blocks created.' },
    { name: 'human-readable', kind: 'bool', default: 'false', help: 'Print times and sizes of the blocks created in a human-readable form.' },
  ],
  async run(args) {
    const [sub, format, file, dataDir = 'data', ...extra] = args.positional;
    const usage = (msg: string) => {
      console.error(`outpost tsdb: ${msg}\nusage: outpost ${USAGE}\n(see: outpost tsdb --help)`);
      return 2;
    };
    if (sub !== 'create-blocks-from') return usage(sub === undefined ? 'a subcommand is required' : `unknown subcommand ${JSON.stringify(sub)}`);
    if (format !== 'openmetrics') return usage(format === undefined ? 'an input format is required' : `unknown input format ${JSON.stringify(format)} (only openmetrics)`);
    if (file === undefined) return usage('the input FILE is required');
    if (extra.length) return usage(`unexpected argument ${JSON.stringify(extra[0])}`);
    let maxBlockDurationMs: number, memoryBudgetBytes: number;
    const encoding = args.flags.get('encoding');
    try {
      maxBlockDurationMs = parseDuration(args.flags.get('max-block-duration')!);
      memoryBudgetBytes = parseSize(args.flags.get('memory-budget')!);
    } catch (err) {
      return usage((err as Error).message);
    }
    if (encoding !== 'xor' && encoding !== 'dense') return usage(`--encoding must be xor or dense, not ${JSON.stringify(encoding)}`);
    const compression = args.flags.get('compression');
    if (compression !== 'none' && compression !== 'brotli') return usage(`--compression must be none or brotli, not ${JSON.stringify(compression)}`);
    if (memoryBudgetBytes <= 0) return usage('--memory-budget must be more than 0');
    const quiet = args.flags.get('quiet') === 'true';
    const human = args.flags.get('human-readable') === 'true';
    let header = false;
    const started = performance.now();
    try {
      const res = await backfillOpenMetrics(file, dataDir, {
        maxBlockDurationMs,
        encoding,
        compression,
        memoryBudgetBytes,
        log: (m) => console.error(`outpost tsdb: ${m}`),
        onBlock: (meta) => {
          if (quiet) return;
          if (!header) console.log(blockRow(null, human));
          header = true;
          console.log(blockRow(meta, human));
        },
      });
      const s = (performance.now() - started) / 1000;
      if (!quiet) {
        console.error(
          `outpost tsdb: ${res.samples} samples of ${res.series} series from ${res.lines} lines into ${res.blocks.length} block(s) in ${dataDir} ` +
            `in ${s.toFixed(1)} s (${Math.round(res.samples / s)} samples/s)` + (res.duplicates ? `; ${res.duplicates} duplicate samples dropped` : ''),
        );
      }
      return 0;
    } catch (err) {
      console.error(`outpost tsdb: create-blocks-from openmetrics ${file}: ${(err as Error).message}`);
      return 1;
    }
  },
};

const COLUMNS = ['BLOCK ULID', 'MIN TIME', 'MAX TIME', 'DURATION', 'NUM SAMPLES', 'NUM CHUNKS', 'NUM SERIES', 'SIZE'];
const WIDTHS = [26, 24, 24, 10, 11, 10, 10, 10];

/** blockRow formats one row of promtool's block table (the header when meta is null). */
function blockRow(meta: BlockMeta | null, human: boolean): string {
  const cells = meta === null
    ? COLUMNS
    : [
        meta.ulid,
        human ? new Date(meta.minTime).toISOString() : String(meta.minTime),
        human ? new Date(meta.maxTime).toISOString() : String(meta.maxTime),
        human ? `${((meta.maxTime - meta.minTime) / 60_000).toFixed(0)}m` : String(meta.maxTime - meta.minTime),
        String(meta.stats.numSamples),
        String(meta.stats.numChunks),
        String(meta.stats.numSeries),
        human ? `${((meta.stats.indexBytes + meta.stats.chunkBytes) / 2 ** 20).toFixed(1)}MiB` : String(meta.stats.indexBytes + meta.stats.chunkBytes),
      ];
  return cells.map((c, i) => c.padEnd(WIDTHS[i])).join(' ').trimEnd();
}
