// hangUp on either side of a connected call (test 2).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSuite, establishCall, waitFor, waitForEvent, waitForStats, getStreams } from './harness.js';

const TEST_TIMEOUT = 180000;

// Local tracks of every local stream seen have ended.
async function waitLocalTracksEnded(page) {
  await waitFor(page, () => window.localStreams.length > 0
    && window.localStreams.every((s) => s.getTracks().length > 0 && s.getTracks().every((t) => t.readyState === 'ended')),
  undefined, { message: 'every local track readyState === ended' });
}

// connection.connectionState === 'closed', or connection is null and the saved
// RTCPeerConnection's signalingState is 'closed'.
async function waitConnectionClosed(page) {
  await waitFor(page, () => {
    const c = window.call.connection;
    if (c) return c.connectionState === 'closed';
    const pc = window.pcs[window.pcs.length - 1];
    return !!pc && pc.signalingState === 'closed';
  }, undefined, { message: "connection closed (connectionState 'closed' or null + saved pc signalingState 'closed')" });
}

describe('hangUp', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('hangup'); });
  after(async () => { if (suite) await suite.close(); });

  for (const side of ['doctor', 'client']) {
    it(`${side} hangs up: the other side gets HANG_UP, both stop local tracks and close the connection`, { timeout: TEST_TIMEOUT }, run(async () => {
      const pages = await establishCall(suite, { tag: `${side}-hangs-up` });
      const hanger = pages[side];
      const other = side === 'doctor' ? pages.client : pages.doctor;
      await waitForStats(other, { framesDecoded: 1 });
      assert.ok((await hanger.evaluate(() => window.pcs.length)) >= 1, 'the RTCPeerConnection reference was saved');
      assert.ok((await other.evaluate(() => window.pcs.length)) >= 1, 'the RTCPeerConnection reference was saved');

      await hanger.evaluate(() => window.call.hangUp());

      const hangUps = await waitForEvent(other, 'hangUpReceiveEvent');
      assert.equal(hangUps[0].emitType, 'event');
      assert.equal(hangUps[0].payload.reason, 'hangUp', `reason: ${JSON.stringify(hangUps[0].payload)}`);

      for (const page of [hanger, other]) {
        await waitLocalTracksEnded(page);
        await waitConnectionClosed(page);
        const streams = await getStreams(page);
        for (const s of streams.local) for (const t of s.tracks) assert.equal(t.readyState, 'ended');
      }
      // The side that hung up did not get a HANG_UP event for its own hangUp.
      const own = await hanger.evaluate(() => window.events.filter((e) => e.eventType === 'hangUpReceiveEvent').length);
      assert.equal(own, 0, `[${hanger.label}] no hangUpReceiveEvent for its own hangUp`);
    }));
  }
});
