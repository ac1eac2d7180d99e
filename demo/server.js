// callcore reference signaling server (Node + ws) and tiny static file server.
//
// The wire protocol is described in docs/protocol.md; this file is the reference
// implementation of that page. Run it directly:
//
//   node demo/server.js --port 8080 [--host 127.0.0.1]
//
// or import { startServer } from './demo/server.js' in a test.

import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocketServer, WebSocket } from 'ws';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..');

/** URL prefixes served from disk, each mapped to the same folder under `root`. */
const STATIC_PREFIXES = ['/dist/', '/demo/', '/tests/e2e/pages/'];

const CONTENT_TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.y4m': 'video/x-raw-yuv',
  '.wav': 'audio/wav',
};

/**
 * Message types a connection may not publish or forward: the server's own types (`joined`,
 * `peerJoined`, `peerLeft`, `error`) and the requests it handles itself (`join`, `leave`).
 */
const SERVER_TYPES = new Set(['join', 'leave', 'joined', 'peerJoined', 'peerLeft', 'error']);

/** Upper bound for consultationId, clientId, name and a requested connectionId (characters). */
const MAX_ID_LENGTH = 256;

/** At most this many messages are buffered for one member in its grace period (oldest dropped). */
export const MAX_BUFFERED_MESSAGES = 256;

/** At most this many distinct unknown connection ids are held per consultation (§2.3 of protocol.md). */
const MAX_HELD_IDS_PER_ROOM = 64;

/** WebSocket close codes after which a member is gone at once (a deliberate close). */
const DELIBERATE_CLOSE_CODES = new Set([1000, 1001, 1005]);

/** Close code sent to a socket whose member was taken over by a newer socket (protocol.md §4.5). */
export const CLOSE_REPLACED = 4001;

/** Error codes sent in `{type: 'error', data: {code, message, requestType?}}`. */
export const ERROR_CODES = Object.freeze({
  MALFORMED: 'malformed',
  TOO_LARGE: 'tooLarge',
  NOT_JOINED: 'notJoined',
  UNROUTABLE: 'unroutable',
  ALREADY_JOINED: 'alreadyJoined',
});

/** `peerLeft.data.reason` values. */
export const LEFT_REASONS = Object.freeze({ LEFT: 'left', TIMEOUT: 'timeout' });

const log = (...args) => {
  if (process.env.CALLCORE_SERVER_LOG === '1') console.error('[callcore-server]', ...args);
};

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isName = (v) => typeof v === 'string' && v.length <= MAX_ID_LENGTH;
const isId = (v) => isName(v) && v.length > 0;

/** @returns {string} a fresh connection id, `c-` followed by 12 hex characters. */
const newConnectionId = () => `c-${randomBytes(6).toString('hex')}`;

/**
 * Start the signaling + static file server.
 *
 * Membership survives a dropped socket (protocol.md §4.4–§4.6): a member whose socket closes
 * without a deliberate close (code 1000/1001/1005, or a `leave` message first) keeps its place for
 * `reconnectGraceMs`; messages for it are buffered and delivered in order when a new socket
 * `join`s with its `connectionId` (resume). A member that does not come back in time is
 * announced with `peerLeft` `{reason: 'timeout'}`.
 *
 * @param {object} [options]
 * @param {number} [options.port=0] TCP port; 0 picks a free one (read it back from the result).
 * @param {string} [options.host='127.0.0.1'] address to listen on.
 * @param {string} [options.root] repository root; `dist/`, `demo/` and `tests/e2e/pages/` under it
 *   are served over HTTP GET. Defaults to the folder above this file.
 * @param {number} [options.maxMessageBytes=65536] largest accepted WebSocket message, in bytes.
 *   A larger one is dropped with error `tooLarge` (the connection stays open); one larger than
 *   16 × this limit closes the connection (WebSocket close code 1009).
 * @param {number} [options.heartbeatMs=10000] interval between server pings, in milliseconds; a
 *   socket that has not answered the previous ping with a pong is terminated (its member enters
 *   the grace period).
 * @param {number} [options.reconnectGraceMs=5000] how long a member whose socket dropped keeps
 *   its place (and its buffered messages) waiting for a resume, in milliseconds; also how long a
 *   transient to an unknown connection id is held for a member that joins with that id.
 * @returns {Promise<{port: number, httpUrl: string, wsUrl: string, snapshot: () => object, close: () => Promise<void>}>}
 *   `httpUrl` is `http://host:port` (no trailing slash), `wsUrl` is `ws://host:port/ws`.
 *   `snapshot()` describes the rooms for tests and debugging: `{rooms: {[consultationId]:
 *   [{connectionId, clientId, name, connected, buffered}]}, heldTransients}` (`connected: false`
 *   while in the grace period; `heldTransients` counts transients still held for unknown ids).
 *   `close()` terminates every socket, cancels every timer and stops listening; safe to call twice.
 * @throws {Error} (rejection) when the port cannot be bound (e.g. `EADDRINUSE`, with `err.code`).
 */
export async function startServer({
  port = 0,
  host = '127.0.0.1',
  root = REPO_ROOT,
  maxMessageBytes = 65536,
  heartbeatMs = 10000,
  reconnectGraceMs = 5000,
} = {}) {
  const rootDir = path.resolve(root);
  /** @type {Map<string, Map<string, Member>>} consultationId → connectionId → member (live or in grace) */
  const rooms = new Map();
  /** @type {Map<string, Member>} connectionId → member, every room (live or in grace) */
  const members = new Map();
  /** @type {Map<import('ws').WebSocket, Conn>} every open socket, joined or not */
  const sockets = new Map();
  /**
   * Transients held for connection ids nobody in the room has (yet):
   * consultationId → connectionId → [{message, hold}] in arrival order.
   * @type {Map<string, Map<string, {message: object, hold: Hold}[]>>}
   */
  const held = new Map();
  /** @type {Set<Hold>} pending holds (their timers), cancelled by close() */
  const holds = new Set();
  let stopped = false; // close() was called: sockets closing now start no grace period

  const http = createServer((req, res) => {
    serveStatic(rootDir, req, res).catch((err) => {
      log('static error', err.message);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes * 16 });

  http.on('upgrade', (req, socket, head) => {
    let pathname = null;
    try { pathname = new URL(req.url ?? '/', 'http://x').pathname; } catch { /* bad request line */ }
    if (pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws) => {
    /** @type {Conn} */
    const conn = { ws, member: null, alive: true };
    ws.on('pong', () => { conn.alive = true; });
    ws.on('error', (err) => log('socket error', err.message));
    ws.on('message', (raw, isBinary) => {
      try {
        onMessage(conn, raw, isBinary);
      } catch (err) {
        // Never let one bad message take the server down.
        log('handler error', err.stack ?? err);
      }
    });
    ws.on('close', (code) => {
      sockets.delete(ws);
      const member = conn.member;
      if (!member || stopped) return; // never joined, left, taken over by a newer socket; or server stopping
      conn.member = null;
      member.conn = null;
      if (DELIBERATE_CLOSE_CODES.has(code)) gone(member, LEFT_REASONS.LEFT, `socket closed (${code})`);
      else startGrace(member, code);
    });
    sockets.set(ws, conn);
  });

  const heartbeat = setInterval(() => {
    for (const conn of sockets.values()) {
      if (!conn.alive) {
        log('heartbeat missed', conn.member?.connectionId ?? '(not joined)');
        conn.ws.terminate(); // 'close' (1006) follows: the member enters its grace period
        continue;
      }
      conn.alive = false;
      try { conn.ws.ping(); } catch { /* socket already closing */ }
    }
  }, heartbeatMs);
  heartbeat.unref();

  function send(ws, message) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  /** Sends to a member's socket, or buffers the message while the member is in its grace period. */
  function deliver(member, message) {
    if (member.conn) return send(member.conn.ws, message);
    member.buffer.push(message);
    if (member.buffer.length > MAX_BUFFERED_MESSAGES) {
      const dropped = member.buffer.shift();
      log(`buffer full for ${member.connectionId} (in grace): dropped its oldest message (${dropped.type})`);
    }
  }

  function sendError(conn, code, message, requestType, extra) {
    log(`error ${code} to ${conn.member?.connectionId ?? '(not joined)'}: ${message}`);
    const data = { code, message };
    if (typeof requestType === 'string') data.requestType = requestType;
    send(conn.ws, { type: 'error', data: { ...data, ...extra } });
  }

  function onMessage(conn, raw, isBinary) {
    const size = Buffer.isBuffer(raw) ? raw.length : Buffer.byteLength(String(raw));
    if (size > maxMessageBytes) {
      return sendError(conn, ERROR_CODES.TOO_LARGE, `message of ${size} bytes exceeds ${maxMessageBytes} bytes`);
    }
    if (isBinary) return sendError(conn, ERROR_CODES.MALFORMED, 'binary frames are not accepted; send JSON text');
    let msg;
    try {
      msg = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendError(conn, ERROR_CODES.MALFORMED, 'message is not valid JSON');
    }
    if (!isObject(msg)) return sendError(conn, ERROR_CODES.MALFORMED, 'message is not a JSON object');

    const member = conn.member;
    if (msg.type === 'join') {
      if (member) {
        return sendError(conn, ERROR_CODES.ALREADY_JOINED, `already joined consultation ${member.consultationId}`, 'join');
      }
      return join(conn, msg);
    }
    const requestType = msg.route === 'vcm' && isObject(msg.data) ? msg.data.type : msg.type;
    if (!member) return sendError(conn, ERROR_CODES.NOT_JOINED, 'send join first', requestType);
    if (msg.type === 'leave') {
      // The member is gone at once; the socket stays open and may join again.
      conn.member = null;
      member.conn = null;
      return gone(member, LEFT_REASONS.LEFT, 'leave');
    }
    if (msg.route === 'vcm') return publish(member, msg);
    if (typeof msg.type === 'string') return transient(member, msg);
    return sendError(conn, ERROR_CODES.MALFORMED, 'message has neither a string type nor route "vcm"');
  }

  function roomOf(consultationId) {
    let room = rooms.get(consultationId);
    if (!room) rooms.set(consultationId, (room = new Map()));
    return room;
  }

  const memberList = (room, except) => [...room.values()]
    .filter((m) => m !== except)
    .map(({ connectionId, clientId, name }) => ({ connectionId, clientId, name }));

  function join(conn, msg) {
    const d = msg.data;
    if (!isObject(d) || !isId(d.consultationId) || !isName(d.clientId) || (d.name !== undefined && !isName(d.name))
      || (d.connectionId !== undefined && d.connectionId !== null && !isId(d.connectionId))) {
      return sendError(conn, ERROR_CODES.MALFORMED,
        `join needs data.consultationId (non-empty string) and data.clientId, data.name (strings), and an optional data.connectionId (non-empty string), each at most ${MAX_ID_LENGTH} characters`, 'join');
    }
    const requested = d.connectionId ?? null;
    const previous = requested === null ? undefined : members.get(requested);

    // Resume: the same member (same consultation and clientId) comes back on a new socket —
    // from its grace period, or taking over a socket the server still believes alive.
    if (previous && previous.consultationId === d.consultationId && previous.clientId === d.clientId) {
      return resume(conn, previous);
    }

    const room = roomOf(d.consultationId);
    let connectionId = requested;
    if (requested === null || previous) {
      do connectionId = newConnectionId(); while (members.has(connectionId));
    }
    /** @type {Member} */
    const member = {
      conn,
      connectionId,
      clientId: d.clientId,
      name: d.name ?? '',
      consultationId: d.consultationId,
      buffer: [],
      graceTimer: null,
    };
    conn.member = member;
    const others = memberList(room);
    room.set(connectionId, member);
    members.set(connectionId, member);
    log(`join ${connectionId} (${member.clientId}) → ${member.consultationId}, ${room.size} member(s)`
      + (requested && connectionId === requested ? ' (requested id assigned)' : ''));
    send(conn.ws, { type: 'joined', data: { connectionId, consultationId: member.consultationId, members: others, resumed: false } });
    const { clientId, name, consultationId } = member;
    for (const other of room.values()) {
      if (other !== member) deliver(other, { type: 'peerJoined', data: { connectionId, clientId, name, consultationId } });
    }
    claimHeld(member);
  }

  function resume(conn, member) {
    const old = member.conn;
    if (old) {
      // The old socket still looks alive (a half-open connection the heartbeat has not caught
      // yet): the newer socket wins; the old one is closed and never heard again.
      log(`${member.connectionId} taken over by a new socket; closing the old one (${CLOSE_REPLACED})`);
      old.member = null;
      try { old.ws.close(CLOSE_REPLACED, 'replaced by a newer connection'); } catch { /* already closing */ }
    }
    clearTimeout(member.graceTimer);
    member.graceTimer = null;
    member.conn = conn;
    conn.member = member;
    const buffered = member.buffer;
    member.buffer = [];
    log(`resume ${member.connectionId} (${member.clientId}) in ${member.consultationId}, ${buffered.length} buffered message(s)`);
    const room = rooms.get(member.consultationId);
    send(conn.ws, {
      type: 'joined',
      data: { connectionId: member.connectionId, consultationId: member.consultationId, members: memberList(room, member), resumed: true },
    });
    for (const message of buffered) send(conn.ws, message);
  }

  function startGrace(member, code) {
    log(`${member.connectionId} dropped (${code}); grace ${reconnectGraceMs} ms`);
    member.graceTimer = setTimeout(() => gone(member, LEFT_REASONS.TIMEOUT, `not resumed within ${reconnectGraceMs} ms`), reconnectGraceMs);
  }

  /** The member is no longer in its room: tell the others `peerLeft` with `reason`. */
  function gone(member, reason, why) {
    clearTimeout(member.graceTimer);
    member.graceTimer = null;
    member.buffer = [];
    const room = rooms.get(member.consultationId);
    if (members.get(member.connectionId) === member) members.delete(member.connectionId);
    if (!room || room.get(member.connectionId) !== member) return;
    room.delete(member.connectionId);
    log(`left ${member.connectionId} from ${member.consultationId} (${reason}: ${why}), ${room.size} member(s)`);
    const { connectionId, clientId, consultationId } = member;
    for (const other of room.values()) deliver(other, { type: 'peerLeft', data: { connectionId, clientId, consultationId, reason } });
    if (room.size === 0) {
      rooms.delete(consultationId);
      dropHeld(consultationId);
    }
  }

  /** Checks the common part of publish and transient `data`; returns the routed data or null. */
  function checkData(member, type, data) {
    if (!isId(type) || SERVER_TYPES.has(type)) {
      sendError(member.conn, ERROR_CODES.MALFORMED, 'type must be a non-empty string and not a server message type', type);
      return null;
    }
    if (!isObject(data)) {
      sendError(member.conn, ERROR_CODES.MALFORMED, 'data must be an object', type);
      return null;
    }
    if (data.consultationId !== member.consultationId) {
      sendError(member.conn, ERROR_CODES.UNROUTABLE,
        `data.consultationId ${JSON.stringify(data.consultationId)} is not this connection's consultation ${member.consultationId}`, type);
      return null;
    }
    const sender = isObject(data.sender)
      ? { ...data.sender, connectionId: member.connectionId }
      : { chatId: member.consultationId, clientId: member.clientId, connectionId: member.connectionId };
    return { ...data, sender };
  }

  function publish(member, msg) {
    const type = isObject(msg.data) ? msg.data.type : undefined;
    const data = checkData(member, type, msg.data);
    if (!data) return;
    const room = rooms.get(member.consultationId);
    for (const other of room.values()) if (other !== member) deliver(other, { type, data });
  }

  function transient(member, msg) {
    const { type } = msg;
    const ids = msg.connectionIds;
    if (ids !== undefined && ids !== null && !(Array.isArray(ids) && ids.every((id) => typeof id === 'string'))) {
      return sendError(member.conn, ERROR_CODES.MALFORMED, 'connectionIds must be an array of strings', type);
    }
    const data = checkData(member, type, msg.data);
    if (!data) return;
    const room = rooms.get(member.consultationId);
    const message = { type, data };
    if (!ids || ids.length === 0) {
      for (const other of room.values()) if (other !== member) deliver(other, message);
      return;
    }
    const unknown = [];
    for (const id of new Set(ids)) {
      if (id === member.connectionId) continue; // never echo to the sender
      const target = room.get(id);
      if (target) deliver(target, message);
      else unknown.push(id);
    }
    if (unknown.length) hold(member, message, unknown);
  }

  /**
   * Holds a transient for connection ids not in the room for reconnectGraceMs: a member that
   * joins the room with one of those ids in time gets it (e.g. both sides coming back with their
   * old ids after a server restart). Then one `unroutable` names the ids nobody claimed.
   */
  function hold(member, message, ids) {
    const { consultationId } = member;
    let roomHeld = held.get(consultationId);
    if (!roomHeld) held.set(consultationId, (roomHeld = new Map()));
    /** @type {Hold} */
    const h = { sender: member, type: message.type, unclaimed: new Set(), timer: null };
    const refused = [];
    for (const id of ids) {
      let list = roomHeld.get(id);
      if (!list) {
        if (roomHeld.size >= MAX_HELD_IDS_PER_ROOM) {
          refused.push(id);
          continue;
        }
        roomHeld.set(id, (list = []));
      }
      list.push({ message, hold: h });
      if (list.length > MAX_BUFFERED_MESSAGES) {
        const dropped = list.shift();
        dropped.hold.unclaimed.delete(id);
        log(`held messages for ${id} in ${consultationId} over ${MAX_BUFFERED_MESSAGES}: dropped the oldest (${dropped.message.type})`);
      }
      h.unclaimed.add(id);
    }
    if (roomHeld.size === 0) held.delete(consultationId);
    if (refused.length) unroutable(member, message.type, refused);
    if (h.unclaimed.size === 0) return;
    holds.add(h);
    h.timer = setTimeout(() => {
      holds.delete(h);
      const rh = held.get(consultationId);
      for (const id of h.unclaimed) {
        const list = rh?.get(id);
        if (!list) continue;
        const rest = list.filter((entry) => entry.hold !== h);
        if (rest.length) rh.set(id, rest);
        else rh.delete(id);
      }
      if (rh && rh.size === 0) held.delete(consultationId);
      if (h.unclaimed.size) unroutable(h.sender, h.type, [...h.unclaimed]);
    }, reconnectGraceMs);
  }

  function unroutable(member, type, ids) {
    // The sender may be in its grace period (buffered) or gone (nobody to tell).
    if (members.get(member.connectionId) !== member) return;
    const message = `connection id(s) not in consultation ${member.consultationId}: ${ids.join(', ')}`;
    log(`error unroutable to ${member.connectionId}: ${message}`);
    deliver(member, { type: 'error', data: { code: ERROR_CODES.UNROUTABLE, message, requestType: type, connectionIds: ids } });
  }

  /** A member joined with an id transients were held for: deliver them in order. */
  function claimHeld(member) {
    const roomHeld = held.get(member.consultationId);
    const list = roomHeld?.get(member.connectionId);
    if (!list) return;
    roomHeld.delete(member.connectionId);
    if (roomHeld.size === 0) held.delete(member.consultationId);
    log(`delivering ${list.length} held message(s) to ${member.connectionId}`);
    for (const { message, hold: h } of list) {
      h.unclaimed.delete(member.connectionId);
      deliver(member, message);
    }
  }

  /** The room emptied: nobody is left to claim or to be told; drop its held messages. */
  function dropHeld(consultationId) {
    const roomHeld = held.get(consultationId);
    if (!roomHeld) return;
    held.delete(consultationId);
    for (const list of roomHeld.values()) {
      for (const { hold: h } of list) {
        clearTimeout(h.timer);
        holds.delete(h);
      }
    }
  }

  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (err) => log('http error', err.message));

  const actualPort = http.address().port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing = null;
  return {
    port: actualPort,
    httpUrl: `http://${urlHost}:${actualPort}`,
    wsUrl: `ws://${urlHost}:${actualPort}/ws`,
    snapshot() {
      const out = {};
      for (const [consultationId, room] of rooms) {
        out[consultationId] = [...room.values()].map((m) => ({
          connectionId: m.connectionId, clientId: m.clientId, name: m.name, connected: m.conn !== null, buffered: m.buffer.length,
        }));
      }
      return { rooms: out, heldTransients: holds.size };
    },
    close() {
      closing ??= new Promise((resolve) => {
        stopped = true;
        clearInterval(heartbeat);
        for (const member of members.values()) clearTimeout(member.graceTimer);
        for (const h of holds) clearTimeout(h.timer);
        holds.clear();
        held.clear();
        members.clear();
        rooms.clear();
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
      });
      return closing;
    },
  };
}

/**
 * @typedef {object} Conn one WebSocket connection
 * @property {import('ws').WebSocket} ws
 * @property {Member|null} member the member this socket speaks for (null before join, after
 *   leave, or after a newer socket took the member over)
 * @property {boolean} alive answered the last ping
 */

/**
 * @typedef {object} Member one member of a consultation; outlives its socket by the grace period
 * @property {Conn|null} conn its socket, or null while in the grace period
 * @property {string} connectionId
 * @property {string} clientId
 * @property {string} name
 * @property {string} consultationId the room
 * @property {object[]} buffer messages for it while in grace, delivered in order on resume
 * @property {ReturnType<typeof setTimeout>|null} graceTimer ends the grace period (peerLeft timeout)
 */

/**
 * @typedef {object} Hold one transient held for connection ids not (yet) in the room
 * @property {Member} sender
 * @property {string} type
 * @property {Set<string>} unclaimed ids nobody joined with yet
 * @property {ReturnType<typeof setTimeout>|null} timer answers `unroutable` for the unclaimed ids
 */

/**
 * Serve one HTTP request: `/` redirects to `/demo/index.html`; GET/HEAD under STATIC_PREFIXES
 * read the file below `rootDir`; anything else is 404 (405 for other methods).
 */
async function serveStatic(rootDir, req, res) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return notFound(res);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    return res.end('method not allowed\n');
  }
  if (pathname === '/') {
    res.writeHead(302, { location: '/demo/index.html' });
    return res.end();
  }
  const prefix = STATIC_PREFIXES.find((p) => pathname.startsWith(p));
  if (!prefix || pathname.includes('\0')) return notFound(res);
  const base = path.resolve(rootDir, prefix.slice(1));
  const inside = (dir, f) => f === dir || f.startsWith(dir + path.sep);
  let file = path.resolve(base, '.' + pathname.slice(prefix.length - 1));
  if (!inside(base, file)) return notFound(res);
  try {
    // Resolve symlinks too: the real file must still be inside the served folder.
    file = await fsp.realpath(file);
    if (!inside(await fsp.realpath(base), file)) return notFound(res);
    let stat = await fsp.stat(file);
    if (stat.isDirectory()) {
      file = path.join(file, 'index.html');
      stat = await fsp.stat(file);
    }
    if (!stat.isFile()) return notFound(res);
    const body = req.method === 'HEAD' ? null : await fsp.readFile(file);
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-store',
    });
    res.end(body);
  } catch {
    notFound(res);
  }
}

function notFound(res) {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
}

/** Random consultation id for the printed demo URLs. */
const demoConsultationId = () => `demo-${randomBytes(3).toString('hex')}`;


/** Parses a non-negative integer CLI value or exits with code 2. */
function intOption(text, flag, max = Number.MAX_SAFE_INTEGER) {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > max) {
    console.error(`invalid ${flag} ${text}`);
    process.exit(2);
  }
  return value;
}

const USAGE = 'usage: node demo/server.js [--port 8080] [--host 127.0.0.1] [--grace-ms 5000] [--heartbeat-ms 10000]';

/**
 * CLI: `node demo/server.js [--port 8080] [--host 127.0.0.1] [--grace-ms 5000] [--heartbeat-ms 10000]`.
 * Prints the WebSocket URL and the demo page URLs, stops on SIGINT/SIGTERM. Exit code 2 on bad
 * arguments, 1 if it cannot listen.
 */
async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'grace-ms': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = intOption(values.port ?? process.env.PORT ?? '8080', '--port', 65535);
  const options = { port, host: values.host ?? '127.0.0.1' };
  if (values['grace-ms'] !== undefined) options.reconnectGraceMs = intOption(values['grace-ms'], '--grace-ms');
  if (values['heartbeat-ms'] !== undefined) {
    options.heartbeatMs = intOption(values['heartbeat-ms'], '--heartbeat-ms');
    if (options.heartbeatMs === 0) {
      console.error('invalid --heartbeat-ms 0');
      process.exit(2);
    }
  }
  let server;
  try {
    server = await startServer(options);
  } catch (err) {
    console.error(`cannot listen on ${options.host}:${port}: ${err.message}`);
    process.exit(1);
  }
  const c = demoConsultationId();
  console.log(`callcore signaling server: ${server.wsUrl}`);
  console.log(`doctor page: ${server.httpUrl}/demo/doctor.html?c=${c}`);
  console.log(`client page: ${server.httpUrl}/demo/client.html?c=${c}`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const invokedPath = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invokedPath && import.meta.url === pathToFileURL(invokedPath).href) {
  await main(process.argv.slice(2));
}
