// sendMessage both ways during a real call (issue 4): every message arrives once and in the order
// it was sent (EVENT_LIST.MESSAGE), whichever transport carried it: the first batch is sent by
// each side the moment its call() resolves - before any offer/answer was applied, so the data
// channel cannot be open and they go through signaling - the second when the peer connection is
// 'connected' (either transport), the third once the data channel is open (callcore's log entry
// 'dataChannelState' 'open', read through the public `logger`). Oversized messages reject with
// CallError 'message' and take no sequence number (the far side sees no gap); messages near the
// 16 KiB limit go through both transports.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, createParty, startCall, waitCallResult, waitForEvent, waitForCallState, waitFor, WAIT_MS,
} from './harness.js';

const TEST_TIMEOUT = 240000;
const N = 15; // messages per batch and side
const LIMIT = 16 * 1024;

// Runs in a page: call() and, in the same microtask as its resolution, batch A; batch B when the
// SDK reports the peer connection 'connected'. Every sendMessage outcome lands in window.sent.
function callAndSend({ from, n, limit }) {
  const cc = window.callcore;
  const call = window.call;
  window.sent = [];
  window.callResult = null;
  const body = (batch, i) => ({ from, batch, i, text: `héllo ✓ 🩺 ${from} ${batch}${i}`, nested: { list: [i, null, true, { deep: 'x' }] } });
  const send = (message, note) => {
    const entry = { note, type: message.type, body: message.body, size: JSON.stringify(message.body).length };
    window.sent.push(entry);
    return call.sendMessage(message).then(
      () => { entry.ok = true; },
      (e) => { entry.ok = false; entry.error = { name: e.name, type: e.type, description: e.description, isCallError: e instanceof cc.CallError }; },
    );
  };
  window.sendBatch = (batch) => {
    for (let i = 0; i < n; i += 1) {
      send({ type: 'seq', body: body(batch, i) }, batch);
      if (i === 3) send({ type: 'huge', body: 'x'.repeat(limit + 1) }, `${batch}-oversized`); // refused
      if (i === 5) send({ type: 'near', body: `${from}${batch}`.padEnd(limit - 100, 'y') }, `${batch}-near-limit`); // fits
    }
  };
  call.emitter.on(cc.CONNECTION_EVENT_LIST.CONNECTION_STATE, ({ payload }) => {
    if (payload.state === 'connected' && !window.sentB) {
      window.sentB = true;
      window.sendBatch('B');
    }
  });
  call.call().then(
    (stream) => {
      window.callResult = { ok: true, stream };
      window.signalingStateAtA = call.connection ? call.connection.signalingState : 'no connection';
      window.remoteDescriptionAtA = !!(call.connection && call.connection.remoteDescription);
      window.sendBatch('A');
    },
    (error) => { window.callResult = { ok: false, error }; },
  );
}

// Runs in a page: the MESSAGE events received, JSON-safe.
function received() {
  return window.events.filter((e) => e.eventType === window.callcore.EVENT_LIST.MESSAGE)
    .map((e) => ({ type: e.payload.type, body: e.payload.body, via: e.payload.via, connectionId: e.payload.connectionId }));
}

describe('sendMessage both ways, in order, across signaling and the data channel', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('messages'); });
  after(async () => { if (suite) await suite.close(); });

  it(`${N} messages per batch and side from call() on: in order and once on both sides, first via signaling then via dataChannel; > 16 KiB rejects with CallError 'message'`, { timeout: TEST_TIMEOUT }, run(async (t) => {
    const consultationId = suite.consultationId('order');
    const client = await suite.newPage('client');
    const doctor = await suite.newPage('doctor');
    // preconnect off: with instant answer the connection (and its data channel) would be up
    // before the doctor's call() resolves, and batch A is meant to go out before any remote
    // description, through signaling.
    await createParty(client, 'client', { suite, consultationId, extraParams: { preconnect: false } });
    await waitForEvent(client, 'joined');
    await createParty(doctor, 'doctor', { suite, consultationId });

    // Before a call there is no far side: sendMessage rejects with 'state'.
    const early = await doctor.evaluate(() => window.call.sendMessage({ type: 'early' }).then(() => 'resolved', (e) => `${e.name} ${e.type}`));
    assert.equal(early, 'CallError state', 'sendMessage before call() rejects');

    await doctor.evaluate(callAndSend, { from: 'doctor', n: N, limit: LIMIT });
    await waitForEvent(client, 'enterEvent');
    await client.evaluate(callAndSend, { from: 'client', n: N, limit: LIMIT });
    for (const page of [doctor, client]) {
      const r = await waitCallResult(page);
      assert.equal(r.ok, true, `[${page.label}] call() resolved: ${JSON.stringify(r.error)}`);
    }
    await Promise.all([waitForCallState(doctor, 'connected'), waitForCallState(client, 'connected')]);
    const atA = {};
    for (const page of [doctor, client]) {
      atA[page.label] = await page.evaluate(() => ({ signalingState: window.signalingStateAtA, remoteDescription: window.remoteDescriptionAtA }));
      assert.equal(atA[page.label].remoteDescription, false, `[${page.label}] batch A went out before any remote description was applied`);
    }

    // Batch C once this side's data channel is open.
    for (const page of [doctor, client]) {
      await waitFor(page, () => window.callcore.logger.filter((e) => e.event === 'dataChannelState' && e.data && e.data.state === 'open').length > 0,
        undefined, { message: "logger: dataChannelState 'open'" });
      await waitFor(page, () => window.sentB === true, undefined, { message: 'batch B sent' });
      await page.evaluate(() => window.sendBatch('C'));
    }

    // Each side's own connection id (the server's 'joined').
    const ownId = () => window.events.find((e) => e.eventType === 'joined').payload.connectionId;
    const peerIds = { doctor: await doctor.evaluate(ownId), client: await client.evaluate(ownId) };
    const summary = [];
    for (const [sender, receiver] of [[doctor, client], [client, doctor]]) {
      const sent = await waitFor(sender, (count) => window.sent.length === count && window.sent.every((s) => 'ok' in s) && window.sent,
        (N + 2) * 3, { message: 'every sendMessage settled' });
      for (const s of sent.filter((x) => x.note.endsWith('oversized'))) {
        assert.equal(s.ok, false, `[${sender.label}] ${s.note} (${s.size} bytes) rejected`);
        assert.deepEqual({ name: s.error.name, type: s.error.type, isCallError: s.error.isCallError },
          { name: 'CallError', type: 'message', isCallError: true }, `[${sender.label}] ${s.note}: ${JSON.stringify(s.error)}`);
      }
      const accepted = sent.filter((s) => s.ok);
      assert.equal(accepted.length, (N + 1) * 3, `[${sender.label}] every other message resolved: ${JSON.stringify(sent.filter((s) => !s.ok && !s.note.endsWith('oversized')).map((s) => s.error))}`);

      // The receiver: exactly the accepted messages, in the order they were sent, once each.
      const got = await waitFor(receiver, (count) => {
        const list = window.events.filter((e) => e.eventType === 'messageEvent');
        return list.length >= count && list.length;
      }, accepted.length, { timeout: WAIT_MS, message: `${accepted.length} MESSAGE events` }).then(() => receiver.evaluate(received));
      assert.equal(got.length, accepted.length, `[${receiver.label}] no extra (duplicate) message`);
      assert.deepEqual(got.map((m) => ({ type: m.type, body: m.body })), accepted.map((s) => ({ type: s.type, body: s.body })),
        `[${receiver.label}] payloads in send order`);
      for (const m of got) assert.equal(m.connectionId, peerIds[sender.label], `[${receiver.label}] MESSAGE connectionId is the sender's`);

      // Transports: batch A through signaling, batch C on the data channel, never back.
      const vias = got.map((m, i) => ({ batch: accepted[i].note[0], via: m.via }));
      assert.ok(vias.filter((v) => v.batch === 'A').every((v) => v.via === 'signaling'), `[${receiver.label}] batch A via signaling: ${JSON.stringify(vias)}`);
      assert.ok(vias.filter((v) => v.batch === 'C').every((v) => v.via === 'dataChannel'), `[${receiver.label}] batch C via dataChannel: ${JSON.stringify(vias)}`);
      const firstDc = vias.findIndex((v) => v.via === 'dataChannel');
      assert.ok(vias.slice(firstDc).every((v) => v.via === 'dataChannel'), `[${receiver.label}] no signaling after the first dataChannel message: ${JSON.stringify(vias)}`);
      const count = (batch, via) => vias.filter((v) => v.batch === batch && v.via === via).length;
      summary.push(`${sender.label}->${receiver.label}: A ${count('A', 'signaling')} signaling; B ${count('B', 'signaling')} signaling + ${count('B', 'dataChannel')} dataChannel; C ${count('C', 'dataChannel')} dataChannel`);
    }
    t.diagnostic(`${summary.join('; ')}; signalingState when call() resolved: ${JSON.stringify(atA)}`);

    // An oversized message during the call rejects too, and a bad type.
    const late = await doctor.evaluate((limit) => Promise.all([
      window.call.sendMessage({ type: 'huge', body: 'z'.repeat(limit) }),
      window.call.sendMessage({ type: '' }),
      window.call.sendMessage({ type: 't'.repeat(65) }),
    ].map((p) => p.then(() => 'resolved', (e) => `${e.name} ${e.type}`))), LIMIT);
    assert.deepEqual(late, ['CallError message', 'CallError message', 'CallError message']);
    assert.equal(await doctor.evaluate(() => window.call.callState), 'connected');
  }));
});
