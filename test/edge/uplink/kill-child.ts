/**
 * The edge process of the SIGKILL test: it streams batch i = start, start+1, … (one timestamp
 * i·1000, value i, for S series) through an Uplink with its backlog in `dir`, printing
 * "stored i" once batch i is durable in the backlog. With `last` given it stops offering after
 * batch `last`, waits until the hub acknowledged everything, prints "drained" and exits.
 */
import { Uplink } from '../../../edge/uplink/index.ts';
import { seriesOf } from './helpers.ts';

const [dir, url, startArg, lastArg] = process.argv.slice(2);
const S = 20;
const labels = seriesOf(S, 'kill');
const uplink = await Uplink.open({ url, edge: 'edge-a', token: 'secret-a', dir, sync: 'always', backoff: { initialMs: 20, maxMs: 200 }, log: (m) => process.stderr.write(m + '\n') });
uplink.start();
process.stdout.write('ready\n');
const last = lastArg ? Number(lastArg) : Infinity;
for (let i = Number(startArg); i <= last; i++) {
  const v = new Float64Array(S).fill(i);
  void uplink.offer(i * 1000, labels, v).then(() => process.stdout.write(`stored ${i}\n`));
  await new Promise((r) => setTimeout(r, 5));
}
await uplink.drained(20_000);
await uplink.close();
process.stdout.write('drained\n');
