// Property test of the server's message handling (tests/security/traffic.js): random (seeded)
// sequences of publishes, transients to random ids (own room, other room, unknown) and bad frames
// from six members of two consultations. Invariants: the server stays up; a message reaches
// exactly the members of the sender's consultation and other role it was addressed to; per
// sender, order is kept; every message that did not reach an addressee is answered to its sender
// (nothing lost silently).
import { test } from 'node:test';
import { startAuthServer } from './helpers.js';
import { randomTraffic } from './traffic.js';

for (const seed of [1, 2, 3]) {
  test(`random traffic, seed ${seed}: routing within room and role, order per sender, every loss answered`, async () => {
    const server = await startAuthServer({ reconnectGraceMs: 300 });
    try {
      await randomTraffic(seed, [server.wsUrl], () => server.snapshot());
    } finally {
      await server.close();
    }
  });
}
