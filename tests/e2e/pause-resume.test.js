// pauseTrack / resumeTrack by media tag during a call (issue 4): a paused tag's sender sends
// nothing (replaceTrack(null), no renegotiation); the far side's decoding stops and its
// REMOTE_TRACKS shows the tag 'paused'; resumed, media flows again and the tag is 'sending'.
// "Stops" is judged by inbound-rtp counters that stay unchanged for 2 s (tens of frame
// intervals at the fake camera's 20-30 fps) within a deadline: a stream that keeps flowing fails.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, establishCall, waitFor, waitForStats, getStats, waitForStall, countEvents, remoteTagsInPage,
  shareScreen, waitForTrackFrames, inboundVideoInPage,
} from './harness.js';

const TEST_TIMEOUT = 240000;
const NEGOTIATION_EVENTS = ['offer', 'answer', 'signalingstatechange'];

// Runs in a page: the sender of the tag's kind and this side's LOCAL_TRACKS state of the tag.
function localTagState(tag) {
  const call = window.call;
  const track = call.localTrack(tag);
  const e = window.events.filter((x) => x.eventType === 'localTracksEvent').pop();
  const entry = e && e.payload.tracks.find((t) => t.tag === tag);
  return {
    localTrack: track ? { kind: track.kind, readyState: track.readyState } : null,
    senderHasTrack: !!track && call.connection.getSenders().some((s) => s.track === track),
    localTracksState: entry ? entry.state : null,
  };
}

describe('pauseTrack / resumeTrack by tag', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('pause-resume'); });
  after(async () => { if (suite) await suite.close(); });

  it("the doctor pauses 'video': the client's frames stop and its REMOTE_TRACKS says 'paused'; resumed: frames again, 'sending'; no renegotiation", { timeout: TEST_TIMEOUT }, run(async (t) => {
    const { doctor, client } = await establishCall(suite, { tag: 'video' });
    await waitForStats(client, { framesDecoded: 10, audioPacketsReceived: 10 });
    const marks = await Promise.all([doctor, client].map((p) => p.evaluate(() => window.events.length)));
    const notes = [];

    for (let round = 1; round <= 2; round += 1) {
      const mark = await client.evaluate(() => window.events.length);
      await doctor.evaluate(() => window.call.pauseTrack('video'));
      const paused = await waitFor(client, remoteTagsInPage, { mark, tag: 'video', state: 'paused' }, { message: "REMOTE_TRACKS video 'paused'" });
      assert.equal(paused.find((x) => x.tag === 'audio').state, 'sending', 'audio still sending');
      assert.deepEqual(await doctor.evaluate(localTagState, 'video'),
        { localTrack: { kind: 'video', readyState: 'live' }, senderHasTrack: false, localTracksState: 'paused' },
        'the sharer keeps its camera track (localTrack) but sends nothing');
      const stall = await waitForStall(client, 'framesDecoded');
      const packets = await waitForStall(client, 'videoPacketsReceived');
      const audio = await getStats(client);
      await waitForStats(client, { audioPacketsReceived: audio.audioPacketsReceived + 20 }); // audio goes on
      // The far side keeps the track (no renegotiation removed it).
      assert.equal(await client.evaluate(() => window.call.remoteTrack('video')?.readyState), 'live');

      const mark2 = await client.evaluate(() => window.events.length);
      await doctor.evaluate(() => window.call.resumeTrack('video'));
      const resumed = await waitFor(client, remoteTagsInPage, { mark: mark2, tag: 'video', state: 'sending' }, { message: "REMOTE_TRACKS video 'sending'" });
      assert.deepEqual(resumed.map((x) => x.state), ['sending', 'sending']);
      await waitForStats(client, { framesDecoded: stall.value + 20 });
      assert.deepEqual(await doctor.evaluate(localTagState, 'video'),
        { localTrack: { kind: 'video', readyState: 'live' }, senderHasTrack: true, localTracksState: 'sending' });
      notes.push(`round ${round}: frames stopped at ${stall.value} (${stall.stalledAfterMs} ms after the check began), video packets at ${packets.value}`);
    }
    t.diagnostic(notes.join('; '));

    for (const [i, page] of [doctor, client].entries()) {
      const counts = await countEvents(page, NEGOTIATION_EVENTS, marks[i]);
      assert.deepEqual(counts, { offer: 0, answer: 0, signalingstatechange: 0 }, `[${page.label}] no renegotiation: ${JSON.stringify(counts)}`);
      assert.equal(await page.evaluate(() => window.call.callState), 'connected');
    }
  }));

  it("the client pauses 'audio': the doctor's audio packets stop, 'paused'; resumed: they grow again, 'sending'; pausing twice is harmless", { timeout: TEST_TIMEOUT }, run(async () => {
    const { doctor, client } = await establishCall(suite, { tag: 'audio' });
    await waitForStats(doctor, { framesDecoded: 10, audioPacketsReceived: 10 });
    const mark = await doctor.evaluate(() => window.events.length);
    await client.evaluate(() => window.call.pauseTrack('audio'));
    await client.evaluate(() => window.call.pauseTrack('audio')); // already paused: resolves, changes nothing
    const paused = await waitFor(doctor, remoteTagsInPage, { mark, tag: 'audio', state: 'paused' }, { message: "REMOTE_TRACKS audio 'paused'" });
    assert.equal(paused.find((x) => x.tag === 'video').state, 'sending');
    const stall = await waitForStall(doctor, 'audioPacketsReceived');
    const video = await getStats(doctor);
    await waitForStats(doctor, { framesDecoded: video.framesDecoded + 20 }); // video goes on

    const mark2 = await doctor.evaluate(() => window.events.length);
    await client.evaluate(() => window.call.resumeTrack('audio'));
    await waitFor(doctor, remoteTagsInPage, { mark: mark2, tag: 'audio', state: 'sending' }, { message: "REMOTE_TRACKS audio 'sending'" });
    await waitForStats(doctor, { audioPacketsReceived: stall.value + 20 });
    const remoteTracksEvents = await countEvents(doctor, ['remoteTracksEvent'], mark);
    assert.equal(remoteTracksEvents.remoteTracksEvent, 2, 'one REMOTE_TRACKS for the pause (the second pause changed nothing), one for the resume');
  }));

  it("pauseTrack / resumeTrack / closeTrack of a tag the call does not send reject with CallError 'state'", { timeout: TEST_TIMEOUT }, run(async () => {
    const { doctor } = await establishCall(suite, { tag: 'unknown' });
    const errors = await doctor.evaluate(() => Promise.all(['pauseTrack', 'resumeTrack', 'closeTrack'].map((m) => window.call[m]('nope').then(
      () => ({ method: m, resolved: true }),
      (e) => ({ method: m, name: e.name, type: e.type, isCallError: e instanceof window.callcore.CallError }),
    ))));
    for (const e of errors) assert.deepEqual(e, { method: e.method, name: 'CallError', type: 'state', isCallError: true }, JSON.stringify(e));
    assert.equal(await doctor.evaluate(() => window.call.callState), 'connected');
  }));

  it("a screen shared paused (sendTrack(track, 'screen', true)) is listed 'paused' with no frames; resumeTrack('screen') makes it decode", { timeout: TEST_TIMEOUT }, run(async () => {
    const { doctor, client } = await establishCall(suite, { tag: 'screen' });
    await waitForStats(client, { framesDecoded: 1 });
    const mark = await client.evaluate(() => window.events.length);
    const started = await shareScreen(doctor, { paused: true });
    assert.equal(started.ok, true, JSON.stringify(started));
    await waitFor(client, remoteTagsInPage, { mark, tag: 'screen', state: 'paused' }, { message: "REMOTE_TRACKS screen 'paused'" });
    assert.deepEqual(await doctor.evaluate(localTagState, 'screen'),
      { localTrack: { kind: 'video', readyState: 'live' }, senderHasTrack: false, localTracksState: 'paused' });
    // The second video m-line is negotiated (an inbound-rtp may exist) but decodes nothing.
    await waitFor(client, () => window.call.connection.signalingState === 'stable' && window.call.remoteTrack('screen'), undefined, { message: "remoteTrack('screen') once negotiated" });
    const screenId = await client.evaluate(() => window.call.remoteTrack('screen').id);
    const cameraId = await client.evaluate(() => window.call.remoteTrack('video').id);
    const camNow = (await client.evaluate(inboundVideoInPage)).find((s) => s.trackIdentifier === cameraId);
    await waitForTrackFrames(client, cameraId, camNow.framesDecoded + 20); // time passes with the camera decoding...
    const screenStats = (await client.evaluate(inboundVideoInPage)).find((s) => s.trackIdentifier === screenId);
    assert.equal(screenStats ? screenStats.framesDecoded : 0, 0, `...and no screen frame: ${JSON.stringify(screenStats)}`);

    const mark2 = await client.evaluate(() => window.events.length);
    await doctor.evaluate(() => window.call.resumeTrack('screen'));
    await waitFor(client, remoteTagsInPage, { mark: mark2, tag: 'screen', state: 'sending' }, { message: "REMOTE_TRACKS screen 'sending'" });
    await waitForTrackFrames(client, screenId, 10);
  }));
});
