// The shell around one consultation session (DESIGN.md §1): it feeds inputs to the C++ core
// one at a time and performs the effects the core returns with the browser's
// RTCPeerConnection, getUserMedia, WebSocket and timers. It decides nothing about the call.
import { core } from './core.js';
import { CallError } from './call-error.js';
import { withDefaultTransport } from './configure.js';
import { EMIT_TYPE_LIST, EVENT_LIST } from './dictionary.js';
import { Emitter } from './emitter.js';
import { logFromShell } from './logger.js';

const PEER_STATE_EVENTS = [
  ['iceconnectionstatechange', 'iceConnectionState'],
  ['connectionstatechange', 'connectionState'],
  ['signalingstatechange', 'signalingState'],
  ['icegatheringstatechange', 'iceGatheringState'],
];

function failure(error) {
  return { name: error?.name ?? 'Error', message: String(error?.message ?? error) };
}

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
   *   how to give a transport when there is none).
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
      randomSeed: Math.floor(Math.random() * 2 ** 32), // jitter of retry delays
    });
    const invalid = core.validateParams(coreParams);
    if (invalid) throw CallError.fromCore(JSON.parse(invalid));

    this.params = params;
    /** @type {RTCConfiguration} */
    this.connectionConfig = { iceServers: [] };
    this.emitter = new Emitter((error, event) =>
      logFromShell('error', 'listenerError', '', { eventType: event.eventType, error: failure(error) }),
    );
    /** @type {MediaStream | null} */
    this.mediaStream = null;
    /** @type {MediaStream[]} */
    this.allMediaStreams = [];
    /** @type {RTCPeerConnection | null} */
    this.connection = null;
    this.socketMessenger = {
      /** Seed createPublishMessage: `{data: {type, sender, consultationId, ...extra}, route: 'vcm'}`. */
      createPublishMessage: (type, extra = {}) =>
        JSON.parse(this._alive().createPublishMessage(String(type), JSON.stringify(extra))),
      /** Seed createTransientMessage: `{type, chatId, data: {sender, consultationId, ...data}, connectionIds}`. */
      createTransientMessage: (connectionIds, data = {}) =>
        JSON.parse(this._alive().createTransientMessage(JSON.stringify(connectionIds ?? []), JSON.stringify(data))),
    };

    this._session = new core.Session(role, coreParams, Date.now());
    this._queue = [];
    this._busy = false;
    this._destroyed = false;
    this._socket = null;
    this._timers = new Map();
    this._calls = new Map();
    this._nextRequestId = 1;
    this._remoteStreams = new Map();
    this._tracks = new Map(); // trackId → MediaStreamTrack handed to the core (sendTrack, devices)
    this._senders = new Map(); // media tag → RTCRtpSender
    this._tagTracks = new Map(); // media tag → its local track (also while paused), beyond audio/video
    this._nextTrackId = 1;
    this._perform(this._session.drain());
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
    return new Promise((resolve, reject) => {
      const requestId = this._nextRequestId++;
      this._calls.set(requestId, { resolve, reject });
      this._input({ kind: 'call', requestId });
    });
  }

  /**
   * Sends an app message to the far side (issue 4; seed media-store `sendMessage`): on the
   * call's data channel when it is open, else through signaling; the far side gets
   * EVENT_LIST.MESSAGE `{type, body, connectionId, via}` in the order they were sent.
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
    const trackId = this._holdTrack(track);
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
    if (mediaTag === 'audio') return this.mediaStream?.getAudioTracks()[0] ?? null;
    if (mediaTag === 'video') return this.mediaStream?.getVideoTracks()[0] ?? null;
    return this._tagTracks.get(mediaTag) ?? null;
  }

  /** The far side's track that carries `mediaTag`, or null. */
  remoteTrack(mediaTag) {
    const entry = this._snapshot().remoteTracks.find((t) => t.tag === mediaTag);
    if (!entry) return null;
    const stream = this._remoteStreams.get(entry.streamId);
    return stream?.getTracks().find((t) => t.kind === entry.kind) ?? null;
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
    this._input({ kind: 'signalingMessage', text: text ?? '' });
  }

  /**
   * Enables or disables the local video (`isHidden`) and audio (`isMute`) tracks, before or
   * during a call; the far side learns it (EVENT_LIST.REMOTE_DEVICE_STATE).
   * @param {{isHidden?: boolean, isMute?: boolean}} state
   */
  changeDeviceState({ isHidden, isMute } = {}) {
    this._input({ kind: 'changeDeviceState', isHidden, isMute });
  }

  /**
   * Portal-owned socket only: the portal's socket dropped. Outbound messages are queued, in
   * order, until socketReconnected().
   */
  socketDisconnected() {
    this._input({ kind: 'signalingPaused' });
  }

  /**
   * Portal-owned socket only: the portal's socket is back. Queued messages are sent in order;
   * pass the new connection id if the server gave one. Inbound messages delivered twice are
   * applied once (each carries data.messageId).
   * @param {string} [connectionId]
   */
  socketReconnected(connectionId) {
    this._input({ kind: 'signalingResumed', connectionId: connectionId ?? '' });
  }

  /** Ends the call: tells the far side, stops the local tracks, closes the connection. */
  hangUp() {
    this._input({ kind: 'hangUp' });
  }

  /**
   * Hangs up if in a call, closes the socket, cancels timers, removes every listener and
   * releases the connection, the streams and the core session (`connection`, `mediaStream`
   * become null; `callState` stays readable). Idempotent.
   */
  destroy() {
    if (this._destroyed) return;
    this._input({ kind: 'destroy' });
    this._final = this._snapshot();
    this._destroyed = true;
    for (const handle of this._timers.values()) clearTimeout(handle);
    this._timers.clear();
    this._detachSocket();
    this._closeConnection();
    this.emitter.offAll();
    this.connection = null;
    this.mediaStream = null;
    this.allMediaStreams = [];
    this._remoteStreams.clear();
    this._session.delete();
    this._session = null;
  }

  // ---- the loop: one input at a time, effects in order ---------------------------------

  _snapshot() {
    return this._session ? JSON.parse(this._session.snapshot()) : this._final;
  }

  _input(input) {
    if (this._destroyed) return; // late browser callbacks of a destroyed call
    this._queue.push(input);
    if (this._busy) return; // an effect fed an input: it runs after the current outputs
    this._busy = true;
    try {
      while (this._queue.length > 0) {
        const next = this._queue.shift();
        this._perform(this._session.handle(JSON.stringify(next), Date.now()));
      }
    } finally {
      this._busy = false;
    }
  }

  _perform(outputsJson) {
    for (const { kind, data } of JSON.parse(outputsJson)) {
      const effect = this._effects[kind];
      if (!effect) {
        logFromShell('error', 'unknownEffect', '', { kind });
        continue;
      }
      try {
        effect.call(this, data);
      } catch (error) {
        logFromShell('error', 'effectFailed', '', { kind, error: failure(error) });
      }
    }
  }

  _request(input) {
    return new Promise((resolve, reject) => {
      const requestId = this._nextRequestId++;
      this._calls.set(requestId, { resolve, reject });
      this._input({ ...input, requestId });
    });
  }

  _holdTrack(track) {
    const trackId = `t${this._nextTrackId++}`;
    if (track) this._tracks.set(trackId, track);
    return trackId;
  }

  _trackFor(trackId) {
    if (trackId === 'local:audio') return this.mediaStream?.getAudioTracks()[0] ?? null;
    if (trackId === 'local:video') return this.mediaStream?.getVideoTracks()[0] ?? null;
    return this._tracks.get(trackId) ?? null;
  }

  _alive() {
    if (!this._session) throw CallError.fromCore({ type: 'state', message: 'The call object was destroyed', description: 'used after destroy()' });
    return this._session;
  }

  _pcFailed(operation) {
    return (error) => this._input({ kind: 'operationFailed', operation, ...failure(error) });
  }

  _detachSocket() {
    const socket = this._socket;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    if (socket.readyState === 0 || socket.readyState === 1) socket.close(1000, 'destroy');
    this._socket = null;
  }

  _closeConnection() {
    const pc = this.connection;
    if (!pc) return;
    pc.onicecandidate = pc.ontrack = pc.onnegotiationneeded = null;
    if (this._channel) this._channel.onopen = this._channel.onclose = this._channel.onmessage = null;
    this._channel = null;
    for (const [event] of PEER_STATE_EVENTS) pc[`on${event}`] = null;
    if (pc.signalingState !== 'closed') pc.close();
  }
}

/** Effect name → how the shell performs it (the outputs of src/callcore/session/io.hpp). */
RTCCore.prototype._effects = {
  openSignaling({ url }) {
    if (typeof WebSocket !== 'function') {
      this._input({ kind: 'signalingClosed', code: 0, reason: 'no WebSocket in this environment: pass params.send' });
      return;
    }
    const socket = new WebSocket(url);
    this._socket = socket;
    // Events of a socket that is no longer the current one (a late close after a reconnect)
    // are not this call's business.
    const current = () => this._socket === socket;
    socket.onopen = () => current() && this._input({ kind: 'signalingOpen' });
    socket.onmessage = (event) =>
      current() && this._input({ kind: 'signalingMessage', text: typeof event.data === 'string' ? event.data : '' });
    socket.onclose = (event) => {
      if (!current()) return;
      this._socket = null;
      this._input({ kind: 'signalingClosed', code: event.code, reason: event.reason });
    };
  },

  closeSignaling() {
    this._detachSocket();
  },

  send({ message }) {
    try {
      if (typeof this.params.send === 'function') {
        this.params.send(message);
      } else if (this._socket?.readyState === 1) {
        this._socket.send(JSON.stringify(message));
      } else {
        throw new Error('socket not open');
      }
    } catch (error) {
      this._input({ kind: 'sendFailed', message, reason: String(error?.message ?? error) });
    }
  },

  acquireMedia(constraints) {
    if (!globalThis.navigator?.mediaDevices?.getUserMedia) {
      this._input({ kind: 'mediaFailed', name: 'NotSupportedError', message: 'getUserMedia is not available here (no media devices or not a secure context)' });
      return;
    }
    navigator.mediaDevices.getUserMedia(constraints).then(
      (stream) => {
        if (this._destroyed) {
          for (const track of stream.getTracks()) track.stop();
          return;
        }
        this.mediaStream = stream;
        this.allMediaStreams.push(stream);
        for (const track of stream.getTracks()) track.onended = () => this._input({ kind: 'trackEnded', tag: track.kind });
        this._input({
          kind: 'mediaAcquired',
          hasAudio: stream.getAudioTracks().length > 0,
          hasVideo: stream.getVideoTracks().length > 0,
          streamId: stream.id,
        });
      },
      (error) =>
        this._input({ kind: 'mediaFailed', ...failure(error), constraint: String(error?.constraint ?? '') }),
    );
  },

  createPeerConnection() {
    let pc;
    try {
      pc = new RTCPeerConnection(this.connectionConfig);
    } catch (error) {
      this._pcFailed('createPeerConnection')(error);
      return;
    }
    this.connection = pc;
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
    for (const track of this.mediaStream?.getTracks() ?? []) this._senders.set(track.kind, pc.addTrack(track, this.mediaStream));
    // The app data channel: pre-negotiated (same id on both sides), so no ondatachannel dance.
    const channel = pc.createDataChannel('callcore', { negotiated: true, id: 0, ordered: true });
    this._channel = channel;
    channel.onopen = channel.onclose = () => this._input({ kind: 'dataChannelState', state: channel.readyState });
    channel.onmessage = (event) =>
      this._input({ kind: 'dataChannelMessage', text: typeof event.data === 'string' ? event.data : '' });
    pc.onnegotiationneeded = () => this._input({ kind: 'negotiationNeeded' });
    pc.onicecandidate = (event) => this._input({ kind: 'localIceCandidate', candidate: event.candidate ? event.candidate.toJSON() : null });
    for (const [event, property] of PEER_STATE_EVENTS) {
      pc[`on${event}`] = () => this._input({ kind: 'peerStateChange', event, state: pc[property] });
    }
    pc.ontrack = (event) => {
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      if (!this._remoteStreams.has(stream.id)) {
        this._remoteStreams.set(stream.id, stream);
        this.allMediaStreams.push(stream);
      }
      this._input({ kind: 'remoteTrack', trackKind: event.track.kind, streamId: stream.id });
    };
  },

  setLocalDescription({ type }) {
    // Implicit setLocalDescription (W3C webrtc-pc §4.4.1.5) creates the offer or answer the
    // signaling state calls for, atomically; implementations without it (libwebrtc bindings
    // for Node) throw TypeError and get the explicit create + set.
    const pc = this.connection;
    const explicit = () =>
      (type === 'offer' ? pc.createOffer() : pc.createAnswer()).then((description) => pc.setLocalDescription(description));
    pc.setLocalDescription()
      .catch((error) => {
        if (error?.name === 'TypeError') return explicit();
        throw error;
      })
      .then(
        () => this._input({ kind: 'localDescription', type: pc.localDescription.type, sdp: pc.localDescription.sdp }),
        this._pcFailed('setLocalDescription'),
      );
  },

  setRemoteDescription({ description, rollback }) {
    const pc = this.connection;
    if (rollback) pc.setLocalDescription({ type: 'rollback' }).catch(this._pcFailed('rollback'));
    pc.setRemoteDescription(description)
      .then(() => this._input({ kind: 'remoteDescriptionSet', type: description.type }), this._pcFailed('setRemoteDescription'));
  },

  restartIce() {
    try {
      this.connection.restartIce();
    } catch (error) {
      this._pcFailed('restartIce')(error);
    }
  },

  addIceCandidate({ candidate }) {
    const pc = this.connection;
    (candidate === null ? pc.addIceCandidate() : pc.addIceCandidate(candidate)).catch(this._pcFailed('addIceCandidate'));
  },

  setTrackEnabled({ kind, enabled }) {
    for (const track of this.mediaStream?.getTracks() ?? []) {
      if (track.kind === kind) track.enabled = enabled;
    }
  },

  startTimer({ id, ms }) {
    clearTimeout(this._timers.get(id));
    this._timers.set(id, setTimeout(() => {
      this._timers.delete(id);
      this._input({ kind: 'timerFired', id });
    }, ms));
  },

  cancelTimer({ id }) {
    clearTimeout(this._timers.get(id));
    this._timers.delete(id);
  },

  stopTracks() {
    for (const track of [...(this.mediaStream?.getTracks() ?? []), ...this._tracks.values()]) {
      track.onended = null;
      track.stop();
    }
    this._tracks.clear();
    this._senders.clear();
    this._tagTracks.clear();
  },

  releaseStreams() {
    this.allMediaStreams = [];
    this._remoteStreams.clear();
  },

  addTrack({ tag, trackId }) {
    const track = this._trackFor(trackId);
    const stream = new MediaStream([track]);
    this._senders.set(tag, this.connection.addTrack(track, stream));
    this._tagTracks.set(tag, track);
    track.onended = () => this._input({ kind: 'trackEnded', tag });
    this._input({ kind: 'trackAdded', tag, streamId: stream.id });
  },

  replaceTrack({ tag, trackId }) {
    const sender = this._senders.get(tag);
    if (trackId !== null && tag !== 'audio' && tag !== 'video') this._tagTracks.set(tag, this._trackFor(trackId));
    sender?.replaceTrack(trackId === null ? null : this._trackFor(trackId)).catch(this._pcFailed('replaceTrack'));
  },

  removeTrack({ tag }) {
    const sender = this._senders.get(tag);
    this._senders.delete(tag);
    const track = this._tagTracks.get(tag) ?? sender?.track;
    this._tagTracks.delete(tag);
    if (sender && this.connection.signalingState !== 'closed') this.connection.removeTrack(sender);
    if (track) {
      track.onended = null;
      track.stop();
    }
  },

  acquireDevice({ requestId, kind, deviceId }) {
    const constraints = { [kind]: deviceId ? { deviceId: { exact: deviceId } } : true };
    navigator.mediaDevices.getUserMedia(constraints).then(
      (stream) => {
        const track = stream.getTracks()[0];
        const trackId = this._holdTrack(track);
        this._input({ kind: 'deviceAcquired', requestId, trackKind: kind, trackId, deviceId: track.getSettings?.().deviceId ?? '' });
      },
      (error) => this._input({ kind: 'deviceFailed', requestId, trackKind: kind, ...failure(error) }),
    );
  },

  releaseTrack({ trackId }) {
    this._tracks.get(trackId)?.stop();
    this._tracks.delete(trackId);
  },

  swapLocalTrack({ kind, trackId, send }) {
    const track = this._trackFor(trackId);
    this._tracks.delete(trackId);
    for (const old of this.mediaStream.getTracks().filter((t) => t.kind === kind)) {
      old.onended = null;
      old.stop();
      this.mediaStream.removeTrack(old);
    }
    this.mediaStream.addTrack(track);
    track.onended = () => this._input({ kind: 'trackEnded', tag: kind });
    if (send) this._senders.get(kind)?.replaceTrack(track).catch(this._pcFailed('replaceTrack'));
  },

  closePeerConnection() {
    this._closeConnection();
  },

  dataSend({ text }) {
    try {
      this._channel.send(text);
    } catch {
      this._input({ kind: 'dataChannelSendFailed', text });
    }
  },

  resolveRequest({ requestId }) {
    const pending = this._calls.get(requestId);
    this._calls.delete(requestId);
    pending?.resolve();
  },

  rejectRequest({ requestId, error }) {
    const pending = this._calls.get(requestId);
    this._calls.delete(requestId);
    pending?.reject(CallError.fromCore(error));
  },

  resolveCall({ requestId }) {
    const pending = this._calls.get(requestId);
    this._calls.delete(requestId);
    pending?.resolve(this.mediaStream);
  },

  rejectCall({ requestId, error }) {
    const pending = this._calls.get(requestId);
    this._calls.delete(requestId);
    pending?.reject(CallError.fromCore(error));
  },

  emit({ emitType, eventType, payload }) {
    let value = payload;
    if (payload && typeof payload.stream === 'string') {
      const stream = payload.stream === 'local' ? this.mediaStream : this._remoteStreams.get(payload.stream);
      value = { ...payload, stream };
    } else if (eventType === EVENT_LIST.CALL_ERROR) {
      value = CallError.fromCore(payload);
    }
    this.emitter.emit(eventType, value, emitType ?? EMIT_TYPE_LIST.EVENT);
  },
};
