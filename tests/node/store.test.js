// createCallStore's avatars with the real package (dist/callcore.js) in Node: a doctor and a
// client on portal-owned sockets (`send`) wired to each other in memory, media and WebRTC from
// @roamhq/wrtc. Both pages pass RTCParams.doctor (the seed's RTCParams has it on both), so the
// client's own snapshot must not take the doctor's avatar for its own.
// Run: node --test tests/node/store.test.js (after npm run build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wrtc from '@roamhq/wrtc';

Object.assign(globalThis, { RTCPeerConnection: wrtc.RTCPeerConnection, MediaStream: wrtc.MediaStream });
if (!globalThis.navigator) globalThis.navigator = {};
Object.defineProperty(globalThis.navigator, 'mediaDevices', { value: wrtc.mediaDevices, configurable: true });

const { RTCDoctor, RTCClient, EVENT_LIST, createCallStore } = await import('callcore');

// wrtc crashes in Node's environment teardown once it has made media tracks (see api.test.js):
// exit explicitly once the runner has reported, keeping its exit code.
process.once('beforeExit', () => process.exit(process.exitCode ?? 0));

const DEADLINE_MS = 10000;

/** Resolves when `predicate()` is true, polling every 5 ms; rejects after `ms` naming `what`. */
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

test('own avatar is the doctor\'s on RTCDoctor and null on RTCClient; each peer entry has the far side\'s', async (t) => {
  const doctorInfo = { avatarId: 'avatar-of-the-doctor', fullName: 'Gregory House', specialityName: 'Diagnostics' };
  const sides = {};
  const deliver = (to) => (message) => {
    const type = message.type ?? message.data.type;
    setImmediate(() => sides[to]?.socketMessageHandler({ type, data: message.data }));
  };
  const common = { consultationId: `node-store-${process.pid}`, isAudio: true, doctor: doctorInfo };
  sides.doctor = new RTCDoctor({ ...common, name: 'Dr House', clientId: 'doc-1', connectionId: 'conn-doc', send: deliver('client') });
  sides.client = new RTCClient({ ...common, name: 'Alice', clientId: 'cli-1', connectionId: 'conn-cli', send: deliver('doctor') });
  const { doctor, client } = sides;
  t.after(() => { doctor.destroy(); client.destroy(); });

  const doctorStore = createCallStore(doctor);
  const clientStore = createCallStore(client);
  assert.equal(doctorStore.getSnapshot().avatar, 'avatar-of-the-doctor', 'doctor, before the call: its own avatar');
  assert.equal(clientStore.getSnapshot().avatar, null, 'client, before the call: no avatar of its own');

  let enterPayload = null;
  client.emitter.on(EVENT_LIST.ENTER, ({ payload }) => {
    enterPayload = payload;
    client.call();
  });
  await doctor.call();
  await until(() => doctor.callState === 'connected' && client.callState === 'connected', 'both connected');
  assert.equal(enterPayload.doctor.avatarId, 'avatar-of-the-doctor', "the doctor's enter props carry its avatar");

  const d = doctorStore.getSnapshot();
  assert.equal(d.avatar, 'avatar-of-the-doctor');
  assert.deepEqual(d.peers.map((p) => [p.id, p.displayName, p.avatar]), [['conn-cli', 'Alice', null]],
    "the doctor's peer is the client, who has no avatar");
  const c = clientStore.getSnapshot();
  assert.equal(c.avatar, null, "the client's own avatar is not the doctor's");
  assert.deepEqual(c.peers.map((p) => [p.id, p.displayName, p.avatar]), [['conn-doc', 'Dr House', 'avatar-of-the-doctor']],
    "the client's peer is the doctor, with the avatar from its enter");
});

test('a store made after the far side entered shows its avatar and device state (read from the core)', async (t) => {
  const doctorInfo = { avatarId: 'late-avatar', fullName: 'Gregory House', specialityName: 'Diagnostics' };
  const sides = {};
  const deliver = (to) => (message) => {
    const type = message.type ?? message.data.type;
    setImmediate(() => sides[to]?.socketMessageHandler({ type, data: message.data }));
  };
  const common = { consultationId: `node-store-late-${process.pid}`, isAudio: true, doctor: doctorInfo };
  sides.doctor = new RTCDoctor({ ...common, name: 'Dr House', clientId: 'doc-1', connectionId: 'conn-doc', send: deliver('client') });
  sides.client = new RTCClient({ ...common, name: 'Alice', clientId: 'cli-1', connectionId: 'conn-cli', send: deliver('doctor') });
  const { doctor, client } = sides;
  t.after(() => { doctor.destroy(); client.destroy(); });
  doctor.changeDeviceState({ isMute: true });
  let entered = false;
  client.emitter.on(EVENT_LIST.ENTER, () => { entered = true; });
  doctor.call().catch(() => {});
  await until(() => entered, 'the doctor rang');
  const store = createCallStore(client); // after ENTER and RTC_RESPONDENT_PROPS were emitted
  const [peer] = store.getSnapshot().peers;
  assert.equal(peer.avatar, 'late-avatar');
  assert.deepEqual(peer.deviceState, { isHidden: false, isMute: true });
  assert.equal(store.getSnapshot().connectStatus, 'disconnected', 'ringing, not answered: no call yet on this side');
  store.destroy();
});

test('a role other than doctor or client is refused with CallError params (not a silent client)', async () => {
  const { RTCCore, CallError } = await import('callcore');
  assert.throws(() => new RTCCore('nurse', { name: 'n', clientId: 'n', connectionId: 'c', consultationId: 'x', isAudio: true, send() {} }),
    (error) => error instanceof CallError && error.type === 'params' && /role must be 'doctor' or 'client'/.test(error.description));
});
