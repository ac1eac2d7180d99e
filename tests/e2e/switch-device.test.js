// switchDevice during a call (issue 4): the camera (and the microphone) change with replaceTrack,
// the call stays up without renegotiation and the far side decodes the new picture.
//
// Fixture: Chromium's own fake devices with `--use-fake-device-for-media-stream=device-count=3`:
// three cameras and three fake microphones (plus 'default'). They are real devices to
// getUserMedia/enumerateDevices, so the switch goes through `call.switchDevice('video', deviceId)`
// exactly as a portal's would. The two cameras used give different pictures (harness
// fakeCameraPicture): fake_device_0 green with a pacman and green corner squares, fake_device_2
// green with yellow corner squares. fake_device_1 (Y16, grey) is not used: Chromium's libwebrtc
// encodes none of its frames, even in a bare RTCPeerConnection without callcore (checked), so a
// far side could never see it. The far side's picture is sampled by drawing its remote <video>
// on a canvas (harness trackColourInPage).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, establishCall, waitFor, waitForStats, getStats, waitForPicture, countEvents, waitForStall, remoteTagsInPage, BASE_ARGS,
} from './harness.js';

const TEST_TIMEOUT = 240000;
const FAKE_DEVICES_ARGS = [...BASE_ARGS, '--use-fake-device-for-media-stream=device-count=3', '--use-fake-ui-for-media-stream'];
// Events that a renegotiation would produce on either side (inbound offers/answers, and any
// signaling state change of the peer connection).
const NEGOTIATION_EVENTS = ['offer', 'answer', 'signalingstatechange'];

// Runs in a page: the devices of a kind and the device of the call's current track.
function devicesInPage(kind) {
  return navigator.mediaDevices.enumerateDevices().then((devices) => {
    const track = window.call.localTrack(kind === 'videoinput' ? 'video' : 'audio');
    return {
      devices: devices.filter((d) => d.kind === kind && d.deviceId !== 'default' && d.deviceId !== 'communications')
        .map((d) => ({ deviceId: d.deviceId, label: d.label })),
      current: track ? { id: track.id, deviceId: track.getSettings().deviceId, label: track.label, readyState: track.readyState } : null,
    };
  });
}

// Runs in a page: switchDevice, keeping the old track to look at afterwards. Returns the outcome.
function switchInPage({ kind, deviceId }) {
  const tag = kind === 'videoinput' ? 'video' : 'audio';
  const old = window.call.localTrack(tag);
  window.oldTracks = [...(window.oldTracks || []), old];
  const senderTrackBefore = window.call.connection.getSenders().some((s) => s.track === old);
  return window.call.switchDevice(tag, deviceId).then(
    () => {
      const now = window.call.localTrack(tag);
      const senders = window.call.connection.getSenders();
      return {
        ok: true,
        senderTrackBefore,
        oldReadyState: old.readyState,
        oldStillInStream: window.call.mediaStream.getTracks().includes(old),
        newTrack: { id: now.id, readyState: now.readyState, deviceId: now.getSettings().deviceId, label: now.label, enabled: now.enabled },
        sameObject: now === old,
        senderHasNew: senders.some((s) => s.track === now),
        senderHasOld: senders.some((s) => s.track === old),
        streamTracks: window.call.mediaStream.getTracks().map((t) => t.kind).sort(),
      };
    },
    (error) => ({ ok: false, error: { name: error.name, type: error.type, message: error.message, description: error.description } }),
  );
}

describe('switchDevice during a call', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('switch-device', { args: FAKE_DEVICES_ARGS }); });
  after(async () => { if (suite) await suite.close(); });

  it('the doctor switches camera (device 0 -> 2 -> 0): no renegotiation, still connected, the client decodes the new picture', { timeout: TEST_TIMEOUT }, run(async (t) => {
    const { doctor, client } = await establishCall(suite, { tag: 'camera' });
    await waitForStats(client, { framesDecoded: 1 });
    await waitForStats(doctor, { framesDecoded: 1 });

    const cams = await doctor.evaluate(devicesInPage, 'videoinput');
    assert.equal(cams.devices.length, 3, `three fake cameras: ${JSON.stringify(cams.devices)}`);
    assert.equal(cams.current.deviceId, cams.devices[0].deviceId, `the call opened the first camera: ${JSON.stringify(cams)}`);
    // Precondition of the fixture: the far side sees the first camera's green picture.
    const before = await waitForPicture(client, { remote: 'video' }, 'green-corners');

    const marks = await Promise.all([doctor, client].map((p) => p.evaluate(() => window.events.length)));
    const switches = [];
    for (const [device, picture] of [[cams.devices[2], 'yellow-corners'], [cams.devices[0], 'green-corners']]) {
      const deviceMark = await doctor.evaluate(() => window.events.length);
      const statsBefore = await getStats(client);
      const r = await doctor.evaluate(switchInPage, { kind: 'videoinput', deviceId: device.deviceId });
      assert.equal(r.ok, true, `switchDevice('video', ${device.label}) resolved: ${JSON.stringify(r.error)}`);
      assert.equal(r.senderTrackBefore, true, 'the old camera track was on the sender before');
      assert.equal(r.sameObject, false, 'a new track');
      assert.equal(r.newTrack.deviceId, device.deviceId, `the new track is from ${device.label}: ${JSON.stringify(r.newTrack)}`);
      assert.equal(r.newTrack.readyState, 'live');
      assert.equal(r.oldReadyState, 'ended', 'the old camera track is stopped');
      assert.equal(r.oldStillInStream, false, 'call.mediaStream no longer holds the old track');
      assert.deepEqual(r.streamTracks, ['audio', 'video'], 'call.mediaStream: one audio, one video track');
      // replaceTrack runs after switchDevice resolved: the sender carries the new track soon.
      await waitFor(doctor, () => {
        const now = window.call.localTrack('video');
        return window.call.connection.getSenders().some((s) => s.track === now);
      }, undefined, { message: 'the video sender carries the new camera track' });

      const device_ = await waitFor(doctor, (mark) => window.events.slice(mark).find((e) => e.eventType === 'deviceEvent'
        && e.payload.phase === 'switched')?.payload, deviceMark, { message: "DEVICE {phase: 'switched'}" });
      assert.equal(device_.kind, 'video');
      assert.equal(device_.deviceId, device.deviceId);

      // The far side: frames keep being decoded and the picture is the new camera's.
      const after = await waitForPicture(client, { remote: 'video' }, picture);
      await waitForStats(client, { framesDecoded: statsBefore.framesDecoded + 20 });
      assert.equal(after.trackId, before.trackId, 'the far side still shows the same remote track (no new transceiver)');
      switches.push(`${device.label}: far side rgb ${after.rgb.join(',')} corners ${after.corners.map((c) => c.join(',')).join(' ')} (${after.width}x${after.height})`);
    }
    t.diagnostic(`far side before: rgb ${before.rgb.join(',')} corners ${before.corners.map((c) => c.join(',')).join(' ')}; after each switch: ${switches.join('; ')}`);

    // No renegotiation on either side, and both still connected.
    for (const [i, page] of [doctor, client].entries()) {
      const counts = await countEvents(page, NEGOTIATION_EVENTS, marks[i]);
      assert.deepEqual(counts, { offer: 0, answer: 0, signalingstatechange: 0 }, `[${page.label}] no renegotiation: ${JSON.stringify(counts)}`);
      const state = await page.evaluate(() => ({
        callState: window.call.callState,
        connectionState: window.call.connection.connectionState,
        signalingState: window.call.connection.signalingState,
        remoteVideoTracks: window.call.connection.getReceivers().filter((r) => r.track.kind === 'video').length,
      }));
      assert.deepEqual(state, { callState: 'connected', connectionState: 'connected', signalingState: 'stable', remoteVideoTracks: 1 }, `[${page.label}] still connected`);
    }
    // The client's own camera was not touched.
    assert.equal(await client.evaluate(() => window.call.localTrack('video').readyState), 'live');
  }));

  it('the client switches camera and microphone while muted and hidden: the states stay, the doctor decodes the new picture', { timeout: TEST_TIMEOUT }, run(async () => {
    const { doctor, client } = await establishCall(suite, { tag: 'client' });
    await waitForStats(doctor, { framesDecoded: 1, audioPacketsReceived: 1 });
    await waitForPicture(doctor, { remote: 'video' }, 'green-corners');
    const marks = await Promise.all([doctor, client].map((p) => p.evaluate(() => window.events.length)));

    // Muted and hidden first: the new tracks must come disabled too (the states are kept over a switch).
    await client.evaluate(() => window.call.changeDeviceState({ isMute: true, isHidden: true }));
    await waitFor(doctor, () => window.events.some((e) => e.eventType === 'remoteDeviceStateEvent' && e.payload.isHidden && e.payload.isMute),
      undefined, { message: 'remoteDeviceStateEvent {isMute: true, isHidden: true}' });

    // Microphone: another fake microphone.
    const mics = await client.evaluate(devicesInPage, 'audioinput');
    const mic = mics.devices.find((d) => d.deviceId !== mics.current.deviceId);
    assert.ok(mic, `a second microphone: ${JSON.stringify(mics)}`);
    const ra = await client.evaluate(switchInPage, { kind: 'audioinput', deviceId: mic.deviceId });
    assert.equal(ra.ok, true, `switchDevice('audio') resolved: ${JSON.stringify(ra.error)}`);
    assert.equal(ra.newTrack.deviceId, mic.deviceId);
    assert.equal(ra.newTrack.enabled, false, 'the new microphone track is disabled while muted');
    assert.equal(ra.oldReadyState, 'ended');

    const cams = await client.evaluate(devicesInPage, 'videoinput');
    const rv = await client.evaluate(switchInPage, { kind: 'videoinput', deviceId: cams.devices[2].deviceId });
    assert.equal(rv.ok, true, `switchDevice('video') resolved: ${JSON.stringify(rv.error)}`);
    assert.equal(rv.newTrack.enabled, false, 'the new camera track is disabled while hidden');
    assert.equal(rv.newTrack.deviceId, cams.devices[2].deviceId);

    await client.evaluate(() => window.call.changeDeviceState({ isMute: false, isHidden: false }));
    assert.deepEqual(await client.evaluate(() => window.call.mediaStream.getTracks().map((t) => [t.kind, t.enabled, t.readyState]).sort()),
      [['audio', true, 'live'], ['video', true, 'live']], 'unmuted and shown: the new tracks are enabled');
    const audioBefore = await getStats(doctor);
    await waitForStats(doctor, { audioPacketsReceived: audioBefore.audioPacketsReceived + 20 });
    const statsBefore = await getStats(doctor);
    await waitForPicture(doctor, { remote: 'video' }, 'yellow-corners');
    await waitForStats(doctor, { framesDecoded: statsBefore.framesDecoded + 20 });

    for (const [i, page] of [doctor, client].entries()) {
      const counts = await countEvents(page, NEGOTIATION_EVENTS, marks[i]);
      assert.deepEqual(counts, { offer: 0, answer: 0, signalingstatechange: 0 }, `[${page.label}] no renegotiation: ${JSON.stringify(counts)}`);
      assert.equal(await page.evaluate(() => window.call.callState), 'connected');
    }
  }));

  it('switchDevice to a camera that does not exist rejects with CallError streamError; the current camera stays', { timeout: TEST_TIMEOUT }, run(async () => {
    const { doctor, client } = await establishCall(suite, { tag: 'missing' });
    await waitForStats(client, { framesDecoded: 1 });
    const r = await doctor.evaluate(switchInPage, { kind: 'videoinput', deviceId: 'no-such-camera' });
    assert.equal(r.ok, false, 'switchDevice rejected');
    assert.equal(r.error.name, 'CallError');
    assert.equal(r.error.type, 'streamError', JSON.stringify(r.error));
    const current = await doctor.evaluate(() => ({ readyState: window.call.localTrack('video').readyState, old: window.oldTracks[0] === window.call.localTrack('video') }));
    assert.deepEqual(current, { readyState: 'live', old: true }, 'the camera in use is still the same live track');
    const s = await getStats(client);
    await waitForStats(client, { framesDecoded: s.framesDecoded + 10 });
    assert.equal(await doctor.evaluate(() => window.call.callState), 'connected');
  }));

  // Regression tests: resumeTrack after switchDevice used to hand the sender no track.
  for (const [name, order] of [
    ['switchDevice, then pauseTrack/resumeTrack', ['switch', 'pause', 'resume']],
    ['pauseTrack, switchDevice while paused, then resumeTrack', ['pause', 'switch', 'resume']],
  ]) {
    it(`${name} ('video'): the far side decodes the new camera again`, {
      timeout: TEST_TIMEOUT,
    }, run(async () => {
      const { doctor, client } = await establishCall(suite, { tag: order[0] });
      await waitForStats(client, { framesDecoded: 1 });
      const cams = await doctor.evaluate(devicesInPage, 'videoinput');
      for (const step of order) {
        const mark = await client.evaluate(() => window.events.length);
        if (step === 'switch') {
          const r = await doctor.evaluate(switchInPage, { kind: 'videoinput', deviceId: cams.devices[2].deviceId });
          assert.equal(r.ok, true, `switchDevice resolved: ${JSON.stringify(r.error)}`);
        } else if (step === 'pause') {
          await doctor.evaluate(() => window.call.pauseTrack('video'));
          await waitFor(client, remoteTagsInPage, { mark, tag: 'video', state: 'paused' }, { message: "REMOTE_TRACKS video 'paused'" });
          await waitForStall(client, 'framesDecoded');
        } else {
          await doctor.evaluate(() => window.call.resumeTrack('video'));
          await waitFor(client, remoteTagsInPage, { mark, tag: 'video', state: 'sending' }, { message: "REMOTE_TRACKS video 'sending'" });
        }
      }
      const sender = await doctor.evaluate(() => {
        const now = window.call.localTrack('video');
        const t = window.call.connection.getTransceivers().find((x) => x.receiver.track.kind === 'video');
        return { localTrack: now && now.readyState, senderTrack: t.sender.track ? (t.sender.track === now ? 'the camera track' : 'another track') : null };
      });
      const s = await getStats(client);
      try {
        await waitForStats(client, { framesDecoded: s.framesDecoded + 20 });
      } catch (err) {
        err.message = `after ${order.join(', ')}: the video sender carries ${JSON.stringify(sender)}\n${err.message}`;
        throw err;
      }
      await waitForPicture(client, { remote: 'video' }, 'yellow-corners');
    }));
  }
});
