/**
 * The in-memory storage: `openMemStorage()` returns a Storage backed by the WebAssembly head and
 * the TypeScript label index. See mem-storage.ts.
 */
export { MemStorage, StorageClosedError, openMemStorage, type MemStorageOptions, type MemStorageStats } from './mem-storage.ts';
