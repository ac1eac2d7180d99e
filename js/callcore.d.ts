// Type declarations of callcore's public API (docs/api.md). The seed (budu-webrtc) type names
// keep the seed's meaning, so a portal switches by changing its import. The enums
// (EVENT_LIST, SOCKET_MESSAGES_EVENT_LIST, CONNECTION_EVENT_LIST, EMIT_TYPE_LIST,
// CALL_STATE_LIST, CALL_ERROR_TYPE_LIST) and the unions of their values (EventType,
// SocketMessageType, ConnectionEventType, EmitType, CallState, CallErrorMessage) are generated
// at the end from the C++ event dictionary by scripts/dts.mjs.

// ---- params, messages ---------------------------------------------------------------------

/** The doctor's public details, shown to the client (seed DoctorInfo, RTCParams.doctor). */
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

/** A signaling message as the socket delivers it: `{type, data}` (seed SocketMessage; docs/protocol.md §3). */
export type SocketMessage = { type: string; data: any };

/** The sender of a call message on the wire: `chatId` is the consultation id. */
export interface Sender {
  chatId: string;
  clientId: string;
  connectionId: string;
}

/**
 * Seed IPublishMessage<T>: a message to the whole consultation (docs/protocol.md §2.2), built by
 * `socketMessenger.createPublishMessage(type)`; `data.type` is `type`. Extra fields travel in `data`.
 */
export type IPublishMessage<T = string> = {
  data: {
    type: T;
    sender: Sender;
    consultationId: string;
    [field: string]: unknown;
  };
  route: 'vcm';
};

/** Seed TransientMessage: a message to the listed connection ids (docs/protocol.md §2.3). */
export type TransientMessage = {
  type: string;
  chatId: string;
  data: { sender: Sender; consultationId: string; [field: string]: unknown };
  connectionIds?: string[];
};

/**
 * Call parameters: the seed's RTCParams (unchanged: a seed RTCParams object type-checks as is)
 * plus optional extras. Timeouts in seconds, delays in ms. The signaling transport is either
 * `signalingUrl` or `send` here, or the page-wide default set by configure(); with none,
 * `new RTCDoctor/RTCClient` throws CallError 'params' saying so.
 */
export type RTCParams = {
  /** Display name of this side. */
  name: string;
  /** The portal's user id of this side (non-empty; at run time a number is accepted too). */
  clientId: string;
  /** This socket's connection id when the portal owns the socket (send); null with signalingUrl (the server assigns it). */
  connectionId: string | null;
  /** The far side's connection ids, when the portal knows them. */
  connectionsId?: string[];
  /** The consultation (room) id, non-empty; also the wire's chatId (at run time a number is accepted too). */
  consultationId: string;
  /** The doctor's details shown to the client (the seed requires it; callcore does not). */
  doctor?: DoctorInfo;
  /** Audio-only call: no camera is opened. */
  isAudio: boolean;
  /**
   * Client only (default true): instant answer — connect on the doctor's offer while ringing
   * (no getUserMedia, nothing sent) so call() only opens the devices and attaches them
   * (docs/api.md "Instant answer"). false: the offer waits until call().
   */
  preconnect?: boolean;
  /**
   * The video send bitrate each side's connection starts at, in bps (default 800000; 0 = the
   * browser's own start, 300 kbps in Chromium; otherwise an integer 100000-10000000, else
   * CallError 'params'). Chromium-only (`x-google-start-bitrate` in the remote description);
   * other browsers ignore it. docs/api.md "Start bitrate".
   */
  videoStartBitrate?: number;
  /** Seconds to wait for the far side to enter after call() (default 60): CallError 'enter'. */
  enterTimeoutSecond?: number;
  /** Seconds the doctor waits for the answer after the client entered (default 60): CallError 'answer'. */
  answerTimeoutSecond?: number;
  /**
   * ws:// URL of the reference signaling server: callcore owns the socket. Overrides configure().
   * An array of 1–8 URLs names processes that share consultations (docs/scaling.md §5): after a
   * drop the socket reconnects to the next one, round robin, with backoff (failover).
   */
  signalingUrl?: string | string[];
  /** The portal's own socket: every outbound message goes here; inbound ones go to socketMessageHandler. Overrides configure(). */
  send?: (message: IPublishMessage | TransientMessage | SocketMessage) => void;
  /**
   * Join token for the built-in socket (a JWT the portal backend minted: consultation, sub, role,
   * name, exp; docs/protocol.md §2.1). Sent in the join message, never in the URL, never logged.
   * Overrides configure()'s token.
   */
  token?: string;
  /**
   * Called before every join of the built-in socket (the first and each reconnect) for a fresh
   * token; a string or a Promise of one. Wins over `token` (which is used if it fails).
   */
  getToken?: () => string | Promise<string>;
  /** ms that iceConnectionState 'disconnected' may last before an ICE restart (default 3000). */
  iceDisconnectedGraceMs?: number;
  /** ICE restart attempts before the call ends with CallError 'connection' (default 3, 1–100). */
  iceRestartMaxAttempts?: number;
  /** ms an ICE restart attempt has to reach 'connected' (default 10000). */
  iceRestartTimeoutMs?: number;
  /** Largest delay between reconnects of the built-in socket, in ms (default 8000). */
  reconnectBackoffCapMs?: number;
};

/** The page-wide default transport of configure(): exactly one of the two. */
export type TransportOptions =
  | { signalingUrl: string | string[]; send?: undefined; token?: string; getToken?: () => string | Promise<string> }
  | { send: (message: IPublishMessage | TransientMessage | SocketMessage) => void; signalingUrl?: undefined; token?: undefined; getToken?: undefined };

/**
 * Sets the page-wide default transport, once at app start: every RTCDoctor / RTCClient created
 * afterwards whose RTCParams have neither `signalingUrl` nor `send` uses it (the params' own
 * win). `{signalingUrl}`: callcore opens a WebSocket per call object (an absolute ws/wss/http/https
 * URL); `{send}`: the portal's socket (then params.connectionId is required, and inbound
 * messages go to each object's socketMessageHandler). With `signalingUrl`, `token` / `getToken`
 * are the join token defaults of call objects whose RTCParams give neither. `null` clears the default.
 * @throws TypeError when options are not exactly one valid transport (unknown option, both,
 *   neither, a relative or non-ws URL (or an array of URLs that is empty, longer than 8 or holds one), `send` or `getToken` not a function, `token` not a string,
 *   a token option with `send`)
 */
export declare function configure(options: TransportOptions | null): void;

// ---- CallError ------------------------------------------------------------------------------

/** Seed CallErrorType: an Error with a CallError type and an optional description. */
export type CallErrorType = Error & {
  type: CallErrorMessage;
  description?: string | null;
};

/**
 * A typed call failure (seed CallError). `type`: 'enter' | 'answer' | 'streamError' |
 * 'connection' | 'signaling' | 'negotiation' | 'hangUp' | 'state' | 'params' | 'message'
 * (CALL_ERROR_TYPE_LIST); `description`: the cause, or null.
 */
export declare class CallError extends Error implements CallErrorType {
  /**
   * The seed's signature; `description` starts as null.
   * @throws TypeError when `message` is not a string or `type` not a CALL_ERROR_TYPE_LIST value
   */
  constructor(message: string, type: CallErrorMessage);
  /**
   * The CallError the core decided, from its JSON `{type, message, description}` (an empty or
   * missing description becomes null). @throws TypeError as the constructor
   */
  static fromCore(error: { type: CallErrorMessage; message: string; description?: string | null }): CallError;
  /** 'CallError' */
  name: string;
  message: string;
  type: CallErrorMessage;
  stack?: string | undefined;
  /** The cause (browser error name, timeout in seconds, reason), or null when there is none. */
  description: string | null;
}

// ---- events ---------------------------------------------------------------------------------

/** Seed IEvent<T, P>: an event as listeners receive it. */
export type IEvent<T, P> = {
  emitType: EMIT_TYPE_LIST;
  eventType: T;
  payload: P;
};

/** Seed EventCallback<T>: a listener of events T. */
export type EventCallback<T> = (event: T) => void;

/** A listener of EVENT_LIST.ALL: every event, whatever its type (seed AnyCallback). */
export type AnyCallback = (event: IEvent<any, any>) => void;

/** Seed EventList: every event type a call emits. */
export type EventList = EVENT_LIST | SOCKET_MESSAGES_EVENT_LIST | CONNECTION_EVENT_LIST;

/** The far side's properties (EVENT_LIST.RTC_RESPONDENT_PROPS, EVENT_LIST.ENTER). */
export interface RespondentProps {
  name: string;
  clientId: string;
  connectionId: string;
  doctor?: DoctorInfo;
  isAudio?: boolean;
  deviceState: DeviceState;
}

/** The seed's name of the respondent props payload. */
export type IRtcSendPropsData = RespondentProps;

/** The `data` of an inbound call message (docs/protocol.md §5); the type's own fields beside. */
export interface CallMessageData {
  sender: Sender;
  consultationId: string;
  /** Unique per sender; a message delivered twice is applied once. */
  messageId?: string;
  [field: string]: unknown;
}

/**
 * A peer's connection quality (after LiveKit's ConnectionQuality), computed by the core from
 * getStats(): 'excellent' (E-model R >= 80), 'good' (R >= 60, or a video freeze), 'poor' (R < 60,
 * or video stalled), 'lost' (nothing received for an interval); 'unknown' before measured.
 */
export type ConnectionQuality = 'unknown' | 'excellent' | 'good' | 'poor' | 'lost';

/** One direction of one track in a STATS event (absent: not reported, or no interval yet). */
export interface StreamStats {
  kind: 'audio' | 'video';
  /** The MediaStreamTrack id ('' when the browser did not say). */
  trackId: string;
  mid?: string;
  /** bps (payload bytes) over the last interval. */
  bitrate?: number;
  /** % of the interval's packets (inbound), or the far side's RTCP fractionLost × 100 (outbound). */
  packetLoss?: number;
  jitterMs?: number;
  rttMs?: number;
  /** Audio: MOS estimate (1..4.5), ITU-T G.107 E-model, simplified. */
  mos?: number;
  /** Audio: 0..1. */
  audioLevel?: number;
  /** Video inbound: total frames decoded. */
  framesDecoded?: number;
  /** Video outbound: total frames encoded. */
  framesEncoded?: number;
  /** Video inbound: total frames dropped. */
  framesDropped?: number;
  fps?: number;
  width?: number;
  height?: number;
  /** Video inbound: freezes so far (W3C freezeCount, or detected from framesDecoded stalls). */
  freezeCount?: number;
  /** Video inbound: ms frozen so far. */
  freezesMs?: number;
}

/** Payload of EVENT_LIST.STATS: one getStats() report as figures (docs/api.md "Stats and quality"). */
export interface StatsEvent {
  connectionId: string;
  /** ms between this report and the previous one (0 for the first). */
  intervalMs: number;
  quality: ConnectionQuality;
  /** The worst audio MOS of both directions. */
  mos?: number;
  /** The selected candidate pair's current round trip, ms. */
  rttMs?: number;
  candidatePair?: {
    localType: 'host' | 'srflx' | 'prflx' | 'relay' | string;
    remoteType: 'host' | 'srflx' | 'prflx' | 'relay' | string;
    protocol: 'udp' | 'tcp' | string;
    relayProtocol?: 'udp' | 'tcp' | 'tls' | string;
    rttMs?: number;
    /** bps. */
    availableOutgoingBitrate?: number;
  };
  inbound: StreamStats[];
  outbound: StreamStats[];
  /** ms that getStats() took. */
  collectMs: number;
  /** ms until the next collection (1000, or 2000 / 3000 / 4000 when getStats() was slow). */
  nextIntervalMs: number;
}

/** Payload of a CONNECTION_EVENT_LIST state event: the new state and the far side's connection id ('' before it is known). */
export interface ConnectionStatePayload<S extends string> {
  state: S;
  connectionId: string;
}

// EventDataMap (every event type → its payload type) is generated from the core's dictionary
// (src/callcore/events/dictionary.cpp) by scripts/dts.mjs, after the enums at the end of this file.

/** Seed EventMap: every event type → the event its listeners receive. */
export type EventMap = {
  [K in keyof EventDataMap]: IEvent<K, EventDataMap[K]>;
};

/** Seed EventCallbackMap: every event type → its listener type (EVENT_LIST.ALL: AnyCallback). */
export type EventCallbackMap = {
  [K in keyof EventMap]: K extends EVENT_LIST.ALL ? AnyCallback : EventCallback<EventMap[K]>;
};

/** Seed EventsDict: `emitter.events`, every event type → its listeners, in order. */
export type EventsDict = {
  [K in keyof EventCallbackMap]: Array<EventCallbackMap[K]>;
};

type PayloadByName = { [K in keyof EventDataMap as `${K & string}`]: EventDataMap[K] };

/**
 * The payload type of event type K: an enum member (EVENT_LIST.HANG_UP) or its string value
 * ('hangUpReceiveEvent'); `unknown` for an event name callcore does not emit.
 */
export type EventPayload<K extends string> = K extends keyof EventDataMap
  ? EventDataMap[K]
  : K extends keyof PayloadByName
    ? PayloadByName[K]
    : unknown;

/** The listener type of event type K (as EventCallbackMap, also for string names). */
export type Listener<K extends string> = K extends EVENT_LIST.ALL | 'allEvent'
  ? AnyCallback
  : EventCallback<IEvent<K, EventPayload<K>>>;

/** Seed IEventsEmitter: what `emitter` offers at least. */
export interface IEventsEmitter {
  events: EventsDict;
  on<K extends keyof EventCallbackMap>(event: K, callback: EventCallbackMap[K]): void;
  off<K extends keyof EventCallbackMap>(event: K, callback: EventCallbackMap[K]): void;
  emit<K extends keyof EventMap>(eventType: K, payload?: EventDataMap[K], emitType?: EMIT_TYPE_LIST): Promise<void>;
}

/**
 * The emitter of a call (seed EventsEmitter; extra methods as in the atm0s media SDK). Event
 * types are the enum members or their string values; each listener gets its event's payload
 * type. A listener that throws does not stop the others: it becomes an 'error' event
 * EVENT_LIST.LISTENER_ERROR. A listener is registered at most once per event type.
 * @throws TypeError (each method) for an event type that is not a non-empty string or a listener that is not a function
 */
export declare class Emitter implements IEventsEmitter {
  /** @param onListenerError also told of each listener that throws (logging) */
  constructor(onListenerError?: (error: unknown, event: IEvent<string, unknown>) => void);
  /** Every event type → its listeners, in order (an empty array for a known event nobody listens to). */
  events: EventsDict;
  /** Returns a function that unsubscribes. */
  on<K extends keyof EventCallbackMap>(event: K, callback: EventCallbackMap[K]): () => void;
  on<K extends string>(event: K, callback: Listener<K>): () => void;
  /** The next event only; returns a function that unsubscribes. */
  once<K extends keyof EventCallbackMap>(event: K, callback: EventCallbackMap[K]): () => void;
  once<K extends string>(event: K, callback: Listener<K>): () => void;
  /** One unsubscribe function per event, in order. */
  onMany<K extends string>(events: K[], callback: (event: IEvent<K, EventPayload<K>>) => void): Array<() => void>;
  /** No throw when `callback` is not registered. */
  off<K extends keyof EventCallbackMap>(event: K, callback: EventCallbackMap[K]): void;
  off<K extends string>(event: K, callback: Listener<K>): void;
  removeListener<K extends keyof EventCallbackMap>(event: K, callback: EventCallbackMap[K]): void;
  removeListener<K extends string>(event: K, callback: Listener<K>): void;
  /** Every listener of `event`, or of every event when omitted. */
  offAllListeners(event?: string): void;
  removeAllListeners(event?: string): void;
  offAll(): void;
  listeners<K extends string>(event: K): Array<Listener<K>>;
  listenerCount(event: string): number;
  /**
   * Runs the listeners of `eventType`, then those of EVENT_LIST.ALL, before it returns; the
   * promise resolves after them (a listener's throw is a LISTENER_ERROR event, not a rejection).
   * @throws TypeError for an emitType that is not an EMIT_TYPE_LIST value
   */
  emit<K extends keyof EventMap>(eventType: K, payload?: EventDataMap[K], emitType?: EMIT_TYPE_LIST): Promise<void>;
  emit<K extends string>(eventType: K, payload?: EventPayload<K>, emitType?: EMIT_TYPE_LIST | EmitType): Promise<void>;
}

// ---- the call objects -----------------------------------------------------------------------

/**
 * Seed RTCConnection: the RTCPeerConnection of a call, extended with the far side's details
 * (null until the far side is known) and the core's negotiation state.
 */
export type RTCConnection = RTCPeerConnection & {
  readonly clientId: string | null;
  readonly connectionId: string | null;
  readonly name: string | null;
  /** Remote candidates waiting for the remote description (RTCIceCandidate.toJSON() shapes). */
  readonly iceCandidatesQueue: RTCIceCandidateInit[];
  readonly isInviter: boolean;
  readonly isClosing: boolean;
  readonly negotiating: boolean;
};

/** Seed ISocketMessenger: builds the wire shapes of this call's side. */
export type ISocketMessenger = {
  /** `{data: {type, sender, consultationId, ...extra}, route: 'vcm'}`. @throws CallError 'state' after destroy() */
  createPublishMessage<K extends string>(type: K, extra?: Record<string, unknown>): IPublishMessage<K>;
  /** `{type: data.type, chatId, data: {sender, consultationId, ...data}, connectionIds}`; null: no ids (every member). @throws CallError 'state' after destroy() */
  createTransientMessage(connectionIds: string | string[] | null, data?: { type?: string; [field: string]: unknown }): TransientMessage;
};

/** Seed RTCCoreInterface: the members every call object (RTCDoctor, RTCClient) has. */
export interface RTCCoreInterface {
  connectionConfig: RTCConfiguration;
  emitter: IEventsEmitter;
  params: RTCParams;
  mediaStream: MediaStream | null;
  allMediaStreams: MediaStream[];
  connection: RTCConnection | null;
  socketMessenger: ISocketMessenger;
  hasEntered: boolean;
  hasAnswered: boolean;

  call(): Promise<MediaStream>;
  socketMessageHandler(message: SocketMessage): Promise<void>;
  changeDeviceState(props: DeviceState): void;
  hangUp(): void;
  destroy(): void;
}

/** Base of RTCDoctor and RTCClient (seed RTCCore). */
export declare class RTCCore implements RTCCoreInterface {
  /** Passed to `new RTCPeerConnection` (default `{iceServers: []}`); set it before call(). */
  connectionConfig: RTCConfiguration;
  readonly emitter: Emitter;
  /** The RTCParams given, or a copy with configure()'s transport merged in. */
  readonly params: RTCParams;
  mediaStream: MediaStream | null;
  /** Every local and remote stream of the current or last call; emptied when a new call starts. */
  allMediaStreams: MediaStream[];
  connection: RTCConnection | null;
  readonly socketMessenger: ISocketMessenger;
  readonly hasEntered: boolean;
  readonly hasAnswered: boolean;
  readonly callState: CallState;
  /** Resolves with the local stream; rejects with CallError ('enter', 'answer', 'streamError', 'hangUp', 'state', ...). */
  call(): Promise<MediaStream>;
  /** Feeds one inbound `{type, data}` (or its JSON text); malformed input is a SIGNALING_ERROR event, never a throw. */
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
  /** Enables/disables the local video (isHidden) and audio (isMute) tracks; the far side is told. */
  changeDeviceState(props: Partial<DeviceState>): void;
  hangUp(): void;
  destroy(): void;
}

/**
 * The calling side (seed RTCDoctor).
 * @throws CallError 'params' when params are invalid or no transport is given (params or configure())
 */
export declare class RTCDoctor extends RTCCore {
  constructor(params: RTCParams);
}

/**
 * The answering side (seed RTCClient).
 * @throws CallError 'params' when params are invalid or no transport is given (params or configure())
 */
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
    /** The connection to this peer, from getStats() while connected ('unknown' before). */
    quality: ConnectionQuality;
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
/** The store set with setDefaultCallStore, or null. */
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
  /**
   * JSON text of the log for a bug report: `LogExport` (`truncated` when the ring buffer
   * dropped its oldest entries).
   */
  export(): string;
  /** Entries the ring buffer dropped (oldest first) since the last clear(). */
  dropped(): number;
  clear(): void;
};

/** What `logger.export()` returns, parsed. */
export interface LogExport {
  format: 'callcore-log';
  version: 1;
  /** Entries the ring buffer holds at most. */
  capacity: number;
  /** Entries dropped since the last clear(), oldest first. */
  dropped: number;
  /** `dropped > 0`: the oldest entries are missing. */
  truncated: boolean;
  entries: LogEntry[];
  /** The flight recorder: each session's inputs and outputs, redacted (docs/debugging.md). */
  recording: {
    capacity: number;
    bytes: number;
    droppedSessions: number;
    sessions: Array<{
      id: number; kind: string; role: string; params: Record<string, unknown>; created: number;
      error?: unknown; ended: boolean; truncated: boolean;
      steps: Array<{ t: number; op: 'input' | 'drain'; in: unknown; out: unknown[] }>;
    }>;
  };
}

/** Figures for benchmarks and bug reports. */
export declare const diagnostics: {
  /** The wasm core's linear memory size, in bytes (grows in 64 KiB pages, never shrinks). */
  wasmHeapBytes(): number;
  /** The heap bytes the wasm core holds now (allocated, not free), in bytes. */
  wasmHeapInUse(): number;
};
