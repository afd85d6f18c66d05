/** Loopback helpers for tests that start servers and processes. */
import { createServer } from 'node:net';

/** freePort asks the system for a TCP port free on 127.0.0.1 now (a server started next may take it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
