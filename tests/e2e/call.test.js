// Connected calls through the reference signaling server in Debian Chromium with fake devices:
// video call (test 1), audio-only call (test 6), changeDeviceState during a call (test 7).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, establishCall, waitFor, waitForEvent, waitForStats, getStats, getStreams,
} from './harness.js';

const TEST_TIMEOUT = 180000;

describe('call (video, audio-only, device state)', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('call'); });
  after(async () => { if (suite) await suite.close(); });

  it('doctor calls, client answers: both sides decode video and receive audio; call() resolves with the live local stream', { timeout: TEST_TIMEOUT }, run(async () => {
    const { doctor, client, doctorResult, clientResult } = await establishCall(suite, { tag: 'video' });

    for (const [who, r] of [['doctor', doctorResult], ['client', clientResult]]) {
      assert.equal(r.ok, true, `${who} call() resolved`);
      assert.equal(r.stream.isMediaStream, true, `${who} call() resolved with a MediaStream`);
      assert.equal(r.stream.id, r.mediaStreamId, `${who}: resolved stream is call.mediaStream`);
      const kinds = r.stream.tracks.map((t) => t.kind).sort();
      assert.deepEqual(kinds, ['audio', 'video'], `${who}: local stream has one audio and one video track`);
      for (const t of r.stream.tracks) assert.equal(t.readyState, 'live', `${who}: local ${t.kind} track live`);
    }

    for (const [who, page] of [['doctor', doctor], ['client', client]]) {
      const first = await waitForStats(page, { framesDecoded: 1, audioPacketsReceived: 1 });
      assert.ok(first.videoInbound >= 1, `${who}: has a video inbound-rtp`);
      assert.ok(first.audioInbound >= 1, `${who}: has an audio inbound-rtp`);
      const later = await waitForStats(page, {
        framesDecoded: first.framesDecoded + 10,
        audioPacketsReceived: first.audioPacketsReceived + 10,
      });
      assert.ok(later.framesDecoded > first.framesDecoded, `${who}: framesDecoded grows`);
      assert.ok(later.audioPacketsReceived > first.audioPacketsReceived, `${who}: audio packetsReceived grows`);
    }

    // The local streams are still live while the call is up.
    for (const page of [doctor, client]) {
      const streams = await getStreams(page);
      assert.ok(streams.mediaStream, `[${page.label}] call.mediaStream set`);
      for (const t of streams.mediaStream.tracks) assert.equal(t.readyState, 'live');
    }
  }));

  it('isAudio on both sides: audio-only call, no video anywhere', { timeout: TEST_TIMEOUT }, run(async () => {
    const { doctor, client, doctorResult, clientResult } = await establishCall(suite, { tag: 'audio', isAudio: true });

    for (const [who, r] of [['doctor', doctorResult], ['client', clientResult]]) {
      assert.equal(r.stream.isMediaStream, true, `${who}: call() resolved with a MediaStream`);
      assert.deepEqual(r.stream.tracks.map((t) => t.kind), ['audio'], `${who}: resolved local stream is audio only`);
      assert.equal(r.stream.tracks[0].readyState, 'live');
    }

    for (const page of [doctor, client]) {
      await waitForEvent(page, 'remoteStreamEvent');
      const first = await waitForStats(page, { audioPacketsReceived: 1 });
      const later = await waitForStats(page, { audioPacketsReceived: first.audioPacketsReceived + 10 });
      assert.ok(later.audioPacketsReceived > first.audioPacketsReceived, `[${page.label}] audio packets grow`);
      assert.equal(later.videoInbound, 0, `[${page.label}] no video inbound-rtp: ${JSON.stringify(later)}`);
      assert.equal(later.framesDecoded, 0);

      const streams = await getStreams(page);
      assert.ok(streams.local.length >= 1, `[${page.label}] a local stream was seen`);
      assert.ok(streams.remote.length >= 1, `[${page.label}] a remote stream was seen`);
      for (const s of [...streams.local, ...streams.remote]) {
        assert.ok(!s.tracks.some((t) => t.kind === 'video'), `[${page.label}] stream ${s.id} has no video track: ${JSON.stringify(s)}`);
      }
      assert.ok(streams.remote.some((s) => s.tracks.some((t) => t.kind === 'audio')), `[${page.label}] remote audio track`);
      assert.ok(!streams.receiverTracks.some((t) => t.kind === 'video'), `[${page.label}] no video receiver: ${JSON.stringify(streams.receiverTracks)}`);
    }
  }));

  it('changeDeviceState({isMute, isHidden}) during a call: local tracks disabled, far side gets REMOTE_DEVICE_STATE; and back', { timeout: TEST_TIMEOUT }, run(async () => {
    const { doctor, client } = await establishCall(suite, { tag: 'device' });
    await waitForStats(client, { framesDecoded: 1 });
    await waitForStats(doctor, { framesDecoded: 1 });

    for (const [from, to] of [[doctor, client], [client, doctor]]) {
      for (const state of [true, false]) {
        const mark = await to.evaluate(() => window.events.length);
        await from.evaluate((state) => window.call.changeDeviceState({ isMute: state, isHidden: state }), state);

        const local = await from.evaluate(() => window.call.mediaStream.getTracks().map((t) => ({ kind: t.kind, enabled: t.enabled })));
        assert.equal(local.length, 2, `[${from.label}] local stream has 2 tracks`);
        for (const t of local) {
          assert.equal(t.enabled, !state, `[${from.label}] local ${t.kind} enabled=${!state} after changeDeviceState(${state})`);
        }

        await waitFor(to, ({ mark, state }) => window.events.slice(mark).some((e) => e.eventType === 'remoteDeviceStateEvent'
          && e.payload && e.payload.isMute === state && e.payload.isHidden === state), { mark, state }, {
          message: `remoteDeviceStateEvent {isMute:${state}, isHidden:${state}} after index ${mark}`,
        });
        const ev = (await to.evaluate((mark) => window.events.slice(mark)
          .filter((e) => e.eventType === 'remoteDeviceStateEvent')
          .map((e) => ({ emitType: e.emitType, payload: { ...e.payload } })), mark)).pop();
        assert.equal(ev.emitType, 'event');
        assert.equal(ev.payload.isMute, state);
        assert.equal(ev.payload.isHidden, state);
      }
    }
    // Still up after the toggles.
    const s0 = await getStats(client);
    await waitForStats(client, { framesDecoded: s0.framesDecoded + 5 });
  }));
});
