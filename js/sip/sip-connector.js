// The SIP product's public class with sip-connector's names (v31, /work reference
// "sip-connector: API and wire spec" §1-§2; docs/sip.md "API"). A thin layer: each method is a
// request to the C++ user agent (src/callcore/session/sip/user_agent.hpp, bound by
// bindings/sip_bindings.cpp), the shared shell (js/shell/) performs the effects, and app-side
// effects settle promises and emit events. Every decision — SIP messages, digest, registration
// and its refresh, reconnects, the OPTIONS ping, which response settles which promise — is the
// core's.
import { core } from './core.js';
import { CallError } from '../call-error.js';
import { EMIT_TYPE_LIST } from '../dictionary.js';
import { Emitter } from '../emitter.js';
import { PayloadListeners } from '../payload-listeners.js';
import { logFromShell } from '../logger.js';
import { failure, SessionLoop } from '../shell/loop.js';
import { MediaHost } from '../shell/media.js';
import { PeerHost } from '../shell/peers.js';
import { TransportHost } from '../shell/transports.js';

/** The call's peer connection (src/callcore/session/sip/user_agent.hpp kPc). */
const SIP_PC = 1;

/**
 * The app's tracks by TrackId (js/shell/media.js). The app owns its MediaStream (sip-connector:
 * the tracks given to call()/answerToIncomingCall() are never stopped by the library), so
 * releasing the session forgets them without stopping them.
 */
class AppMediaHost extends MediaHost {
  /**
   * Holds `stream` (the app's MediaStream) and its first audio and video track, in place of the
   * last call's (one call at a time: the senders took their tracks when they were added).
   * @param {MediaStream | null | undefined} stream
   * @returns {{audio: number | null, video: number | null, streamId: string}} the handles the core takes
   */
  holdStream(stream) {
    this.forget();
    this.closed = false;
    if (!stream || typeof stream.getTracks !== 'function') return { audio: null, video: null, streamId: '' };
    this.addRemoteStream(stream); // recorded by id, so the senders share the app's stream (addTrack)
    const audio = stream.getAudioTracks()[0];
    const video = stream.getVideoTracks()[0];
    return { audio: audio ? this.hold(audio) : null, video: video ? this.hold(video) : null, streamId: stream.id };
  }

  /** Forgets every track and stream without stopping them (they are the app's). */
  forget() {
    this.closed = true;
    for (const track of this._tracks.values()) track.onended = null;
    this._tracks.clear();
    this.releaseStreams();
  }
}

/** Parses a binding method's answer: "" → null, else the CallError it carries. */
function refusal(text) {
  return text ? CallError.fromCore(JSON.parse(text)) : null;
}

/**
 * A SIP user agent over one WebSocket (RFC 7118) with one call at a time, with sip-connector's
 * API (v31): `connect`, `disconnect`, `call`, `answerToIncomingCall`, `declineToIncomingCall`,
 * `hangUp`, `getRemoteStreams`, and its emitter's `on` / `once` / `off` with the exact prefixed
 * event names (EVENT_LIST SIP_*): `connection:connecting | connected | disconnected | registered |
 * unregistered | registrationFailed`, `call:connecting | sending | progress | accepted |
 * confirmed | ended | failed | newInfo`, `incoming-call:ringing | declinedIncomingCall |
 * terminatedIncomingCall`, and `sipError` (emitType 'error', a CallError 'sip': a message that
 * did not parse). Payloads are listed in docs/sip.md ("Events"); a listener gets the payload.
 *
 * Errors are CallErrors: 'params' (the core refused a parameter; its description names it),
 * 'state' (no call to answer, not connected, ...), 'sip' (a SIP failure: the status code and
 * reason phrase in the description, e.g. "SIP 401 Unauthorized (Authentication Error)",
 * "remote: SIP 486 Busy Here (Busy)"), 'connection' (the socket closed before connect() settled).
 */
export class SipConnector {
  /**
   * @param {object} [first] sip-connector's `{JsSIP: {UA, WebSocketInterface}}` (ignored: the SIP
   *   stack is callcore's core) or the options themselves
   * @param {object} [options] sip-connector's options; none changes behaviour yet (kept for
   *   source compatibility; the video balancer and codec preferences are not implemented)
   */
  constructor(first = {}, options = undefined) {
    this.options = { ...(first && typeof first === 'object' && 'JsSIP' in first ? options : first) };
    /** The emitter: `{emitType, eventType, payload}` events (js/emitter.js). */
    this.emitter = new Emitter((error, event) =>
      logFromShell('error', 'listenerError', '', { eventType: event.eventType, error: failure(error) }),
    );
    /** @type {RTCConfiguration} the call's RTCConfiguration, read when its connection is created. */
    this.connectionConfig = { iceServers: [] };
    this._listeners = new PayloadListeners(this.emitter); // on()/off(): listeners of the payload
    this._requests = new Map();
    this._nextRequestId = 1;
    this._loop = null;
    this._hosts = null;
    this._final = null;
    this._mainStream = null;
    this._generation = 0; // connect() / disconnect() calls: a connect() still waiting is superseded
  }

  // ---- connection -----------------------------------------------------------------------------

  /**
   * Connects to the SIP server and registers (sip-connector connect()): disconnects first when
   * connected, opens `wss://{sipServerUrl}/webrtc/wss/` (or `sipServerUrl` itself when it is a
   * ws:// or wss:// URL) with subprotocol 'sip' and sends REGISTER to `sipServerIp` with digest
   * authentication (MD5 or SHA-256, RFC 7616 / RFC 8760).
   * @param {object | (() => object | Promise<object>)} params sip-connector's connection
   *   parameters, or a function giving them: `sipServerUrl`, `sipServerIp`, `user`, `password`,
   *   `displayName?`, `register?` (true), `registerExpires?` (seconds, 300), `userAgent?`,
   *   `remoteAddress?` (X-Vinteo-Remote), `extraHeaders?` ("Name: value" strings, REGISTER),
   *   `iceServers?` (RTCIceServer[] of calls), `connectionRecoveryMinInterval?` /
   *   `connectionRecoveryMaxInterval?` (seconds, 2 / 6)
   * @returns {Promise<object>} the configuration (the parameters without `password`), once
   *   registered — or once the socket is open with `register: false`
   * @throws {CallError} (rejection) 'params' (invalid parameters), 'sip' (registration refused:
   *   "SIP 401 Unauthorized (Authentication Error)" for a wrong password, 403, ...), 'connection'
   *   (the socket closed before), 'state' (disconnect() or another connect() came first, also
   *   while this one was still waiting for `params` or for the last session's disconnect).
   *   After a 'sip' or 'connection' rejection the agent stays configured — the core keeps its
   *   policy (no REGISTER after a refused password; reconnects after a lost socket) — until
   *   disconnect() or the next connect().
   */
  async connect(params) {
    // A later connect() or disconnect() supersedes this one while it waits (sip-connector's
    // connection queue: superseded connects are dropped).
    const generation = ++this._generation;
    const superseded = () => CallError.fromCore({ type: 'state', message: 'connect() was superseded', description: 'disconnect() or another connect() came before it started' });
    const resolved = typeof params === 'function' ? await params() : params;
    if (generation !== this._generation) throw superseded();
    await this._disconnect();
    if (generation !== this._generation) throw superseded();
    const { iceServers = [], ...coreParams } = resolved && typeof resolved === 'object' ? resolved : {};
    const session = new core.Sip('', JSON.stringify(resolved && typeof resolved === 'object'
      ? { ...coreParams, randomSeed: Math.floor(Math.random() * 2 ** 32) } // tags, branches, Call-IDs, cnonces, delays
      : resolved ?? null), Date.now());
    const invalid = session.error();
    if (invalid) {
      session.delete();
      throw CallError.fromCore(JSON.parse(invalid));
    }
    this.connectionConfig = { iceServers };
    const input = (i) => loop.input(i);
    const media = new AppMediaHost(input);
    const peers = new PeerHost(input, media, () => this.connectionConfig, (pc, pcId) => this._decorate(pc, pcId));
    const transports = new TransportHost(input, null);
    const app = { settle: (effect) => this._settle(effect), emit: (effect) => this._emit(effect) };
    const loop = new SessionLoop(session, { transports, peers, media, app });
    this._hosts = { media, peers, transports };
    this._loop = loop;
    loop.start();
    await this._request((s, now, id) => s.connect(id, now));
    const { password: _password, ...configuration } = resolved;
    return configuration;
  }

  /**
   * Ends the call (CANCEL / BYE), un-REGISTERs and closes the socket (sip-connector
   * disconnect()); no reconnect follows. Idempotent.
   * @returns {Promise<void>} resolved once the socket is closed (the core waits for the
   *   un-REGISTER's answer, 32 s at most)
   */
  disconnect() {
    this._generation += 1;
    return this._disconnect();
  }

  async _disconnect() {
    if (!this._loop?.session) {
      this._release();
      return;
    }
    try {
      await this._request((s, now, id) => s.disconnect(id, now));
    } finally {
      this._release();
    }
  }

  /** Whether the agent is registered (connection:registered and not since unregistered). */
  get isRegistered() {
    return this._snapshot().registered === true;
  }

  /** Whether the SIP socket is open. */
  get isConnected() {
    return this._snapshot().connected === true;
  }

  /** Whether connect() made an agent that is not disconnected (sip-connector isConfigured()). */
  isConfigured() {
    return Boolean(this._loop?.session);
  }

  /** The call's phase: 'idle' | 'offering' | 'inviting' | 'ringing' | 'answering' | 'waitingAck' | 'confirmed'. */
  get callPhase() {
    return this._snapshot().callPhase;
  }

  /** The call's RTCPeerConnection (sip-connector `connection`), or null. */
  get connection() {
    return this._hosts?.peers.connection(SIP_PC) ?? null;
  }

  // ---- calls ----------------------------------------------------------------------------------

  /**
   * Calls `number` (sip-connector call()): INVITE to `sip:{number}@{sipServerIp}` with the SDP
   * offer of a new RTCPeerConnection sending `mediaStream`'s first audio and video track (its ICE
   * candidates gathered into the SDP, at most 2 s), answered by digest on 401/407.
   * @param {object} options
   * @param {string | number} options.number the callee's user part
   * @param {MediaStream} options.mediaStream the app's stream (never stopped by callcore)
   * @param {string[]} [options.extraHeaders] "Name: value" header fields of the INVITE
   *   (e.g. tools.getExtraHeaders' X-Vinteo-*)
   * @param {RTCIceServer[]} [options.iceServers] this call's ICE servers (else connect()'s)
   * @returns {Promise<RTCPeerConnection>} once the callee answered (2xx, ACK sent: `confirmed`)
   * @throws {CallError} (rejection) 'state' (not connected, a call in progress), 'params' (a bad
   *   number or header), 'sip' when the call fails: the description is the originator and the
   *   response, e.g. "remote: SIP 486 Busy Here (Busy)", "remote: SIP 603 Decline (Rejected)"
   */
  call({ number, mediaStream, extraHeaders = [], iceServers } = {}) {
    if (!this._loop?.session) return Promise.reject(this._notConnected('call()'));
    if (iceServers) this.connectionConfig = { iceServers };
    const media = JSON.stringify(this._hosts.media.holdStream(mediaStream));
    return this._request((s, now, id) => s.call(String(number ?? ''), media, JSON.stringify(extraHeaders), id, now))
      .then(() => this.connection);
  }

  /**
   * Answers the ringing incoming call (sip-connector answerToIncomingCall()): 200 OK with the
   * answer of a new RTCPeerConnection sending `mediaStream`.
   * @param {{mediaStream: MediaStream, iceServers?: RTCIceServer[]}} options
   * @returns {Promise<RTCPeerConnection>} once the caller's ACK came (`call:confirmed`)
   * @throws {CallError} (rejection) 'state' (no incoming call), 'sip' (the call ended first)
   */
  answerToIncomingCall({ mediaStream, iceServers } = {}) {
    if (!this._loop?.session) return Promise.reject(this._notConnected('answerToIncomingCall()'));
    if (iceServers) this.connectionConfig = { iceServers };
    const media = JSON.stringify(this._hosts.media.holdStream(mediaStream));
    return this._request((s, now, id) => s.answer(media, id, now)).then(() => this.connection);
  }

  /**
   * Declines the ringing incoming call (sip-connector declineToIncomingCall()) with a final
   * response: 487 by default (sip-connector), 486 Busy Here, 603 Decline, any 300-699.
   * @param {{statusCode?: number}} [options]
   * @returns {Promise<void>}
   * @throws {CallError} (rejection) 'state' (no incoming call), 'params' (statusCode outside 300-699)
   */
  declineToIncomingCall({ statusCode = 487 } = {}) {
    return this._invoke('declineToIncomingCall()', (s, now) => s.decline(Number(statusCode), now));
  }

  /**
   * Ends the call (sip-connector hangUp()): CANCEL before the answer, BYE once established, 480
   * for a call ringing here. Nothing to end: resolves.
   * @returns {Promise<void>}
   */
  hangUp() {
    if (!this._loop?.session) return Promise.resolve();
    return this._invoke('hangUp()', (s, now) => s.hangUp(now));
  }

  /**
   * Sends an INFO in the call's dialog (RFC 6086; JsSIP session.sendInfo). The far side's INFOs
   * arrive as `call:newInfo` {contentType, body, headers (X-… names lower-cased)}.
   * @param {string} contentType e.g. 'application/vinteo.webrtc.mediastate'
   * @param {string} [body='']
   * @param {{extraHeaders?: string[]}} [options]
   * @returns {Promise<void>} once sent
   * @throws {CallError} (rejection) 'state' (no established call), 'params'
   */
  sendInfo(contentType, body = '', { extraHeaders = [] } = {}) {
    return this._invoke('sendInfo()', (s, now) => s.sendInfo(String(contentType ?? ''), String(body), JSON.stringify(extraHeaders), now));
  }

  /**
   * The far side's streams (sip-connector getRemoteStreams()): `mainStream` holds the tracks the
   * call's connection receives (its first remote stream); `contentedStream` (a presentation) is
   * not supported yet and always undefined.
   * @returns {{mainStream: MediaStream | undefined, contentedStream: MediaStream | undefined}}
   */
  getRemoteStreams() {
    return { mainStream: this._mainStream ?? undefined, contentedStream: undefined };
  }

  // ---- events ---------------------------------------------------------------------------------

  /**
   * Registers `listener` for `event` (sip-connector: `on('call:ended', (payload) => ...)`); the
   * listener receives the payload. Any EVENT_LIST value is accepted ('allEvent' too).
   * @param {string} event e.g. 'connection:registered', 'incoming-call:ringing'
   * @param {(payload: unknown) => void} listener
   * @returns {() => void} unregisters it
   * @throws {TypeError} when event is not a non-empty string or listener not a function
   */
  on(event, listener) {
    if (typeof listener !== 'function') throw new TypeError(`SipConnector.on: listener must be a function; got ${typeof listener}`);
    this._listeners.on(event, listener);
    return () => this.off(event, listener);
  }

  /**
   * Registers `listener` for the next `event` only.
   * @returns {() => void} unregisters it
   * @throws {TypeError} as on()
   */
  once(event, listener) {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /**
   * The payload of the next `event` (sip-connector wait()).
   * @param {string} event
   * @returns {Promise<unknown>}
   */
  wait(event) {
    return new Promise((resolve) => this.once(event, resolve));
  }

  /** Unregisters `listener` from `event` (as given to on()). */
  off(event, listener) {
    this._listeners.off(event, listener);
  }

  // ---- shell ----------------------------------------------------------------------------------

  _snapshot() {
    return this._loop?.snapshot() ?? this._final ?? { connected: false, registered: false, callPhase: 'idle' };
  }

  _notConnected(what) {
    return CallError.fromCore({ type: 'state', message: `${what} needs a connected SipConnector`, description: 'connect() first' });
  }

  // A request whose outcome the core settles later (settle effect with its id). `method(session,
  // now, id)` returns "" or the CallError JSON of a refusal.
  _request(method) {
    if (!this._loop?.session) return Promise.reject(this._notConnected('this request'));
    return new Promise((resolve, reject) => {
      const requestId = this._nextRequestId++;
      this._requests.set(requestId, { resolve, reject });
      this._loop.input((session, now) => {
        const error = refusal(method(session, now, requestId));
        if (error) {
          this._requests.delete(requestId);
          reject(error);
        }
        return session.drain(now);
      });
    });
  }

  // A request the core answers at once ("" or a CallError).
  _invoke(what, method) {
    if (!this._loop?.session) return Promise.reject(this._notConnected(what));
    return new Promise((resolve, reject) => {
      this._loop.input((session, now) => {
        const error = refusal(method(session, now));
        if (error) reject(error);
        else resolve();
        return session.drain(now);
      });
    });
  }

  _settle({ requestId, error }) {
    const pending = this._requests.get(requestId);
    this._requests.delete(requestId);
    if (!pending) return;
    if (error) pending.reject(CallError.fromCore(error));
    else pending.resolve();
  }

  _emit({ emitType, eventType, payload }) {
    const value = emitType === EMIT_TYPE_LIST.ERROR && payload && typeof payload.type === 'string' && typeof payload.message === 'string'
      ? CallError.fromCore(payload)
      : payload;
    this.emitter.emit(eventType, value, emitType ?? EMIT_TYPE_LIST.EVENT);
  }

  // Each new call connection: its received tracks make up the main remote stream.
  _decorate(pc, pcId) {
    if (pcId !== SIP_PC) return;
    this._mainStream = null;
    pc.addEventListener('track', (event) => {
      if (!this._mainStream) {
        this._mainStream = event.streams[0] ?? new MediaStream([event.track]);
      } else if (!this._mainStream.getTracks().includes(event.track)) {
        this._mainStream.addTrack(event.track);
      }
    });
  }

  // Frees the session (its last snapshot stays readable) and its hosts; pending promises reject.
  _release() {
    if (!this._loop) return;
    this._final = this._loop.snapshot();
    this._loop.close();
    this._hosts.transports.closeAll();
    this._hosts.peers.closeAll();
    this._hosts.media.forget();
    this._loop = null;
    for (const { reject } of this._requests.values()) {
      reject(CallError.fromCore({ type: 'state', message: 'The SipConnector was disconnected', description: 'disconnect() before the request settled' }));
    }
    this._requests.clear();
  }
}
