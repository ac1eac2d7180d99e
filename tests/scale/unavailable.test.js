// When Redis does not answer (stopped with SIGSTOP: the connection stays up, commands hang), a
// message's sender is told `unavailable` within the bus's commandTimeoutMs (docs/protocol.md §3.4),
// its socket stays open, and messages pass again once Redis answers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, room, isError, until } from '../security/helpers.js';
import { startRedis, spawnNode } from './redis.js';

const stops = [];
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
});

test('Redis not answering → the sender gets `unavailable` naming its message; the socket stays; later messages pass', async () => {
  const redis = await startRedis();
  stops.push(redis.stop);
  // Liveness far above the pause: the process must not count itself failed while Redis sleeps.
  const a = await spawnNode(redis.url, 'u', {
    redis: { url: redis.url, nodeId: 'u', nodeTtlMs: 20000, nodeCheckMs: 500, commandTimeoutMs: 300 },
  });
  stops.push(a.close);
  const c = room('unavailable');
  const doctor = await connect(a.wsUrl);
  await doctor.joinAs(c, 'doctor', 'dr-u');
  const client = await connect(a.wsUrl);
  await client.joinAs(c, 'client', 'pt-u');
  await doctor.next((m) => m.type === 'peerJoined' && m.data.connectionId === client.connectionId);

  const notes = [];
  client.ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    if (m.type === 'note') notes.push(m.data.n);
  });
  process.kill(redis.pid, 'SIGSTOP');
  let resumed = false;
  const resume = () => {
    if (!resumed) process.kill(redis.pid, 'SIGCONT');
    resumed = true;
  };
  stops.push(async () => resume());
  try {
    const sentAt = Date.now();
    doctor.transient('note', [client.connectionId], { n: 1 });
    const err = await doctor.next(isError('unavailable'), 5000);
    const tookMs = Date.now() - sentAt;
    assert.equal(err.data.requestType, 'note', 'the error names the refused message');
    assert.ok(tookMs >= 250, `told after the command timeout, not before (${tookMs} ms)`);
    assert.ok(tookMs < 3000, `told within the command timeout plus slack (${tookMs} ms)`);
    assert.equal(doctor.closeCode, null, 'the sender\'s socket stays open');
  } finally {
    resume();
  }
  // Redis answers again: the next message passes. (The first may arrive late — Redis carries out
  // the command it had already received — but never twice.)
  doctor.transient('note', [client.connectionId], { n: 2 });
  await until(() => notes.includes(2), 'the message sent after Redis came back', 10000);
  assert.ok(notes.filter((n) => n === 1).length <= 1, `note 1 at most once: ${JSON.stringify(notes)}`);
  assert.equal(doctor.closeCode, null);
  assert.equal(client.closeCode, null);
  await Promise.all([doctor.close(), client.close()]);
});
