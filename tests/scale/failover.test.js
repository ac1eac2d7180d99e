// Scale-out over real sockets: two (or three) reference server processes share consultations
// through a redis-server of the test's own (docs/scaling.md). A doctor on process A and a client
// on process B exchange messages in order; A is killed with SIGKILL mid-exchange and the doctor
// resumes on B with nothing lost or duplicated; messages held for a dropped member survive the
// processes that held them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, room, token, until } from '../security/helpers.js';
import { startRedis, spawnNode } from './redis.js';

const stops = [];
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
});

/** Records every `note` a socket receives (`n` and the server's `seq`), on top of connect(). */
function record(client) {
  const notes = [];
  client.ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    if (m.type === 'note') notes.push({ n: m.data.n, seq: m.seq });
  });
  return notes;
}

/** Sends `note` n = from..to to `ids`, `gapMs` apart; `onEach(n)` after each. */
async function sendNotes(client, ids, from, to, gapMs, onEach = () => {}) {
  for (let n = from; n <= to; n += 1) {
    client.transient('note', ids, { n });
    await onEach(n);
    await new Promise((resolve) => setTimeout(resolve, gapMs)); // pacing under the rate limit, not a wait for a result
  }
}

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('doctor on A, client on B: in order both ways; kill -9 A mid-exchange → the doctor resumes on B, nothing lost or duplicated', async () => {
  const redis = await startRedis();
  stops.push(redis.stop);
  const a = await spawnNode(redis.url, 'a', { reconnectGraceMs: 15000 });
  stops.push(a.close);
  const b = await spawnNode(redis.url, 'b', { reconnectGraceMs: 15000 });
  stops.push(b.close);

  const c = room('scale');
  const doctor = await connect(a.wsUrl);
  const dj = await doctor.joinAs(c, 'doctor', 'dr-1');
  assert.match(dj.data.connectionId, /^c-a-[0-9a-f]{12}$/, 'the node id is in the connection id');
  const client = await connect(b.wsUrl);
  const cj = await client.joinAs(c, 'client', 'pt-1');
  assert.match(cj.data.connectionId, /^c-b-/);
  assert.deepEqual(cj.data.members.map((m) => m.connectionId), [doctor.connectionId], 'B sees the doctor joined on A');
  await doctor.next((m) => m.type === 'peerJoined' && m.data.connectionId === client.connectionId);
  const atDoctor = record(doctor);
  const atClient = record(client);

  // Both ways across the two processes, in order.
  await Promise.all([
    sendNotes(client, [doctor.connectionId], 1, 30, 5),
    sendNotes(doctor, [client.connectionId], 1, 30, 5),
  ]);
  await until(() => atDoctor.length === 30 && atClient.length === 30, '30 notes each way');
  assert.deepEqual(atDoctor.map((x) => x.n), range(1, 30));
  assert.deepEqual(atClient.map((x) => x.n), range(1, 30));

  // The client keeps sending; A dies (SIGKILL) after the doctor has read 20 more.
  const dropped = doctor.closed;
  const sending = sendNotes(client, [doctor.connectionId], 31, 150, 8, async (n) => {
    if (n === 50) {
      await until(() => atDoctor.length >= 45, 'the doctor reads on A before the kill');
      await a.kill();
    }
  });
  assert.equal(await dropped, 1006, 'the doctor\'s socket dropped without a close frame');
  const lastSeq = atDoctor.at(-1).seq;
  assert.match(lastSeq, /^\d+-\d+$/, 'delivered messages carry their log position');

  // The doctor comes back on B with its id, secret and the last position it got.
  const again = await connect(b.wsUrl);
  const atDoctorAgain = record(again); // from the start: the resume's messages follow `joined` at once
  const rj = await again.join({ token: await token(c, 'doctor', 'dr-1'), connectionId: doctor.connectionId, resumeSecret: doctor.resumeSecret, lastSeq });
  assert.equal(rj.type, 'joined', JSON.stringify(rj));
  assert.deepEqual([rj.data.connectionId, rj.data.resumed], [doctor.connectionId, true]);
  await sending;
  await until(() => atDoctor.length + atDoctorAgain.length >= 150, 'every note reached the doctor', 10000);
  const all = [...atDoctor, ...atDoctorAgain].map((x) => x.n);
  assert.deepEqual(all, range(1, 150), 'every note once, in order, across the failover');

  // The doctor talks on from B; the client never saw it leave.
  await sendNotes(again, [client.connectionId], 31, 40, 2);
  await until(() => atClient.length === 40, 'the doctor\'s notes after the failover');
  assert.deepEqual(atClient.map((x) => x.n), range(1, 40));
  assert.equal(client.inbox.filter((m) => m.type === 'peerLeft').length, 0, 'no peerLeft for the doctor');
  const snap = await b.snapshot();
  assert.deepEqual(snap.rooms[c].map((m) => [m.role, m.node, m.connected]).sort(), [['client', 'b', true], ['doctor', 'b', true]]);
  await Promise.all([again.close(), client.close()]);
});

test('messages held for a dropped member are kept in Redis: they survive the processes that held them', async () => {
  const redis = await startRedis();
  stops.push(redis.stop);
  const a = await spawnNode(redis.url, 'a2', { reconnectGraceMs: 15000 });
  stops.push(a.close);
  const b = await spawnNode(redis.url, 'b2', { reconnectGraceMs: 15000 });
  stops.push(b.close);
  const c = room('held');
  const doctor = await connect(a.wsUrl);
  await doctor.joinAs(c, 'doctor', 'dr-2');
  const client = await connect(b.wsUrl);
  await client.joinAs(c, 'client', 'pt-2');
  await doctor.next((m) => m.type === 'peerJoined');
  // The doctor's socket drops (a network drop): it is in its grace period, held for on both processes.
  await doctor.drop();
  await until(async () => (await b.snapshot()).rooms[c]?.find((m) => m.role === 'doctor')?.connected === false, 'doctor in grace on B');
  await sendNotes(client, [doctor.connectionId], 1, 20, 2);
  await client.barrier();
  await until(async () => (await b.snapshot()).rooms[c].find((m) => m.role === 'doctor').buffered === 20, '20 held on B');
  // Both processes die; a third one starts from what Redis has.
  await a.kill();
  await b.kill();
  const fresh = await spawnNode(redis.url, 'c2', { reconnectGraceMs: 15000 });
  stops.push(fresh.close);
  const again = await connect(fresh.wsUrl);
  const notes = record(again);
  const rj = await again.join({ token: await token(c, 'doctor', 'dr-2'), connectionId: doctor.connectionId, resumeSecret: doctor.resumeSecret });
  assert.deepEqual([rj.type, rj.data.resumed, rj.data.connectionId], ['joined', true, doctor.connectionId], JSON.stringify(rj));
  await until(() => notes.length >= 20, 'the held notes');
  assert.deepEqual(notes.map((x) => x.n), range(1, 20), 'all held notes, once, in order');
  // The client's process died too: on the new process it enters its grace period (not gone yet).
  await until(async () => (await fresh.snapshot()).rooms[c]?.find((m) => m.role === 'client')?.connected === false, 'client of the dead process in grace');
  await again.close();
});

test('draining A before a restart: 503 for new sockets, its members closed with 1012 resume on B with nothing lost or twice (no lastSeq needed)', async () => {
  const redis = await startRedis();
  stops.push(redis.stop);
  const a = await spawnNode(redis.url, 'a3', { reconnectGraceMs: 15000 });
  stops.push(a.close);
  const b = await spawnNode(redis.url, 'b3', { reconnectGraceMs: 15000 });
  stops.push(b.close);
  const c = room('drain');
  const doctor = await connect(a.wsUrl);
  await doctor.joinAs(c, 'doctor', 'dr-3');
  const client = await connect(b.wsUrl);
  await client.joinAs(c, 'client', 'pt-3');
  await doctor.next((m) => m.type === 'peerJoined');
  const atDoctor = record(doctor);
  const sending = sendNotes(client, [doctor.connectionId], 1, 80, 5, async (n) => {
    if (n === 30) await a.drain();
  });
  assert.equal(await doctor.closed, 1012, 'closed with 1012 (service restart)');
  await assert.rejects(connect(a.wsUrl), (err) => err.status === 503, 'a draining process takes no new socket');
  const again = await connect(b.wsUrl);
  const atDoctorAgain = record(again);
  const rj = await again.join({ token: await token(c, 'doctor', 'dr-3'), connectionId: doctor.connectionId, resumeSecret: doctor.resumeSecret });
  assert.deepEqual([rj.type, rj.data.resumed], ['joined', true], JSON.stringify(rj));
  await sending;
  await until(() => atDoctor.length + atDoctorAgain.length >= 80, 'every note reached the doctor');
  assert.deepEqual([...atDoctor, ...atDoctorAgain].map((x) => x.n), range(1, 80), 'every note once, in order');
  assert.equal(client.inbox.filter((m) => m.type === 'peerLeft').length, 0);
  await Promise.all([again.close(), client.close()]);
});
