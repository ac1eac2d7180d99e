// Malformed inbound messages during a connected call (test 9).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSuite, establishCall, waitFor, waitForStats, getStats } from './harness.js';

const TEST_TIMEOUT = 180000;

const MALFORMED = [
  { type: 'offer', data: { description: 42 } },
  { type: 12 },
  { type: 'noSuchType', data: {} },
];

describe('signaling errors', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('signaling-errors'); });
  after(async () => { if (suite) await suite.close(); });

  for (const target of ['doctor', 'client']) {
    it(`malformed messages fed to the ${target}'s socketMessageHandler: SIGNALING_ERROR events, call stays connected, video keeps flowing`, { timeout: TEST_TIMEOUT }, run(async () => {
      const pages = await establishCall(suite, { tag: `malformed-${target}` });
      const page = pages[target];
      await waitForStats(page, { framesDecoded: 1 });
      assert.equal(await page.evaluate(() => window.callcore.EVENT_LIST.SIGNALING_ERROR), 'signalingErrorEvent');

      for (const message of MALFORMED) {
        const mark = await page.evaluate(() => window.events.length);
        const outcome = await page.evaluate(async (message) => {
          try {
            await window.call.socketMessageHandler(message);
            return { threw: false };
          } catch (e) {
            return { threw: true, error: `${e && e.name}: ${e && e.message}` };
          }
        }, message);
        assert.equal(outcome.threw, false, `socketMessageHandler(${JSON.stringify(message)}) must not throw: ${outcome.error}`);
        await waitFor(page, (mark) => window.events.slice(mark).some(
          (e) => e.emitType === 'error' && e.eventType === 'signalingErrorEvent',
        ), mark, { message: `signalingErrorEvent (emitType error) for ${JSON.stringify(message)}` });
        assert.equal(await page.evaluate(() => window.call.callState), 'connected', `still connected after ${JSON.stringify(message)}`);
      }

      const before = await getStats(page);
      const after = await waitForStats(page, { framesDecoded: before.framesDecoded + 10 });
      assert.ok(after.framesDecoded > before.framesDecoded, 'video frames keep increasing');
      for (const p of [pages.doctor, pages.client]) {
        assert.equal(await p.evaluate(() => window.call.callState), 'connected', `[${p.label}] still connected`);
        assert.equal(await p.evaluate(() => window.call.connection && window.call.connection.connectionState), 'connected');
      }
      // The far side keeps receiving too.
      const other = target === 'doctor' ? pages.client : pages.doctor;
      const o0 = await getStats(other);
      await waitForStats(other, { framesDecoded: o0.framesDecoded + 10 });
    }));
  }
});
