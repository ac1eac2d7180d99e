// Tests of the package API (dist/callcore.js: wasm core + JS shell) in Node. Real WebRTC and
// media come from @roamhq/wrtc (libwebrtc with synthetic capture devices); the built-in
// signaling socket uses `ws` against the real reference server.
// Run: node --test tests/node/api.test.js
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wrtc from '@roamhq/wrtc';
import WebSocket, { WebSocketServer } from 'ws';
import { startServer } from '../../demo/server.js';

Object.assign(globalThis, { RTCPeerConnection: wrtc.RTCPeerConnection, MediaStream: wrtc.MediaStream, WebSocket });
if (!globalThis.navigator) globalThis.navigator = {};
Object.defineProperty(globalThis.navigator, 'mediaDevices', { value: wrtc.mediaDevices, configurable: true });

const callcore = await import('../../dist/callcore.js');
const { RTCDoctor, RTCClient, CallError, EVENT_LIST, CONNECTION_EVENT_LIST, EMIT_TYPE_LIST, logger } = callcore;

const DEADLINE_MS = 10000;

// wrtc (0.9 and 0.10) crashes in Node's environment teardown (napi finalizers) when it has
// created media tracks; an explicit exit once the test runner has reported skips that teardown
// and keeps the runner's exit code.
process.once('beforeExit', () => process.exit(process.exitCode ?? 0));

/** Resolves when `predicate()` is true, polling; rejects after `ms` with `what`. */
function until(predicate, what, ms = DEADLINE_MS) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** Records every event of an object's emitter. */
function record(rtc) {
  const events = [];
  rtc.emitter.on(EVENT_LIST.ALL, (e) => events.push(e));
  return events;
}

const doctorInfo = { avatarId: 'a1', fullName: 'Gregory House', specialityName: 'Diagnostics' };
let nextConsultation = 1;

/**
 * A doctor and a client whose portal-owned sockets are wired to each other in memory (the
 * portal's job: deliver `{type, data}` to socketMessageHandler, asynchronously as a socket does).
 */
function pair(overrides = {}) {
  const consultationId = `node-${process.pid}-${nextConsultation++}`;
  const sides = {};
  const deliver = (to) => (message) => {
    const type = message.type ?? message.data.type;
    setImmediate(() => sides[to]?.socketMessageHandler({ type, data: message.data }));
  };
  sides.doctor = new RTCDoctor({
    name: 'Dr House', clientId: 'doc-1', connectionId: 'conn-doc', consultationId, doctor: doctorInfo,
    isAudio: false, enterTimeoutSecond: 5, answerTimeoutSecond: 5, send: deliver('client'), ...overrides.doctor,
  });
  sides.client = new RTCClient({
    name: 'Alice', clientId: 'cli-1', connectionId: 'conn-cli', consultationId, isAudio: false,
    send: deliver('doctor'), ...overrides.client,
  });
  sides.consultationId = consultationId;
  return sides;
}

describe('public names', () => {
  test('enums come from the core dictionary with the seed values', () => {
    assert.equal(EVENT_LIST.ALL, 'allEvent');
    assert.equal(EVENT_LIST.HANG_UP, 'hangUpReceiveEvent');
    assert.equal(EVENT_LIST.RTC_RESPONDENT_PROPS, 'rtcRespondentPropsEvent');
    assert.equal(callcore.SOCKET_MESSAGES_EVENT_LIST.ENTER, 'enter');
    assert.equal(CONNECTION_EVENT_LIST.CONNECTION_ICE_STATE, 'iceconnectionstatechange');
    assert.deepEqual(EMIT_TYPE_LIST, { EVENT: 'event', ERROR: 'error' });
    assert.ok(Object.isFrozen(EVENT_LIST));
  });

  test('invalid RTCParams throw CallError "params" naming the field', () => {
    assert.throws(() => new RTCDoctor(null), (e) => e instanceof CallError && e.type === 'params');
    assert.throws(
      () => new RTCClient({ name: 'x', clientId: 'c', connectionId: 'k', isAudio: false, send() {} }),
      (e) => e.name === 'CallError' && e.type === 'params' && /consultationId/.test(e.description),
    );
    assert.throws(
      () => new RTCClient({ name: 'x', clientId: 'c', connectionId: null, consultationId: 'k', isAudio: false }),
      (e) => e.type === 'params' && /signalingUrl/.test(e.description),
    );
  });

  test('socketMessenger builds the seed publish and transient shapes', (t) => {
    const { doctor, client } = pair();
    t.after(() => { doctor.destroy(); client.destroy(); });
    const consultationId = doctor.params.consultationId;
    const sender = { chatId: consultationId, clientId: 'doc-1', connectionId: 'conn-doc' };
    assert.deepEqual(doctor.socketMessenger.createPublishMessage('enter'), {
      data: { type: 'enter', sender, consultationId }, route: 'vcm',
    });
    assert.deepEqual(doctor.socketMessenger.createTransientMessage(['conn-cli'], { type: 'deviceState', isMute: true }), {
      type: 'deviceState', chatId: consultationId, connectionIds: ['conn-cli'],
      data: { sender, consultationId, isMute: true },
    });
  });
});

describe('a consultation call with real WebRTC (wrtc)', () => {
  test('doctor calls, client answers, both connect; the doctor hangs up', async (t) => {
    const { doctor, client } = pair();
    t.after(() => { doctor.destroy(); client.destroy(); });
    const doctorEvents = record(doctor);
    const clientEvents = record(client);
    let clientCall;
    client.emitter.on(EVENT_LIST.ENTER, () => { clientCall = client.call(); });

    const doctorStream = await doctor.call();
    const clientStream = await clientCall;
    assert.equal(doctorStream, doctor.mediaStream);
    assert.equal(clientStream, client.mediaStream);
    assert.ok(doctorStream.getTracks().every((track) => track.readyState === 'live'));
    assert.equal(doctor.hasEntered, true);
    assert.equal(doctor.hasAnswered, true);

    await until(() => doctor.callState === 'connected' && client.callState === 'connected', 'both connected');
    assert.equal(doctor.connection.connectionId, 'conn-cli');
    assert.equal(doctor.connection.name, 'Alice');
    assert.equal(doctor.connection.isInviter, true);
    assert.equal(client.connection.isInviter, false);
    assert.ok(clientEvents.some((e) => e.eventType === EVENT_LIST.REMOTE_STREAM && e.payload.stream.getTracks().length > 0));
    const props = doctorEvents.find((e) => e.eventType === EVENT_LIST.RTC_RESPONDENT_PROPS);
    assert.equal(props.payload.name, 'Alice');
    const clientProps = clientEvents.find((e) => e.eventType === EVENT_LIST.RTC_RESPONDENT_PROPS);
    assert.equal(clientProps.payload.doctor.fullName, 'Gregory House');

    const pc = doctor.connection;
    doctor.hangUp();
    await until(() => clientEvents.some((e) => e.eventType === EVENT_LIST.HANG_UP), 'HANG_UP on the client');
    assert.equal(clientEvents.find((e) => e.eventType === EVENT_LIST.HANG_UP).payload.reason, 'hangUp');
    await until(() => client.connection.signalingState === 'closed', 'client connection closed');
    assert.equal(pc.signalingState, 'closed');
    assert.ok(doctorStream.getTracks().every((track) => track.readyState === 'ended'));
    assert.ok(clientStream.getTracks().every((track) => track.readyState === 'ended'));
    assert.equal(doctor.callState, 'ended');
    assert.equal(client.callState, 'ended');
  });

  test('changeDeviceState reaches the far side and disables local tracks', async (t) => {
    const { doctor, client } = pair();
    t.after(() => { doctor.destroy(); client.destroy(); });
    const doctorEvents = record(doctor);
    client.emitter.on(EVENT_LIST.ENTER, () => client.call());
    await doctor.call();
    await until(() => client.callState === 'connected', 'client connected');
    client.changeDeviceState({ isMute: true, isHidden: true });
    assert.ok(client.mediaStream.getTracks().every((track) => !track.enabled));
    await until(() => doctorEvents.some((e) => e.eventType === EVENT_LIST.REMOTE_DEVICE_STATE), 'REMOTE_DEVICE_STATE');
    const state = doctorEvents.find((e) => e.eventType === EVENT_LIST.REMOTE_DEVICE_STATE).payload;
    assert.deepEqual(state, { connectionId: 'conn-cli', isHidden: true, isMute: true });
  });

  test('a malformed message gives an error event and the call goes on', async (t) => {
    const { doctor, client } = pair();
    t.after(() => { doctor.destroy(); client.destroy(); });
    const doctorEvents = record(doctor);
    client.emitter.on(EVENT_LIST.ENTER, () => client.call());
    await doctor.call();
    await until(() => doctor.callState === 'connected', 'connected');
    for (const bad of [{ type: 'offer', data: { description: 42 } }, { type: 12 }, { type: 'noSuchType', data: {} }, '{oops']) {
      await doctor.socketMessageHandler(bad);
    }
    const errors = doctorEvents.filter((e) => e.eventType === EVENT_LIST.SIGNALING_ERROR);
    assert.deepEqual(errors.map((e) => e.payload.code), ['invalidField', 'malformed', 'unknownType', 'malformed']);
    assert.ok(errors.every((e) => e.emitType === EMIT_TYPE_LIST.ERROR));
    assert.equal(doctor.callState, 'connected');
    assert.ok(logger.filter((e) => e.event === 'signalingErrorEvent').length >= 4);
  });

  test('nobody enters: call() rejects with CallError "enter" and stops the tracks', async (t) => {
    const doctor = new RTCDoctor({
      name: 'Dr', clientId: 'd', connectionId: 'conn-d', consultationId: 'alone', isAudio: true,
      enterTimeoutSecond: 0.2, send() {},
    });
    t.after(() => doctor.destroy());
    const errors = [];
    doctor.emitter.on(EVENT_LIST.CALL_ERROR, (e) => errors.push(e));
    await assert.rejects(doctor.call(), (e) => e instanceof CallError && e.type === 'enter' && /0.2 s/.test(e.description));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].emitType, 'error');
    assert.ok(doctor.mediaStream.getTracks().every((track) => track.readyState === 'ended'));
    assert.equal(doctor.mediaStream.getVideoTracks().length, 0); // isAudio
  });

  test('the client enters but never answers: CallError "answer" and HANG_UP on the client', async (t) => {
    const { doctor, client } = pair({ doctor: { answerTimeoutSecond: 0.3 } });
    t.after(() => { doctor.destroy(); client.destroy(); });
    const clientEvents = record(client);
    await assert.rejects(doctor.call(), (e) => e.type === 'answer');
    await until(() => clientEvents.some((e) => e.eventType === EVENT_LIST.HANG_UP), 'HANG_UP on the client');
    assert.equal(clientEvents.find((e) => e.eventType === EVENT_LIST.HANG_UP).payload.reason, 'answer');
  });

  test('call() twice rejects the second with CallError "state"; destroy is idempotent', async (t) => {
    const { doctor, client } = pair();
    t.after(() => client.destroy());
    const first = doctor.call();
    await assert.rejects(doctor.call(), (e) => e.type === 'state');
    let heard = 0;
    doctor.emitter.on(EVENT_LIST.ALL, () => heard++);
    doctor.destroy();
    doctor.destroy();
    await assert.rejects(first, (e) => e.type === 'hangUp');
    assert.ok(heard >= 1, 'the hang-up done by destroy() is still announced');
    assert.deepEqual(Object.values(doctor.emitter.events).flat(), []);
    const heardAtDestroy = heard;
    doctor.emitter.emit(EVENT_LIST.HANG_UP, {});
    assert.equal(heard, heardAtDestroy);
  });
});

describe('recovery with real WebRTC (wrtc)', () => {
  test('both sides renegotiate at the same moment, 10 rounds: each ends stable with every transceiver negotiated', async (t) => {
    const { doctor, client } = pair({ doctor: { isAudio: true }, client: { isAudio: true } });
    t.after(() => { doctor.destroy(); client.destroy(); });
    const doctorEvents = record(doctor);
    const clientEvents = record(client);
    client.emitter.on(EVENT_LIST.ENTER, () => client.call());
    await doctor.call();
    await until(() => doctor.callState === 'connected' && client.callState === 'connected', 'both connected');
    const settled = () => [doctor, client].every((side) => {
      const pc = side.connection;
      return pc.signalingState === 'stable' && !pc.negotiating && pc.getTransceivers().every((tr) => tr.mid !== null);
    });
    for (let round = 1; round <= 10; round++) {
      doctor.connection.addTransceiver('audio', { direction: 'recvonly' });
      client.connection.addTransceiver('audio', { direction: 'recvonly' });
      await until(settled, `round ${round} stable on both sides`);
      assert.equal(doctor.connection.getTransceivers().length, 2 * round + 1);
      assert.equal(client.connection.getTransceivers().length, 2 * round + 1);
    }
    assert.deepEqual([...doctorEvents, ...clientEvents].filter((e) => e.emitType === EMIT_TYPE_LIST.ERROR), []);
    assert.equal(doctor.callState, 'connected');
  });

  test('a portal socket that drops queues messages and sends them in order when it is back', async (t) => {
    const { doctor, client } = pair();
    t.after(() => { doctor.destroy(); client.destroy(); });
    const doctorEvents = record(doctor);
    client.emitter.on(EVENT_LIST.ENTER, () => client.call());
    await doctor.call();
    await until(() => client.callState === 'connected', 'client connected');
    client.socketDisconnected();
    client.changeDeviceState({ isMute: true });
    client.changeDeviceState({ isHidden: true });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(doctorEvents.filter((e) => e.eventType === EVENT_LIST.REMOTE_DEVICE_STATE).length, 0);
    client.socketReconnected();
    await until(() => doctorEvents.filter((e) => e.eventType === EVENT_LIST.REMOTE_DEVICE_STATE).length === 2, 'both device states');
    const states = doctorEvents.filter((e) => e.eventType === EVENT_LIST.REMOTE_DEVICE_STATE).map((e) => e.payload);
    assert.deepEqual(states.map(({ isMute, isHidden }) => ({ isMute, isHidden })), [
      { isMute: true, isHidden: false },
      { isMute: true, isHidden: true },
    ]);
  });
});

describe('app messages (sendMessage) with real WebRTC (wrtc)', () => {
  test('both ways, in order, starting before the data channel is open; oversized refused', async (t) => {
    const { doctor, client } = pair({ doctor: { isAudio: true }, client: { isAudio: true } });
    t.after(() => { doctor.destroy(); client.destroy(); });
    const toDoctor = [];
    const toClient = [];
    doctor.emitter.on(EVENT_LIST.MESSAGE, (e) => toDoctor.push(e.payload));
    client.emitter.on(EVENT_LIST.MESSAGE, (e) => toClient.push(e.payload));
    const clientReady = new Promise((resolve) => client.emitter.on(EVENT_LIST.ENTER, () => resolve(client.call())));
    await doctor.call();
    await clientReady;
    // Right after call() the data channel is not open yet: the first ones go by signaling.
    const sends = [];
    for (let i = 1; i <= 30; i++) {
      sends.push(doctor.sendMessage({ type: 'chat', body: { i } }));
      sends.push(client.sendMessage({ type: 'chat', body: { i } }));
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(sends);
    await until(() => toDoctor.length === 30 && toClient.length === 30, '30 messages each way');
    assert.deepEqual(toDoctor.map((m) => m.body.i), Array.from({ length: 30 }, (_, k) => k + 1));
    assert.deepEqual(toClient.map((m) => m.body.i), Array.from({ length: 30 }, (_, k) => k + 1));
    const vias = new Set([...toDoctor, ...toClient].map((m) => m.via));
    assert.ok(vias.has('signaling'), `some went by signaling: ${[...vias]}`);
    assert.ok(vias.has('dataChannel'), `some went on the data channel: ${[...vias]}`);
    assert.equal(toDoctor[0].connectionId, 'conn-cli');
    await assert.rejects(doctor.sendMessage({ type: 'blob', body: 'x'.repeat(17000) }),
      (e) => e instanceof CallError && e.type === 'message' && /16384 byte limit/.test(e.description));
  });
});

describe('call store (createCallStore) with real WebRTC (wrtc)', () => {
  test('snapshots keep their identity between changes and follow the call', async (t) => {
    const { doctor, client } = pair({ doctor: { isAudio: true }, client: { isAudio: true } });
    t.after(() => { doctor.destroy(); client.destroy(); });
    const store = callcore.createCallStore(doctor);
    let notified = 0;
    const unsubscribe = store.subscribe(() => notified++);
    const first = store.getSnapshot();
    assert.equal(store.getSnapshot(), first, 'same object while nothing changed');
    assert.equal(first.connectStatus, 'disconnected');
    assert.equal(first.displayName, 'Dr House');
    assert.equal(first.avatar, 'a1');
    assert.deepEqual(first.peers, []);
    client.emitter.on(EVENT_LIST.ENTER, () => client.call());
    await doctor.call();
    await until(() => store.getSnapshot().connectStatus === 'connected'
      && store.getSnapshot().recvTracks.some((r) => r.track !== null), 'connected with a remote track in the store');
    const live = store.getSnapshot();
    assert.ok(notified > 0);
    assert.equal(store.getSnapshot(), live);
    assert.equal(live.peerId, 'conn-doc');
    assert.equal(live.peers.length, 1);
    assert.equal(live.peers[0].id, 'conn-cli');
    assert.equal(live.peers[0].displayName, 'Alice');
    assert.deepEqual(live.sendTracks.map(({ tag, kind, state }) => ({ tag, kind, state })), [{ tag: 'audio', kind: 'audio', state: 'sending' }]);
    assert.equal(live.sendTracks[0].track, doctor.mediaStream.getAudioTracks()[0]);
    assert.equal(live.peers[0].tracks.audio.track, doctor.remoteTrack('audio'));
    const before = notified;
    doctor.emitter.emit('somethingUnrelated', {});
    assert.equal(notified, before, 'an event that changes nothing does not notify');
    client.changeDeviceState({ isMute: true });
    await until(() => store.getSnapshot().peers[0].deviceState.isMute === true, 'far side mute in the store');
    assert.notEqual(store.getSnapshot(), live);
    await doctor.pauseTrack('audio');
    await until(() => store.getSnapshot().sendTracks[0].state === 'paused', 'paused tag');
    unsubscribe();
    const count = notified;
    doctor.changeDeviceState({ isHidden: true });
    assert.equal(store.getSnapshot().hidden, true);
    assert.equal(notified, count, 'no call after unsubscribe');
    store.destroy();
  });
});

describe('logger', () => {
  test('lists connection state changes, filters, exports JSON and redacts secrets', async (t) => {
    const { doctor, client } = pair();
    t.after(() => { doctor.destroy(); client.destroy(); });
    client.emitter.on(EVENT_LIST.ENTER, () => client.call());
    await doctor.call();
    await until(() => doctor.callState === 'connected', 'connected');
    const connectionEvents = logger.getConnectionEvents();
    assert.ok(connectionEvents.some((e) => e.event === 'connectionstatechange' && e.data.state === 'connected'));
    assert.ok(connectionEvents.some((e) => e.event === 'iceconnectionstatechange'));
    assert.ok(connectionEvents.every((e) => Object.values(CONNECTION_EVENT_LIST).includes(e.event)));
    const only = logger.filter((e) => e.event === 'connectionstatechange');
    assert.ok(only.length > 0 && only.every((e) => e.event === 'connectionstatechange'));
    const exported = JSON.parse(logger.export());
    assert.equal(exported.format, 'callcore-log');
    assert.equal(exported.capacity, 1000);
    assert.ok(Array.isArray(exported.entries) && exported.entries.length <= 1000);
    assert.equal(exported.dropped, logger.dropped());
    assert.equal(exported.truncated, logger.dropped() > 0);
    const sdpEntries = exported.entries.filter((e) => e.event === 'localDescription');
    assert.ok(sdpEntries.length >= 2);
    assert.ok(sdpEntries.every((e) => /a=ice-pwd:\[redacted\]/.test(e.data.sdp) && typeof e.time === 'number'));
  });
});

describe('logger redaction and truncation', () => {
  test('a token in signalingUrl never reaches the log; the export says when it was truncated', async (t) => {
    // A bare WebSocket server on loopback: the socket opens, which is logged with its URL.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    t.after(() => wss.close());
    const secret = `tok-${process.pid}-SeCrEt`;
    const url = `ws://127.0.0.1:${wss.address().port}/ws?room=redact&token=${secret}`;
    const params = (i) => ({ name: 'Dr', clientId: 'd-1', connectionId: null, consultationId: `redact-${i}`,
      isAudio: true, signalingUrl: url });
    logger.clear();
    const doctor = new RTCDoctor(params(0));
    t.after(() => doctor.destroy());
    await until(() => logger.filter((e) => e.event === 'signalingOpen').length > 0, 'signalingOpen logged');
    const opened = logger.filter((e) => e.event === 'signalingOpen')[0];
    assert.equal(opened.data.url, url.replace(secret, '[redacted]'));
    assert.ok(!logger.export().includes(secret), 'the token is not in logger.export()');
    assert.equal(JSON.parse(logger.export()).truncated, false);
    assert.equal(logger.dropped(), 0);
    doctor.destroy();

    // Overflow the 1000-entry ring: every instance logs its creation and its destruction.
    for (let i = 1; logger.dropped() === 0 && i < 2000; i += 1) new RTCDoctor(params(i)).destroy();
    assert.ok(logger.dropped() > 0, 'the ring buffer dropped entries');
    const exported = JSON.parse(logger.export());
    assert.equal(exported.dropped, logger.dropped());
    assert.equal(exported.truncated, true);
    assert.equal(exported.entries.length, 1000);
    assert.ok(!logger.export().includes(secret));
    logger.clear();
    assert.equal(logger.dropped(), 0);
  });
});

describe('flight recorder (docs/debugging.md)', () => {
  test('a real call recorded in logger.export() replays identically with npx callcore replay (wasm) and natively', async (t) => {
    logger.clear();
    const { doctor, client, consultationId } = pair();
    client.emitter.on(EVENT_LIST.ENTER, () => client.call());
    await doctor.call();
    await until(() => doctor.callState === 'connected' && client.callState === 'connected', 'connected');
    doctor.hangUp();
    await until(() => client.callState !== 'connected', 'client sees the hang-up');
    doctor.destroy();
    client.destroy();

    const report = JSON.parse(logger.export());
    const sessions = report.recording.sessions.filter((s) => s.params.consultationId === consultationId);
    assert.deepEqual(sessions.map((s) => s.role).sort(), ['client', 'doctor']);
    assert.ok(sessions.every((s) => s.ended && !s.truncated && s.steps.length > 10),
      `both sessions recorded whole: ${sessions.map((s) => `${s.role} ${s.steps.length} steps`).join(', ')}`);
    assert.ok(!/a=ice-pwd:(?!\[redacted\])/i.test(logger.export()), 'ICE passwords are redacted in the recording');

    const dir = mkdtempSync(join(tmpdir(), 'callcore-replay-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'report.json');
    writeFileSync(file, JSON.stringify({ ...report, recording: { ...report.recording, sessions } }));
    const bin = fileURLToPath(new URL('../../bin/callcore.mjs', import.meta.url));
    const wasm = spawnSync(process.execPath, [bin, 'replay', file], { encoding: 'utf8' });
    assert.equal(wasm.status, 0, wasm.stdout + wasm.stderr);
    assert.match(wasm.stdout, /every step identical to the recording/);
    assert.match(wasm.stdout, /session \d+ consultation doctor/);
    assert.match(wasm.stdout, /send offer/);

    // The same report through the native build of the same tool (the unit suite builds it).
    const native = fileURLToPath(new URL('../../build/native-asan/callcore_replay', import.meta.url));
    if (existsSync(native)) {
      const n = spawnSync(native, [file], { encoding: 'utf8' });
      assert.equal(n.status, 0, n.stdout + n.stderr);
      assert.equal(n.stdout, wasm.stdout, 'native and wasm replays print the same timeline');
    } else {
      t.diagnostic(`native replay not checked: ${native} is not built (npm test builds it in the unit suite)`);
    }

    // A report whose recorded input was changed is caught at that step (exit status 1).
    const tampered = structuredClone(sessions);
    const doctorSteps = tampered.find((s) => s.role === 'doctor').steps;
    const i = doctorSteps.findIndex((st) => st.in && st.in.kind === 'call');
    doctorSteps[i].in = { kind: 'hangUp' };
    writeFileSync(file, JSON.stringify({ recording: { sessions: tampered } }));
    const bad = spawnSync(process.execPath, [bin, 'replay', file], { encoding: 'utf8' });
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, new RegExp(`differs at step ${i + 1} `));
  });

  // "A recorded fuzz crash replays the same way" (issue 14): fuzz_session writes what it fed each
  // core as a flight recording (CALLCORE_FUZZ_RECORD, docs/reliability.md); the regression seeds
  // are the inputs of crashes the fuzzers found (fixed since), plus two whole calls.
  test('fuzz_session inputs recorded with CALLCORE_FUZZ_RECORD replay identically, wasm and native', (t) => {
    const fuzz = fileURLToPath(new URL('../../build/fuzz/fuzz_session', import.meta.url));
    if (!existsSync(fuzz)) {
      t.skip(`${fuzz} is not built (npm test builds it in the fuzz suite, before this one)`);
      return;
    }
    const corpus = fileURLToPath(new URL('../fuzz/corpus/fuzz_session/', import.meta.url));
    const seeds = [...readdirSync(corpus).filter((f) => f.startsWith('regression-')).sort(),
      'call-portal-socket.txt', 'call-built-in-socket.txt'];
    assert.ok(seeds.length >= 8, `seeds: ${seeds.join(', ')}`);
    const bin = fileURLToPath(new URL('../../bin/callcore.mjs', import.meta.url));
    const native = fileURLToPath(new URL('../../build/native-asan/callcore_replay', import.meta.url));
    if (!existsSync(native)) t.diagnostic(`native replay not checked: ${native} is not built (npm test builds it in the unit suite)`);
    const dir = mkdtempSync(join(tmpdir(), 'callcore-fuzz-replay-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    for (const seed of seeds) {
      const file = join(dir, `${seed}.json`);
      const run = spawnSync(fuzz, [join(corpus, seed)], { env: { ...process.env, CALLCORE_FUZZ_RECORD: file }, encoding: 'utf8' });
      assert.equal(run.status, 0, `${seed}: fuzz_session ${run.stderr}`);
      const { recording } = JSON.parse(readFileSync(file, 'utf8'));
      assert.deepEqual(recording.sessions.map((s) => `${s.kind} ${s.role}`), ['consultation doctor', 'consultation client'], seed);
      const inputs = recording.sessions.map((s) => s.steps.filter((st) => st.op === 'input').length);
      assert.ok(inputs[0] + inputs[1] >= 1, `${seed}: ${inputs} inputs recorded`);
      const wasm = spawnSync(process.execPath, [bin, 'replay', file], { encoding: 'utf8' });
      assert.equal(wasm.status, 0, `${seed}: ${wasm.stdout}${wasm.stderr}`);
      assert.match(wasm.stdout, /every step identical to the recording/);
      if (existsSync(native)) {
        const n = spawnSync(native, [file], { encoding: 'utf8' });
        assert.equal(n.status, 0, `${seed}: ${n.stdout}${n.stderr}`);
        assert.equal(n.stdout, wasm.stdout, `${seed}: native and wasm replays print the same timeline`);
      }
    }
  });
});

describe('built-in signaling socket (signalingUrl) with the reference server', () => {
  let server;
  before(async () => { server = await startServer({ port: 0 }); });
  after(async () => { await server.close(); });

  test('a call through the server; the client leaving ends the doctor call with reason peerLeft', async (t) => {
    const consultationId = `ws-${process.pid}`;
    const base = { connectionId: null, consultationId, isAudio: true, signalingUrl: server.wsUrl };
    const client = new RTCClient({ ...base, name: 'Alice', clientId: 'cli-1' });
    const doctor = new RTCDoctor({ ...base, name: 'Dr', clientId: 'doc-1', doctor: doctorInfo });
    t.after(() => { doctor.destroy(); client.destroy(); });
    const doctorEvents = record(doctor);
    client.emitter.on(EVENT_LIST.ENTER, () => client.call());
    await doctor.call();
    await until(() => doctor.callState === 'connected' && client.callState === 'connected', 'both connected');
    assert.match(doctor.connection.connectionId, /.+/);
    client.destroy(); // hangs up and closes its socket
    await until(() => doctorEvents.some((e) => e.eventType === EVENT_LIST.HANG_UP), 'HANG_UP on the doctor');
    assert.equal(doctor.callState, 'ended');
  });
});
