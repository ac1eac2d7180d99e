// The signaling server dies mid-call (SIGKILL) and comes back on the same port: the call's media
// is peer to peer and keeps flowing meanwhile; both SDKs reconnect on their own, rejoin with
// their previous connection ids (the fresh server assigns them again, protocol.md §2.1), and the
// call is still controllable: a hangUp from the doctor reaches the client.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, establishCall, waitForStats, getStats, eventMark, waitForEventAfter, getEvents, waitForCallState,
} from './harness.js';
import { startSignalingProcess } from './servers.js';

const TEST_TIMEOUT = 180000;
const RECONNECT_WAIT_MS = 60000; // backoff is capped at 8 s (reconnectBackoffCapMs): generous

describe('signaling server restart during a call', () => {
  let suite;
  let signaling;
  const run = (fn) => (t) => suite.wrap(async (tt) => {
    try {
      await fn(tt);
    } catch (err) {
      err.message += `\n----- signaling server output (tail) -----\n${signaling ? signaling.log().slice(-4000) : '(not started)'}`;
      throw err;
    }
  })(t);
  // Pages come from the suite's in-process server; the call's signaling goes to a child process.
  before(async () => { suite = await startSuite('signaling-restart'); });
  after(async () => {
    if (signaling) await signaling.stop();
    if (suite) await suite.close();
  });

  it('server SIGKILLed and restarted on the same port: media flows meanwhile, both sides reconnect, hangUp still reaches the client', { timeout: TEST_TIMEOUT }, run(async (t) => {
    signaling = await startSignalingProcess();
    const { doctor, client } = await establishCall(suite, { tag: 'restart', signalingUrl: signaling.wsUrl });
    for (const page of [doctor, client]) await waitForStats(page, { framesDecoded: 1 });
    const ids = {};
    for (const page of [doctor, client]) {
      ids[page.label] = (await getEvents(page, 'joined'))[0].payload.connectionId;
    }
    const marks = { doctor: await eventMark(doctor), client: await eventMark(client) };

    const killedAt = Date.now();
    await signaling.kill('SIGKILL');
    for (const page of [doctor, client]) {
      await waitForEventAfter(page, marks[page.label], 'socketStateEvent', { where: { state: 'closed' } });
    }

    // The server is down: media keeps flowing both ways, and the SDKs try to reconnect (at least
    // one attempt hits the dead port).
    for (const page of [doctor, client]) {
      const s = await getStats(page);
      await waitForStats(page, { framesDecoded: s.framesDecoded + 10 });
      await waitForEventAfter(page, marks[page.label], 'signalingReconnectEvent', { where: { phase: 'reconnecting' }, timeout: RECONNECT_WAIT_MS });
      assert.equal(await page.evaluate(() => window.call.callState), 'connected', `[${page.label}] call still connected while the server is down`);
    }
    assert.equal(signaling.running, false, 'the server was still down while media was checked');

    await signaling.start(); // same port
    const restartedAt = Date.now();
    const rejoinMs = {};
    for (const page of [doctor, client]) {
      await waitForEventAfter(page, marks[page.label], 'socketStateEvent', { where: { state: 'open' }, timeout: RECONNECT_WAIT_MS });
      const rejoined = await waitForEventAfter(page, marks[page.label], 'signalingReconnectEvent', { where: { phase: 'rejoined' }, timeout: RECONNECT_WAIT_MS });
      rejoinMs[page.label] = rejoined.time - restartedAt;
      // The fresh server had no record of the old id, so it assigned it again (not a resume).
      const joined = await waitForEventAfter(page, marks[page.label], 'joined');
      assert.equal(joined.payload.connectionId, ids[page.label], `[${page.label}] rejoined with its previous connection id`);
      assert.equal(joined.payload.resumed, false, `[${page.label}] a restarted server cannot resume`);
    }
    await waitForCallState(doctor, 'connected');
    await waitForCallState(client, 'connected');

    const hangMark = await eventMark(client);
    await doctor.evaluate(() => window.call.hangUp());
    const hangUp = await waitForEventAfter(client, hangMark, 'hangUpReceiveEvent');
    assert.equal(hangUp.payload.reason, 'hangUp');
    assert.equal(hangUp.payload.connectionId, ids.doctor);
    await waitForCallState(client, 'ended');
    t.diagnostic(`server down for ${restartedAt - killedAt} ms; rejoined ${JSON.stringify(rejoinMs)} ms after the restart`);
  }));
});
