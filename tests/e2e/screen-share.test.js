// Screen sharing by media tag (issue 4): `call.sendTrack(track, 'screen')` with a real
// getDisplayMedia() track; the far side learns the tag (EVENT_LIST.REMOTE_TRACKS, the `track`
// event's tag), `remoteTrack('screen')` is a live video track whose frames decode in a second
// inbound-rtp video; then the share ends, by `closeTrack('screen')` or by the browser's
// "Stop sharing" (the track's 'ended' event), and the far side's tags no longer list 'screen'.
//
// getDisplayMedia works headless here with the suite's default flags: with
// --use-fake-ui-for-media-stream (and --use-fake-device-for-media-stream) Chromium 156 picks a
// fake screen without a picker ("screen:-3:0", displaySurface 'monitor', 1280x720, 16:9 unlike
// the 4:3 camera). It is called from a click (user activation), as a portal would.
// "Stop sharing" cannot be clicked in a headless browser; it is simulated by dispatching
// 'ended' on the track, which is what the browser does then (track.stop() by the page fires no
// 'ended' on that track, by the W3C spec). callcore listens with track.onended.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, establishCall, waitFor, waitForStats, inboundVideoInPage, waitForTrackFrames, shareScreen, remoteTagsInPage,
} from './harness.js';

const TEST_TIMEOUT = 240000;

describe('screen sharing by media tag', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('screen-share'); });
  after(async () => { if (suite) await suite.close(); });

  // One share from `sharer`, seen by `viewer`; returns what was seen.
  async function share(sharer, viewer) {
    const mark = await viewer.evaluate(() => window.events.length);
    const started = await shareScreen(sharer);
    assert.equal(started.ok, true, `getDisplayMedia + sendTrack(track, 'screen') resolved: ${JSON.stringify(started)}`);
    assert.equal(await sharer.evaluate(() => window.call.localTrack('screen') === window.screenTrack), true, "localTrack('screen') is the shared track");

    // The far side: REMOTE_TRACKS lists 'screen' next to the camera and microphone.
    const tags = await waitFor(viewer, remoteTagsInPage, { mark, tag: 'screen', listed: true }, { message: "REMOTE_TRACKS lists 'screen'" });
    assert.deepEqual(tags.map((t) => t.tag).sort(), ['audio', 'screen', 'video'], JSON.stringify(tags));
    assert.deepEqual(tags.find((t) => t.tag === 'screen'), { tag: 'screen', kind: 'video', state: 'sending' });

    // remoteTrack('screen'): a live video track, not the camera's.
    const remote = await waitFor(viewer, () => {
      const screen = window.call.remoteTrack('screen');
      const camera = window.call.remoteTrack('video');
      return screen && camera && { id: screen.id, kind: screen.kind, readyState: screen.readyState, cameraId: camera.id };
    }, undefined, { message: "remoteTrack('screen')" });
    assert.equal(remote.kind, 'video');
    assert.equal(remote.readyState, 'live');
    assert.notEqual(remote.id, remote.cameraId, 'the screen is a track of its own');

    // The `track` event of the screen carries its tag.
    const trackEvents = await viewer.evaluate((mark) => window.events.slice(mark).filter((e) => e.eventType === 'track')
      .map((e) => ({ kind: e.payload.kind, tag: e.payload.tag })), mark);
    assert.ok(trackEvents.some((e) => e.kind === 'video' && e.tag === 'screen'), `a 'track' event with tag 'screen': ${JSON.stringify(trackEvents)}`);

    // Its frames decode in a second inbound-rtp video, with the screen's 16:9 shape, while the camera goes on.
    const first = await waitForTrackFrames(viewer, remote.id, 1);
    const later = await waitForTrackFrames(viewer, remote.id, first.framesDecoded + 10);
    const inbound = await viewer.evaluate(inboundVideoInPage);
    assert.ok(inbound.length >= 2, `two inbound-rtp video: ${JSON.stringify(inbound)}`);
    const camera = inbound.find((s) => s.trackIdentifier === remote.cameraId);
    assert.ok(camera && camera.framesDecoded > 0, `the camera still decodes: ${JSON.stringify(inbound)}`);
    assert.ok(later.frameWidth > 0 && Math.abs(later.frameWidth / later.frameHeight - 16 / 9) < 0.05,
      `screen frames are 16:9: ${later.frameWidth}x${later.frameHeight}`);
    return { remote, started, later };
  }

  // Waits until `viewer` no longer lists 'screen' (REMOTE_TRACKS after `mark`) and has no remoteTrack('screen').
  async function waitScreenGone(viewer, mark) {
    const tags = await waitFor(viewer, remoteTagsInPage, { mark, tag: 'screen', listed: false }, { message: "REMOTE_TRACKS without 'screen'" });
    assert.deepEqual(tags.map((t) => t.tag).sort(), ['audio', 'video'], JSON.stringify(tags));
    assert.equal(await viewer.evaluate(() => window.call.remoteTrack('screen')), null, "remoteTrack('screen') is null");
  }

  // Both sides settle (stable), stay connected, and the camera still decodes on the viewer.
  async function stillUp(sharer, viewer) {
    for (const page of [sharer, viewer]) {
      await waitFor(page, () => window.call.connection.signalingState === 'stable', undefined, { message: 'stable' });
      assert.equal(await page.evaluate(() => window.call.callState), 'connected', `[${page.label}] connected`);
    }
    const cameraId = await viewer.evaluate(() => window.call.remoteTrack('video').id);
    const now = (await viewer.evaluate(inboundVideoInPage)).find((s) => s.trackIdentifier === cameraId);
    await waitForTrackFrames(viewer, cameraId, now.framesDecoded + 10);
  }

  it("the doctor shares the screen, the client decodes it under 'screen'; closeTrack('screen') ends it on both sides", { timeout: TEST_TIMEOUT }, run(async (t) => {
    const { doctor, client } = await establishCall(suite, { tag: 'close' });
    await waitForStats(client, { framesDecoded: 1 });
    const { started, later } = await share(doctor, client);
    t.diagnostic(`shared ${started.label} (${started.displaySurface} ${started.width}x${started.height}); far side decodes ${later.frameWidth}x${later.frameHeight}`);

    const mark = await client.evaluate(() => window.events.length);
    await doctor.evaluate(() => window.call.closeTrack('screen'));
    assert.deepEqual(await doctor.evaluate(() => ({ local: window.call.localTrack('screen'), readyState: window.screenTrack.readyState })),
      { local: null, readyState: 'ended' }, 'closeTrack stopped the shared track and forgot the tag');
    await waitScreenGone(client, mark);
    await stillUp(doctor, client);
  }));

  it("the browser's \"Stop sharing\" ('ended' on the shared track) closes the tag: the far side's tags no longer list 'screen'", { timeout: TEST_TIMEOUT }, run(async () => {
    const { doctor, client } = await establishCall(suite, { tag: 'ended' });
    await waitForStats(client, { framesDecoded: 1 });
    await share(doctor, client);

    const mark = await client.evaluate(() => window.events.length);
    await doctor.evaluate(() => window.screenTrack.dispatchEvent(new Event('ended')));
    await waitScreenGone(client, mark);
    await waitFor(doctor, () => window.call.localTrack('screen') === null && window.screenTrack.readyState === 'ended',
      undefined, { message: "the sharer forgot 'screen' and stopped the track" });
    await stillUp(doctor, client);

    // Sharing again works after that (the same tag, a new track).
    const again = await share(doctor, client);
    assert.equal(again.remote.readyState, 'live');
  }));

  it("the client shares (the polite side renegotiates), the doctor decodes 'screen'; closeTrack ends it", { timeout: TEST_TIMEOUT }, run(async () => {
    const { doctor, client } = await establishCall(suite, { tag: 'client' });
    await waitForStats(doctor, { framesDecoded: 1 });
    await share(client, doctor);
    const mark = await doctor.evaluate(() => window.events.length);
    await client.evaluate(() => window.call.closeTrack('screen'));
    await waitScreenGone(doctor, mark);
    await stillUp(client, doctor);
  }));
});
