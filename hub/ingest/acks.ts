/**
 * Where the hub keeps, per edge, the last sequence number it acknowledged, so that a restarted
 * hub tells a reconnecting edge where to resume (WELCOME.acked). Three stores behind one
 * interface: in the durable TSDB's WAL as position records (the samples and the position share one
 * log, so a durable position implies durable samples before it), in a small fsynced file (for a
 * storage that persists elsewhere), and in memory (for an in-memory storage, which forgets its
 * samples on restart anyway).
 */
import { open, readFile, rename } from 'node:fs/promises';

/**
 * AckStore: the acknowledged sequence per edge. `get` is 0 for an edge never seen. `set` resolves
 * once `seq` survives a restart; calls for one edge must be in increasing order, and a store may
 * coalesce them. Safe to use from many sessions at once.
 */
export interface AckStore {
  get(edge: string): number;
  set(edge: string, seq: number): Promise<void>;
}

/** MemAckStore keeps positions in memory only. */
export class MemAckStore implements AckStore {
  readonly #seqs = new Map<string, number>();

  get(edge: string): number {
    return this.#seqs.get(edge) ?? 0;
  }

  async set(edge: string, seq: number): Promise<void> {
    this.#seqs.set(edge, seq);
  }
}

/** PositionLog: the part of the durable TSDB (shared/tsdb/db DB) the position store uses. */
export interface PositionLog {
  position(name: string): { seq: number } | undefined;
  logPosition(name: string, seq: number): Promise<void>;
}

/** POSITION_PREFIX: position records of edge acks are named `ingest.acked/<edge>`. */
export const POSITION_PREFIX = 'ingest.acked/';

/**
 * PositionAckStore writes each ack as a WAL position record of the hub's DB. Because the DB
 * writes records in commit order, a position logged after a batch's commit becomes durable only
 * with (or after) that batch's samples.
 */
export class PositionAckStore implements AckStore {
  constructor(readonly db: PositionLog) {}

  get(edge: string): number {
    return this.db.position(POSITION_PREFIX + edge)?.seq ?? 0;
  }

  set(edge: string, seq: number): Promise<void> {
    return this.db.logPosition(POSITION_PREFIX + edge, seq);
  }
}

/**
 * FileAckStore keeps every edge's position in one JSON file, rewritten (temporary file, fsync,
 * rename) whenever positions changed; concurrent `set` calls share one write. Open it with
 * FileAckStore.open, which reads the file if it exists.
 */
export class FileAckStore implements AckStore {
  readonly #seqs: Map<string, number>;
  #writing: Promise<void> | undefined;
  #dirty = false;

  private constructor(
    readonly path: string,
    seqs: Map<string, number>,
  ) {
    this.#seqs = seqs;
  }

  static async open(path: string): Promise<FileAckStore> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new FileAckStore(path, new Map());
      throw new Error(`read ingest positions ${path}: ${(err as Error).message}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`read ingest positions ${path}: ${(err as Error).message}`, { cause: err });
    }
    const seqs = new Map<string, number>();
    if (typeof parsed !== 'object' || parsed === null) throw new Error(`read ingest positions ${path}: not a JSON object`);
    for (const [edge, seq] of Object.entries(parsed)) {
      if (!Number.isSafeInteger(seq) || (seq as number) < 0) throw new Error(`read ingest positions ${path}: edge ${edge} has position ${String(seq)}`);
      seqs.set(edge, seq as number);
    }
    return new FileAckStore(path, seqs);
  }

  get(edge: string): number {
    return this.#seqs.get(edge) ?? 0;
  }

  async set(edge: string, seq: number): Promise<void> {
    this.#seqs.set(edge, seq);
    this.#dirty = true;
    // A write in flight may have serialised the map before this change: wait for it, then write
    // again unless a later write (started after our change) already covered it.
    while (this.#dirty) {
      if (this.#writing) {
        await this.#writing;
        continue;
      }
      this.#dirty = false;
      this.#writing = this.#write().finally(() => (this.#writing = undefined));
      await this.#writing;
    }
  }

  async #write(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const body = JSON.stringify(Object.fromEntries(this.#seqs));
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(body);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      this.#dirty = true;
      throw new Error(`write ingest positions ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }
}
