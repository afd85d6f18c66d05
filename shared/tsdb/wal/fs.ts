/**
 * The file-system seam of the WAL: every disk operation the log performs goes through WalFS, so
 * tests can inject failures (ENOSPC after N bytes, EACCES on create, a failing fsync) without
 * filling a real disk. nodeFS is the real implementation on node:fs/promises.
 */
import { constants as C } from 'node:fs';
import * as fsp from 'node:fs/promises';

/** WalFile: an open segment file. Writes are positional; the WAL tracks offsets itself. */
export interface WalFile {
  /** write writes all of `data` at byte `position` or rejects; a rejection may leave a partial write. */
  write(data: Uint8Array, position: number): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** WalFS: the directory and file operations the WAL uses. Paths are absolute or cwd-relative. */
export interface WalFS {
  /** create makes a new, empty file; it fails if the file exists. */
  create(path: string): Promise<WalFile>;
  readFile(path: string): Promise<Uint8Array>;
  /** truncate shortens the file at `path` to `length` bytes and makes that durable. */
  truncate(path: string, length: number): Promise<void>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** remove deletes a file or a whole directory; a missing path is not an error. */
  remove(path: string): Promise<void>;
  /** syncDir makes renames, creations and deletions in a directory durable. */
  syncDir(path: string): Promise<void>;
}

class NodeFile implements WalFile {
  constructor(private readonly fh: fsp.FileHandle) {}

  async write(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, position + done);
      if (bytesWritten === 0) throw new Error(`short write: 0 of ${data.length - done} bytes`);
      done += bytesWritten;
    }
  }

  sync(): Promise<void> {
    return this.fh.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.fh.truncate(length);
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** nodeFS: the WalFS on the real file system. */
export const nodeFS: WalFS = {
  async create(path) {
    return new NodeFile(await fsp.open(path, C.O_CREAT | C.O_EXCL | C.O_WRONLY, 0o644));
  },
  async readFile(path) {
    return fsp.readFile(path);
  },
  async truncate(path, length) {
    const fh = await fsp.open(path, C.O_WRONLY);
    try {
      await fh.truncate(length);
      await fh.datasync();
    } finally {
      await fh.close();
    }
  },
  readdir(path) {
    return fsp.readdir(path);
  },
  async mkdir(path) {
    await fsp.mkdir(path, { recursive: true });
  },
  rename(from, to) {
    return fsp.rename(from, to);
  },
  remove(path) {
    return fsp.rm(path, { recursive: true, force: true });
  },
  async syncDir(path) {
    const fh = await fsp.open(path, C.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};
