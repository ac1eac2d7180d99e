// The shell's one loop, shared by every product: it feeds the core one input at a time, performs
// the effects the core returns — each by the host that owns its kind (transports, peer
// connections, media, the product's app side) — and keeps the one timer the core asks for
// (`timeout()`). It decides nothing about a call: every effect is carried out as given.
import { logFromShell } from '../logger.js';

/** Effect kind → the host that performs it (src/callcore/io/codec.hpp names the kinds). */
const ROUTES = {
  openTransport: 'transports', closeTransport: 'transports', send: 'transports', requestToken: 'transports',
  createPc: 'peers', closePc: 'peers', setLocalDescription: 'peers', setRemoteDescription: 'peers',
  addIceCandidate: 'peers', restartIce: 'peers', addTrack: 'peers', prepareSender: 'peers', replaceTrack: 'peers', removeTrack: 'peers',
  dataSend: 'peers', collectStats: 'peers',
  acquireMedia: 'media', acquireDevice: 'media', setTrackEnabled: 'media', releaseTrack: 'media',
  swapLocalTrack: 'media', stopTracks: 'media', releaseStreams: 'media',
  settle: 'app', emit: 'app',
};

/** `{name, message}` of a thrown value (a DOMException, an Error or anything). */
export function failure(error) {
  return { name: error?.name ?? 'Error', message: String(error?.message ?? error) };
}

export class SessionLoop {
  /**
   * @param {object} session an embind session binding (handle, drain, timeout, snapshot, delete)
   * @param {{transports: object, peers: object, media: object, app: object}} hosts each has one
   *   method per effect kind it performs, called with the effect `{kind, ...fields}`
   */
  constructor(session, hosts) {
    this.session = session;
    this.hosts = hosts;
    this._queue = [];
    this._busy = false;
    this._timer = null;
    this._deadline = -1;
    this._snapshot = null;
    this._final = null;
  }

  /** Performs the effects the session made while it was created. */
  start() {
    this._perform(this.session.drain(Date.now()));
    this._arm();
  }

  /**
   * Feeds one input `{kind, ...}` (io/codec.hpp). Inputs that effects report while they run are
   * queued and fed after the current effects, in order. Ignored once closed.
   * An input may also be a function `(session, now) => effectsJson`: a binding method that is not
   * an input kind (the room's selectLayers), run in its turn like an input.
   */
  input(input) {
    if (!this.session) return; // a late browser callback of a destroyed call
    this._queue.push(input);
    if (this._busy) return;
    this._busy = true;
    try {
      while (this._queue.length > 0 && this.session) {
        const next = this._queue.shift();
        this._snapshot = null;
        this._perform(typeof next === 'function'
          ? next(this.session, Date.now())
          : this.session.handle(JSON.stringify(next), Date.now()));
      }
    } finally {
      this._busy = false;
    }
    this._arm();
  }

  /** The core's state, parsed once per change (not on every property read). */
  snapshot() {
    if (!this.session) return this._final;
    this._snapshot ??= JSON.parse(this.session.snapshot());
    return this._snapshot;
  }

  /** Stops the timer and frees the core session; snapshot() keeps the last state. */
  close() {
    if (!this.session) return;
    this._final = this.snapshot();
    clearTimeout(this._timer);
    this._timer = null;
    this.session.delete();
    this.session = null;
  }

  _perform(effectsJson) {
    for (const effect of JSON.parse(effectsJson)) {
      const host = this.hosts[ROUTES[effect.kind]];
      const perform = host?.[effect.kind];
      if (typeof perform !== 'function') {
        logFromShell('error', 'unknownEffect', '', { kind: effect.kind });
        continue;
      }
      try {
        perform.call(host, effect);
      } catch (error) {
        logFromShell('error', 'effectFailed', '', { kind: effect.kind, error: failure(error) });
      }
    }
  }

  // The one timer: at the core's next deadline, a `timeout` input.
  _arm() {
    if (!this.session) return;
    const deadline = this.session.timeout();
    if (deadline === this._deadline && this._timer !== null) return;
    clearTimeout(this._timer);
    this._timer = null;
    this._deadline = deadline;
    if (deadline < 0) return;
    this._timer = setTimeout(() => {
      this._timer = null;
      this._deadline = -1;
      this.input({ kind: 'timeout' });
    }, Math.max(0, deadline - Date.now()));
  }
}
