// The budu-webrtc API reference's types ("Документация по API"), compiled by tsc under `strict`
// (tests/node/package.test.js): every seed type name is exported by callcore with the seed's
// meaning. The seed's own declarations are copied verbatim into `namespace Seed` (with its
// CallErrorMessage and RTCParams) to check that seed-typed values fit callcore's types; then
// each type is used as a portal written against the seed uses it. The lines marked as
// expected errors must fail to compile.
import {
  CallError, CALL_ERROR_TYPE_LIST, configure, CONNECTION_EVENT_LIST, EMIT_TYPE_LIST, EVENT_LIST, RTCClient, RTCDoctor,
  SOCKET_MESSAGES_EVENT_LIST,
  type CallErrorMessage, type CallErrorType, type DeviceState, type DoctorInfo, type EventCallback,
  type EventCallbackMap, type EventDataMap, type EventList, type EventMap, type EventsDict, type IEvent,
  type IEventsEmitter, type IPublishMessage, type ISocketMessenger, type RTCConnection, type RTCCoreInterface,
  type RTCParams, type SocketMessage, type TransientMessage,
} from 'callcore';

// ---- the seed's declarations, verbatim (types that reference no other seed type) ----
// eslint-disable-next-line @typescript-eslint/no-namespace
namespace Seed {
  export type uuid = string;
  export type IPublishMessage<T> = {
    data: {
      type: T;
      sender: {
        chatId: uuid;
        clientId: uuid;
        connectionId: uuid;
      };
      consultationId: uuid;
    };
    route: 'vcm';
  };
  export type TransientMessage = {
    type: string;
    chatId: string;
    data: {
      sender: {
        chatId: string;
        clientId: string;
        connectionId: string;
      };
      consultationId: string;
    };
    connectionIds?: string[];
  };
  export type RTCParams = {
    name: string;
    clientId: string;
    connectionId: string | null;
    connectionsId?: string[];
    consultationId: string;
    doctor: DoctorInfo;
    isAudio: boolean;

    enterTimeoutSecond?: number;
    answerTimeoutSecond?: number;
  };
  export type DoctorInfo = {
    avatarId: string | null;
    fullName: string;
    specialityName: string;
  };
  export type CallErrorMessage = 'streamError' | 'enter' | 'answer';
  export type SocketMessage = { type: string; data: any };
  export type DeviceState = {
    isHidden: boolean;
    isMute: boolean;
  };
}

/** Compiles only when A is assignable to B. */
type Extends<A, B> = [A] extends [B] ? true : false;
const yes = <T extends true>(value: T): T => value;

// Seed values fit callcore's types, and callcore's built messages fit the seed's shapes.
yes<Extends<Seed.RTCParams, RTCParams>>(true); // the seed's RTCParams type-check unchanged
yes<Extends<Seed.DoctorInfo, DoctorInfo>>(true);
yes<Extends<DoctorInfo, Seed.DoctorInfo>>(true);
yes<Extends<Seed.DeviceState, DeviceState>>(true);
yes<Extends<DeviceState, Seed.DeviceState>>(true);
yes<Extends<Seed.SocketMessage, SocketMessage>>(true);
yes<Extends<SocketMessage, Seed.SocketMessage>>(true);
yes<Extends<Seed.CallErrorMessage, CallErrorMessage>>(true);
yes<Extends<IPublishMessage<SOCKET_MESSAGES_EVENT_LIST.ENTER>, Seed.IPublishMessage<SOCKET_MESSAGES_EVENT_LIST.ENTER>>>(true);
yes<Extends<TransientMessage, Seed.TransientMessage>>(true);
// Every event callcore emits has a payload type: EventDataMap covers EventList exactly.
yes<Extends<EventList, keyof EventDataMap>>(true);
yes<Extends<keyof EventDataMap, EventList>>(true);

// A seed RTCParams literal with no transport: configure() gives it (once, at app start).
configure({ signalingUrl: 'ws://127.0.0.1:8080/ws' });
const doctorInfo: DoctorInfo = { avatarId: null, fullName: 'Gregory House', specialityName: 'Diagnostics' };
const params: RTCParams = {
  name: 'Dr. Gregory House', clientId: 'doctor-42', connectionId: null, consultationId: 'consultation-7',
  doctor: doctorInfo, isAudio: false, enterTimeoutSecond: 60, answerTimeoutSecond: 60,
};
const seedParams: Seed.RTCParams = { ...params, doctor: doctorInfo };
// @ts-expect-error: configure() takes one transport, not both
configure({ signalingUrl: 'ws://127.0.0.1:8080/ws', send: () => {} });
// @ts-expect-error: isAudio is required, as in the seed
new RTCClient({ name: 'a', clientId: 'b', connectionId: null, consultationId: 'c', doctor: doctorInfo });

// RTCCoreInterface: what RTCDoctor and RTCClient are.
const core: RTCCoreInterface = new RTCDoctor(seedParams);
const other: RTCCoreInterface = new RTCClient(params);
core.connectionConfig = { iceServers: [{ urls: 'stun:127.0.0.1:3478' }] };
const local: MediaStream | null = core.mediaStream;
const streams: MediaStream[] = core.allMediaStreams;
const flags: boolean = core.hasEntered || core.hasAnswered;
const rtcParams: RTCParams = core.params;

// RTCConnection: an RTCPeerConnection extended with the far side's details.
const connection: RTCConnection | null = core.connection;
if (connection) {
  const pc: RTCPeerConnection = connection;
  const who: string | null = connection.clientId ?? connection.connectionId ?? connection.name;
  const queued: number = connection.iceCandidatesQueue.length;
  const roles: boolean[] = [connection.isInviter, connection.isClosing, connection.negotiating];
  console.log(pc.signalingState, who, queued, roles);
}

// IEvent, EventCallback, EventMap, EventCallbackMap, EventsDict, EventList.
const hangUpEvent: IEvent<EVENT_LIST.HANG_UP, void> = {
  emitType: EMIT_TYPE_LIST.EVENT, eventType: EVENT_LIST.HANG_UP, payload: undefined,
};
const seedStyleListener: EventCallback<IEvent<EVENT_LIST.HANG_UP, void>> = (event) => console.log(event.eventType);
seedStyleListener(hangUpEvent);
const mapped: EventMap[EVENT_LIST.REMOTE_STREAM] = {
  emitType: EMIT_TYPE_LIST.EVENT, eventType: EVENT_LIST.REMOTE_STREAM, payload: { stream: new MediaStream() },
};
const onRemoteStream: EventCallbackMap[EVENT_LIST.REMOTE_STREAM] = (event) => console.log(event.payload.stream.id);
onRemoteStream(mapped);
const onAll: EventCallbackMap[EVENT_LIST.ALL] = (event) => console.log(event.eventType, event.payload);
const lists: EventList[] = [EVENT_LIST.HANG_UP, SOCKET_MESSAGES_EVENT_LIST.ENTER, CONNECTION_EVENT_LIST.CONNECTION_ICE_STATE];
const dict: EventsDict = core.emitter.events;
const hangUpListeners: Array<EventCallbackMap[EVENT_LIST.HANG_UP]> = dict[EVENT_LIST.HANG_UP];
console.log(lists, hangUpListeners.length, dict[EVENT_LIST.ALL].length);
// @ts-expect-error: a string is not an EVENT_LIST member (enums are nominal, as in the seed)
const notAnEnum: EVENT_LIST = 'hangUpReceiveEvent';

// IEventsEmitter: the seed's emitter interface, payload-typed per event.
const emitter: IEventsEmitter = core.emitter;
emitter.on(EVENT_LIST.REMOTE_STREAM, (event) => console.log(event.payload.stream.getTracks()));
emitter.on(EVENT_LIST.ALL, onAll);
emitter.off(EVENT_LIST.ALL, onAll);
const emitted: Promise<void> = emitter.emit(EVENT_LIST.HANG_UP, { reason: 'hangUp', connectionId: 'c-1' }, EMIT_TYPE_LIST.EVENT);
void emitted;
// @ts-expect-error: HANG_UP's payload has no `stream`
emitter.on(EVENT_LIST.HANG_UP, (event) => event.payload.stream);
// @ts-expect-error: HANG_UP's payload has no `stream` (callcore's Emitter, enum member)
core.emitter.on(EVENT_LIST.HANG_UP, (event) => event.payload.stream);
// @ts-expect-error: the same through the event's string value
new RTCDoctor(params).emitter.on('hangUpReceiveEvent', (event) => event.payload.stream);
// @ts-expect-error: emit checks the payload too
emitter.emit(EVENT_LIST.ANSWER, { stream: null });
type IsAny<T> = 0 extends 1 & T ? true : false;
new RTCDoctor(params).emitter.on(EVENT_LIST.REMOTE_STREAM, (e) => {
  const stream: MediaStream = e.payload.stream; // typed per event, not any
  yes<Extends<IsAny<typeof e.payload>, false>>(true);
  yes<Extends<typeof e.eventType, EVENT_LIST.REMOTE_STREAM>>(true);
  return stream;
});
new RTCDoctor(params).emitter.on('remoteStreamEvent', (e) => yes<Extends<typeof e.payload, { stream: MediaStream }>>(true));

// ISocketMessenger, IPublishMessage<T>, TransientMessage, SocketMessage.
const messenger: ISocketMessenger = core.socketMessenger;
const publish: IPublishMessage<SOCKET_MESSAGES_EVENT_LIST.ENTER> = messenger.createPublishMessage(SOCKET_MESSAGES_EVENT_LIST.ENTER);
const enterType: SOCKET_MESSAGES_EVENT_LIST.ENTER = publish.data.type;
const transient: TransientMessage = messenger.createTransientMessage(null, { type: 'custom', note: 'hi' });
const inbound: SocketMessage = { type: transient.type, data: transient.data };
void other.socketMessageHandler(inbound);
console.log(enterType, publish.route, transient.connectionIds);

// DeviceState.
const devices: DeviceState = { isHidden: false, isMute: true };
core.changeDeviceState(devices);

// CallError, CallErrorType, CallErrorMessage.
const seedError = new CallError('Nobody entered the call', 'enter');
const asType: CallErrorType = seedError;
const description: string | null | undefined = asType.description;
const kind: CallErrorMessage = seedError.type;
const fromList: CallErrorMessage = CALL_ERROR_TYPE_LIST.STREAM_ERROR;
const error: Error = seedError;
const fromCore = CallError.fromCore({ type: 'answer', message: 'The call was not answered', description: 'after 60 s' });
console.log(description, kind, fromList, error.name, fromCore.description?.length);
// @ts-expect-error: 'busy' is not a CallError type
new CallError('busy', 'busy');
// @ts-expect-error: the seed's order is (message, type)
new CallError({ type: 'enter', message: 'x' });

core.call().then((stream) => stream.getTracks(), (reason: unknown) => {
  if (reason instanceof CallError && reason.type === CALL_ERROR_TYPE_LIST.ENTER) console.log(reason.description);
});
core.hangUp();
core.destroy();
other.destroy();
console.log(local, streams, flags, rtcParams);
