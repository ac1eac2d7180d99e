// The budu-webrtc README usage, run as written on two pages in Debian Chromium: the doctor's page
// and the client's page are tests/types/seed/doctor.ts and client.ts (the seed's snippets with only
// the import path changed, the `...` placeholders filled in and its two slips fixed; the same
// files tsc checks under strict), compiled by esbuild and run as ES modules that import
// 'callcore' by name. The portal's app start calls configure({ signalingUrl }) with the reference
// server's URL, so the seed's RTCParams carry no transport.
// Run: node --test tests/e2e/seed-usage.test.js (after npm run build)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { build } from 'esbuild';
import { ROOT, startSuite, tokenPath, waitFor, waitForStats } from './harness.js';

const TEST_TIMEOUT = 180000;

/** tests/types/seed/<role>.ts as one ES module (the portal code bundled in; 'callcore' left as a bare import). */
async function compile(role) {
  const result = await build({
    entryPoints: [path.join(ROOT, 'tests', 'types', 'seed', `${role}.ts`)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['callcore'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

describe('budu-webrtc README usage on two pages', () => {
  let suite;
  const apps = {};
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => {
    suite = await startSuite('seed');
    apps.doctor = await compile('doctor');
    apps.client = await compile('client');
  });
  after(async () => { if (suite) await suite.close(); });

  /**
   * Opens seed-usage.html for `role` with the portal's configuration in the query, records the
   * values the page passes to console.log, and starts the seed snippet of that role.
   */
  async function openPortal(role, { consultationId, enterTimeoutSecond = 30 }) {
    const sub = role === 'doctor' ? 'doctor-42' : 'client-9'; // the portal's clientIds (tests/types/seed/portal.ts)
    const query = new URLSearchParams({
      signalingUrl: suite.wsUrl, consultationId, enterTimeoutSecond: String(enterTimeoutSecond), tokenUrl: tokenPath(consultationId, role, sub),
    });
    const page = await suite.newPage(role, { url: `${suite.httpUrl}/tests/e2e/pages/seed-usage.html?${query}` });
    page.consoleValues = [];
    page.on('console', (msg) => {
      if (msg.type() !== 'log') return;
      page.consoleValues.push(Promise.all(msg.args().map((arg) => arg.jsonValue().catch((e) => `(unserializable: ${e.message})`))));
    });
    await page.addScriptTag({ type: 'module', content: apps[role] });
    return page;
  }

  /** Waits until the snippet ran to its end; exposes its call object as window.call (harness helpers, cleanup). */
  async function waitDone(page) {
    await waitFor(page, () => window.portal && window.portal.done, undefined, { message: 'the seed snippet ran to its end' });
    return page.evaluate(() => {
      window.call = window.portal.call;
      return { errors: window.portal.errors, callState: window.call.callState };
    });
  }

  const handled = (page, handler) => page.evaluate((handler) => window.portal.events.filter((e) => e.handler === handler), handler);

  it('the doctor calls and the client answers as in the README: connected with media, events through on() and ALL, logger', { timeout: TEST_TIMEOUT }, run(async () => {
    const consultationId = suite.consultationId('call');
    const client = await openPortal('client', { consultationId });
    const doctor = await openPortal('doctor', { consultationId });

    // call() resolved on both pages: the snippet's catch handled nothing.
    const [clientDone, doctorDone] = await Promise.all([waitDone(client), waitDone(doctor)]);
    assert.deepEqual(clientDone.errors, [], 'client: no CallError');
    assert.deepEqual(doctorDone.errors, [], 'doctor: no CallError');

    // Media flows both ways (getStats inbound-rtp). Both snippets hide their camera
    // (changeDeviceState({isHidden: true})): a disabled track still sends (black) frames.
    for (const page of [doctor, client]) {
      const stats = await waitForStats(page, { framesDecoded: 1, audioPacketsReceived: 1 });
      assert.ok(stats.framesDecoded > 0, `[${page.label}] framesDecoded ${stats.framesDecoded}`);
    }

    // The listeners of the snippet: each side saw the other's `enter` through its own listener
    // and through the EVENT_LIST.ALL switch, and ICE reaching connected the same two ways.
    for (const [page, farName] of [[doctor, 'Alice'], [client, 'Dr. Gregory House']]) {
      const label = `[${page.label}]`;
      for (const handler of ['showEntered', 'SocketEnterHandler']) {
        const seen = await handled(page, handler);
        assert.ok(seen.length >= 1, `${label} ${handler} ran`);
        assert.equal(seen[0].eventType, 'enter');
        assert.equal(seen[0].emitType, 'event');
        assert.ok(seen[0].detail.startsWith(farName), `${label} ${handler}: ${seen[0].detail}`);
      }
      for (const handler of ['showIceState', 'ConnectionIceStateHandler']) {
        await waitFor(page, (handler) => window.portal.events.some((e) => e.handler === handler
          && (e.detail === 'connected' || e.detail === 'completed')), handler, { message: `${label} ${handler} saw ICE connected` });
        const seen = await handled(page, handler);
        assert.ok(seen.every((e) => e.eventType === 'iceconnectionstatechange'), `${label} ${handler}: only ICE state events`);
      }
    }

    // The snippet's logger calls: console.log(logger.getConnectionEvents()) and
    // console.log(logger.filter(l => l.event === 'enter')), as the page printed them.
    for (const page of [doctor, client]) {
      const label = `[${page.label}]`;
      const printed = (await Promise.all(page.consoleValues)).filter((args) => args.length === 1 && Array.isArray(args[0]));
      assert.equal(printed.length, 2, `${label} the snippet printed two arrays`);
      const [connectionEvents, enterEntries] = printed.map((args) => args[0]);
      const names = await page.evaluate(() => Object.values(window.callcore.CONNECTION_EVENT_LIST));
      // call() may settle before the peer connection changed state (the client answers and the
      // doctor hears it before the offer is applied), so the printed list may still be empty;
      // now that ICE is connected the same call lists those changes.
      for (const entry of connectionEvents) {
        assert.ok(names.includes(entry.event), `${label} ${entry.event} is a connection event`);
        assert.equal(typeof entry.time, 'number');
      }
      const now = await page.evaluate(() => window.callcore.logger.getConnectionEvents().map((e) => ({ event: e.event, state: e.data && e.data.state })));
      assert.ok(now.some((e) => e.event === 'iceconnectionstatechange' && (e.state === 'connected' || e.state === 'completed')),
        `${label} logger.getConnectionEvents() has ICE connected: ${JSON.stringify(now)}`);
      assert.ok(enterEntries.every((entry) => entry.event === 'enter'), `${label} filter() returned only 'enter' entries`);
      // Every signaling message sent and received is logged under its wire type: by the time
      // call() settled, this side's own enter went out and the far side's came in.
      assert.ok(enterEntries.length > 0, `${label} logger.filter(l => l.event === 'enter') found entries`);
      const directions = await page.evaluate(() => window.callcore.logger.filter((l) => l.event === 'enter').map((l) => l.data.direction));
      assert.ok(directions.includes('in') && directions.includes('out'), `${label} enter logged both ways: ${directions}`);
    }

    // The doctor hangs up: the client's HANG_UP listeners (own and ALL) get the reason.
    await doctor.evaluate(() => window.call.hangUp());
    await waitFor(client, () => window.portal.events.filter((e) => e.eventType === 'hangUpReceiveEvent').length === 2, undefined,
      { message: 'client: showHangUp and HangUpHandler ran' });
    const hangUps = await client.evaluate(() => window.portal.events.filter((e) => e.eventType === 'hangUpReceiveEvent'));
    assert.deepEqual(hangUps.map((e) => e.handler).sort(), ['HangUpHandler', 'showHangUp']);
    assert.equal(hangUps.find((e) => e.handler === 'showHangUp').detail, 'hangUp');
  }));

  it("nobody rings the client: the snippet's catch narrows the CallError and handles 'enter'", { timeout: TEST_TIMEOUT }, run(async () => {
    const client = await openPortal('client', { consultationId: suite.consultationId('alone'), enterTimeoutSecond: 1 });
    const done = await waitDone(client);
    assert.equal(done.errors.length, 1);
    const [error] = done.errors;
    assert.equal(error.type, 'enter');
    assert.equal(error.shown, 'The doctor did not call');
    assert.equal(typeof error.description, 'string');
    assert.match(error.description, /1 s/);
    assert.equal(done.callState, 'ended');
  }));
});
