/**
 * The child process of crash.test.ts: appends numbered batches to the WAL in argv[2] under the
 * `always` policy, several in flight at once, prints each batch number once log() acknowledged
 * it, and checkpoints now and then — until the parent kills it. On start it replays the WAL and
 * continues after the highest batch number found.
 */
import { Labels } from '../../../shared/model/labels.ts';
import type { WALRecord } from '../../../shared/tsdb/wal/record.ts';
import { WAL } from '../../../shared/tsdb/wal/wal.ts';

const SERIES = 20;
const IN_FLIGHT = 4;

const wal = await WAL.open(process.argv[2], { sync: 'always', segmentSize: 16 * 1024, log: () => undefined });
let next = 0;
let seenSeries = false;
await wal.replay((r) => {
  if (r.type === 'position' && r.name === 'batch') next = Math.max(next, r.seq + 1);
  if (r.type === 'series') seenSeries = true;
});
if (!seenSeries) {
  await wal.log([{ type: 'series', series: Array.from({ length: SERIES }, (_, i) => ({ ref: i + 1, labels: Labels.from({ __name__: 'crash', i: String(i) }) })) }]);
}
process.stdout.write('ready\n');

const refs = Array.from({ length: SERIES }, (_, i) => i + 1);
function batch(k: number): WALRecord[] {
  return [
    { type: 'samples', t: k, refs, values: Float64Array.from(refs, (r) => k * r) },
    { type: 'position', name: 'batch', seq: k },
  ];
}

async function worker(): Promise<void> {
  for (;;) {
    const k = next++;
    await wal.log(batch(k));
    process.stdout.write(`${k}\n`);
    if (k % 150 === 149) {
      const before = await wal.cut();
      await wal.checkpoint(before, () => true, -1);
    }
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
