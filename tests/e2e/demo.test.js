// The demo pages (demo/doctor.html, demo/client.html) in real Chromium, through the reference
// server: the far side's label follows the server's presence messages (joined.members,
// peerJoined, peerLeft), the client's Answer button is enabled only while the doctor rings
// (EVENT_LIST.ENTER) - not before, not after the call, not after the doctor hung up while
// ringing - and the local preview fills its box (the figure is
// as tall as its 4:3 video) before and during the call.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSuite, waitFor } from './harness.js';

const TEST_TIMEOUT = 240000;

// Runs in a demo page: what the test looks at.
function demoState() {
  const box = (el) => { const r = el.getBoundingClientRect(); return { width: Math.round(r.width), height: Math.round(r.height) }; };
  const local = document.querySelector('figure.local');
  const video = document.getElementById('local-video');
  return {
    label: document.getElementById('remote-name').textContent,
    farSide: document.body.dataset.farSide,
    callState: window.demo.callState,
    callDisabled: document.getElementById('call').disabled,
    localFigure: box(local),
    localVideo: box(video),
    localPlaying: !!video.srcObject && !video.paused && video.videoWidth > 0,
  };
}

describe('demo pages', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('demo'); });
  after(async () => { if (suite) await suite.close(); });

  async function openDemo(role, consultationId) {
    const page = await suite.newPage(role, { url: `${suite.httpUrl}/demo/${role}.html?c=${consultationId}`, waitReady: false });
    await page.setViewportSize({ width: 1200, height: 900 });
    await waitFor(page, () => document.body.dataset.ready === '1' || document.body.dataset.loadError, undefined, { message: 'demo.js started' });
    assert.equal(await page.evaluate(() => document.body.dataset.loadError), undefined, `[${role}] the SDK bundle loaded`);
    return page;
  }

  // The preview box is exactly its video (no empty part), and the video is 4:3.
  function assertPreviewFills(s, label) {
    assert.ok(Math.abs(s.localFigure.height - s.localVideo.height) <= 1 && Math.abs(s.localFigure.width - s.localVideo.width) <= 1,
      `${label}: the local figure ${JSON.stringify(s.localFigure)} is its video ${JSON.stringify(s.localVideo)}`);
    assert.ok(Math.abs(s.localVideo.height - (s.localVideo.width * 3) / 4) <= 2, `${label}: the preview is 4:3 (${JSON.stringify(s.localVideo)})`);
  }

  it('presence label, Answer only while the doctor rings, preview box filled', { timeout: TEST_TIMEOUT }, run(async () => {
    const consultationId = suite.consultationId('demo');
    const doctor = await openDemo('doctor', consultationId);
    await waitFor(doctor, () => document.getElementById('socket-state').textContent === 'open', undefined, { message: 'doctor socket open' });
    let d = await doctor.evaluate(demoState);
    assert.deepEqual([d.label, d.farSide], ['client: not here yet', 'absent']);
    assertPreviewFills(d, 'doctor before the call');

    // The client opens its page: the doctor sees it (peerJoined), the client sees the doctor (joined.members).
    const client = await openDemo('client', consultationId);
    d = await waitFor(doctor, () => document.body.dataset.farSide === 'here' && { label: document.getElementById('remote-name').textContent },
      undefined, { message: "doctor: the client is here (peerJoined)" });
    assert.equal(d.label, 'client: Client Demo is here');
    let c = await waitFor(client, () => document.body.dataset.farSide === 'here' && window.demo.callState === 'idle' && document.getElementById('socket-state').textContent === 'open',
      undefined, { message: 'client: the doctor is here (joined.members)' });
    c = await client.evaluate(demoState);
    assert.equal(c.label, 'doctor: Dr. Demo is here');
    assert.equal(c.callDisabled, true, 'Answer is disabled before the doctor rings');

    // The doctor rings: Answer becomes clickable.
    await doctor.click('#call');
    await waitFor(client, () => !document.getElementById('call').disabled, undefined, { message: 'Answer enabled once the doctor rang (ENTER)' });
    await client.click('#call');
    await Promise.all([doctor, client].map((page) => waitFor(page, () => window.demo.callState === 'connected', undefined, { message: 'connected' })));
    for (const page of [doctor, client]) {
      const s = await waitFor(page, () => {
        const video = document.getElementById('local-video');
        return !!video.srcObject && video.videoWidth > 0;
      }, undefined, { message: 'the local preview shows the camera' }).then(() => page.evaluate(demoState));
      assert.equal(s.localPlaying, true);
      assertPreviewFills(s, `${page.label} during the call`);
    }
    assert.equal((await client.evaluate(demoState)).callDisabled, true, 'Answer disabled during the call');

    // The client hangs up: Answer stays disabled on its fresh instance until the doctor rings again.
    await client.click('#hang-up');
    await waitFor(client, () => window.demo.callState === 'idle' && document.body.dataset.farSide === 'here', undefined,
      { message: 'client: a new idle instance that sees the doctor' });
    c = await client.evaluate(demoState);
    assert.equal(c.callDisabled, true, 'Answer disabled again after the call');
    assertPreviewFills(c, 'client after the call');

    // The doctor rings again and hangs up before the client answers: Answer is disabled again.
    await waitFor(doctor, () => window.demo.callState === 'idle' && document.body.dataset.farSide === 'here'
      && !document.getElementById('call').disabled, undefined, { message: 'doctor: a new idle instance that sees the client' });
    await doctor.click('#call');
    await waitFor(client, () => !document.getElementById('call').disabled, undefined, { message: 'Answer enabled by the second ring' });
    await waitFor(doctor, () => !document.getElementById('hang-up').disabled, undefined, { message: 'doctor: Hang up enabled while ringing' });
    await doctor.click('#hang-up');
    await waitFor(client, () => document.getElementById('call').disabled, undefined, { message: 'Answer disabled once the doctor hung up' });
    await waitFor(doctor, () => window.demo.callState === 'idle' && document.body.dataset.farSide === 'here', undefined,
      { message: 'doctor: idle again, the client still here' });
    assert.equal((await client.evaluate(demoState)).callDisabled, true);

    // The client closes its page: the doctor sees it leave (peerLeft).
    await client.close();
    d = await waitFor(doctor, () => document.body.dataset.farSide === 'left' && { label: document.getElementById('remote-name').textContent },
      undefined, { message: 'doctor: the client left (peerLeft)' });
    assert.equal(d.label, 'client: Client Demo left');
  }));
});
