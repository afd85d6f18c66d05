/**
 * The child process of crash.test.ts: opens the DB in argv[2] under the `always` policy, finds the
 * newest batch already stored, then commits numbered batches (batch k: every series gets value
 * k * (i + 1) at t = k * 1000, plus a new series every 10 batches), several awaiting durability at
 * once, and prints each batch number whose `durable` resolved — until the parent kills it.
 * argv[3] is the block range in ms, so that head cuts happen during the run.
 */
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { openDB } from '../../../shared/tsdb/db/index.ts';

const SERIES = 20;
const IN_FLIGHT = 4;

const db = await openDB(process.argv[2], { sync: 'always', walSegmentSize: 16 * 1024, blockRangeMs: Number(process.argv[3] ?? 7_200_000), log: () => undefined });
const q = db.querier(-Infinity, Infinity);
const set = q.select([new Matcher('=', '__name__', 'crash')]);
const batch = set.load();
let next = 0;
const ts = batch.timestamps();
for (let i = 0; i < ts.length; i++) next = Math.max(next, ts[i] / 1000 + 1);
batch.release();
q.close();
process.stdout.write('ready\n');

const labels = Array.from({ length: SERIES }, (_, i) => Labels.from({ __name__: 'crash', i: String(i) }));
const refs = new Array<number>(SERIES).fill(0);

async function worker(): Promise<void> {
  for (;;) {
    const k = next++;
    const app = db.appender();
    for (let i = 0; i < SERIES; i++) refs[i] = app.append(refs[i], labels[i], k * 1000, k * (i + 1));
    if (k % 10 === 0) app.append(0, Labels.from({ __name__: 'crash', born: String(k) }), k * 1000, k);
    const res = app.commit();
    if (res.errors.length) throw new Error(`batch ${k}: ${res.errors[0].message}`);
    await res.durable;
    process.stdout.write(`${k}\n`);
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
