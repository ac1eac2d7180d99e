// The SDK's failover between signaling URLs, end to end in Node: a call with real WebRTC media
// (@roamhq/wrtc) between a doctor whose RTCParams name processes A and B (signalingUrl array) and
// a client on B; A is killed with SIGKILL mid-call while the client keeps changing its device
// state. The doctor reconnects to B, resumes its membership, gets every device state once and in
// order, and the call goes on. docs/scaling.md §5.
// Run: node --test tests/scale/sdk-failover.test.js (after npm run build)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import wrtc from '@roamhq/wrtc';
import WebSocket from 'ws';
import { mintToken } from '../../demo/server.js';
import { SECRET } from '../security/helpers.js';
import { startRedis, spawnNode } from './redis.js';

Object.assign(globalThis, { RTCPeerConnection: wrtc.RTCPeerConnection, MediaStream: wrtc.MediaStream, WebSocket });
if (!globalThis.navigator) globalThis.navigator = {};
Object.defineProperty(globalThis.navigator, 'mediaDevices', { value: wrtc.mediaDevices, configurable: true });
const { RTCDoctor, RTCClient, EVENT_LIST } = await import('../../dist/callcore.js');
// wrtc crashes in Node's environment teardown once it made tracks (tests/node/api.test.js).
process.once('beforeExit', () => process.exit(process.exitCode ?? 0));

const stops = [];
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
});

function until(predicate, what, ms = 15000) {
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

const record = (rtc) => {
  const events = [];
  rtc.emitter.on(EVENT_LIST.ALL, (e) => events.push(e));
  return events;
};

test('kill -9 A mid-call: the doctor fails over to B, resumes, loses and repeats no message; the call goes on', async (t) => {
  const redis = await startRedis();
  stops.push(redis.stop);
  const a = await spawnNode(redis.url, 'sa', { reconnectGraceMs: 15000 });
  stops.push(a.close);
  const b = await spawnNode(redis.url, 'sb', { reconnectGraceMs: 15000 });
  stops.push(b.close);
  const c = `sdk-failover-${process.pid}`;
  const base = { connectionId: null, consultationId: c, isAudio: true };
  const doctor = new RTCDoctor({
    ...base, name: 'Dr. F', clientId: 'dr-f', signalingUrl: [a.wsUrl, b.wsUrl],
    token: await mintToken(SECRET, { sub: 'dr-f', role: 'doctor', consultationId: c, name: 'Dr. F' }),
  });
  const client = new RTCClient({
    ...base, name: 'Pat', clientId: 'pt-f', signalingUrl: b.wsUrl,
    token: await mintToken(SECRET, { sub: 'pt-f', role: 'client', consultationId: c, name: 'Pat' }),
  });
  t.after(() => { doctor.destroy(); client.destroy(); });
  const de = record(doctor);
  const ce = record(client);
  client.emitter.on(EVENT_LIST.ENTER, () => client.call());
  await until(() => de.some((e) => e.eventType === 'joined'), 'doctor joined on A');
  const first = de.find((e) => e.eventType === 'joined').payload.connectionId;
  assert.match(first, /^c-sa-/, 'the doctor joined process A first');
  await doctor.call();
  await until(() => doctor.callState === 'connected' && client.callState === 'connected', 'call connected');

  // The client toggles its microphone 30 times; A dies after the 10th.
  const sent = [];
  for (let i = 1; i <= 30; i += 1) {
    const isMute = i % 2 === 1;
    client.changeDeviceState({ isMute });
    sent.push(isMute);
    if (i === 10) await a.kill();
    await new Promise((resolve) => setTimeout(resolve, 40)); // pacing, not a wait for a result
  }
  const rejoined = () => de.find((e) => e.eventType === EVENT_LIST.SIGNALING_RECONNECT && e.payload.phase === 'rejoined');
  await until(rejoined, 'the doctor rejoined');
  assert.equal(rejoined().payload.resumed, true, 'its membership was kept');
  const scheduled = de.find((e) => e.eventType === EVENT_LIST.SIGNALING_RECONNECT && e.payload.phase === 'scheduled');
  assert.equal(scheduled.payload.url, b.wsUrl, 'the reconnect went to the next URL');
  const states = () => de.filter((e) => e.eventType === EVENT_LIST.REMOTE_DEVICE_STATE).map((e) => e.payload.isMute);
  await until(() => states().length >= 30, 'every device state at the doctor');
  assert.deepEqual(states(), sent, 'each device state once, in order, across the failover');

  // Signaling works both ways through B; the call and its media never stopped.
  doctor.changeDeviceState({ isMute: true });
  await until(() => ce.some((e) => e.eventType === EVENT_LIST.REMOTE_DEVICE_STATE && e.payload.isMute === true), 'client hears the doctor');
  assert.deepEqual([doctor.callState, client.callState], ['connected', 'connected']);
  assert.equal([...de, ...ce].filter((e) => e.eventType === EVENT_LIST.HANG_UP).length, 0, 'nobody hung up');
  // The peer connection (media are peer to peer) never noticed: still connected on both sides.
  // (Media themselves are judged by getStats in Chromium: tests/e2e/scale-failover.test.js.)
  assert.deepEqual([doctor.connection.iceConnectionState, client.connection.iceConnectionState].map((s) => ['connected', 'completed'].includes(s)), [true, true]);
  const snap = await b.snapshot();
  assert.deepEqual(snap.rooms[c].map((m) => [m.role, m.node, m.connected]).sort(), [['client', 'sb', true], ['doctor', 'sb', true]]);
});
