// Scale-out in Chromium (docs/scaling.md): two signaling processes share consultations through a
// redis-server of the test's own. The doctor's page names both (signalingUrl [A, B]) and joins A;
// the client's page is on B. Mid-call A is killed with SIGKILL while the client keeps changing
// its device state: the doctor's SDK fails over to B, resumes its membership, gets every device
// state once and in order, media keep flowing, and a hangUp still reaches the client.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, createParty, startCall, waitCallResult, waitForEvent, waitForCallState, waitForStats, getStats,
  eventMark, waitForEventAfter, waitFor, E2E_JWT_SECRET,
} from './harness.js';
import { startRedis, spawnNode } from '../scale/redis.js';

const TEST_TIMEOUT = 120000;

describe('signaling processes sharing consultations through Redis', () => {
  let suite;
  const stops = [];
  before(async () => { suite = await startSuite('scale-failover'); });
  after(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    if (suite) await suite.close();
  });

  it('kill -9 A mid-call: the doctor fails over to B, resumes, misses and repeats no message; media go on', { timeout: TEST_TIMEOUT }, (t) => suite.wrap(async () => {
    const redis = await startRedis();
    stops.push(redis.stop);
    const auth = { secret: E2E_JWT_SECRET };
    const a = await spawnNode(redis.url, 'ea', { auth, reconnectGraceMs: 15000 });
    stops.push(a.close);
    const b = await spawnNode(redis.url, 'eb', { auth, reconnectGraceMs: 15000 });
    stops.push(b.close);
    const consultationId = suite.consultationId('failover');
    const client = await suite.newPage('client');
    const doctor = await suite.newPage('doctor');
    await createParty(client, 'client', { suite, consultationId, signalingUrl: b.wsUrl });
    await waitForEvent(client, 'joined');
    await createParty(doctor, 'doctor', { suite, consultationId, signalingUrl: [a.wsUrl, b.wsUrl] });
    const [firstJoin] = await waitForEvent(doctor, 'joined');
    assert.match(firstJoin.payload.connectionId, /^c-ea-/, 'the doctor joined process A');
    await startCall(doctor);
    await waitForEvent(client, await client.evaluate(() => window.callcore.EVENT_LIST.ENTER));
    await startCall(client);
    const results = await Promise.all([waitCallResult(client), waitCallResult(doctor)]);
    assert.ok(results.every((r) => r.ok), JSON.stringify(results));
    await Promise.all([waitForCallState(doctor, 'connected'), waitForCallState(client, 'connected')]);
    for (const page of [doctor, client]) await waitForStats(page, { framesDecoded: 1 });

    const mark = await eventMark(doctor);
    const sent = [];
    let killedAt = 0;
    for (let i = 1; i <= 20; i += 1) {
      const isMute = i % 2 === 1;
      await client.evaluate((isMute) => window.call.changeDeviceState({ isMute }), isMute);
      sent.push(isMute);
      if (i === 8) {
        killedAt = Date.now();
        await a.kill();
      }
      await new Promise((resolve) => setTimeout(resolve, 50)); // pacing, not a wait for a result
    }
    const rejoined = await waitForEventAfter(doctor, mark, 'signalingReconnectEvent', { where: { phase: 'rejoined' }, timeout: 30000 });
    assert.equal(rejoined.payload.resumed, true, 'the doctor\'s membership was kept');
    const deviceState = await doctor.evaluate(() => window.callcore.EVENT_LIST.REMOTE_DEVICE_STATE);
    await waitFor(doctor, ({ deviceState, mark, n }) => window.events.slice(mark).filter((e) => e.eventType === deviceState).length >= n,
      { deviceState, mark, n: sent.length }, { message: 'every device state at the doctor' });
    const got = await doctor.evaluate(({ deviceState, mark }) => window.events.slice(mark)
      .filter((e) => e.eventType === deviceState).map((e) => e.payload.isMute), { deviceState, mark });
    assert.deepEqual(got, sent, 'each device state once, in order, across the failover');

    // Media never stopped; the call is still controllable through B.
    for (const page of [doctor, client]) {
      const s = await getStats(page);
      await waitForStats(page, { framesDecoded: s.framesDecoded + 10 });
    }
    assert.deepEqual(await Promise.all([doctor, client].map((p) => p.evaluate(() => window.call.callState))), ['connected', 'connected']);
    const hangMark = await eventMark(client);
    await doctor.evaluate(() => window.call.hangUp());
    const hangUp = await waitForEventAfter(client, hangMark, 'hangUpReceiveEvent');
    assert.equal(hangUp.payload.reason, 'hangUp');
    const snap = await b.snapshot();
    assert.deepEqual(snap.rooms[consultationId].map((m) => [m.role, m.node, m.connected]).sort(), [['client', 'eb', true], ['doctor', 'eb', true]]);
    t.diagnostic(`failover: the doctor rejoined on B ${rejoined.time - killedAt} ms after A was killed`);
  })(t));
});
