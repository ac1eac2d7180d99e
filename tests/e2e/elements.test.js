// <callcore-video> / <callcore-audio> in a real call (issue 4): before the call the element's
// children (the slot) show and its inner <video> is hidden; during the call the remote video's
// frames advance (getVideoPlaybackQuality().totalVideoFrames and requestVideoFrameCallback) with
// videoWidth > 0, a <callcore-video> without peer-id plays the local camera, and
// <callcore-audio> plays the far side's live audio track. A paused far-side video brings the
// slot back; an element taken out of the page and put back plays again. The doctor's page uses setDefaultCallStore(store) (set after the elements were
// added), the client's page `element.store = store`.
//
// Autoplay: the browser runs with --autoplay-policy=no-user-gesture-required, so the audio
// element must play by itself (not `blocked`). Without the flag it would play too: Playwright's
// page.evaluate runs with a user gesture (the page gets user activation) and Chromium lets a
// page that captures (getUserMedia) autoplay. The `blocked` path (attribute,
// 'autoplayblocked', one document listener pair, play at the next click or key press) is
// tested in tests/e2e/autoplay.test.js, which avoids both.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, createParty, startCall, waitCallResult, waitForEvent, waitForCallState, waitFor, waitUntil, DEFAULT_ARGS,
} from './harness.js';

const TEST_TIMEOUT = 240000;
const AUTOPLAY_ARGS = [...DEFAULT_ARGS, '--autoplay-policy=no-user-gesture-required'];

// Runs in a page: adds the elements for the far side `peerId` (remote video, local video, remote
// audio), each with slot content, and a requestVideoFrameCallback counter per video element.
function addElements({ peerId, useDefault }) {
  const cc = window.callcore;
  document.body.insertAdjacentHTML('beforeend', `
    <callcore-video id="remote" peer-id="${peerId}" media-tag="video" style="width:320px;height:240px"><span id="remote-slot">waiting</span></callcore-video>
    <callcore-video id="local" style="width:160px;height:120px"><span id="local-slot">no camera</span></callcore-video>
    <callcore-audio id="audio" peer-id="${peerId}"><span id="audio-slot">no audio</span></callcore-audio>`);
  window.autoplayBlockedEvents = 0;
  document.getElementById('audio').addEventListener('autoplayblocked', () => { window.autoplayBlockedEvents += 1; });
  window.frameCallbacks = { remote: 0, local: 0 };
  for (const id of ['remote', 'local']) {
    const media = document.getElementById(id).media;
    const tick = () => { window.frameCallbacks[id] += 1; media.requestVideoFrameCallback(tick); };
    media.requestVideoFrameCallback(tick);
  }
  window.elementStore = cc.createCallStore(window.call);
  if (useDefault) {
    cc.setDefaultCallStore(window.elementStore);
  } else {
    for (const id of ['remote', 'local', 'audio']) document.getElementById(id).store = window.elementStore;
  }
}

// Runs in a page: what an element shows.
function elementState(id) {
  const el = document.getElementById(id);
  const media = el.media;
  const slot = document.getElementById(`${id}-slot`);
  const track = media.srcObject ? media.srcObject.getTracks()[0] : null;
  const call = window.call;
  const peer = el.hasAttribute('peer-id');
  const expected = media.tagName === 'VIDEO'
    ? (peer ? call.remoteTrack('video') : call.localTrack('video'))
    : call.remoteTrack('audio');
  return {
    mediaHidden: media.hidden,
    slotShown: slot.getClientRects().length > 0,
    track: track ? { kind: track.kind, readyState: track.readyState, isCallTrack: track === expected } : null,
    paused: media.paused,
    blocked: el.hasAttribute('blocked'),
    videoWidth: media.videoWidth || 0,
    frames: media.getVideoPlaybackQuality ? media.getVideoPlaybackQuality().totalVideoFrames : 0,
    frameCallbacks: window.frameCallbacks[id] || 0,
  };
}

describe('<callcore-video> / <callcore-audio> in a call', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('elements', { args: AUTOPLAY_ARGS }); });
  after(async () => { if (suite) await suite.close(); });

  // Opens both pages, adds the elements, checks the slots before the call and connects.
  async function callWithElements(tag, { browser } = {}) {
    const consultationId = suite.consultationId(tag);
    const client = await suite.newPage('client', browser ? { browser } : {});
    const doctor = await suite.newPage('doctor', browser ? { browser } : {});
    await createParty(client, 'client', { suite, consultationId });
    await createParty(doctor, 'doctor', { suite, consultationId });
    const ownId = () => window.events.find((e) => e.eventType === 'joined').payload.connectionId;
    await waitForEvent(client, 'joined');
    await waitForEvent(doctor, 'joined');
    const ids = { doctor: await doctor.evaluate(ownId), client: await client.evaluate(ownId) };
    await doctor.evaluate(addElements, { peerId: ids.client, useDefault: true });
    await client.evaluate(addElements, { peerId: ids.doctor, useDefault: false });

    for (const page of [doctor, client]) {
      for (const id of ['remote', 'local', 'audio']) {
        const s = await page.evaluate(elementState, id);
        assert.deepEqual({ mediaHidden: s.mediaHidden, slotShown: s.slotShown, track: s.track },
          { mediaHidden: true, slotShown: true, track: null }, `[${page.label}] #${id} before the call: the slot shows, the media is hidden`);
      }
    }
    await startCall(doctor);
    await waitForEvent(client, 'enterEvent');
    await startCall(client);
    for (const page of [doctor, client]) assert.equal((await waitCallResult(page)).ok, true, `[${page.label}] call() resolved`);
    await Promise.all([waitForCallState(doctor, 'connected'), waitForCallState(client, 'connected')]);
    return { doctor, client, ids };
  }

  // Waits until element #id plays its call track with frames advancing by `frames`.
  async function waitPlaying(page, id, frames = 10) {
    const first = await waitFor(page, (id) => {
      const el = document.getElementById(id);
      const track = el.media.srcObject && el.media.srcObject.getTracks()[0];
      return !el.media.hidden && track && track.readyState === 'live' && el.media.videoWidth > 0
        && { frames: el.media.getVideoPlaybackQuality().totalVideoFrames, callbacks: window.frameCallbacks[id] };
    }, id, { message: `#${id} shows a live video with a size` });
    const later = await waitUntil(page, elementState, id,
      (s) => s.frames >= first.frames + frames && s.frameCallbacks >= first.callbacks + frames,
      { message: `#${id}: ${frames} more frames (totalVideoFrames and requestVideoFrameCallback)` });
    assert.equal(later.slotShown, false, `[${page.label}] #${id}: the slot is hidden while the video plays`);
    assert.equal(later.track.isCallTrack, true, `[${page.label}] #${id} plays the call's track`);
    assert.equal(later.paused, false, `[${page.label}] #${id} is playing`);
    return later;
  }

  it('remote and local video play with frames advancing, remote audio plays; a paused far-side video shows the slot again', { timeout: TEST_TIMEOUT }, run(async (t) => {
    const { doctor, client } = await callWithElements('play');
    const notes = [];
    for (const page of [doctor, client]) {
      const remote = await waitPlaying(page, 'remote');
      const local = await waitPlaying(page, 'local');
      notes.push(`${page.label}: remote ${remote.videoWidth}px ${remote.frames} frames, local ${local.videoWidth}px ${local.frames} frames`);
      const audio = await waitFor(page, (id) => {
        const el = document.getElementById(id);
        const track = el.media.srcObject && el.media.srcObject.getTracks()[0];
        return track && track.readyState === 'live' && !el.media.paused && { blocked: el.hasAttribute('blocked') };
      }, 'audio', { message: '#audio plays a live track' });
      assert.equal(audio.blocked, false, `[${page.label}] #audio not blocked with --autoplay-policy=no-user-gesture-required`);
      const a = await page.evaluate(elementState, 'audio');
      assert.deepEqual({ mediaHidden: a.mediaHidden, slotShown: a.slotShown, track: a.track },
        { mediaHidden: false, slotShown: false, track: { kind: 'audio', readyState: 'live', isCallTrack: true } }, `[${page.label}] #audio`);
    }
    t.diagnostic(notes.join('; '));

    // The client pauses its camera: the doctor's remote element shows the slot; resumed: video again.
    await client.evaluate(() => window.call.pauseTrack('video'));
    await waitFor(doctor, () => {
      const el = document.getElementById('remote');
      return el.media.hidden && document.getElementById('remote-slot').getClientRects().length > 0;
    }, undefined, { message: 'paused far-side video: #remote shows the slot' });
    await client.evaluate(() => window.call.resumeTrack('video'));
    await waitPlaying(doctor, 'remote');

    // Taken out of the page (the browser pauses a detached media element) and put back: it
    // plays again.
    await doctor.evaluate(() => { window.parked = document.getElementById('remote'); window.parked.remove(); });
    await waitFor(doctor, () => window.parked.media.paused, undefined, { message: '#remote paused while out of the page' });
    await doctor.evaluate(() => document.body.append(window.parked));
    await waitPlaying(doctor, 'remote');
  }));

  // Regression test: the far side's tags used to survive the end of the call.
  it('after the far side hangs up, the remote element shows its children again (and the store lists no sending remote track)', {
    timeout: TEST_TIMEOUT,
  }, run(async () => {
    const { doctor, client } = await callWithElements('hangup');
    await waitPlaying(doctor, 'remote');
    await client.evaluate(() => window.call.hangUp());
    await waitFor(doctor, () => window.call.callState === 'ended', undefined, { message: "doctor callState 'ended'" });
    await waitFor(doctor, () => window.elementStore.getSnapshot().connectStatus === 'disconnected', undefined, { message: 'store: disconnected' });
    const local = await doctor.evaluate(elementState, 'local');
    assert.deepEqual({ mediaHidden: local.mediaHidden, slotShown: local.slotShown, track: local.track },
      { mediaHidden: true, slotShown: true, track: null }, 'the local element shows its children again');
    const after = await doctor.evaluate(() => {
      const s = window.elementStore.getSnapshot();
      return {
        recvTracks: s.recvTracks.map((t) => [t.tag, t.state, t.track && t.track.readyState]),
        peerTracks: s.peers.map((p) => Object.entries(p.tracks).map(([tag, t]) => [tag, t.state, t.track && t.track.readyState])),
      };
    });
    const remote = await doctor.evaluate(elementState, 'remote');
    assert.deepEqual({ mediaHidden: remote.mediaHidden, slotShown: remote.slotShown },
      { mediaHidden: true, slotShown: true },
      `the remote element shows its children again; it plays a ${remote.track && remote.track.readyState} track; store: ${JSON.stringify(after)}`);
  }));
});
