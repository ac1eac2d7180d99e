// The page-wide default signaling transport (configure()), merged into the RTCParams of every
// RTCDoctor / RTCClient that names none, so a portal's seed RTCParams stay unchanged.

const OPTIONS = new Set(['signalingUrl', 'send', 'token', 'getToken']);

/** @type {{signalingUrl: string} | {send: (message: object) => void} | null} */
let defaultTransport = null;
/** @type {{token?: string, getToken?: () => string | Promise<string>}} */
let defaultAuth = {};

/**
 * Sets the page-wide default transport, once at app start: every RTCDoctor / RTCClient created
 * afterwards whose RTCParams have neither `signalingUrl` nor `send` uses it (params' own
 * `signalingUrl` / `send` win). Objects already created keep what they had.
 * - `{signalingUrl}`: callcore opens and owns one WebSocket per call object to this URL
 *   (`ws://` / `wss://`, or `http(s)://` which browsers map to ws(s)); an array of 1–8 URLs of
 *   processes sharing consultations (docs/scaling.md §5) makes the socket fail over between them.
 *   An array is copied.
 * - `{send}`: the portal's own socket; callcore hands every outbound message (`IPublishMessage`,
 *   `TransientMessage` or `{type, data}`) to `send`, and the portal passes every inbound
 *   `{type, data}` to the call object's `socketMessageHandler`. The params' `connectionId`
 *   is then required (the portal's socket's id).
 * - with `signalingUrl`, optionally `token` (the join token, a JWT the portal backend minted;
 *   docs/protocol.md §2.1) and/or `getToken` (called before every join — the first and each
 *   reconnect — for a fresh token; a string or a Promise of one). Used by call objects whose
 *   RTCParams give neither `token` nor `getToken`. Sent in the join message, never in the URL,
 *   never logged.
 * @param {{signalingUrl: string|string[], token?: string, getToken?: () => string | Promise<string>} |
 *   {send: (message: object) => void} | null} options exactly one of signalingUrl and send;
 *   `null` clears the default
 * @throws {TypeError} when `options` is not an object or null, names an unknown option, gives
 *   both or neither of signalingUrl and send, `signalingUrl` is not an absolute ws/wss/http/https
 *   URL, `send` or `getToken` is not a function, `token` is not a string, or a token option comes
 *   with `send`
 */
export function configure(options) {
  if (options === null) {
    defaultTransport = null;
    defaultAuth = {};
    return;
  }
  const fail = (why) => {
    throw new TypeError(`configure(options): ${why}`);
  };
  if (typeof options !== 'object' || Array.isArray(options)) fail('options must be { signalingUrl } or { send }, or null');
  for (const key of Object.keys(options)) {
    if (!OPTIONS.has(key)) fail(`unknown option '${key}'; the options are signalingUrl (with token, getToken) and send`);
  }
  const { signalingUrl, send, token, getToken } = options;
  if ((signalingUrl === undefined) === (send === undefined)) fail('give exactly one of signalingUrl and send');
  if (token !== undefined && typeof token !== 'string') fail('token must be a string');
  if (getToken !== undefined && typeof getToken !== 'function') fail('getToken must be a function');
  if (send !== undefined) {
    if (typeof send !== 'function') fail('send must be a function');
    if (token !== undefined || getToken !== undefined) fail('token and getToken go with signalingUrl (the portal authenticates its own socket)');
    defaultTransport = { send };
    defaultAuth = {};
    return;
  }
  // Several URLs: processes of one service sharing consultations; the core fails over between them.
  const urls = Array.isArray(signalingUrl) ? signalingUrl : [signalingUrl];
  if (urls.length === 0 || urls.length > 8) fail('signalingUrl as an array needs 1 to 8 URLs');
  for (const url of urls) {
    let protocol;
    try {
      protocol = new URL(url).protocol;
    } catch {
      // not a URL: refused below
    }
    if (!/^(ws|wss|http|https):$/.test(protocol)) fail(`signalingUrl must be an absolute ws:// or wss:// URL; got ${url}`);
  }
  defaultTransport = { signalingUrl: Array.isArray(signalingUrl) ? [...signalingUrl] : signalingUrl };
  defaultAuth = {};
  if (token !== undefined) defaultAuth.token = token;
  if (getToken !== undefined) defaultAuth.getToken = getToken;
}

/**
 * `params` with the configured defaults merged in: the transport when they name none (neither
 * `signalingUrl` nor `send` set to anything but undefined/null), and the configured `token` /
 * `getToken` when they give neither; else `params` itself. A copy is returned when something was
 * merged: the caller's object is never modified.
 * @param {object} params RTCParams (already known to be an object)
 * @returns {object}
 */
export function withDefaultTransport(params) {
  let out = params;
  if (defaultTransport !== null && params.signalingUrl == null && params.send == null) out = { ...out, ...defaultTransport };
  if (out.send == null && params.token == null && params.getToken == null && (defaultAuth.token !== undefined || defaultAuth.getToken)) {
    out = { ...out, ...defaultAuth };
  }
  return out;
}
