// freePort never hands out one port twice in a process, even to calls made before either port
// is bound (an e2e test once gave a hub and an edge the same port).
import { expect, test } from 'vitest';
import { freePort } from './net.ts';

test('ports asked for together are all different', async () => {
  const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
  expect(new Set(ports).size).toBe(ports.length);
  for (const p of ports) expect(p).toBeGreaterThan(0);
});
