// The portal around the budu-webrtc README snippets (doctor.ts, client.ts): what a real portal
// has before and after it uses the SDK. Its app start calls configure() once with the signaling
// URL (here from the page's query string), it has its RTCParams (the seed's type, no transport in
// them), and the handlers the snippets name. The handlers record what they got in
// `window.portal`, which tests/e2e/seed-usage.test.js reads to check the snippets ran as written.
import {
  configure, CONNECTION_EVENT_LIST, EVENT_LIST, SOCKET_MESSAGES_EVENT_LIST,
  type CallError, type CallErrorMessage, type EventMap, type IEvent, type RTCCoreInterface, type RTCParams,
} from 'callcore';

/** What the portal saw, for the e2e test. */
export interface PortalRecord {
  /** Each handler call: which handler, the event's type and what the handler took from it. */
  events: Array<{ handler: string; eventType: string; emitType: string; detail: string }>;
  /** Each CallError the snippet's catch handled. */
  errors: Array<{ type: CallErrorMessage; message: string; description: string | null; shown: string }>;
  /** The snippet ran to its end (after call() settled). */
  done: boolean;
  /** The call object, once the snippet is done (for getStats and hangUp in the test). */
  call: RTCCoreInterface | null;
}

declare global {
  interface Window {
    portal: PortalRecord;
  }
}

const query = new URLSearchParams(location.search);

/** The signaling server of this portal (the reference server in the e2e test). */
export const signalingUrl: string = query.get('signalingUrl') ?? 'ws://127.0.0.1:8080/ws';
/** The consultation both pages meet in. */
export const consultationId: string = query.get('consultationId') ?? 'consultation-7';
/** Where this page's join token comes from (the portal backend; the e2e test server's /demo-token). */
export const tokenUrl: string | null = query.get('tokenUrl');
/** Seconds each side waits for the other to enter. */
export const enterTimeoutSecond: number = Number(query.get('enterTimeoutSecond') ?? '30');

export const record: PortalRecord = { events: [], errors: [], done: false, call: null };
window.portal = record;

// App start: the page-wide transport, once, so the seed's RTCParams stay unchanged; the join
// token is fetched from the portal backend before every (re)join.
configure({
  signalingUrl,
  ...(tokenUrl ? { getToken: () => fetch(tokenUrl).then((r) => r.json()).then((j: { token: string }) => j.token) } : {}),
});

/** The doctor's RTCParams, exactly the seed's type. */
export const doctorParams: RTCParams = {
  name: 'Dr. Gregory House',
  clientId: 'doctor-42',
  connectionId: null,
  consultationId,
  doctor: { avatarId: null, fullName: 'Gregory House', specialityName: 'Diagnostics' },
  isAudio: false,
  enterTimeoutSecond,
  answerTimeoutSecond: 30,
};

/** The client's RTCParams (the seed requires `doctor` on both sides). */
export const clientParams: RTCParams = {
  name: 'Alice',
  clientId: 'client-9',
  connectionId: null,
  consultationId,
  doctor: doctorParams.doctor,
  isAudio: false,
  enterTimeoutSecond,
};

function note(handler: string, event: IEvent<string, unknown>, detail: string): void {
  record.events.push({ handler, eventType: event.eventType, emitType: event.emitType, detail });
}

/** The far side hung up: shows why. */
export function showHangUp(event: IEvent<EVENT_LIST.HANG_UP, { reason: string; connectionId: string }>): void {
  note('showHangUp', event, event.payload.reason);
}

/** ICE state of the connection, for the portal's connection indicator. */
export function showIceState(event: EventMap[CONNECTION_EVENT_LIST.CONNECTION_ICE_STATE]): void {
  note('showIceState', event, event.payload.state);
}

/** The far side's `enter` message: shows who entered. */
export function showEntered(event: EventMap[SOCKET_MESSAGES_EVENT_LIST.ENTER]): void {
  note('showEntered', event, event.payload.name);
}

// The handlers the snippets' EVENT_LIST.ALL switch calls.
export function HangUpHandler(event: IEvent<EVENT_LIST.HANG_UP, { reason: string; connectionId: string }>): void {
  note('HangUpHandler', event, `${event.payload.reason} from ${event.payload.connectionId}`);
}

export function ConnectionIceStateHandler(event: EventMap[CONNECTION_EVENT_LIST.CONNECTION_ICE_STATE]): void {
  note('ConnectionIceStateHandler', event, event.payload.state);
}

export function SocketEnterHandler(event: EventMap[SOCKET_MESSAGES_EVENT_LIST.ENTER]): void {
  note('SocketEnterHandler', event, `${event.payload.name} (${event.payload.sender.connectionId})`);
}

/** A CallError the snippet's catch handled, with the text the portal would show. */
export function showCallError(shown: string, error: CallError): void {
  record.errors.push({ type: error.type, message: error.message, description: error.description, shown });
}

/** After the snippet: the call object is handed to the rest of the portal. */
export function finished(call: RTCCoreInterface): void {
  record.call = call;
  record.done = true;
}
