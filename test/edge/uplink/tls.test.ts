import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Uplink } from '../../../edge/uplink/index.ts';
import { countBySeries } from '../../hub/ingest/helpers.ts';
import { seriesOf, startHub, tempDir, until } from './helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** selfSigned makes a certificate for 127.0.0.1 with the openssl command. */
function selfSigned(dir: string): { key: string; cert: string } {
  const key = join(dir, 'key.pem'), cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

describe('uplink over wss://', () => {
  it('streams to a hub whose certificate the configured CA signs, and not without that CA', async () => {
    const certs = await tempDir('outpost-tls-');
    cleanup.push(certs.remove);
    const pair = selfSigned(certs.dir);
    const hub = await startHub(0, undefined, undefined, pair);
    cleanup.push(() => hub.stop());
    expect(hub.url).toMatch(/^wss:/);

    const untrusted = await tempDir('outpost-edge-');
    cleanup.push(untrusted.remove);
    const logs: string[] = [];
    const stranger = await Uplink.open({ url: hub.url, edge: 'edge-b', token: 'secret-b', dir: untrusted.dir, sync: 'never', backoff: { initialMs: 10, maxMs: 20 }, log: (m) => logs.push(m) });
    stranger.start();
    expect(await until(() => logs.length > 0, 5000)).toBe(true);
    expect(logs[0]).toMatch(/self[- ]signed|certificate/i);
    await stranger.close();

    const edgeDir = await tempDir('outpost-edge-');
    cleanup.push(edgeDir.remove);
    const uplink = await Uplink.open({ url: hub.url, tls: { ca: pair.cert }, edge: 'edge-a', token: 'secret-a', dir: edgeDir.dir, sync: 'never', log: () => undefined });
    cleanup.push(() => uplink.close());
    uplink.start();
    await uplink.offer(1000, seriesOf(4), new Float64Array([1, 2, 3, 4]));
    await uplink.drained(5000);
    expect([...countBySeries(hub.storage).values()]).toEqual([1, 1, 1, 1]);
  });
});
