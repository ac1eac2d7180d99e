// Instant answer (docs/api.md): while the client rings it connects on the doctor's offer — no
// getUserMedia, nothing sent, the doctor's media received but not given to the app, the doctor's
// call still waiting for the answer — and answering only opens the devices and attaches them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, createParty, startCall, waitCallResult, waitForEvent, waitForCallState, waitUntil, waitForStats, getEvents,
} from './harness.js';

const TEST_TIMEOUT = 120000;

/** Counts getUserMedia calls of the page (window.gumCalls). */
async function countGetUserMedia(page) {
  await page.evaluate(() => {
    window.gumCalls = 0;
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints) => {
      window.gumCalls += 1;
      return original(constraints);
    };
  });
}

/** What the client's connection carries: senders' tracks, bytes sent and received (getStats). */
function connectionFigures() {
  const pc = window.call.connection;
  if (!pc) return Promise.resolve(null);
  return pc.getStats().then((report) => {
    const out = { ice: pc.iceConnectionState, senderTracks: pc.getSenders().filter((s) => s.track).length, bytesSent: 0, videoBytesReceived: 0 };
    report.forEach((s) => {
      if (s.type === 'outbound-rtp') out.bytesSent += s.bytesSent || 0;
      if (s.type === 'inbound-rtp' && (s.kind || s.mediaType) === 'video') out.videoBytesReceived += s.bytesReceived || 0;
    });
    return out;
  });
}

describe('instant answer', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('instant'); });
  after(async () => { if (suite) await suite.close(); });

  it('ringing: connected with no device and nothing sent, the doctor waits; answer: connected at once, media both ways', { timeout: TEST_TIMEOUT }, run(async () => {
    const consultationId = suite.consultationId('instant');
    const client = await suite.newPage('client');
    const doctor = await suite.newPage('doctor');
    await countGetUserMedia(client);
    await createParty(client, 'client', { suite, consultationId });
    await waitForEvent(client, 'joined');
    await createParty(doctor, 'doctor', { suite, consultationId });
    await startCall(doctor);
    const enterType = await client.evaluate(() => window.callcore.EVENT_LIST.ENTER);
    await waitForEvent(client, enterType);

    // The client rings: its connection comes up on the doctor's offer, and the doctor's video
    // arrives — with no getUserMedia and no byte sent.
    const ringing = await waitUntil(client, connectionFigures, undefined, (f) => f && f.ice === 'connected' && f.videoBytesReceived > 0,
      { message: 'the client connected while ringing, receiving the doctor\'s video' });
    assert.equal(ringing.senderTracks, 0, 'no track on any sender before the answer');
    assert.equal(ringing.bytesSent, 0, 'no media leaves the client before the answer');
    assert.equal(await client.evaluate(() => window.gumCalls), 0, 'no getUserMedia before the answer');
    assert.equal(await client.evaluate(() => window.call.callState), 'idle');
    const told = async (page) => (await getEvents(page, await page.evaluate(() => window.callcore.EVENT_LIST.REMOTE_STREAM))).length;
    assert.equal(await told(client), 0, 'the client\'s app is not given the doctor\'s media while it rings');
    assert.equal(await doctor.evaluate(() => window.call.callState), 'waitingAnswer', 'reachable is not answered');
    assert.equal(await told(doctor), 0, 'the doctor\'s app learns nothing of the client\'s media');

    // The person answers.
    const answeredAt = Date.now();
    await startCall(client);
    const [clientResult, doctorResult] = await Promise.all([waitCallResult(client), waitCallResult(doctor)]);
    assert.ok(clientResult.ok && doctorResult.ok, JSON.stringify({ clientResult, doctorResult }));
    await Promise.all([waitForCallState(client, 'connected'), waitForCallState(doctor, 'connected')]);
    const connectedMs = Date.now() - answeredAt;
    assert.equal(await client.evaluate(() => window.gumCalls), 1, 'getUserMedia once, on answer');
    assert.ok(await told(client) >= 1, 'the doctor\'s stream is given to the client\'s app on answer');
    // Media both ways; the client's tracks went onto the senders prepared while ringing: one
    // negotiation only (no second offer).
    await Promise.all([waitForStats(client, { framesDecoded: 1, audioPacketsReceived: 1 }), waitForStats(doctor, { framesDecoded: 1, audioPacketsReceived: 1 })]);
    const firstFrameMs = Date.now() - answeredAt;
    const offers = await doctor.evaluate(() => window.events.filter((e) => e.eventType === 'offer' || e.eventType === 'answer').length);
    assert.ok(offers <= 1, `no renegotiation after the answer (${offers} offer/answer events on the doctor)`);
    const after = await client.evaluate(connectionFigures);
    assert.equal(after.senderTracks, 2, 'both tracks on the prepared senders');
    console.log(`instant answer: answer → both connected ${connectedMs} ms, → frames decoded on both sides ${firstFrameMs} ms`);
    await doctor.evaluate(() => window.call.hangUp());
    await waitForCallState(client, 'ended');
  }));
});
