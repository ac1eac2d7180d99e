// Calls relayed through a real TURN server (coturn on 127.0.0.1, long-term credentials), with
// iceTransportPolicy 'relay' on both sides:
//  1. media flows both ways through the relay; the selected candidate pair is a relay one; the
//     TURN credential never reaches the SDK's log;
//  2. the TURN server is killed (SIGKILL) and started again on the same ports once the SDK made
//     an ICE restart attempt without it: the SDK's ICE restart (EVENT_LIST.ICE_RESTART phases
//     disconnected → attempt → recovered) brings the media back, still relayed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, establishCall, waitFor, waitForStats, getStats, getEvents, waitForSelectedPair, eventMark,
  waitForEventAfter,
} from './harness.js';
import { startTurnServer } from './servers.js';

const TEST_TIMEOUT = 180000;

describe('calls relayed through TURN (coturn)', () => {
  let suite;
  let turn;
  const run = (fn) => (t) => suite.wrap(async (tt) => {
    try {
      await fn(tt);
    } catch (err) {
      err.message += `\n----- turnserver log (tail) -----\n${turn ? turn.log().slice(-4000) : '(not started)'}`;
      throw err;
    }
  })(t);
  before(async () => { suite = await startSuite('relay'); });
  after(async () => {
    if (turn) await turn.stop();
    if (suite) await suite.close();
  });

  const relayOnly = () => ({ iceServers: [turn.iceServer], iceTransportPolicy: 'relay' });

  it('relay-only call: media both ways through coturn, the selected pair is relay, the credential is not logged', { timeout: TEST_TIMEOUT }, run(async (t) => {
    turn = turn ?? (await startTurnServer());
    const { doctor, client } = await establishCall(suite, { tag: 'relay', connectionConfig: relayOnly() });

    for (const page of [doctor, client]) {
      const first = await waitForStats(page, { framesDecoded: 1, audioPacketsReceived: 1 });
      const later = await waitForStats(page, { framesDecoded: first.framesDecoded + 10, audioPacketsReceived: first.audioPacketsReceived + 10 });
      assert.ok(later.framesDecoded > first.framesDecoded, `[${page.label}] framesDecoded grows`);

      const pair = await waitForSelectedPair(page);
      t.diagnostic(`[${page.label}] selected pair ${JSON.stringify(pair.local)} -> ${JSON.stringify(pair.remote)}`);
      assert.equal(pair.local.candidateType, 'relay', `[${page.label}] local candidate of the selected pair: ${JSON.stringify(pair)}`);
      assert.equal(pair.remote.candidateType, 'relay', `[${page.label}] remote candidate of the selected pair: ${JSON.stringify(pair)}`);
      assert.ok(pair.local.port >= turn.minPort && pair.local.port <= turn.maxPort,
        `[${page.label}] relayed address ${pair.local.address}:${pair.local.port} is in coturn's relay range ${turn.minPort}-${turn.maxPort}`);

      // The only ICE server is TURN and the policy is relay: every local candidate is relay.
      const types = await page.evaluate(async () => {
        const out = new Set();
        (await window.call.connection.getStats()).forEach((s) => { if (s.type === 'local-candidate') out.add(s.candidateType); });
        return [...out];
      });
      assert.deepEqual(types, ['relay'], `[${page.label}] local candidate types`);

      const exported = await page.evaluate(() => window.callcore.logger.export());
      assert.ok(exported.length > 100, `[${page.label}] the log has entries`);
      assert.ok(!exported.includes(turn.credential), `[${page.label}] the TURN credential appears in logger.export()`);
    }
    // coturn did the relaying: allocations were made with the long-term credential.
    assert.match(turn.log(), /ALLOCATE processed, success/);
    t.diagnostic(`turnserver log: ${turn.log().split('\n').length} lines`);
  }));

  it('TURN server killed and started again on the same ports: the SDK restarts ICE and media comes back', { timeout: TEST_TIMEOUT }, run(async (t) => {
    turn = turn ?? (await startTurnServer());
    const { doctor, client } = await establishCall(suite, { tag: 'turn-restart', connectionConfig: relayOnly() });
    const pages = [doctor, client];
    for (const page of pages) await waitForStats(page, { framesDecoded: 5 });
    const marks = { doctor: await eventMark(doctor), client: await eventMark(client) };

    const killedAt = Date.now();
    await turn.kill(); // every allocation is gone with it
    // The relayed path is dead: the SDK notices (iceConnectionState disconnected/failed) and
    // starts its ICE restart (EVENT_LIST.ICE_RESTART {phase: 'disconnected' | 'attempt', ...}).
    const noticed = await Promise.race(pages.map((page) => waitForEventAfter(page, marks[page.label], 'iceRestartEvent', { timeout: 60000 })
      .then((e) => ({ page: page.label, ...e }))));
    const noticedMs = noticed.time - killedAt;
    const stalled = { doctor: await getStats(doctor), client: await getStats(client) };
    // Keep the TURN server down until a restart attempt was made without it.
    const firstAttempt = await Promise.race(pages.map((page) => waitForEventAfter(page, marks[page.label], 'iceRestartEvent', { where: { phase: 'attempt' }, timeout: 60000 })
      .then((e) => ({ page: page.label, ...e }))));

    const restartedAt = Date.now();
    await turn.start(); // same ports, same credentials, no allocations (resolves once STUN answers)

    // One side's restart (or both, colliding) reconnects both: 'recovered' is reported by the
    // side(s) that made an attempt; then both are connected and decode video again.
    const recovered = await Promise.race(pages.map((page) => waitForEventAfter(page, marks[page.label], 'iceRestartEvent', { where: { phase: 'recovered' }, timeout: 90000 })
      .then((e) => ({ page: page.label, ...e }))));
    const recoveredMs = recovered.time - restartedAt;
    for (const page of pages) {
      await waitFor(page, () => window.call.connection && ['connected', 'completed'].includes(window.call.connection.iceConnectionState),
        undefined, { timeout: 90000, message: 'iceConnectionState connected again' });
      await waitForStats(page, { framesDecoded: stalled[page.label].framesDecoded + 10 }, { timeout: 60000 });
      const pair = await waitForSelectedPair(page);
      assert.equal(pair.local.candidateType, 'relay', `[${page.label}] still relayed after the restart`);
      assert.equal(await page.evaluate(() => window.call.callState), 'connected', `[${page.label}] call still connected`);
    }
    const backMs = Date.now() - restartedAt;

    const seen = {};
    for (const page of pages) {
      seen[page.label] = (await getEvents(page, 'iceRestartEvent')).map((e) => e.payload);
    }
    const all = [...seen.doctor, ...seen.client];
    const phases = new Set(all.map((e) => e.phase));
    assert.ok(phases.has('attempt'), `an ICE restart attempt was made: ${JSON.stringify(seen)}`);
    assert.ok(phases.has('recovered'), `an ICE restart recovered: ${JSON.stringify(seen)}`);
    assert.ok(!phases.has('failed'), `no side gave up: ${JSON.stringify(seen)}`);
    for (const e of all.filter((x) => x.phase === 'attempt' || x.phase === 'recovered')) {
      assert.equal(typeof e.attempt, 'number', `attempt number in ${JSON.stringify(e)}`);
    }
    // New allocations were made on the restarted server.
    const secondRun = turn.log().split('--- start 2:')[1] ?? '';
    assert.match(secondRun, /ALLOCATE processed, success/, 'relays allocated again on the restarted TURN server');
    t.diagnostic(`ICE restart noticed ${noticedMs} ms after the TURN kill (${noticed.page}: ${JSON.stringify(noticed.payload)}), first attempt ${firstAttempt.time - killedAt} ms (TURN still down); TURN down ${restartedAt - killedAt} ms; ICE recovered (${recovered.page}) ${recoveredMs} ms and video decoding again on both sides ${backMs} ms after the TURN restart; events ${JSON.stringify(seen)}`);
  }));
});
