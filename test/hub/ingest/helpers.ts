/** Helpers of the ingest tests: an in-memory IngestSocket, a hub over an in-memory storage, and reading what a hub stored. */
import { Registry } from 'prom-client';
import { Labels } from '../../../shared/model/labels.ts';
import { Matcher } from '../../../shared/model/matcher.ts';
import { decodeHubFrame, type HubFrame } from '../../../shared/protocol/index.ts';
import type { AppendResult, Appendable, Appender, Storage } from '../../../shared/storage/interface.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { TokenAuthenticator } from '../../../hub/ingest/auth.ts';
import { IngestServer, type IngestServerOptions } from '../../../hub/ingest/server.ts';
import type { IngestSocket, SessionHandlers } from '../../../hub/ingest/socket.ts';

/** MemSocket: an IngestSocket that records what the session sent and how it closed. */
export class MemSocket implements IngestSocket {
  sent: HubFrame[] = [];
  closed: { code: number; reason: string } | null = null;
  paused = false;
  handlers!: SessionHandlers;

  constructor(
    readonly remoteAddress = '127.0.0.1',
    readonly secure = false,
  ) {}

  send(bytes: Uint8Array): void {
    if (this.closed) return;
    this.sent.push(decodeHubFrame(bytes, 1 << 24));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = { code, reason };
  }

  get bufferedBytes(): number {
    return 0;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** deliver passes frames to the session, as the transport would. */
  deliver(...frames: Uint8Array[]): void {
    for (const f of frames) this.handlers.onMessage(f);
  }

  types(): string[] {
    return this.sent.map((f) => f.type);
  }

  acks(): number[] {
    return this.sent.flatMap((f) => (f.type === 'ack' ? [f.ack.seq] : []));
  }
}

export const TOKENS = new Map([
  ['edge-a', 'secret-a'],
  ['edge-b', 'secret-b'],
]);

/** testHub builds an IngestServer over `storage` (a fresh in-memory one by default). */
export function testHub(o: Partial<IngestServerOptions> = {}): { hub: IngestServer; storage: Appendable; logs: string[]; connect: (addr?: string, secure?: boolean) => MemSocket } {
  const storage = o.storage ?? openMemStorage({ outOfOrderWindowMs: 3600_000 });
  const logs: string[] = [];
  const hub = new IngestServer({
    hubName: 'hub-test',
    auth: new TokenAuthenticator(TOKENS),
    registry: new Registry(),
    log: (m) => logs.push(m),
    ...o,
    storage,
  });
  const connect = (addr = '127.0.0.1', secure = false) => {
    const s = new MemSocket(addr, secure);
    s.handlers = hub.accept(s);
    return s;
  };
  return { hub, storage, logs, connect };
}

/** countBySeries: samples stored per series (labels as strings) for metric names matching `re`. */
export function countBySeries(storage: Storage, re = '.+'): Map<string, number> {
  const q = storage.querier(-Infinity, Infinity);
  try {
    const set = q.select([new Matcher('=~', '__name__', re)]);
    const batch = set.load();
    try {
      const off = batch.offsets();
      return new Map(set.series.map((s, i) => [s.labels.toString(), off[i + 1] - off[i]]));
    } finally {
      batch.release();
    }
  } finally {
    q.close();
  }
}

/**
 * GatedStorage: wraps a storage so that each commit's durability waits for the test to `release`
 * it: the promise `durable` resolves only when the test says so (or rejects on `fail`).
 */
export class GatedStorage implements Appendable {
  gates: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(readonly inner: Storage) {}

  appender(): Appender {
    const app = this.inner.appender();
    return {
      append: (ref, labels, t, v) => app.append(ref, labels, t, v),
      rollback: () => app.rollback(),
      commit: (): AppendResult & { durable: Promise<void> } => {
        const r = app.commit();
        const durable = new Promise<void>((resolve, reject) => this.gates.push({ resolve, reject }));
        return { ...r, durable };
      },
    };
  }
}

export const L = (o: Record<string, string>) => Labels.from(o);
