// The page-wide default signaling transport (configure()), merged into the RTCParams of every
// RTCDoctor / RTCClient that names none, so a portal's seed RTCParams stay unchanged.

const OPTIONS = new Set(['signalingUrl', 'send']);

/** @type {{signalingUrl: string} | {send: (message: object) => void} | null} */
let defaultTransport = null;

/**
 * Sets the page-wide default transport, once at app start: every RTCDoctor / RTCClient created
 * afterwards whose RTCParams have neither `signalingUrl` nor `send` uses it (params' own
 * `signalingUrl` / `send` win). Objects already created keep what they had.
 * - `{signalingUrl}`: callcore opens and owns one WebSocket per call object to this URL
 *   (`ws://` / `wss://`, or `http(s)://` which browsers map to ws(s)).
 * - `{send}`: the portal's own socket; callcore hands every outbound message (`IPublishMessage`,
 *   `TransientMessage` or `{type, data}`) to `send`, and the portal passes every inbound
 *   `{type, data}` to the call object's `socketMessageHandler`. The params' `connectionId`
 *   is then required (the portal's socket's id).
 * @param {{signalingUrl: string} | {send: (message: object) => void} | null} options exactly one
 *   of the two; `null` clears the default
 * @throws {TypeError} when `options` is not an object or null, names an unknown option, gives
 *   both or neither, `signalingUrl` is not an absolute ws/wss/http/https URL, or `send` is not a function
 */
export function configure(options) {
  if (options === null) {
    defaultTransport = null;
    return;
  }
  const fail = (why) => {
    throw new TypeError(`configure(options): ${why}`);
  };
  if (typeof options !== 'object' || Array.isArray(options)) fail('options must be { signalingUrl } or { send }, or null');
  for (const key of Object.keys(options)) if (!OPTIONS.has(key)) fail(`unknown option '${key}'; the options are signalingUrl and send`);
  const { signalingUrl, send } = options;
  if ((signalingUrl === undefined) === (send === undefined)) fail('give exactly one of signalingUrl and send');
  if (send !== undefined) {
    if (typeof send !== 'function') fail('send must be a function');
    defaultTransport = { send };
    return;
  }
  let protocol;
  try {
    protocol = new URL(signalingUrl).protocol;
  } catch {
    // not a URL: refused below
  }
  if (!/^(ws|wss|http|https):$/.test(protocol)) fail(`signalingUrl must be an absolute ws:// or wss:// URL; got ${signalingUrl}`);
  defaultTransport = { signalingUrl };
}

/**
 * `params` with the configured default transport merged in when they name none (neither
 * `signalingUrl` nor `send` set to anything but undefined/null); else `params` itself. A copy is
 * returned when something was merged: the caller's object is never modified.
 * @param {object} params RTCParams (already known to be an object)
 * @returns {object}
 */
export function withDefaultTransport(params) {
  if (defaultTransport === null || params.signalingUrl != null || params.send != null) return params;
  return { ...params, ...defaultTransport };
}
