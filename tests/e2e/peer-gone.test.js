// The client disappears without hanging up; the doctor's call ends with HANG_UP reason 'peerLeft'
// within the bound of docs/protocol.md §4.5 (reference server defaults: reconnectGraceMs 5000,
// heartbeatMs 10000):
//  - the tab is closed (page.close(), no destroy()): the browser sends a WebSocket close frame
//    (1001), the server announces peerLeft {reason: 'left'} at once;
//  - the client's browser is killed (SIGKILL of its process group): no close frame, the kernel
//    closes the TCP connection, the server keeps the member for the grace period, then announces
//    peerLeft {reason: 'timeout'};
//  - the client's signaling path goes dark (a TCP proxy that stops forwarding without closing
//    anything, like a lost network): the server's heartbeat notices, then the grace period runs;
//    this one uses a server with short timers (heartbeatMs 1000, reconnectGraceMs 2000) to check
//    the formula 2 × heartbeatMs + reconnectGraceMs without waiting 25 s.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSuite, establishCall, waitForStats, eventMark, waitForEventAfter, createParty, startCall, waitCallResult, waitForEvent, waitForCallState } from './harness.js';
import { startServer } from '../../demo/server.js';
import { startTcpProxy } from './servers.js';

const TEST_TIMEOUT = 180000;
const GRACE_MS = 5000; // startServer's default reconnectGraceMs (the suite's server uses the defaults)
/** protocol.md §4.5: closed tab — close frame, "at once"; asserted with room for a loaded machine. */
const CLOSED_TAB_BOUND_MS = 2000;
/** protocol.md §4.5: process killed / crashed — reconnectGraceMs after the TCP close, plus delivery. */
const KILLED_BOUND_MS = GRACE_MS + 2000;

describe('the far side disappears without hanging up', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('peer-gone'); });
  after(async () => { if (suite) await suite.close(); });

  /** Waits for the doctor's HANG_UP after `mark`; returns {reason, ms} (ms since `since`, page clock). */
  async function doctorHangUp(doctor, mark, since) {
    const hangUp = await waitForEventAfter(doctor, mark, 'hangUpReceiveEvent', { timeout: KILLED_BOUND_MS + 20000 });
    assert.equal(hangUp.emitType, 'event');
    return { reason: hangUp.payload.reason, payload: hangUp.payload, ms: hangUp.time - since };
  }

  it('the client tab is closed (page.close(), no destroy): the doctor gets HANG_UP peerLeft at once', { timeout: TEST_TIMEOUT }, run(async (t) => {
    const { doctor, client } = await establishCall(suite, { tag: 'tab-closed' });
    await waitForStats(doctor, { framesDecoded: 1 });
    const clientConnectionId = await client.evaluate(() => window.events.find((e) => e.eventType === 'joined').payload.connectionId);
    const mark = await eventMark(doctor);

    const closedAt = Date.now();
    await client.close(); // like the user closing the tab: no hangUp(), no destroy()
    const { reason, payload, ms } = await doctorHangUp(doctor, mark, closedAt);

    assert.equal(reason, 'peerLeft', `HANG_UP ${JSON.stringify(payload)}`);
    assert.equal(payload.connectionId, clientConnectionId);
    assert.ok(ms < CLOSED_TAB_BOUND_MS, `HANG_UP ${ms} ms after the tab closed; bound ${CLOSED_TAB_BOUND_MS} ms`);
    const peerLeft = await waitForEventAfter(doctor, mark, 'peerLeft');
    assert.equal(peerLeft.payload.reason, 'left', `peerLeft ${JSON.stringify(peerLeft.payload)}`);
    await doctor.waitForFunction(() => window.call.callState === 'ended', undefined, { timeout: 20000 });
    t.diagnostic(`closed tab → doctor HANG_UP peerLeft after ${ms} ms (bound ${CLOSED_TAB_BOUND_MS} ms)`);
  }));

  it("the client's browser process is killed (no close frame): the doctor gets HANG_UP peerLeft after the grace period", { timeout: TEST_TIMEOUT }, run(async (t) => {
    const clientBrowser = await suite.launchBrowserProcess();
    try {
      const { doctor } = await establishCall(suite, { tag: 'killed', clientBrowser });
      await waitForStats(doctor, { framesDecoded: 1 });
      const mark = await eventMark(doctor);

      const killedAt = Date.now();
      await clientBrowser.kill('SIGKILL');
      const { reason, payload, ms } = await doctorHangUp(doctor, mark, killedAt);

      assert.equal(reason, 'peerLeft', `HANG_UP ${JSON.stringify(payload)}`);
      assert.ok(ms < KILLED_BOUND_MS, `HANG_UP ${ms} ms after the kill; bound ${KILLED_BOUND_MS} ms`);
      const peerLeft = await waitForEventAfter(doctor, mark, 'peerLeft');
      assert.equal(peerLeft.payload.reason, 'timeout', `peerLeft ${JSON.stringify(peerLeft.payload)}`);
      t.diagnostic(`killed browser → doctor HANG_UP peerLeft after ${ms} ms (grace ${GRACE_MS} ms, bound ${KILLED_BOUND_MS} ms)`);
    } finally {
      await clientBrowser.close();
    }
  }));

  it("the client's network goes dark (no TCP close at all): the doctor gets HANG_UP peerLeft within 2 × heartbeatMs + reconnectGraceMs", { timeout: TEST_TIMEOUT }, run(async (t) => {
    const heartbeatMs = 1000;
    const reconnectGraceMs = 2000;
    const bound = 2 * heartbeatMs + reconnectGraceMs; // protocol.md §4.5
    const server = await startServer({ port: 0, heartbeatMs, reconnectGraceMs });
    const proxy = await startTcpProxy({ targetPort: server.port });
    try {
      const consultationId = suite.consultationId('dark');
      const client = await suite.newPage('client');
      const doctor = await suite.newPage('doctor');
      await createParty(client, 'client', { suite, consultationId, signalingUrl: `ws://127.0.0.1:${proxy.port}/ws` });
      await waitForEvent(client, 'joined');
      await createParty(doctor, 'doctor', { suite, consultationId, signalingUrl: server.wsUrl });
      await startCall(doctor);
      await waitForEvent(client, 'enterEvent');
      await startCall(client);
      for (const page of [client, doctor]) {
        const r = await waitCallResult(page);
        assert.ok(r.ok, `[${page.label}] call() resolved: ${JSON.stringify(r.error)}`);
        await waitForCallState(page, 'connected');
      }
      await waitForStats(doctor, { framesDecoded: 1 });
      const mark = await eventMark(doctor);

      const darkAt = Date.now();
      proxy.blackhole();
      const { reason, payload, ms } = await doctorHangUp(doctor, mark, darkAt);

      assert.equal(reason, 'peerLeft', `HANG_UP ${JSON.stringify(payload)}`);
      const peerLeft = await waitForEventAfter(doctor, mark, 'peerLeft');
      assert.equal(peerLeft.payload.reason, 'timeout', `peerLeft ${JSON.stringify(peerLeft.payload)}`);
      // At least one heartbeat interval passes before the server can tell, then the whole grace.
      assert.ok(ms >= heartbeatMs + reconnectGraceMs - 100, `HANG_UP ${ms} ms after the network went dark: not before heartbeat + grace`);
      assert.ok(ms < bound + 1500, `HANG_UP ${ms} ms after the network went dark; bound ${bound} ms`);
      t.diagnostic(`dark network → doctor HANG_UP peerLeft after ${ms} ms (heartbeat ${heartbeatMs} ms, grace ${reconnectGraceMs} ms, bound ${bound} ms)`);
    } finally {
      await suite.closePages();
      await proxy.close();
      await server.close();
    }
  }));
});
