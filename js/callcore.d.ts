// Type declarations of callcore's public API (docs/api.md). The enum declarations at the end
// are generated from the C++ event dictionary by scripts/build.mjs.

/** The doctor's public details, shown to the client (seed RTCParams.doctor). */
export interface DoctorInfo {
  avatarId: string | null;
  fullName: string;
  specialityName: string;
}

/** Local or far-side device state: video hidden, audio muted (seed DeviceState). */
export interface DeviceState {
  isHidden: boolean;
  isMute: boolean;
}

/** A signaling message as delivered by the socket: `{type, data}` (docs/protocol.md). */
export interface SocketMessage {
  type: string;
  data: Record<string, unknown>;
}

/** The sender of a call message on the wire. */
export interface Sender {
  chatId: string;
  clientId: string;
  connectionId: string;
}

/** Seed IPublishMessage: delivered to the whole consultation. */
export interface IPublishMessage {
  data: { type: string; sender: Sender; consultationId: string; [field: string]: unknown };
  route: 'vcm';
}

/** Seed TransientMessage: delivered to the listed connection ids. */
export interface TransientMessage {
  type: string;
  chatId: string;
  data: { sender: Sender; consultationId: string; [field: string]: unknown };
  connectionIds?: string[];
}

/** Call parameters (seed RTCParams plus the signaling choice). Timeouts in seconds. */
export interface RTCParams {
  name: string;
  clientId: string | number;
  /** This socket's connection id when the portal owns the socket; null with signalingUrl. */
  connectionId: string | null;
  /** The far side's connection ids, when known. */
  connectionsId?: string[];
  consultationId: string | number;
  doctor?: DoctorInfo;
  /** Audio-only call: no camera is opened. */
  isAudio: boolean;
  /** Seconds to wait for the far side to enter after call() (default 60): CallError 'enter'. */
  enterTimeoutSecond?: number;
  /** Seconds the doctor waits for the answer after the client entered (default 60): CallError 'answer'. */
  answerTimeoutSecond?: number;
  /** ws:// URL of the reference signaling server: callcore owns the socket. */
  signalingUrl?: string;
  /** The portal's own socket: every outbound message goes here; inbound ones go to socketMessageHandler. */
  send?: (message: IPublishMessage | TransientMessage | SocketMessage) => void;
  /** ms that iceConnectionState 'disconnected' may last before an ICE restart (default 3000). */
  iceDisconnectedGraceMs?: number;
  /** ICE restart attempts before the call ends with CallError 'connection' (default 3, 1–100). */
  iceRestartMaxAttempts?: number;
  /** ms an ICE restart attempt has to reach 'connected' (default 10000). */
  iceRestartTimeoutMs?: number;
  /** Largest delay between reconnects of the built-in socket, in ms (default 8000). */
  reconnectBackoffCapMs?: number;
}

/** A typed call failure (seed CallError). */
export declare class CallError extends Error {
  constructor(init: { type: CallErrorType; message: string; description?: string });
  readonly name: 'CallError';
  type: CallErrorType;
  description: string;
}

/** An event as listeners receive it (seed). */
export interface CallEvent<P = unknown> {
  emitType: EmitType;
  eventType: string;
  payload: P;
}

/** The far side's properties (EVENT_LIST.RTC_RESPONDENT_PROPS, EVENT_LIST.ENTER). */
export interface RespondentProps {
  name: string;
  clientId: string;
  connectionId: string;
  doctor?: DoctorInfo;
  isAudio?: boolean;
  deviceState: DeviceState;
}

/** Payload types of the app events. */
export interface EventPayloads {
  hangUpReceiveEvent: { reason: string; connectionId: string };
  rtcRespondentPropsEvent: RespondentProps;
  remoteDeviceStateEvent: DeviceState & { connectionId: string };
  localStreamEvent: { stream: MediaStream };
  remoteStreamEvent: { stream: MediaStream };
  callStateEvent: { state: CallState; previous: CallState };
  enterEvent: RespondentProps;
  answerEvent: { connectionId: string };
  callErrorEvent: CallError;
  iceRestartEvent: {
    phase: 'disconnected' | 'attempt' | 'backoff' | 'recovered' | 'failed';
    attempt?: number;
    /** ms, for 'backoff' */
    delayMs?: number;
    /** ms, for 'disconnected' */
    graceMs?: number;
  };
  signalingReconnectEvent: {
    phase: 'scheduled' | 'reconnecting' | 'rejoined';
    attempt: number;
    /** ms, for 'scheduled' */
    delayMs?: number;
    /** for 'rejoined': the server kept this connection's membership */
    resumed?: boolean;
    /** for 'rejoined': queued messages now sent */
    queued?: number;
  };
  signalingErrorEvent: { code: string; message: string; raw?: string };
  socketStateEvent: { state: 'connecting' | 'open' | 'closed' };
  listenerErrorEvent: { eventType: string; error: unknown };
  messageEvent: { type: string; body: unknown; connectionId: string; via: 'dataChannel' | 'signaling' };
  localTracksEvent: { tracks: TagInfo[] };
  remoteTracksEvent: { connectionId: string; tracks: TagInfo[] };
  deviceEvent: { phase: 'switched' | 'lost' | 'fallback' | 'unavailable'; kind: 'audio' | 'video'; deviceId?: string; tag?: string };
  localDeviceStateEvent: DeviceState;
}

/** A listener of events of type E (a known event name gets its payload type). */
export type Listener<E extends string> = (event: CallEvent<E extends keyof EventPayloads ? EventPayloads[E] : any>) => void;

/**
 * The emitter of a call (seed; extra methods as in the atm0s media SDK). A listener that
 * throws does not stop the others: it becomes an 'error' event EVENT_LIST.LISTENER_ERROR.
 */
export declare class Emitter {
  events: Map<string, Set<(event: CallEvent<any>) => void>>;
  /** Returns a function that unsubscribes. */
  on<E extends string>(event: E, cb: Listener<E>): () => void;
  /** The next event only; returns a function that unsubscribes. */
  once<E extends string>(event: E, cb: Listener<E>): () => void;
  /** One unsubscribe function per event, in order. */
  onMany(events: string[], cb: (event: CallEvent<any>) => void): Array<() => void>;
  /** No throw when `cb` is not registered. */
  off<E extends string>(event: E, cb: Listener<E>): void;
  removeListener<E extends string>(event: E, cb: Listener<E>): void;
  /** Every listener of `event`, or of every event when omitted. */
  offAllListeners(event?: string): void;
  removeAllListeners(event?: string): void;
  offAll(): void;
  listeners(event: string): Array<(event: CallEvent<any>) => void>;
  listenerCount(event: string): number;
  emit(eventType: string, payload?: unknown, emitType?: EmitType): CallEvent;
}

/** The RTCPeerConnection of a call, extended as in the seed. */
export interface CallConnection extends RTCPeerConnection {
  readonly clientId: string | null;
  readonly connectionId: string | null;
  readonly name: string | null;
  readonly iceCandidatesQueue: RTCIceCandidateInit[];
  readonly isInviter: boolean;
  readonly isClosing: boolean;
  readonly negotiating: boolean;
}

/** Base of RTCDoctor and RTCClient (seed RTCCore). */
export declare class RTCCore {
  connectionConfig: RTCConfiguration;
  readonly emitter: Emitter;
  readonly params: RTCParams;
  mediaStream: MediaStream | null;
  /** Every local and remote stream of the current or last call; emptied when a new call starts. */
  allMediaStreams: MediaStream[];
  connection: CallConnection | null;
  readonly socketMessenger: {
    createPublishMessage(type: string, extra?: Record<string, unknown>): IPublishMessage;
    createTransientMessage(connectionIds: string | string[], data: { type: string; [field: string]: unknown }): TransientMessage;
  };
  readonly hasEntered: boolean;
  readonly hasAnswered: boolean;
  readonly callState: CallState;
  /** Resolves with the local stream; rejects with CallError. */
  call(): Promise<MediaStream>;
  socketMessageHandler(message: SocketMessage | string): Promise<void>;
  /** Sends `track` under `mediaTag` ('audio' / 'video' are the call's own; 'screen' for screen sharing). */
  sendTrack(track: MediaStreamTrack, mediaTag: string, paused?: boolean): Promise<void>;
  /** Stops sending the tag's track (no renegotiation). */
  pauseTrack(mediaTag: string): Promise<void>;
  resumeTrack(mediaTag: string): Promise<void>;
  /** Removes the tag's sender (renegotiated) and stops its track. */
  closeTrack(mediaTag: string): Promise<void>;
  /** Switches the microphone or camera (replaceTrack, no renegotiation). */
  switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void>;
  /** This side's track under `mediaTag`, or null. */
  localTrack(mediaTag: string): MediaStreamTrack | null;
  /** The far side's track under `mediaTag`, or null. */
  remoteTrack(mediaTag: string): MediaStreamTrack | null;
  /** Sends `{type, body}` to the far side (data channel, or signaling until it opens); order kept. */
  sendMessage(message: { type: string; body?: unknown }): Promise<void>;
  /** Portal-owned socket dropped: outbound messages are queued in order. */
  socketDisconnected(): void;
  /** Portal-owned socket is back (with its new connection id, if any): the queue is sent. */
  socketReconnected(connectionId?: string): void;
  changeDeviceState(state: Partial<DeviceState>): void;
  hangUp(): void;
  destroy(): void;
}

/** The calling side (seed RTCDoctor). @throws CallError 'params' */
export declare class RTCDoctor extends RTCCore {
  constructor(params: RTCParams);
}

/** The answering side (seed RTCClient). @throws CallError 'params' */
export declare class RTCClient extends RTCCore {
  constructor(params: RTCParams);
}

/** A track by media tag, as announced on the wire (mediaTags). */
export interface TagInfo {
  tag: string;
  kind: 'audio' | 'video';
  streamId: string;
  state: 'sending' | 'paused';
}

/** A track by media tag in a store snapshot. */
export interface TagTrack {
  tag: string;
  kind: 'audio' | 'video';
  state: 'sending' | 'paused';
  track: MediaStreamTrack | null;
}

/** A snapshot of a call (createCallStore); fields after the media-store seed. */
export interface CallSnapshot {
  peerId: string | null;
  connectStatus: 'disconnected' | 'connecting' | 'connected';
  callState: CallState;
  errorConnection: CallError | null;
  lastError: CallError | null;
  displayName: string;
  avatar: string | null;
  hidden: boolean;
  muted: boolean;
  sendTracks: TagTrack[];
  recvTracks: TagTrack[];
  peers: Array<{
    id: string;
    displayName: string;
    avatar: string | null;
    tracks: Record<string, Omit<TagTrack, 'tag'>>;
    deviceState: DeviceState;
  }>;
}

/** A store honouring React's useSyncExternalStore contract. */
export interface CallStore {
  /** The same object until something changed. */
  getSnapshot(): CallSnapshot;
  /** Returns a function that unsubscribes. */
  subscribe(listener: () => void): () => void;
  /** Stops following the call. */
  destroy(): void;
}

/** A store of `call`'s state. */
export declare function createCallStore(call: RTCCore): CallStore;

/** The store that <callcore-video>/<callcore-audio> elements (and callcore/react components) without their own `store` use. */
export declare function setDefaultCallStore(store: CallStore | null): void;
export declare function getDefaultCallStore(): CallStore | null;

/**
 * <callcore-video peer-id? media-tag="video">: plays a track of a call store (muted autoplay);
 * its children show while there is no track. Attribute `peer-id` absent: the local user.
 */
export declare class CallcoreVideoElement extends HTMLElement {
  store: CallStore | null;
  readonly media: HTMLVideoElement;
  /**
   * Retries playback now (any click or key press in the page also does). 'aborted': no track,
   * or a newer attempt superseded this one. Rejects with the browser's error when the track
   * cannot be played at all.
   */
  resume(): Promise<PlayOutcome>;
}

/**
 * <callcore-audio peer-id? media-tag="audio">: plays an audio track. When autoplay is refused:
 * attribute `blocked` and one `autoplayblocked` event (bubbles); it plays at the next click or
 * key press in the page and `blocked` goes.
 */
export declare class CallcoreAudioElement extends HTMLElement {
  store: CallStore | null;
  readonly media: HTMLAudioElement;
  /** See CallcoreVideoElement.resume. */
  resume(): Promise<PlayOutcome>;
}

/** The outcome of a play attempt: playing, waiting for a gesture, or superseded. */
export type PlayOutcome = 'playing' | 'blocked' | 'aborted';

/** Hooks of playMedia. */
export interface PlayMediaHooks {
  /** Called once when the autoplay policy refuses to play (not again for retries that fail). */
  onBlocked?: (media: HTMLMediaElement) => void;
  /** Called when the element plays (at once, or after a gesture). */
  onPlaying?: (media: HTMLMediaElement) => void;
}

/**
 * Plays `media`; when the autoplay policy refuses (NotAllowedError) it waits, with every other
 * blocked element of the page, for the next user gesture (pointerup or keydown on the
 * document; one pair of listeners while any element is blocked), then plays. The elements and
 * callcore/react use it. Resolves 'aborted' when forgetMedia(), a newer playMedia(), a new
 * source or pause() interrupted the attempt; rejects with the browser's error otherwise
 * (e.g. NotSupportedError).
 * @throws TypeError when `media` has no play() method.
 */
export declare function playMedia(media: HTMLMediaElement, hooks?: PlayMediaHooks): Promise<PlayOutcome>;

/** Stops waiting for a gesture to play `media` (its track went away, it was removed). */
export declare function forgetMedia(media: HTMLMediaElement): void;

/** The media elements waiting for a user gesture to play (e.g. to show an "enable sound" hint). */
export declare function blockedMedia(): HTMLMediaElement[];

/** A log entry. time: ms since the Unix epoch. */
export interface LogEntry {
  time: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  event: string;
  connectionId: string;
  data: unknown;
}

/** The page-wide call log (seed logger): bounded (1000 entries), secrets redacted. */
export declare const logger: {
  entries(): LogEntry[];
  getConnectionEvents(): LogEntry[];
  filter(fn: (entry: LogEntry) => unknown): LogEntry[];
  /** JSON text of every entry. */
  export(): string;
  clear(): void;
};

/** Figures for benchmarks and bug reports. */
export declare const diagnostics: {
  /** The wasm core's linear memory size, in bytes (grows in 64 KiB pages, never shrinks). */
  wasmHeapBytes(): number;
  /** The heap bytes the wasm core holds now (allocated, not free), in bytes. */
  wasmHeapInUse(): number;
};
