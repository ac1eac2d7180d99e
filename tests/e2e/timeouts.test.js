// Doctor-side timeouts: nobody entered (test 3), entered but never answered (test 4).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, createParty, startCall, waitCallResult, waitFor, waitForEvent,
} from './harness.js';

const TEST_TIMEOUT = 180000;

async function waitLocalTracksStopped(page) {
  await waitFor(page, () => window.localStreams.length > 0
    && window.localStreams.every((s) => s.getTracks().length > 0 && s.getTracks().every((t) => t.readyState === 'ended')),
  undefined, { message: 'a local stream was acquired and all its tracks ended' });
}

describe('call timeouts', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('timeouts'); });
  after(async () => { if (suite) await suite.close(); });

  it('enterTimeoutSecond: 2 and nobody in the room: call() rejects with CallError enter; local tracks stopped', { timeout: TEST_TIMEOUT }, run(async () => {
    const doctor = await suite.newPage('doctor');
    await createParty(doctor, 'doctor', { suite, consultationId: suite.consultationId('enter'), enterTimeoutSecond: 2 });
    await startCall(doctor);
    const r = await waitCallResult(doctor);
    assert.equal(r.ok, false, 'call() rejected');
    assert.equal(r.error.name, 'CallError', JSON.stringify(r.error));
    assert.equal(r.error.type, 'enter', JSON.stringify(r.error));
    assert.equal(r.error.isCallError, true, 'instanceof callcore.CallError');
    await waitLocalTracksStopped(doctor);
    const callErrors = await waitForEvent(doctor, 'callErrorEvent', { emitType: 'error' });
    assert.equal(callErrors[0].payload.type, 'enter');
  }));

  it('client entered but never calls call(); answerTimeoutSecond: 2: doctor rejects with CallError answer, client gets HANG_UP', { timeout: TEST_TIMEOUT }, run(async () => {
    const consultationId = suite.consultationId('answer');
    const client = await suite.newPage('client');
    const doctor = await suite.newPage('doctor');
    await createParty(client, 'client', { suite, consultationId });
    await waitForEvent(client, 'joined');
    await createParty(doctor, 'doctor', { suite, consultationId, answerTimeoutSecond: 2 });
    await startCall(doctor);
    // The client enters automatically when the doctor rings; it never answers.
    await waitForEvent(client, 'enterEvent');

    const r = await waitCallResult(doctor);
    assert.equal(r.ok, false, 'call() rejected');
    assert.equal(r.error.name, 'CallError', JSON.stringify(r.error));
    assert.equal(r.error.type, 'answer', JSON.stringify(r.error));
    assert.equal(r.error.isCallError, true, 'instanceof callcore.CallError');

    const hangUps = await waitForEvent(client, 'hangUpReceiveEvent');
    assert.equal(hangUps[0].emitType, 'event');
    await waitLocalTracksStopped(doctor);
  }));
});
