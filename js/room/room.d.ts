// Types of `callcore/room` (dist/room.d.ts; docs/room.md): VideoCallClient (seed 002's names)
// and its store. The shared types and the enums generated from the core's dictionary come from
// the consultation's declarations (dist/callcore.d.ts): one source of truth.
import type { CallError, EventDataMap, EVENT_LIST, Emitter } from './callcore.js';

export {
  CallError, Emitter, logger, EVENT_LIST, CALL_ERROR_TYPE_LIST, CALL_STATE_LIST, EMIT_TYPE_LIST, LOG_EVENT_LIST,
  type CallErrorMessage, type CallState, type EventDataMap,
} from './callcore.js';

/** Status of the room's connection (connectionStatusChanged). */
export type RoomConnectionStatus = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** Options of `new VideoCallClient(options)` (seed 002 + the Janus room's; docs/room.md "Options"). */
export interface VideoCallClientOptions {
  /** The Janus WebSocket URL, ws:// or wss:// (subprotocol 'janus-protocol'). */
  signalingUrl: string;
  /** ICE servers of both peer connections (RTCConfiguration.iceServers). Default []. */
  iceServers?: RTCIceServer[];
  /** Reopen a dropped socket and reclaim or rejoin the room. Default true. */
  autoReconnect?: boolean;
  /** Send the camera as three simulcast encodings (h/m/l). Default false. */
  useSimulcast?: boolean;
  /** Publish the microphone; an object gives its getUserMedia constraints. Default true. */
  audio?: boolean | MediaTrackConstraints;
  /** Publish the camera; an object gives its getUserMedia constraints. Default true. */
  video?: boolean | MediaTrackConstraints;
  /** The room's pin, if it has one. */
  pin?: string;
  /** The room's invitation token, if it needs one. */
  token?: string;
  /** Keepalive period in seconds (default 25; Janus's session_timeout is 60 by default). */
  keepaliveSecond?: number;
  /** A request unanswered after this many seconds fails (default 10). */
  requestTimeoutSecond?: number;
  /** Janus's session_timeout in seconds (default 60): past it a claim cannot succeed. */
  sessionTimeoutSecond?: number;
}

/** A received track (trackAdded): the core's payload plus the MediaStreamTrack. */
export type RoomTrackAdded = EventDataMap[EVENT_LIST.ROOM_TRACK_ADDED] & { track: MediaStreamTrack };

/** Payload of each event VideoCallClient.on() accepts under the seed's names. */
export interface VideoCallClientEvents {
  connectionStatusChanged: EventDataMap[EVENT_LIST.ROOM_CONNECTION_STATUS];
  participantJoined: EventDataMap[EVENT_LIST.PARTICIPANT_JOINED];
  participantLeft: EventDataMap[EVENT_LIST.PARTICIPANT_LEFT];
  trackAdded: RoomTrackAdded;
  trackRemoved: EventDataMap[EVENT_LIST.ROOM_TRACK_REMOVED];
  /** Another participant's mute state or name changed: `{participantId, display, audioEnabled, videoEnabled}`. */
  participantUpdated: EventDataMap[EVENT_LIST.PARTICIPANT_UPDATED];
  /** Another participant's sendData(text), once per message: `{participantId, display, text}`. */
  dataReceived: EventDataMap[EVENT_LIST.DATA_RECEIVED];
  error: CallError;
}

/** The seed's event names. */
export declare const ROOM_EVENTS: ReadonlyArray<keyof VideoCallClientEvents>;

/** A participant as the core's snapshot lists it. */
export interface RoomParticipant {
  /** Janus's id as decimal text. */
  id: string;
  display: string;
  /** Its microphone / camera is on (its enableAudio / enableVideo, read from its Janus display). */
  audioEnabled: boolean;
  videoEnabled: boolean;
  /** By tag ('audio', 'video', 'screen', ...): the subscriber mid ('' until received). */
  tracks: Record<string, { kind: 'audio' | 'video'; mid: string; receiving: boolean }>;
  /** The simulcast layers asked for (selectLayers), or null. */
  layers: { substream: number | null; temporal: number | null } | null;
}

/** A participant of a Janus VideoRoom room (seed 002 VideoCallClient). */
export declare class VideoCallClient {
  /** @throws {CallError} 'params' when options is not an object. */
  constructor(options: VideoCallClientOptions);
  readonly options: VideoCallClientOptions;
  /** RTCConfiguration of both peer connections (read when each is created). */
  connectionConfig: RTCConfiguration;
  /** Every event as `{emitType, eventType, payload}` (EVENT_LIST names). */
  readonly emitter: Emitter;
  /** Joins the room; rejects with CallError 'params' | 'room' | 'state' | 'connection'. */
  joinCall(roomId: number | string | bigint, userId?: number | string | bigint | null, displayName?: string): Promise<void>;
  enableVideo(on: boolean): Promise<void>;
  enableAudio(on: boolean): Promise<void>;
  /**
   * Sends `text` (1–16384 bytes of UTF-8) to everybody else in the room over Janus's data
   * channels; each gets `dataReceived` once. Rejects with CallError 'params' (bad text) or
   * 'state' (not joined / published, or the data channel not open yet).
   */
  sendData(text: string): Promise<void>;
  /** Whether sendData() can send now (this participant's data channel is open). */
  readonly dataChannelOpen: boolean;
  /**
   * Publishes `track` (a video track, e.g. from getDisplayMedia) as a second video under the tag
   * 'screen'; the others get trackAdded with tag 'screen'. Rejects with CallError 'params' | 'state'.
   */
  shareScreen(track: MediaStreamTrack): Promise<void>;
  /** Stops the screen share (the others get trackRemoved with tag 'screen'). Rejects with CallError 'state'. */
  stopScreenShare(): Promise<void>;
  /** Whether a screen is shared. */
  readonly screenSharing: boolean;
  /** Simulcast layers received of a participant's video (0–2; null lifts the limit). */
  selectLayers(participantId: string, layers?: { substream?: number | null; temporal?: number | null }): void;
  leaveCall(): Promise<void>;
  on<K extends keyof VideoCallClientEvents>(event: K, listener: (payload: VideoCallClientEvents[K]) => void): () => void;
  on<K extends keyof EventDataMap>(event: K, listener: (payload: EventDataMap[K]) => void): () => void;
  off<K extends keyof VideoCallClientEvents>(event: K, listener: (payload: VideoCallClientEvents[K]) => void): void;
  off<K extends keyof EventDataMap>(event: K, listener: (payload: EventDataMap[K]) => void): void;
  readonly connectionStatus: RoomConnectionStatus;
  readonly participantId: string | null;
  readonly participants: RoomParticipant[];
  readonly audioEnabled: boolean;
  readonly videoEnabled: boolean;
  readonly localStream: MediaStream | null;
  readonly publisherConnection: RTCPeerConnection | null;
  readonly subscriberConnection: RTCPeerConnection | null;
  localTrack(kind: 'audio' | 'video'): MediaStreamTrack | null;
  remoteTrack(participantId: string, tag: string): MediaStreamTrack | null;
}

/** The room store's snapshot (createCallStore's fields). */
export interface RoomStoreSnapshot {
  peerId: string | null;
  connectStatus: RoomConnectionStatus;
  callState: 'idle' | 'connected';
  errorConnection: CallError | null;
  lastError: CallError | null;
  displayName: string | null;
  avatar: null;
  hidden: boolean;
  muted: boolean;
  sendTracks: Array<{ tag: 'audio' | 'video'; kind: 'audio' | 'video'; state: 'sending' | 'paused'; track: MediaStreamTrack }>;
  recvTracks: Array<{ participantId: string; tag: string; kind: 'audio' | 'video'; state: 'receiving'; track: MediaStreamTrack }>;
  peers: Array<{
    id: string;
    displayName: string;
    avatar: null;
    tracks: Record<string, { kind: 'audio' | 'video'; state: 'receiving' | 'pending'; track: MediaStreamTrack | null }>;
    /** Its enableAudio / enableVideo (participantUpdated). */
    deviceState: { isMute: boolean; isHidden: boolean };
  }>;
}

/** A store for React's useSyncExternalStore. */
export declare function createRoomStore(client: VideoCallClient): {
  getSnapshot(): RoomStoreSnapshot;
  subscribe(listener: () => void): () => void;
  destroy(): void;
};
