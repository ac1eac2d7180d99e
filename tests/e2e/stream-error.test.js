// Media cannot be acquired (test 5). getUserMedia really fails in Chromium, no JS stubbing:
// - a browser launched WITHOUT --use-fake-ui-for-media-stream and with --deny-permission-prompts
//   (getUserMedia -> NotAllowedError "Permission denied");
// - a browser whose fake camera reads a file that does not exist
//   (--use-file-for-fake-video-capture=/nonexistent…: video getUserMedia -> NotFoundError).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, createParty, startCall, waitCallResult, waitForEvent, BASE_ARGS, DEFAULT_ARGS,
} from './harness.js';

const TEST_TIMEOUT = 180000;

const DENY_ARGS = [...BASE_ARGS, '--use-fake-device-for-media-stream', '--deny-permission-prompts'];
const NO_CAMERA_ARGS = [...DEFAULT_ARGS, '--use-file-for-fake-video-capture=/nonexistent/callcore-e2e-missing.y4m'];

describe('streamError', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('stream-error'); });
  after(async () => { if (suite) await suite.close(); });

  async function failingCall(args, label, tag) {
    const browser = await suite.launchBrowser(args);
    const doctor = await suite.newPage(label, { browser });
    // Precondition: getUserMedia really fails in this browser.
    const gum = await doctor.evaluate(async () => {
      try {
        const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
        s.getTracks().forEach((t) => t.stop());
        return 'ok';
      } catch (e) {
        return e.name;
      }
    });
    await createParty(doctor, 'doctor', { suite, consultationId: suite.consultationId(tag) });
    await startCall(doctor);
    const r = await waitCallResult(doctor);
    const callErrors = await waitForEvent(doctor, 'callErrorEvent', { emitType: 'error' });
    return { doctor, gum, r, callErrors };
  }

  it('permission denied: call() rejects with CallError streamError saying why; CALL_ERROR event', { timeout: TEST_TIMEOUT }, run(async () => {
    const { gum, r, callErrors } = await failingCall(DENY_ARGS, 'doctor-denied', 'denied');
    assert.equal(gum, 'NotAllowedError', 'precondition: getUserMedia is denied in this browser');
    assert.equal(r.ok, false, 'call() rejected');
    assert.equal(r.error.name, 'CallError', JSON.stringify(r.error));
    assert.equal(r.error.type, 'streamError', JSON.stringify(r.error));
    assert.equal(r.error.isCallError, true, 'instanceof callcore.CallError');
    assert.match(String(r.error.description), /permission denied|NotAllowedError/i, `description: ${r.error.description}`);
    assert.equal(callErrors[0].emitType, 'error');
    assert.equal(callErrors[0].payload.type, 'streamError');
  }));

  it('no camera (fake capture file missing): call() rejects with CallError streamError saying why; CALL_ERROR event', { timeout: TEST_TIMEOUT }, run(async () => {
    const { gum, r, callErrors } = await failingCall(NO_CAMERA_ARGS, 'doctor-no-camera', 'nocam');
    assert.equal(gum, 'NotFoundError', 'precondition: no video device in this browser');
    assert.equal(r.ok, false, 'call() rejected');
    assert.equal(r.error.name, 'CallError', JSON.stringify(r.error));
    assert.equal(r.error.type, 'streamError', JSON.stringify(r.error));
    assert.match(String(r.error.description), /no device|NotFoundError/i, `description: ${r.error.description}`);
    assert.equal(callErrors[0].emitType, 'error');
    assert.equal(callErrors[0].payload.type, 'streamError');
  }));
});
