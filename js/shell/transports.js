// Signaling transports by TransportId: the built-in WebSocket, or the portal's own `send`.
// Performs openTransport / closeTransport / send / requestToken and reports what the sockets
// (and the app's getToken) do.

export class TransportHost {
  /**
   * @param {(input: object) => void} input feeds the loop
   * @param {((message: object) => void) | null} send the portal's send (params.send), or null
   * @param {(() => string | Promise<string>) | null} [getToken] the app's token source
   *   (RTCParams getToken), or null
   */
  constructor(input, send, getToken = null) {
    this._input = input;
    this._send = send;
    this._getToken = getToken;
    this._sockets = new Map();
  }

  /**
   * Calls the app's getToken() and reports its answer: tokenProvided {token} (a string), or
   * tokenFailed {reason} when it throws, rejects or gives something else. The token is passed
   * on, never logged.
   */
  requestToken({ transport }) {
    Promise.resolve()
      .then(() => {
        if (typeof this._getToken !== 'function') throw new Error('no getToken in RTCParams');
        return this._getToken();
      })
      .then(
        (token) => {
          if (typeof token === 'string') this._input({ kind: 'tokenProvided', transport, token });
          else this._input({ kind: 'tokenFailed', transport, reason: `getToken() gave ${token === null ? 'null' : typeof token}, not a string` });
        },
        (error) => this._input({ kind: 'tokenFailed', transport, reason: String(error?.message ?? error) }),
      );
  }

  openTransport({ transport, url, protocol }) {
    if (typeof WebSocket !== 'function') {
      this._input({ kind: 'transportClosed', transport, code: 0, reason: 'no WebSocket in this environment: pass params.send' });
      return;
    }
    // `protocol`: the subprotocol a server requires (Janus: 'janus-protocol'), when the core names one.
    const socket = protocol ? new WebSocket(url, protocol) : new WebSocket(url);
    this._sockets.set(transport, socket);
    // Events of a socket that is no longer the current one (a late close after a reconnect)
    // are not this call's business.
    const current = () => this._sockets.get(transport) === socket;
    socket.onopen = () => current() && this._input({ kind: 'transportOpened', transport });
    socket.onmessage = (event) =>
      current() && this._input({ kind: 'transportMessage', transport, text: typeof event.data === 'string' ? event.data : '' });
    // An error is always followed by a close event, which is what the core hears about. A
    // listener must stay attached: Node's `ws` throws an 'error' nobody listens to.
    socket.onerror = () => {};
    socket.onclose = (event) => {
      if (!current()) return;
      this._sockets.delete(transport);
      this._input({ kind: 'transportClosed', transport, code: event.code, reason: event.reason });
    };
  }

  closeTransport({ transport }) {
    const socket = this._sockets.get(transport);
    this._sockets.delete(transport);
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = null;  // onerror stays a no-op (see openTransport)
    if (socket.readyState === 0 || socket.readyState === 1) socket.close(1000, 'destroy');
  }

  send({ transport, message }) {
    try {
      if (this._send) {
        this._send(message);
      } else if (this._sockets.get(transport)?.readyState === 1) {
        // A string is sent as is (SIP over WebSocket, RFC 7118: one SIP message per text message).
        this._sockets.get(transport).send(typeof message === 'string' ? message : JSON.stringify(message));
      } else {
        throw new Error('socket not open');
      }
    } catch (error) {
      this._input({ kind: 'sendFailed', transport, message, reason: String(error?.message ?? error) });
    }
  }

  /** Closes every socket without reporting (destroy). */
  closeAll() {
    for (const transport of [...this._sockets.keys()]) this.closeTransport({ transport });
  }
}
