// The client disappears without hanging up; the doctor's call ends with HANG_UP reason 'peerLeft'
// within the bound of docs/protocol.md §4.5 (reference server defaults: reconnectGraceMs 5000,
// heartbeatMs 10000):
//  - the tab is closed (page.close(), no destroy()): the browser sends a WebSocket close frame
//    (1001), the server announces peerLeft {reason: 'left'} at once;
//  - the client's browser is killed (SIGKILL of its process group): no close frame, the kernel
//    closes the TCP connection, the server keeps the member for the grace period, then announces
//    peerLeft {reason: 'timeout'}.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSuite, establishCall, waitForStats, eventMark, waitForEventAfter } from './harness.js';

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
});
