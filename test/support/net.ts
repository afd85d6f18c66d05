/** Loopback helpers for tests that start servers and processes. */
import { createServer } from 'node:net';

/** Ports freePort handed out in this process: the system may offer a closed one again at once. */
const handedOut = new Set<number>();

/**
 * freePort asks the system for a TCP port free on 127.0.0.1 now (a server started next may take
 * it), never one it already handed out in this process: two calls made before either port is
 * bound (a hub's and an edge's) would otherwise be able to get the same one.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await systemPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('freePort: the system kept offering ports already handed out');
}

function systemPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
