// The random-traffic property check of tests/security/traffic.js with the six members spread over
// two server processes that share consultations through Redis (docs/scaling.md): the same
// invariants as one process — routing only within the room and across roles, order per sender,
// every undelivered message answered to its sender, everyone still there.
import { test, after } from 'node:test';
import { randomTraffic } from '../security/traffic.js';
import { startRedis, spawnNode } from './redis.js';

const stops = [];
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
});

test('random traffic over two processes + Redis, seeds 1-3: the invariants of one process hold', async () => {
  const redis = await startRedis();
  stops.push(redis.stop);
  const a = await spawnNode(redis.url, 'pa', { reconnectGraceMs: 300 });
  stops.push(a.close);
  const b = await spawnNode(redis.url, 'pb', { reconnectGraceMs: 300 });
  stops.push(b.close);
  for (const seed of [1, 2, 3]) await randomTraffic(seed, [a.wsUrl, b.wsUrl], () => b.snapshot());
});
