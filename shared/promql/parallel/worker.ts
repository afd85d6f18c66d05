/**
 * The query worker's entry: a thread with a WebAssembly core of its own that takes slices of a
 * selection from the query thread (KernelPool, pool.ts), decodes each (decodePortable) and runs
 * the selector's kernel over it (applyKernel), and sends back the slice's rows. It holds no
 * storage and no state between jobs: every job brings its chunks and columns.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptCompiledCore, ChunkCorruptionError, loadCore, type CoreBatch } from '../../../core-wasm/host/index.ts';
import type { StepMatrix } from '../../storage/interface.ts';
import { decodePortable } from '../../tsdb/db/slice-load.ts';
import { foldRows, foldSlot } from './fold.ts';
import { BUILD, keepSpare, resultBuffers, type Job, type Reply } from './pool.ts';
import { applyKernel } from './spec.ts';

const port = parentPort;
if (!port) throw new Error('shared/promql/parallel/worker.ts runs as a worker thread (KernelPool starts it)');
const data = workerData as { module: WebAssembly.Module; build: string };
if (data.build !== BUILD) throw new Error(`this query worker is build ${BUILD} but the process that started it is build ${data.build}: restart it to run the current build`);
adoptCompiledCore(data.module);
const core = loadCore();

/** spare: buffers the query thread gave back (KernelPool.recycle), for the next replies. */
let spare: ArrayBuffer[] = [];

/** take: a zeroed array of `n` elements, in the smallest spare buffer large enough when there is one. */
function take<T extends Float64Array | Uint8Array>(make: (b: ArrayBuffer, n: number) => T, bytesPer: number, n: number): T {
  let i = -1;
  spare.forEach((b, k) => {
    if (b.byteLength >= n * bytesPer && (i < 0 || b.byteLength < spare[i].byteLength)) i = k;
  });
  if (i < 0) return make(new ArrayBuffer(n * bytesPer), n);
  const a = make(spare.splice(i, 1)[0], n);
  a.fill(0);
  return a;
}

const f64 = (b: ArrayBuffer, n: number): Float64Array => new Float64Array(b, 0, n);
const u8 = (b: ArrayBuffer, n: number): Uint8Array => new Uint8Array(b, 0, n);

port.on('message', (job: Job) => {
  spare = keepSpare([...spare, ...job.spare]);
  let batch: CoreBatch | null = null;
  let reply: Reply;
  // The chunks' bytes go back once decoded, for the query thread's next gather.
  const returned = job.load.chunks ? [job.load.chunks.data.buffer as ArrayBuffer] : [];
  try {
    batch = decodePortable(core, job.load);
    const steps = job.spec.grid.steps, cells = batch.seriesCount * steps;
    const matrix: StepMatrix = { series: batch.seriesCount, steps, values: take(f64, 8, cells), present: take(u8, 1, cells) };
    if (job.spec.kind === 'instant' && job.spec.timestamps) matrix.timestamps = take(f64, 8, cells);
    applyKernel(batch, job.spec, job.fold ? foldSlot({ matrix, row: 0 }, job.fold) : { matrix, row: 0 });
    if (job.fold) {
      // Only the groups' cells go back; the rows' buffers stay here for the next job.
      reply = { id: job.id, result: { partial: foldRows(matrix, 0, batch.seriesCount, job.fold), samples: batch.sampleCount }, returned };
      spare.push(...resultBuffers({ matrix, samples: 0 }));
    } else reply = { id: job.id, result: { matrix, samples: batch.sampleCount }, returned };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id: job.id, error: { name: e.name, message: e.message, chunk: e instanceof ChunkCorruptionError ? e.chunkIndex : -1 }, returned };
  } finally {
    batch?.release();
  }
  port.postMessage(reply, [...('result' in reply ? resultBuffers(reply.result) : []), ...returned]);
});
port.postMessage({ ready: true });
