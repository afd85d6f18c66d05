// Starts a query worker from the TypeScript sources (tests, `npx tsx`): registers tsx's loader in
// this thread, then imports the entry pool.ts passes as workerData.entry. A bundled outpost starts
// dist/query-worker.mjs directly instead (scripts/bundle.js).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
