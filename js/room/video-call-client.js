// The room product's public class (seed 002, the mediasoup VideoCallClient: `new
// VideoCallClient({signalingUrl, autoReconnect, useSimulcast})`, joinCall, enableVideo,
// enableAudio, leaveCall, on/off typed events). A thin layer: methods become inputs of the room's
// C++ session (src/callcore/session/room/, bound by bindings/room_bindings.cpp), the shared shell
// (js/shell/) performs the effects, app-side effects settle promises and emit events. Every
// decision (the Janus exchange, reconnect, mute, layers) is the core's (docs/room.md).
import { core } from './core.js';
import { CallError } from '../call-error.js';
import { EMIT_TYPE_LIST, EVENT_LIST } from '../dictionary.js';
import { Emitter } from '../emitter.js';
import { PayloadListeners } from '../payload-listeners.js';
import { logFromShell } from '../logger.js';
import { failure, SessionLoop } from '../shell/loop.js';
import { MediaHost } from '../shell/media.js';
import { PeerHost } from '../shell/peers.js';
import { TransportHost } from '../shell/transports.js';

/** The room's peer connections (src/callcore/session/room/session.hpp kPublisherPc, kSubscriberPc). */
const PUBLISHER_PC = 1;
const SUBSCRIBER_PC = 2;

/**
 * The seed's event names → the core's (EVENT_LIST). The seed's `error` is the core's `roomError`
 * (docs/room.md, "Events": `error` is already a wire message type in the dictionary).
 */
const SEED_EVENTS = Object.freeze({
  connectionStatusChanged: EVENT_LIST.ROOM_CONNECTION_STATUS,
  participantJoined: EVENT_LIST.PARTICIPANT_JOINED,
  participantLeft: EVENT_LIST.PARTICIPANT_LEFT,
  trackAdded: EVENT_LIST.ROOM_TRACK_ADDED,
  trackRemoved: EVENT_LIST.ROOM_TRACK_REMOVED,
  participantUpdated: EVENT_LIST.PARTICIPANT_UPDATED,
  dataReceived: EVENT_LIST.DATA_RECEIVED,
  error: EVENT_LIST.ROOM_ERROR,
});

/** The event names on()/off() accept: the seed's, and any EVENT_LIST value. */
export const ROOM_EVENTS = Object.freeze(Object.keys(SEED_EVENTS));

/**
 * A participant of a Janus VideoRoom room (seed 002 VideoCallClient).
 *
 * Events (`on(name, listener)`; the listener gets the payload, as in the seed):
 * - `connectionStatusChanged` `{status, previous}`: 'disconnected' | 'connecting' | 'connected' |
 *   'reconnecting';
 * - `participantJoined` `{participantId, display, audioEnabled, videoEnabled, tracks: [{tag, kind,
 *   mid}]}` (ids are Janus's 64-bit ids as decimal text);
 * - `participantLeft` `{participantId, display, reason: 'left' | 'unpublished' | 'kicked'}`;
 * - `trackAdded` `{participantId, display, tag, kind, mid, track}`: `track` is the
 *   MediaStreamTrack received under `mid` of the subscriber connection; the event is delivered
 *   once the browser has that track (the core names the mid when Janus lists it, the track exists
 *   once Janus's offer is applied);
 * - `trackRemoved` `{participantId, tag, kind, mid}`;
 * - `participantUpdated` `{participantId, display, audioEnabled, videoEnabled}`: another
 *   participant's enableAudio/enableVideo (or display name) changed; the core reads it from the
 *   display Janus relays (docs/room.md, "Mute visible to others");
 * - `dataReceived` `{participantId, display, text}`: another participant's sendData(text), once
 *   per message (Janus VideoRoom data channels);
 * - `error`: a CallError (type 'room' for Janus's refusals and timeouts, 'signaling' for refused
 *   messages, 'streamError' when getUserMedia failed: the room goes on receive-only).
 * Any EVENT_LIST value (e.g. 'allEvent', 'localStreamEvent') is accepted too; `emitter` gives the
 * full `{emitType, eventType, payload}` events.
 */
export class VideoCallClient {
  /**
   * @param {object} options
   * @param {string} options.signalingUrl the Janus WebSocket URL (ws:// or wss://; subprotocol
   *   'janus-protocol')
   * @param {RTCIceServer[]} [options.iceServers=[]] for both peer connections (W3C webrtc-pc
   *   RTCConfiguration.iceServers)
   * @param {boolean} [options.autoReconnect=true] reopen a dropped socket, reclaim or rejoin
   *   (docs/room.md, "Reconnect")
   * @param {boolean} [options.useSimulcast=false] the camera as three encodings (h/m/l, 1, 1/2, 1/4)
   * @param {boolean | MediaTrackConstraints} [options.audio=true] publish the microphone (with
   *   these constraints when an object)
   * @param {boolean | MediaTrackConstraints} [options.video=true] publish the camera (idem)
   * @param {string} [options.pin] the room's pin; `token` its invitation token
   * @param {number} [options.keepaliveSecond=25] `requestTimeoutSecond` (10), `sessionTimeoutSecond` (60): docs/room.md
   * @throws {CallError} type 'params' when options is not an object. The other options are
   *   checked by the core at joinCall() (its promise rejects with a CallError 'params').
   */
  constructor(options) {
    if (options === null || typeof options !== 'object') {
      throw CallError.fromCore({ type: 'params', message: 'Invalid VideoCallClient options', description: 'options must be an object' });
    }
    const { iceServers = [], ...rest } = options;
    this.options = { ...options };
    /** @type {RTCConfiguration} for both peer connections; read when each is created. */
    this.connectionConfig = { iceServers };
    this._coreOptions = rest;
    this.emitter = new Emitter((error, event) =>
      logFromShell('error', 'listenerError', '', { eventType: event.eventType, error: failure(error) }),
    );
    this._listeners = new PayloadListeners(this.emitter); // on()/off(): listeners of the payload
    this._requests = new Map();
    this._nextRequestId = 1;
    this._pendingTracks = new Map(); // subscriber mid → trackAdded payload waiting for its track
    this._loop = null;
    this._final = null;
    this._device = {}; // the last enableAudio/enableVideo asked, handed to each new session
  }

  /**
   * Joins room `roomId` as `userId` with `displayName` (seed joinCall): opens the socket,
   * acquires the camera and microphone, joins, publishes and subscribes to every participant.
   * A client that left can join again.
   * @param {number | string} roomId the VideoRoom room id: an integer >= 1 or its decimal text
   * @param {number | string | null} [userId] the participant id to ask Janus for (an integer >= 1
   *   or its decimal text); null/undefined lets Janus pick one
   * @param {string} [displayName] shown to the others
   * @returns {Promise<void>} resolves once Janus answered `joined`; rejects with CallError 'params'
   *   (invalid options or ids), 'room' (Janus refused: no such room, room full, ...), 'state'
   *   (already in a room), 'connection'
   */
  joinCall(roomId, userId, displayName) {
    if (this._loop?.session && this._snapshot().connectStatus !== 'disconnected') {
      return Promise.reject(CallError.fromCore({ type: 'state', message: 'Already in a room', description: 'joinCall() while in a room: leaveCall() first' }));
    }
    this._release();
    this._displayName = displayName ?? this._coreOptions.display ?? null;
    const room = typeof roomId === 'bigint' ? String(roomId) : roomId;
    const id = typeof userId === 'bigint' ? String(userId) : userId;
    const coreOptions = JSON.stringify({
      ...this._coreOptions,
      room,
      id: id ?? null,
      display: displayName ?? this._coreOptions.display ?? null,
      randomSeed: Math.floor(Math.random() * 2 ** 32), // jitter of retry delays, transaction ids
    });
    const session = new core.Room('', coreOptions, Date.now());
    const invalid = session.error();
    if (invalid) {
      session.delete();
      return Promise.reject(CallError.fromCore(JSON.parse(invalid)));
    }
    const input = (i) => loop.input(i);
    const media = new MediaHost(input);
    const peers = new PeerHost(input, media, () => this.connectionConfig, (pc, pcId) => this._decorate(pc, pcId));
    const transports = new TransportHost(input, null);
    const app = { settle: (effect) => this._settle(effect), emit: (effect) => this._emit(effect) };
    const loop = new SessionLoop(session, { transports, peers, media, app });
    this._hosts = { media, peers, transports };
    this._loop = loop;
    loop.start();
    if (Object.keys(this._device).length > 0) loop.input({ kind: 'changeDeviceState', ...this._device });
    return this._request({ kind: 'call' });
  }

  /**
   * Publishes the camera or stops it (seed enableVideo): the local track is disabled and Janus
   * stops relaying it, without renegotiation (docs/room.md, "Mute"); the others get
   * `participantUpdated` with `videoEnabled` (docs/room.md, "Mute visible to others"). The choice stays with the
   * client: given before joinCall(), or kept from the last join, it is handed to the next join.
   * @param {boolean} on
   * @returns {Promise<void>} resolved once the core has taken it
   */
  enableVideo(on) {
    this._device.isHidden = !on;
    this._loop?.input({ kind: 'changeDeviceState', isHidden: !on });
    return Promise.resolve();
  }

  /**
   * Publishes the microphone or stops it (seed enableAudio; as enableVideo()).
   * @param {boolean} on
   * @returns {Promise<void>} resolved once the core has taken it
   */
  enableAudio(on) {
    this._device.isMute = !on;
    this._loop?.input({ kind: 'changeDeviceState', isMute: !on });
    return Promise.resolve();
  }

  /**
   * Sends a text message to everybody else in the room (seed 001 RealtimeSocket "data
   * messages"; seed 002's room): on this participant's data channel to Janus, which relays it to
   * every participant subscribed to it; each of them gets `dataReceived` {participantId, display,
   * text} once. Ordered and reliable (an SCTP stream, RFC 8831). Text only: bytes are not sent.
   * @param {string} text 1 to 16384 bytes of UTF-8
   * @returns {Promise<void>} resolves once handed to the data channel; rejects with CallError
   *   'params' (not a non-empty string, too long) or 'state' (not joined, not yet published, or
   *   the data channel not open yet: `dataChannelOpen` says when it is)
   */
  sendData(text) {
    if (!this._loop) {
      return Promise.reject(CallError.fromCore({ type: 'state', message: 'Not in a room', description: 'sendData() before joinCall()' }));
    }
    return this._request({ kind: 'sendMessage', type: 'roomData', body: text });
  }

  /**
   * Shares a screen (the consultation's 'screen' tag, docs/media-tags.md): `track` is published
   * as a second video whose Janus stream is described as 'screen' (a renegotiation); the others
   * get `trackAdded` with tag 'screen' and `remoteTrack(id, 'screen')`. A second call replaces
   * the shared track without renegotiation. When the user stops sharing in the browser (the
   * track ends) the share stops as with stopScreenShare().
   * @param {MediaStreamTrack} track a video track, e.g. `(await navigator.mediaDevices
   *   .getDisplayMedia({video: true})).getVideoTracks()[0]` (from a user gesture)
   * @returns {Promise<void>} resolves once the core added it; rejects with CallError 'params'
   *   (not a video track, or the camera's) or 'state' (not joined)
   */
  shareScreen(track) {
    if (!this._loop) {
      return Promise.reject(CallError.fromCore({ type: 'state', message: 'Not in a room', description: 'shareScreen() before joinCall()' }));
    }
    const media = this._hosts.media;
    const trackId = track ? media.idOf(track) ?? media.hold(track) : 0;
    return this._request({ kind: 'sendTrack', tag: 'screen', trackKind: track?.kind ?? '', trackId, paused: false });
  }

  /**
   * Stops the screen share: its sender is removed (renegotiated; the others get `trackRemoved`
   * with tag 'screen') and the track stopped.
   * @returns {Promise<void>} rejects with CallError 'state' when no screen is shared
   */
  stopScreenShare() {
    if (!this._loop) {
      return Promise.reject(CallError.fromCore({ type: 'state', message: 'Not in a room', description: 'stopScreenShare() before joinCall()' }));
    }
    return this._request({ kind: 'trackControl', action: 'close', tag: 'screen' });
  }

  /** Whether a screen is shared (shareScreen() until stopScreenShare() or the track ended). */
  get screenSharing() {
    return this._snapshot().screenSharing === true;
  }

  /** Whether sendData() can send now: this participant's data channel to Janus is open. */
  get dataChannelOpen() {
    return this._snapshot().data?.sending === true;
  }

  /**
   * Limits the simulcast layers received of a participant's video (Janus configure
   * substream/temporal per mid): 0 lowest to 2 highest; null or omitted lifts the limit. Kept
   * across a rejoin.
   * @param {string} participantId decimal text
   * @param {{substream?: number | null, temporal?: number | null}} [layers]
   */
  selectLayers(participantId, { substream = null, temporal = null } = {}) {
    const layer = (v) => (typeof v === 'number' && v >= 0 ? v : -1);
    this._loop?.input((session, now) => session.selectLayers(String(participantId), layer(substream), layer(temporal), now));
  }

  /**
   * Leaves the room (seed leaveCall): Janus is told (leave, detach, destroy), every received
   * track is removed (trackRemoved), both peer connections are closed, the local tracks stopped
   * and the timer cancelled; status 'disconnected'. Idempotent.
   * @returns {Promise<void>} resolved once done (nothing is waited for on the network)
   */
  leaveCall() {
    if (this._loop?.session) this._loop.input({ kind: 'hangUp' });
    this._release();
    return Promise.resolve();
  }

  /**
   * Registers `listener` for `event`; it receives the event's payload (seed: `client.on(
   * 'connectionStatusChanged', (status) => ...)`).
   * @param {string} event one of ROOM_EVENTS or an EVENT_LIST value
   * @param {(payload: unknown) => void} listener
   * @returns {() => void} unregisters it
   * @throws {TypeError} when event is not a string or listener not a function
   */
  on(event, listener) {
    if (typeof listener !== 'function') throw new TypeError(`VideoCallClient.on: listener must be a function; got ${typeof listener}`);
    const name = SEED_EVENTS[event] ?? event;
    this._listeners.on(name, listener);
    return () => this.off(event, listener);
  }

  /** Unregisters `listener` from `event` (as given to on()). */
  off(event, listener) {
    const name = SEED_EVENTS[event] ?? event;
    this._listeners.off(name, listener);
  }

  /** The connection status: 'disconnected' | 'connecting' | 'connected' | 'reconnecting'. */
  get connectionStatus() {
    return this._snapshot().connectStatus;
  }

  /** This participant's id (decimal text) once joined, else null. */
  get participantId() {
    return this._snapshot().participantId ?? null;
  }

  /**
   * The other participants: `[{id, display, audioEnabled, videoEnabled, tracks: {[tag]: {kind, mid,
   * receiving}}, layers}]`
   * (the core's snapshot, docs/room.md "Snapshot").
   */
  get participants() {
    return this._snapshot().participants;
  }

  /** Whether the microphone / camera are published (enableAudio / enableVideo). */
  get audioEnabled() {
    return this._snapshot().audioEnabled;
  }

  get videoEnabled() {
    return this._snapshot().videoEnabled;
  }

  /** The local MediaStream (camera + microphone) of the current join, or null. */
  get localStream() {
    const stream = this._localStreamId ? this._hosts?.media.stream(this._localStreamId) : null;
    return stream ?? null;
  }

  /** The publisher's RTCPeerConnection, or null. */
  get publisherConnection() {
    return this._hosts?.peers.connection(PUBLISHER_PC) ?? null;
  }

  /** The subscriber's RTCPeerConnection (every participant's media), or null. */
  get subscriberConnection() {
    return this._hosts?.peers.connection(SUBSCRIBER_PC) ?? null;
  }

  /** This side's track of `kind` ('audio' | 'video'), or null. */
  localTrack(kind) {
    return this.localStream?.getTracks().find((t) => t.kind === kind) ?? null;
  }

  /**
   * The track received of `participantId` under `tag` ('audio', 'video', 'screen', ...), or null
   * (not received yet, or no longer).
   */
  remoteTrack(participantId, tag) {
    const p = this.participants.find((x) => x.id === String(participantId));
    const mid = p?.tracks?.[tag]?.mid;
    return mid ? this._trackOfMid(mid) : null;
  }

  /** The core's state (docs/room.md "Snapshot"), parsed once per change; the last one after leave. */
  _snapshot() {
    return this._loop?.snapshot() ?? this._final ?? { connectStatus: 'disconnected', joined: false, participantId: null, participants: [], audioEnabled: true, videoEnabled: true };
  }

  // ---- app-side effects ------------------------------------------------------------------------

  _settle({ requestId, error }) {
    const pending = this._requests.get(requestId);
    this._requests.delete(requestId);
    if (!pending) return;
    if (error) pending.reject(CallError.fromCore(error));
    else pending.resolve();
  }

  // A payload's `stream` id becomes the MediaStream, an error a CallError; trackAdded waits for
  // its track (the browser creates it when Janus's offer is applied) and carries it.
  _emit({ emitType, eventType, payload }) {
    let value = payload;
    if (eventType === EVENT_LIST.LOCAL_STREAM && payload && typeof payload.stream === 'string') {
      this._localStreamId = payload.stream;
    }
    if (payload && typeof payload.stream === 'string') {
      value = { ...payload, stream: this._hosts?.media.stream(payload.stream) ?? null };
    } else if (emitType === EMIT_TYPE_LIST.ERROR && payload && typeof payload.type === 'string' && typeof payload.message === 'string') {
      value = CallError.fromCore(payload);
    } else if (eventType === EVENT_LIST.ROOM_TRACK_ADDED) {
      const track = this._trackOfMid(payload.mid);
      if (!track) {
        this._pendingTracks.set(payload.mid, payload);
        return;
      }
      value = { ...payload, track };
    } else if (eventType === EVENT_LIST.ROOM_TRACK_REMOVED) {
      this._pendingTracks.delete(payload.mid);
    }
    this.emitter.emit(eventType, value, emitType ?? EMIT_TYPE_LIST.EVENT);
  }

  // The subscriber connection's receiver track of transceiver `mid` (W3C webrtc-pc §5.4), or null.
  _trackOfMid(mid) {
    const pc = this._hosts?.peers.connection(SUBSCRIBER_PC);
    if (!pc || pc.signalingState === 'closed') return null;
    return pc.getTransceivers().find((t) => t.mid === mid)?.receiver.track ?? null;
  }

  // A trackAdded that waited for its track is delivered when the browser reports the track.
  _decorate(pc, pcId) {
    if (pcId !== SUBSCRIBER_PC) return;
    pc.addEventListener('track', (event) => {
      const mid = event.transceiver?.mid;
      const payload = mid != null ? this._pendingTracks.get(mid) : undefined;
      if (!payload) return;
      this._pendingTracks.delete(mid);
      this.emitter.emit(EVENT_LIST.ROOM_TRACK_ADDED, { ...payload, track: event.track }, EMIT_TYPE_LIST.EVENT);
    });
  }

  _request(input) {
    return new Promise((resolve, reject) => {
      const requestId = this._nextRequestId++;
      this._requests.set(requestId, { resolve, reject });
      this._loop.input({ ...input, requestId });
    });
  }

  // Frees the session of the last join (its final snapshot stays readable) and its hosts.
  _release() {
    if (!this._loop) return;
    this._final = this._loop.snapshot();
    this._loop.close();
    this._hosts.transports.closeAll();
    this._hosts.peers.closeAll();
    this._hosts.media.close();
    this._pendingTracks.clear();
    this._loop = null;
    for (const { reject } of this._requests.values()) {
      reject(CallError.fromCore({ type: 'state', message: 'Left the room', description: 'leaveCall() before joinCall() settled' }));
    }
    this._requests.clear();
  }
}
