// Dedup overhead: the same batches appended to an in-memory storage directly (one commit per
// batch, refs cached, as an ingest session does) and through a leader's ReplicaMember, while a
// follower's identical batches are held and pruned. Run: node --import tsx test/hub/dedup/bench.ts
import { Registry } from 'prom-client';
import { Dedup } from '../../../hub/dedup/index.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';

const SERIES = 2000, BATCHES = 300, STEP = 15_000;
const labels = Array.from({ length: SERIES }, (_, i) => Labels.from({ __name__: `m${i % 50}`, cluster: 'c1', i: String(i) }));
const refs = Uint32Array.from({ length: SERIES }, (_, i) => i);
const values = Float64Array.from({ length: SERIES }, (_, i) => i * 1.5);

function direct(): number {
  const storage = openMemStorage();
  const storeRefs = new Float64Array(SERIES);
  const start = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    const app = storage.appender();
    const t = b * STEP;
    for (let i = 0; i < SERIES; i++) storeRefs[i] = app.append(storeRefs[i], labels[i], t, values[i] + b);
    app.commit();
  }
  const ms = performance.now() - start;
  void storage.close();
  return ms;
}

function deduped(): { leader: number; follower: number } {
  const storage = openMemStorage();
  let now = 0;
  const dedup = new Dedup({ clusterLabel: 'cluster', replicaLabel: 'replica', registry: new Registry(), now: () => now });
  const a = dedup.member(['cluster', 'c1', 'replica', 'a'])!, b = dedup.member(['cluster', 'c1', 'replica', 'b'])!;
  const slotsA = Int32Array.from(labels, (l) => a.slot(l)), slotsB = Int32Array.from(labels, (l) => b.slot(l));
  let leader = 0, follower = 0;
  for (let k = 0; k < BATCHES; k++) {
    const t = k * STEP;
    now = t;
    const ts = new Float64Array(SERIES).fill(t), vs = values.map((v) => v + k);
    let s = performance.now();
    a.append(storage, slotsA, refs, ts, vs);
    leader += performance.now() - s;
    s = performance.now();
    b.append(storage, slotsB, refs, ts, vs);
    follower += performance.now() - s;
  }
  void storage.close();
  return { leader, follower };
}

direct(); // warm up
deduped();
const d = direct();
const { leader, follower } = deduped();
const rate = (ms: number) => `${((SERIES * BATCHES) / (ms / 1000) / 1e6).toFixed(2)} M samples/s`;
console.log(`${SERIES} series × ${BATCHES} batches`);
console.log(`direct append:      ${d.toFixed(0)} ms  ${rate(d)}`);
console.log(`leader via dedup:   ${leader.toFixed(0)} ms  ${rate(leader)}`);
console.log(`follower (held):    ${follower.toFixed(0)} ms  ${rate(follower)}`);
