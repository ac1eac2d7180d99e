// Compiled by tests/node/package.test.js with `tsc --noEmit`: the declarations must type a
// portal's ordinary use of the API, and reject misuse marked with @ts-expect-error.
import {
  CallError, CALL_ERROR_TYPE_LIST, EVENT_LIST, EMIT_TYPE_LIST, logger, RTCClient, RTCDoctor,
  type CallErrorMessage, type CallState, type ConnectionQuality, type RTCParams,
} from 'callcore';

const params: RTCParams = {
  name: 'Dr House', clientId: 'doc-1', connectionId: null, consultationId: 'c-1', isAudio: false,
  doctor: { avatarId: 'a1', fullName: 'Gregory House', specialityName: 'Diagnostics' },
  enterTimeoutSecond: 30, signalingUrl: 'ws://127.0.0.1:8080/ws',
};
const doctor = new RTCDoctor(params);
const client = new RTCClient({ ...params, signalingUrl: undefined, connectionId: 'x', send: (m) => console.log(m) });
doctor.connectionConfig = { iceServers: [{ urls: 'stun:127.0.0.1:3478' }] };

doctor.emitter.on(EVENT_LIST.HANG_UP, (event) => {
  const reason: string = event.payload.reason;
  console.log(reason, event.emitType === EMIT_TYPE_LIST.ERROR);
});
const off = doctor.emitter.on(EVENT_LIST.CALL_STATE, ({ payload }) => {
  const state: CallState = payload.state;
  console.log(state);
});
off();
doctor.emitter.once(EVENT_LIST.REMOTE_DEVICE_STATE, ({ payload }) => console.log(payload.isMute === true));
const offs: Array<() => void> = doctor.emitter.onMany([EVENT_LIST.ENTER, EVENT_LIST.ANSWER], (e) => console.log(e.eventType));
offs.forEach((fn) => fn());
const count: number = doctor.emitter.listenerCount(EVENT_LIST.ALL);
console.log(count, doctor.emitter.listeners(EVENT_LIST.ALL).length);
doctor.call().then((stream: MediaStream) => stream.getTracks()).catch((error: unknown) => {
  if (error instanceof CallError) {
    const type: CallErrorMessage = error.type;
    console.log(type === CALL_ERROR_TYPE_LIST.ENTER, error.description);
  }
});
doctor.changeDeviceState({ isMute: true });
void client.socketMessageHandler({ type: 'enter', data: {} });
console.log(doctor.connection?.iceCandidatesQueue.length, logger.getConnectionEvents()[0]?.time);
doctor.emitter.on(EVENT_LIST.STATS, ({ payload }) => {
  const video = payload.inbound.find((s) => s.kind === 'video');
  const bps: number | undefined = video?.bitrate;
  const quality: ConnectionQuality = payload.quality;
  console.log(bps, quality, payload.candidatePair?.localType, payload.nextIntervalMs);
});
doctor.emitter.on(EVENT_LIST.QUALITY_CHANGED, ({ payload }) => console.log(payload.quality, payload.previous, payload.mos));
// @ts-expect-error: a stats stream has no `bandwidth` (it is `bitrate`)
doctor.emitter.on(EVENT_LIST.STATS, ({ payload }) => payload.inbound[0].bandwidth);
// @ts-expect-error: HANG_UP's payload has no `stream`
doctor.emitter.on(EVENT_LIST.HANG_UP, (event) => event.payload.stream);
// @ts-expect-error: isAudio is required
new RTCClient({ name: 'a', clientId: 'b', connectionId: null, consultationId: 'c' });
import { useCallStore, VideoProduce } from 'callcore/react';
import { createCallStore, setDefaultCallStore } from 'callcore';
const store = createCallStore(doctor);
setDefaultCallStore(store);
export function Peer(): unknown {
  const name: string = useCallStore(store, (s) => s.peers[0]?.displayName ?? '');
  const quality: ConnectionQuality | undefined = useCallStore(store, (s) => s.peers[0]?.quality);
  console.log(quality);
  return VideoProduce({ peerId: name, mediatag: 'screen', onVideo: 'no screen' });
}
