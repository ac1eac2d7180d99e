// SIP calls through a real Kamailio (docs/sip.md "Tests"): SipConnector from dist/sip.js in two
// Debian Chromium pages with fake camera and microphone, Kamailio 5.6 started by the test on
// 127.0.0.1 with the project's config (tests/e2e/kamailio/) and stopped by PID. Registration
// with MD5 digest and, on an instance of its own, SHA-256 (RFC 8760); a wrong password; a call
// with audio and video both ways judged by getStats(); decline (486, 603) and cancel while
// ringing → the caller's typed cause; hangUp → the far side's call:ended. One browser, its two
// pages reused by every test.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSuite, waitFor, waitUntil } from './harness.js';
import { startKamailio } from './kamailio/kamailio.js';

const TEST_TIMEOUT = 60000;
const WAIT = 20000;
const USERS = { alice: 'alicepw', bob: 'bobpw', carol: 'carolpw' };

describe('sip: SipConnector through Kamailio', () => {
  let suite;
  let md5;
  let sha256;
  let alice;
  let bob;

  before(async () => {
    [md5, sha256] = await Promise.all([startKamailio({ algorithm: 'MD5', users: USERS }), startKamailio({ algorithm: 'SHA-256', users: USERS })]);
    suite = await startSuite('sip');
    // The pages live as long as the file: the harness's per-test cleanup is not used (suite.wrap
    // would close them), diagnostics are added by `run`.
    alice = await openPage('alice');
    bob = await openPage('bob');
  });
  after(async () => {
    try {
      if (suite) await suite.close();
    } finally {
      await Promise.all([md5?.stop(), sha256?.stop()]);
    }
  });

  async function openPage(label) {
    const page = await suite.browser.context.newPage();
    page.label = label;
    page.on('console', (msg) => suite.logs.push(`[${label}] console.${msg.type()}: ${msg.text()}`));
    page.on('pageerror', (err) => suite.logs.push(`[${label}] pageerror: ${err?.stack || err}`));
    await page.goto(`${suite.httpUrl}/tests/e2e/pages/sip.html`, { waitUntil: 'load', timeout: WAIT });
    await waitFor(page, () => window.ready === true || window.loadError, undefined, { timeout: WAIT, message: 'dist/sip.js imported' });
    assert.equal(await page.evaluate(() => window.loadError), null);
    return page;
  }

  // On failure: the Kamailio log tail and each page's events.
  const run = (fn) => async () => {
    const logStart = suite.logs.length;
    try {
      await fn();
    } catch (err) {
      const events = async (page) => JSON.stringify(await page.evaluate(() => window.events.slice(-30)).catch((e) => e.message));
      err.message += `\n--- page logs:\n${suite.logs.slice(logStart).join('\n')}\n--- alice events: ${await events(alice)}\n--- bob events: ${await events(bob)}`
        + `\n--- kamailio (MD5) log tail:\n${md5.log().slice(-4000)}`;
      throw err;
    }
  };

  const params = (server, user) => ({ sipServerUrl: server.url, sipServerIp: server.domain, user, password: USERS[user], displayName: `${user} page` });
  const connect = (page, p) => page.evaluate((p) => { window.make(); return window.connect(p); }, p);
  const eventsOf = (page, type) => page.evaluate((type) => window.events.filter((e) => e.eventType === type).map((e) => e.payload), type);
  const waitEvent = (page, type, count = 1) => waitFor(page, ({ type, count }) => window.events.filter((e) => e.eventType === type).length >= count,
    { type, count }, { timeout: WAIT, message: `${count} × ${type}` });

  it('registers with SHA-256 digest on a SHA-256 Kamailio, and un-registers on disconnect', { timeout: TEST_TIMEOUT }, run(async () => {
    const t0 = Date.now();
    const result = await connect(alice, params(sha256, 'alice'));
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.configuration.password, undefined, 'the configuration does not carry the password');
    console.log(`sip e2e: SHA-256 register ${Date.now() - t0} ms`);
    assert.equal(await alice.evaluate(() => window.connector.isRegistered), true);
    // Kamailio logs the algorithm of the credentials it accepted (kamailio.cfg route[AUTH]).
    assert.match(sha256.log(), /auth ok for alice \(REGISTER\) algorithm SHA-256/);
    await alice.evaluate(() => window.connector.disconnect());
    assert.deepEqual(await eventsOf(alice, 'connection:unregistered'), [{ statusCode: 200 }]);
    assert.equal(await alice.evaluate(() => window.connector.isConfigured()), false);
  }));

  it('a wrong password: connect() rejects with CallError sip naming 401, registrationFailed is terminal', { timeout: TEST_TIMEOUT }, run(async () => {
    const result = await connect(bob, { ...params(md5, 'bob'), password: 'wrong' });
    assert.equal(result.ok, false);
    assert.equal(result.error.name, 'CallError');
    assert.equal(result.error.type, 'sip');
    assert.match(result.error.description, /^SIP 401 Unauthorized \(Authentication Error\)$/);
    const [failed] = await eventsOf(bob, 'connection:registrationFailed');
    assert.deepEqual(failed, { cause: 'Authentication Error', statusCode: 401, reasonPhrase: 'Unauthorized', terminal: true });
    await bob.evaluate(() => window.connector.disconnect());
  }));

  it('MD5: alice calls bob, bob answers: audio and video flow both ways (getStats); bob hangs up → alice gets call:ended', { timeout: TEST_TIMEOUT }, run(async () => {
    const t0 = Date.now();
    for (const [page, user] of [[alice, 'alice'], [bob, 'bob']]) {
      const result = await connect(page, params(md5, user));
      assert.equal(result.ok, true, `${user}: ${JSON.stringify(result)}`);
    }
    console.log(`sip e2e: both registered (MD5) ${Date.now() - t0} ms`);
    // MD5 is the default: Kamailio's challenge names no algorithm, nor do the credentials (RFC 7616 §3.3).
    assert.match(md5.log(), /auth ok for bob \(REGISTER\) algorithm (MD5)?\n/);
    assert.doesNotMatch(md5.log(), /algorithm SHA-256/);
    const dialled = alice.evaluate(() => window.dial('bob'));
    await waitEvent(bob, 'incoming-call:ringing');
    const [ringing] = await eventsOf(bob, 'incoming-call:ringing');
    assert.equal(ringing.incomingNumber, 'alice');
    assert.equal(ringing.displayName, 'alice_page', 'sip-connector: spaces of the display name become _');
    const answered = await bob.evaluate(() => window.answer());
    assert.deepEqual(answered, { ok: true });
    assert.deepEqual(await dialled, { ok: true });
    console.log(`sip e2e: call confirmed ${Date.now() - t0} ms`);
    assert.deepEqual(await eventsOf(alice, 'call:progress'), [{ statusCode: 180, reasonPhrase: 'Ringing' }]);
    // Media both ways: inbound audio bytes and decoded video frames grow on each page.
    for (const page of [alice, bob]) {
      const first = await waitUntil(page, () => window.inbound(), undefined,
        (s) => s.audio?.bytesReceived > 0 && s.video?.framesDecoded > 0, { timeout: WAIT, message: 'audio bytes and video frames received' });
      await waitUntil(page, () => window.inbound(), undefined,
        (s) => s.audio.bytesReceived > first.audio.bytesReceived + 1000 && s.video.framesDecoded > first.video.framesDecoded + 5,
        { timeout: WAIT, message: 'audio bytes and video frames keep growing' });
      assert.deepEqual(await page.evaluate(() => window.remoteKinds()), ['audio', 'video'], `[${page.label}] getRemoteStreams().mainStream`);
    }
    console.log(`sip e2e: media both ways ${Date.now() - t0} ms`);
    await bob.evaluate(() => window.connector.hangUp());
    await waitEvent(alice, 'call:ended');
    assert.deepEqual(await eventsOf(alice, 'call:ended'), [{ originator: 'remote', cause: 'Bye' }]);
    assert.deepEqual(await eventsOf(bob, 'call:ended'), [{ originator: 'local', cause: 'Terminated' }]);
    assert.equal(await alice.evaluate(() => window.connector.connection.signalingState), 'closed');
  }));

  it('decline: bob declines with 486 → alice\'s call() rejects with CallError sip "SIP 486 Busy Here"; 603 → "Decline"', { timeout: TEST_TIMEOUT }, run(async () => {
    for (const [code, reason, cause] of [[486, 'Busy Here', 'Busy'], [603, 'Decline', 'Rejected']]) {
      const before = (await eventsOf(bob, 'incoming-call:ringing')).length;
      const dialled = alice.evaluate(() => window.dial('bob'));
      await waitEvent(bob, 'incoming-call:ringing', before + 1);
      await bob.evaluate((statusCode) => window.connector.declineToIncomingCall({ statusCode }), code);
      const result = await dialled;
      assert.equal(result.ok, false);
      assert.equal(result.error.type, 'sip');
      assert.equal(result.error.description, `remote: SIP ${code} ${reason} (${cause})`);
      const failed = (await eventsOf(alice, 'call:failed')).at(-1);
      assert.deepEqual(failed, { originator: 'remote', cause, statusCode: code, reasonPhrase: reason });
      assert.ok((await eventsOf(bob, 'incoming-call:declinedIncomingCall')).length >= 1);
    }
  }));

  it('cancel while ringing: alice hangs up → CANCEL; bob gets incoming-call:terminatedIncomingCall, alice\'s call() rejects "local: Canceled"', { timeout: TEST_TIMEOUT }, run(async () => {
    const before = (await eventsOf(bob, 'incoming-call:ringing')).length;
    const progressed = (await eventsOf(alice, 'call:progress')).length;
    const dialled = alice.evaluate(() => window.dial('bob'));
    await waitEvent(bob, 'incoming-call:ringing', before + 1);
    // The 180 reached alice (a CANCEL waits for a provisional response, RFC 3261 §9.1).
    await waitEvent(alice, 'call:progress', progressed + 1);
    await alice.evaluate(() => window.connector.hangUp());
    const result = await dialled;
    assert.equal(result.ok, false);
    assert.equal(result.error.type, 'sip');
    assert.equal(result.error.description, 'local: Canceled');
    await waitEvent(bob, 'incoming-call:terminatedIncomingCall');
    assert.equal((await eventsOf(bob, 'incoming-call:terminatedIncomingCall'))[0].incomingNumber, 'alice');
    assert.deepEqual((await eventsOf(bob, 'call:failed')).at(-1), { originator: 'remote', cause: 'Canceled' });
    assert.equal(await bob.evaluate(() => window.connector.callPhase), 'idle');
  }));
});
