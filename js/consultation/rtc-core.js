// The consultation's public classes (seed: budu-webrtc RTCCore, RTCDoctor, RTCClient): a thin
// layer that turns method calls into core inputs, performs the app-side effects (settling
// promises, emitting events) and reads properties from the core's snapshot. The browser work is
// done by the shared shell (js/shell/); every decision by the C++ core.
import { core } from '../core.js';
import { CallError } from '../call-error.js';
import { withDefaultTransport } from '../configure.js';
import { EMIT_TYPE_LIST, EVENT_LIST } from '../dictionary.js';
import { Emitter } from '../emitter.js';
import { logFromShell } from '../logger.js';
import { failure, SessionLoop } from '../shell/loop.js';
import { MediaHost } from '../shell/media.js';
import { PeerHost } from '../shell/peers.js';
import { TransportHost } from '../shell/transports.js';

/** The consultation's one peer connection (src/callcore/session/consultation/session.hpp kPc). */
const PC = 1;

/**
 * Base of RTCDoctor and RTCClient (seed: budu-webrtc RTCCore).
 *
 * Properties: `connectionConfig` (RTCConfiguration for `new RTCPeerConnection`, default
 * `{iceServers: []}`; set it before call()), `emitter`, `params` (RTCParams), `mediaStream`
 * (local MediaStream or null), `allMediaStreams` (every local and remote stream of the current
 * or last call; emptied when a new call starts on the same object), `connection` (the
 * RTCPeerConnection, extended with the far side's `clientId`, `connectionId`, `name` and the
 * core's `iceCandidatesQueue`, `isInviter`, `isClosing`, `negotiating`), `socketMessenger`,
 * `hasEntered`, `hasAnswered`, `callState`.
 */
export class RTCCore {
  /**
   * @param {'doctor' | 'client'} role
   * @param {object} params RTCParams (docs/api.md); with neither signalingUrl nor send, the
   *   transport set by configure() is merged in (into a copy)
   * @throws {CallError} type 'params' when params are invalid (the core says which field, and
   *   how to give a transport when there is none) or the role is not 'doctor' / 'client'.
   */
  constructor(role, params) {
    if (params === null || typeof params !== 'object') {
      throw CallError.fromCore({ type: 'params', message: 'Invalid RTCParams', description: 'params must be an object' });
    }
    params = withDefaultTransport(params);
    const coreParams = JSON.stringify({
      ...params,
      send: undefined,
      hasSend: typeof params.send === 'function',
      hasGetToken: typeof params.getToken === 'function',
      randomSeed: Math.floor(Math.random() * 2 ** 32), // jitter of retry delays
    });
    const session = new core.Consultation(String(role), coreParams, Date.now());
    const invalid = session.error();
    if (invalid) {
      session.delete();
      throw CallError.fromCore(JSON.parse(invalid));
    }

    this.params = params;
    /** @type {RTCConfiguration} */
    this.connectionConfig = { iceServers: [] };
    this.emitter = new Emitter((error, event) =>
      logFromShell('error', 'listenerError', '', { eventType: event.eventType, error: failure(error) }),
    );
    this.socketMessenger = {
      /** Seed createPublishMessage: `{data: {type, sender, consultationId, ...extra}, route: 'vcm'}`. */
      createPublishMessage: (type, extra = {}) =>
        JSON.parse(this._alive().createPublishMessage(String(type), JSON.stringify(extra))),
      /** Seed createTransientMessage: `{type, chatId, data: {sender, consultationId, ...data}, connectionIds}`. */
      createTransientMessage: (connectionIds, data = {}) =>
        JSON.parse(this._alive().createTransientMessage(JSON.stringify(connectionIds ?? []), JSON.stringify(data))),
    };

    const input = (i) => this._loop.input(i);
    this._requests = new Map();
    this._nextRequestId = 1;
    this._media = new MediaHost(input);
    this._peers = new PeerHost(input, this._media, () => this.connectionConfig, (pc) => this._decorate(pc));
    this._transports = new TransportHost(input, typeof params.send === 'function' ? params.send : null,
      typeof params.getToken === 'function' ? params.getToken : null);
    const app = { settle: (effect) => this._settle(effect), emit: (effect) => this._emit(effect) };
    this._loop = new SessionLoop(session, { transports: this._transports, peers: this._peers, media: this._media, app });
    this._destroyed = false;
    this._loop.start();
  }

  /** The local MediaStream of the current or last call, or null (the core names it). */
  get mediaStream() {
    return this._media.stream(this._snapshot().localStreamId);
  }

  /** Every local and remote stream of the current or last call (the core names them). */
  get allMediaStreams() {
    const { localStreamId, remoteStreamIds } = this._snapshot();
    return [localStreamId, ...remoteStreamIds].map((id) => this._media.stream(id)).filter(Boolean);
  }

  /** The call's RTCPeerConnection (extended as in the seed), or null. */
  get connection() {
    return this._peers.connection(PC);
  }

  /** The far side has entered the call. */
  get hasEntered() {
    return this._snapshot().hasEntered;
  }

  /** The client has answered the call. */
  get hasAnswered() {
    return this._snapshot().hasAnswered;
  }

  /** One of CALL_STATE_LIST. */
  get callState() {
    return this._snapshot().callState;
  }

  /**
   * Acquires media and starts (doctor) or answers (client) the call.
   * @returns {Promise<MediaStream>} the local stream; rejects with CallError ('enter',
   *   'answer', 'streamError', 'hangUp', 'signaling', 'negotiation', 'connection', 'state').
   */
  call() {
    return this._request({ kind: 'call' });
  }

  /**
   * Sends an app message to the far side (seed media-store `sendMessage`): on the call's data
   * channel when it is open, else through signaling; the far side gets EVENT_LIST.MESSAGE
   * `{type, body, connectionId, via}` in the order they were sent.
   * @param {{type: string, body?: unknown}} message `type` 1–64 bytes; the JSON of
   *   `{type, body}` at most 16 KiB
   * @returns {Promise<void>} resolves once handed to a transport; rejects with CallError
   *   'message' (too large, bad type) or 'state' (no call with a far side)
   */
  sendMessage({ type, body = null } = {}) {
    return this._request({ kind: 'sendMessage', type: typeof type === 'string' ? type : '', body });
  }

  /**
   * Sends `track` under `mediaTag` (seed media-store sendTrack), during a call: a new tag adds a
   * sender (renegotiated), a known tag gets its track replaced (no renegotiation). The far side
   * learns the tag of each remote track (EVENT_LIST.REMOTE_TRACKS, `track` events' `tag`).
   * Screen sharing: `sendTrack((await navigator.mediaDevices.getDisplayMedia()).getVideoTracks()[0], 'screen')`;
   * when the user stops sharing in the browser, the tag is closed.
   * @param {MediaStreamTrack} track
   * @param {string} mediaTag 1–32 bytes; 'audio' and 'video' are the call's microphone and camera
   * @param {boolean} [paused=false] add it without sending yet
   * @returns {Promise<void>} rejects with CallError 'state' (no call, bad tag, kind mismatch)
   */
  sendTrack(track, mediaTag, paused = false) {
    const trackId = track ? this._media.idOf(track) ?? this._media.hold(track) : 0;
    return this._request({ kind: 'sendTrack', tag: String(mediaTag), trackKind: track?.kind ?? '', trackId, paused: !!paused });
  }

  /** Stops sending the tag's track (the sender sends nothing; no renegotiation). */
  pauseTrack(mediaTag) {
    return this._request({ kind: 'trackControl', action: 'pause', tag: String(mediaTag) });
  }

  /** Sends the tag's track again. */
  resumeTrack(mediaTag) {
    return this._request({ kind: 'trackControl', action: 'resume', tag: String(mediaTag) });
  }

  /** Removes the tag's sender (renegotiated) and stops its track. */
  closeTrack(mediaTag) {
    return this._request({ kind: 'trackControl', action: 'close', tag: String(mediaTag) });
  }

  /**
   * Switches the microphone ('audio') or camera ('video') during a call with replaceTrack (no
   * renegotiation); the device ids come from `navigator.mediaDevices.enumerateDevices()`.
   * @returns {Promise<void>} rejects with CallError 'streamError' (the device could not be
   *   opened; the current one stays) or 'state'
   */
  switchDevice(kind, deviceId) {
    return this._request({ kind: 'switchDevice', trackKind: String(kind), deviceId: deviceId ? String(deviceId) : '' });
  }

  /** This side's track under `mediaTag` (also while paused), or null. */
  localTrack(mediaTag) {
    const trackId = this._snapshot().senders?.[mediaTag];
    if (trackId !== undefined) return this._media.track(trackId);
    if (mediaTag === 'audio') return this.mediaStream?.getAudioTracks()[0] ?? null;
    if (mediaTag === 'video') return this.mediaStream?.getVideoTracks()[0] ?? null;
    return null;
  }

  /** The far side's track that carries `mediaTag`, or null. */
  remoteTrack(mediaTag) {
    const entry = this._snapshot().remoteTracks.find((t) => t.tag === mediaTag);
    if (!entry) return null;
    return this._media.stream(entry.streamId)?.getTracks().find((t) => t.kind === entry.kind) ?? null;
  }

  /**
   * Feeds one inbound signaling message `{type, data}` (a portal-owned socket passes every
   * message here). Malformed input never throws: it becomes an 'error' event
   * (EVENT_LIST.SIGNALING_ERROR) and a log entry, and changes no state.
   * @param {object | string} message
   */
  async socketMessageHandler(message) {
    let text;
    try {
      text = typeof message === 'string' ? message : JSON.stringify(message);
    } catch {
      text = '';
    }
    this._loop.input({ kind: 'transportMessage', transport: 1, text: text ?? '' });
  }

  /**
   * Enables or disables the local video (`isHidden`) and audio (`isMute`) tracks, before or
   * during a call; the far side learns it (EVENT_LIST.REMOTE_DEVICE_STATE).
   * @param {{isHidden?: boolean, isMute?: boolean}} state
   */
  changeDeviceState({ isHidden, isMute } = {}) {
    this._loop.input({ kind: 'changeDeviceState', isHidden, isMute });
  }

  /**
   * Portal-owned socket only: the portal's socket dropped. Outbound messages are queued, in
   * order, until socketReconnected().
   */
  socketDisconnected() {
    this._loop.input({ kind: 'transportPaused', transport: 1 });
  }

  /**
   * Portal-owned socket only: the portal's socket is back. Queued messages are sent in order;
   * pass the new connection id if the server gave one. Inbound messages delivered twice are
   * applied once (each carries data.messageId).
   * @param {string} [connectionId]
   */
  socketReconnected(connectionId) {
    this._loop.input({ kind: 'transportResumed', transport: 1, connectionId: connectionId ?? '' });
  }

  /** Ends the call: tells the far side, stops the local tracks, closes the connection. */
  hangUp() {
    this._loop.input({ kind: 'hangUp' });
  }

  /**
   * Hangs up if in a call, closes the socket, cancels the timer, removes every listener and
   * releases the connection, the streams and the core session (`connection`, `mediaStream`
   * become null; `callState` stays readable). Idempotent.
   */
  destroy() {
    if (this._destroyed) return;
    this._loop.input({ kind: 'destroy' });
    this._destroyed = true;
    this._loop.close();
    this._transports.closeAll();
    this._peers.closeAll();
    this._media.close();
    this.emitter.offAll();
  }

  // ---- app-side effects (src/callcore/io/effect.hpp: settle, emit) ------------------------

  /** Settles the promise of request `requestId` (call() resolves with the local stream). */
  _settle({ requestId, error, withLocalStream }) {
    const pending = this._requests.get(requestId);
    this._requests.delete(requestId);
    if (!pending) return;
    if (error) pending.reject(CallError.fromCore(error));
    else pending.resolve(withLocalStream ? this.mediaStream : undefined);
  }

  /** Tells the app: a payload's `stream` id becomes the MediaStream, a CALL_ERROR a CallError. */
  _emit({ emitType, eventType, payload }) {
    let value = payload;
    if (payload && typeof payload.stream === 'string') {
      value = { ...payload, stream: this._media.stream(payload.stream) };
    } else if (eventType === EVENT_LIST.CALL_ERROR) {
      value = CallError.fromCore(payload);
    }
    this.emitter.emit(eventType, value, emitType ?? EMIT_TYPE_LIST.EVENT);
  }

  // ---- internals ---------------------------------------------------------------------------

  /** The core's snapshot (parsed once per change); the last one after destroy(). */
  _snapshot() {
    return this._loop.snapshot();
  }

  _alive() {
    if (this._destroyed) throw CallError.fromCore({ type: 'state', message: 'The call object was destroyed', description: 'used after destroy()' });
    return this._loop.session;
  }

  _request(input) {
    return new Promise((resolve, reject) => {
      const requestId = this._nextRequestId++;
      this._requests.set(requestId, { resolve, reject });
      this._loop.input({ ...input, requestId });
    });
  }

  // The seed's RTCConnection: the RTCPeerConnection with the far side's and the core's fields.
  _decorate(pc) {
    const snapshot = () => this._snapshot();
    Object.defineProperties(pc, {
      clientId: { get: () => snapshot().remote?.clientId ?? null, configurable: true },
      connectionId: { get: () => snapshot().remote?.connectionId ?? null, configurable: true },
      name: { get: () => snapshot().remote?.name ?? null, configurable: true },
      iceCandidatesQueue: { get: () => snapshot().iceCandidatesQueue, configurable: true },
      isInviter: { get: () => snapshot().isInviter, configurable: true },
      isClosing: { get: () => snapshot().isClosing, configurable: true },
      negotiating: { get: () => snapshot().negotiating, configurable: true },
    });
  }
}
