// The reference signaling server's WebSocket side (docs/protocol.md §1–§4): who may connect
// (origin allow-list, per-IP cap), join with a verified token (or, in development mode, with the
// ids the client names), rooms and routing, the grace period (resume with a server-issued secret,
// buffering, held transients), and every bound of limits.js (rate limit, backpressure, join
// deadline, sizes, nesting, UTF-8, held-message caps), each refusal answered with a typed error.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import { TokenBucket, IpCounter, deeperThan, validUtf8 } from './limits.js';

/**
 * Message types a connection may not publish or forward: the server's own types (`joined`,
 * `peerJoined`, `peerLeft`, `error`) and the requests it handles itself (`join`, `leave`).
 */
const SERVER_TYPES = new Set(['join', 'leave', 'joined', 'peerJoined', 'peerLeft', 'error']);

/** Upper bound for consultationId, clientId, name, a requested connectionId and a resume secret (characters). */
const MAX_ID_LENGTH = 256;

/** WebSocket close codes after which a member is gone at once (a deliberate close). */
const DELIBERATE_CLOSE_CODES = new Set([1000, 1001, 1005]);

/** Close codes the server sends (docs/protocol.md §1, "Close codes"). */
export const CLOSE_CODES = Object.freeze({
  /** the member was taken over by a newer socket (resume) or replaced by a new join of the same `sub` */
  REPLACED: 4001,
  /** no token, or an invalid or expired one */
  UNAUTHORIZED: 4401,
  /** a valid token that does not allow this join (another consultation) */
  FORBIDDEN: 4403,
  /** no `join` within `joinTimeoutMs` */
  JOIN_TIMEOUT: 4408,
  /** the consultation already has a doctor (another `sub`) */
  ROLE_TAKEN: 4409,
  /** the socket's unsent data exceeded `maxSendBufferBytes` (it does not read) */
  SLOW_CONSUMER: 4508,
});

/** Error codes sent in `{type: 'error', data: {code, message, requestType?}}` (docs/protocol.md §3.4). */
export const ERROR_CODES = Object.freeze({
  MALFORMED: 'malformed',
  TOO_LARGE: 'tooLarge',
  TOO_DEEP: 'tooDeep',
  NOT_JOINED: 'notJoined',
  UNROUTABLE: 'unroutable',
  ALREADY_JOINED: 'alreadyJoined',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  ROLE_TAKEN: 'roleTaken',
  JOIN_TIMEOUT: 'joinTimeout',
  RATE_LIMITED: 'rateLimited',
  HELD_OVERFLOW: 'heldOverflow',
});

/** `peerLeft.data.reason` values. */
export const LEFT_REASONS = Object.freeze({ LEFT: 'left', TIMEOUT: 'timeout', REPLACED: 'replaced' });

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isName = (v) => typeof v === 'string' && v.length <= MAX_ID_LENGTH;
const isId = (v) => isName(v) && v.length > 0;

/** @returns {string} a fresh connection id, `c-` followed by 12 hex characters. */
const newConnectionId = () => `c-${randomBytes(6).toString('hex')}`;
/** @returns {string} a resume secret: 128 random bits, base64url. */
const newResumeSecret = () => randomBytes(16).toString('base64url');

/** Constant-time string comparison (resume secrets). */
function sameSecret(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Creates the signaling side. The caller owns the HTTP server and passes upgrades in.
 *
 * @param {object} options
 * @param {{verify: (token: unknown) => Promise<import('./auth.js').Identity>}|null} options.auth
 *   token verifier (auth.js createVerifier); null is development mode: the join's own
 *   consultationId / clientId / name are trusted and a resume needs only the connectionId
 * @param {ReturnType<import('./limits.js').resolveLimits>} options.limits every bound
 * @param {number} options.heartbeatMs ping interval (ms)
 * @param {number} options.reconnectGraceMs grace period of a dropped member, and hold time of a
 *   transient to an unknown id (ms)
 * @param {string[]|null} options.allowedOrigins when an array, an upgrade's `Origin` header must
 *   be one of them (HTTP 403 otherwise, a missing header included); null accepts any
 * @param {(...args: unknown[]) => void} options.log diagnostic log (one line per call)
 * @returns {{handleUpgrade: (req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void,
 *   dropSocket: (connectionId: string) => boolean, snapshot: () => object, close: () => Promise<void>}}
 *   `dropSocket` terminates a connected member's socket without a close frame, as a network drop
 *   does (the member enters its grace period); false when no such member is connected.
 */
export function createSignaling({ auth, limits, heartbeatMs, reconnectGraceMs, allowedOrigins, log }) {
  /** @type {Map<string, Room>} consultationId → room */
  const rooms = new Map();
  /** @type {Map<string, Member>} connectionId → member, every room (live or in grace) */
  const members = new Map();
  /** @type {Map<import('ws').WebSocket, Conn>} every open socket, joined or not */
  const sockets = new Map();
  /** @type {Set<Hold>} pending holds (their timers), cancelled by close() */
  const holds = new Set();
  const perIp = new IpCounter();
  let heldBytesTotal = 0; // grace buffers + held transients, every room
  let stopped = false; // close() was called: sockets closing now start no grace period

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxPayloadBytes,
    // UTF-8 is checked per message (error `malformed`, socket kept) instead of closing with 1007.
    skipUTF8Validation: true,
  });

  function handleUpgrade(req, socket, head) {
    const reject = (status, text) => {
      log(`upgrade refused: ${status} ${text}`);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (stopped) return reject(503, 'Service Unavailable');
    if (allowedOrigins && !allowedOrigins.includes(req.headers.origin)) return reject(403, 'Forbidden');
    const ip = req.socket.remoteAddress ?? '?';
    if (perIp.get(ip) >= limits.maxConnectionsPerIp) return reject(429, 'Too Many Requests');
    perIp.add(ip); // counted from now: handshakes in progress count too
    let counted = true;
    const uncount = () => {
      if (counted) perIp.remove(ip);
      counted = false;
    };
    socket.once('close', uncount);
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, uncount));
  }

  function onConnection(ws, uncount) {
    const now = performance.now();
    /** @type {Conn} */
    const conn = {
      ws,
      member: null,
      alive: true,
      joining: false,
      closed: false,
      limitedAt: 0,
      paused: false,
      messages: new TokenBucket(limits.messagesPerSecond, limits.messageBurst, now),
      bytes: new TokenBucket(limits.bytesPerSecond, limits.bytesBurst, now),
      joinTimer: null,
    };
    conn.joinTimer = setTimeout(() => {
      conn.joinTimer = null;
      if (!conn.member && !conn.closed) refuse(conn, ERROR_CODES.JOIN_TIMEOUT, `no join within ${limits.joinTimeoutMs} ms`, CLOSE_CODES.JOIN_TIMEOUT);
    }, limits.joinTimeoutMs);
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
      conn.closed = true;
      uncount();
      clearTimeout(conn.joinTimer);
      sockets.delete(ws);
      const member = conn.member;
      if (!member || stopped) return; // never joined, left, taken over or replaced; or server stopping
      conn.member = null;
      member.conn = null;
      if (DELIBERATE_CLOSE_CODES.has(code)) gone(member, LEFT_REASONS.LEFT, `socket closed (${code})`);
      else startGrace(member, code);
    });
    sockets.set(ws, conn);
  }

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

  /** Closes with `code` and, if the far end does not finish the close handshake in 1 s, drops the TCP connection. */
  function closeHard(conn, code, reason) {
    try { conn.ws.close(code, reason); } catch { /* already closing */ }
    setTimeout(() => conn.ws.terminate(), 1000).unref();
  }

  /** Sends a typed error, then closes the socket with `closeCode` (join refusals). */
  function refuse(conn, code, message, closeCode) {
    sendError(conn, code, message, 'join');
    closeHard(conn, closeCode, code);
  }

  /**
   * Writes `text` to a socket. A socket whose unsent data then exceeds maxSendBufferBytes does
   * not keep up (a paused or dead reader): its member is detached at once (it enters the grace
   * period, so what follows is buffered within the held-message caps) and the socket is closed
   * with 4508.
   */
  function sendText(conn, text) {
    const { ws } = conn;
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(text);
    if (ws.bufferedAmount > limits.maxSendBufferBytes) {
      const member = conn.member;
      log(`slow consumer ${member?.connectionId ?? '(not joined)'}: ${ws.bufferedAmount} bytes unsent; dropping it (${CLOSE_CODES.SLOW_CONSUMER})`);
      if (member) {
        conn.member = null;
        member.conn = null;
        startGrace(member, CLOSE_CODES.SLOW_CONSUMER);
      }
      closeHard(conn, CLOSE_CODES.SLOW_CONSUMER, 'slow consumer');
    }
  }

  const send = (conn, message) => sendText(conn, JSON.stringify(message));

  function sendError(conn, code, message, requestType, extra) {
    log(`error ${code} to ${conn.member?.connectionId ?? '(not joined)'}: ${message}`);
    const data = { code, message };
    if (typeof requestType === 'string') data.requestType = requestType;
    send(conn, { type: 'error', data: { ...data, ...extra } });
  }

  /**
   * Sends to a member's socket, or buffers the text while the member is in its grace period.
   * Buffering is bounded: per member (the oldest entry is dropped and its sender told
   * `heldOverflow`), per room and for the server (bytes; the new message is refused and its
   * sender told). `origin` names who sent it (null: the server itself) and its type.
   * @param {Member} member
   * @param {string} text serialized message
   * @param {{sender: Member|null, type: string}} origin
   */
  function deliver(member, text, origin) {
    if (member.conn) return sendText(member.conn, text);
    const room = rooms.get(member.consultationId);
    const bytes = Buffer.byteLength(text);
    if (!room || room.heldBytes + bytes > limits.maxHeldBytesPerRoom || heldBytesTotal + bytes > limits.maxHeldBytesTotal) {
      const which = room && room.heldBytes + bytes > limits.maxHeldBytesPerRoom ? 'the consultation\'s' : 'the server\'s';
      return overflow(origin, [member.connectionId], `${which} held-message bytes are at their cap`);
    }
    member.buffer.push({ text, bytes, origin });
    account(room, bytes);
    if (member.buffer.length > limits.maxBufferedPerMember) {
      const dropped = member.buffer.shift();
      account(room, -dropped.bytes);
      overflow(dropped.origin, [member.connectionId], `more than ${limits.maxBufferedPerMember} messages waiting for ${member.connectionId}; the oldest was dropped`);
    }
  }

  function account(room, bytes) {
    room.heldBytes += bytes;
    heldBytesTotal += bytes;
  }

  /** Tells the sender of a message that could not be held (nothing to tell for the server's own). */
  function overflow(origin, ids, why) {
    const { sender, type } = origin;
    if (!sender || members.get(sender.connectionId) !== sender) {
      log(`held message dropped (${type}, ${why})`);
      return;
    }
    log(`error heldOverflow to ${sender.connectionId}: ${why}`);
    const text = JSON.stringify({ type: 'error', data: { code: ERROR_CODES.HELD_OVERFLOW, message: why, requestType: type, connectionIds: ids } });
    deliver(sender, text, { sender: null, type: 'error' });
  }

  /** Token buckets: false (and one `rateLimited` error, reading paused until a token is back) when over. */
  function admit(conn, size) {
    const now = performance.now();
    if (conn.messages.take(1, now) && conn.bytes.take(size, now)) return true;
    const waitMs = Math.max(conn.messages.waitMs(1, now), conn.bytes.waitMs(size, now), 1);
    if (now - conn.limitedAt >= 1000 || conn.limitedAt === 0) {
      // At most one error a second: a socket that stays over is not flooded back.
      conn.limitedAt = now;
      sendError(conn, ERROR_CODES.RATE_LIMITED,
        `over ${limits.messagesPerSecond} messages/s (burst ${limits.messageBurst}) or ${limits.bytesPerSecond} bytes/s (burst ${limits.bytesBurst}); messages are dropped until the rate falls`,
        undefined, { retryAfterMs: waitMs });
    }
    if (!conn.paused && conn.ws.readyState === WebSocket.OPEN) {
      // Stop reading the socket meanwhile: TCP flow control then slows the sender down, and
      // the server spends no time on what it would drop.
      conn.paused = true;
      conn.ws.pause();
      setTimeout(() => {
        conn.paused = false;
        if (conn.ws.readyState === WebSocket.OPEN) conn.ws.resume();
      }, waitMs).unref();
    }
    return false;
  }

  function onMessage(conn, raw, isBinary) {
    if (conn.closed) return;
    const size = raw.length;
    if (!admit(conn, size)) return;
    if (size > limits.maxMessageBytes) {
      return sendError(conn, ERROR_CODES.TOO_LARGE, `message of ${size} bytes exceeds ${limits.maxMessageBytes} bytes`);
    }
    if (isBinary) return sendError(conn, ERROR_CODES.MALFORMED, 'binary frames are not accepted; send JSON text');
    if (!validUtf8(raw)) return sendError(conn, ERROR_CODES.MALFORMED, 'message is not valid UTF-8');
    if (deeperThan(raw, limits.maxDepth)) {
      return sendError(conn, ERROR_CODES.TOO_DEEP, `message nests deeper than ${limits.maxDepth} levels`);
    }
    let msg;
    try {
      msg = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendError(conn, ERROR_CODES.MALFORMED, 'message is not valid JSON');
    }
    if (!isObject(msg)) return sendError(conn, ERROR_CODES.MALFORMED, 'message is not a JSON object');

    const member = conn.member;
    if (msg.type === 'join') {
      if (member || conn.joining) {
        return sendError(conn, ERROR_CODES.ALREADY_JOINED,
          member ? `already joined consultation ${member.consultationId}` : 'a join is being checked', 'join');
      }
      return auth ? joinWithToken(conn, msg) : joinDev(conn, msg);
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
    if (!room) rooms.set(consultationId, (room = { id: consultationId, members: new Map(), held: new Map(), heldBytes: 0 }));
    return room;
  }

  /**
   * May `from` send to `to`? In development mode anyone in the room; with tokens only across
   * roles (doctor ↔ client): a client cannot reach (or pose as the doctor to) another client.
   */
  const mayReach = (from, to) => from !== to && (!auth || from.role !== to.role);

  /** What another member learns about `m`: its id, name and clientId (and role, with tokens). */
  const describe = (m) => (auth
    ? { connectionId: m.connectionId, clientId: m.clientId, name: m.name, role: m.role }
    : { connectionId: m.connectionId, clientId: m.clientId, name: m.name });

  const visibleMembers = (room, viewer) => [...room.members.values()].filter((m) => mayReach(viewer, m)).map(describe);

  function joinDev(conn, msg) {
    const d = msg.data;
    if (!isObject(d) || !isId(d.consultationId) || !isName(d.clientId) || (d.name !== undefined && !isName(d.name))
      || (d.connectionId !== undefined && d.connectionId !== null && !isId(d.connectionId))) {
      return sendError(conn, ERROR_CODES.MALFORMED,
        `join needs data.consultationId (non-empty string) and data.clientId, data.name (strings), and an optional data.connectionId (non-empty string), each at most ${MAX_ID_LENGTH} characters`, 'join');
    }
    const requested = d.connectionId ?? null;
    const previous = requested === null ? undefined : members.get(requested);
    // Resume: the same member (same consultation and clientId) comes back on a new socket.
    if (previous && previous.consultationId === d.consultationId && previous.clientId === d.clientId) {
      return resume(conn, previous);
    }
    admitMember(conn, {
      consultationId: d.consultationId, clientId: d.clientId, sub: d.clientId, name: d.name ?? '', role: null, requested,
    });
  }

  async function joinWithToken(conn, msg) {
    const d = msg.data;
    if (!isObject(d) || (d.connectionId !== undefined && d.connectionId !== null && !isId(d.connectionId))
      || (d.resumeSecret !== undefined && d.resumeSecret !== null && !isId(d.resumeSecret))) {
      return sendError(conn, ERROR_CODES.MALFORMED,
        `join needs data.token (string) and an optional data.connectionId and data.resumeSecret (non-empty strings of at most ${MAX_ID_LENGTH} characters)`, 'join');
    }
    conn.joining = true;
    let who; // the token itself is not kept: the member holds only its claims
    try {
      who = await auth.verify(d.token);
    } catch (err) {
      conn.joining = false;
      if (!conn.closed) refuse(conn, ERROR_CODES.UNAUTHORIZED, err.message ?? 'invalid token', CLOSE_CODES.UNAUTHORIZED);
      return;
    }
    conn.joining = false;
    if (conn.closed || stopped) return;
    if (d.consultationId !== undefined && d.consultationId !== who.consultationId) {
      return refuse(conn, ERROR_CODES.FORBIDDEN, 'the token is for another consultation', CLOSE_CODES.FORBIDDEN);
    }
    const requested = d.connectionId ?? null;
    const previous = requested === null ? undefined : members.get(requested);
    // Resume: the id, the consultation, the participant (sub) and the secret issued at join match.
    if (previous && previous.consultationId === who.consultationId && previous.sub === who.sub
      && sameSecret(previous.resumeSecret, d.resumeSecret)) {
      return resume(conn, previous);
    }
    const room = rooms.get(who.consultationId);
    if (room) {
      // The same participant joining again (a new tab, a reload after a crash) replaces its old
      // membership; nobody else can.
      for (const m of [...room.members.values()]) {
        if (m.sub !== who.sub) continue;
        log(`${m.connectionId} replaced by a new join of the same participant`);
        if (m.conn) {
          const old = m.conn;
          old.member = null;
          m.conn = null;
          closeHard(old, CLOSE_CODES.REPLACED, 'replaced by a newer connection');
        }
        gone(m, LEFT_REASONS.REPLACED, 'joined again');
      }
      if (who.role === 'doctor') {
        const doctor = [...room.members.values()].find((m) => m.role === 'doctor');
        if (doctor) return refuse(conn, ERROR_CODES.ROLE_TAKEN, 'this consultation already has a doctor', CLOSE_CODES.ROLE_TAKEN);
      }
    }
    admitMember(conn, { consultationId: who.consultationId, clientId: who.sub, sub: who.sub, name: who.name, role: who.role, requested });
  }

  /** Adds a new member (a fresh id, or the requested one when nobody has it) and announces it. */
  function admitMember(conn, { consultationId, clientId, sub, name, role, requested }) {
    clearTimeout(conn.joinTimer);
    conn.joinTimer = null;
    const room = roomOf(consultationId);
    let connectionId = requested;
    if (requested === null || members.has(requested)) {
      do connectionId = newConnectionId(); while (members.has(connectionId));
    }
    /** @type {Member} */
    const member = {
      conn, connectionId, clientId, sub, name, role, consultationId, buffer: [], graceTimer: null,
      resumeSecret: auth ? newResumeSecret() : null,
    };
    conn.member = member;
    room.members.set(connectionId, member);
    members.set(connectionId, member);
    log(`join ${connectionId} (${clientId}${role ? `, ${role}` : ''}) → ${consultationId}, ${room.members.size} member(s)`
      + (requested && connectionId === requested ? ' (requested id assigned)' : ''));
    const data = { connectionId, consultationId, members: visibleMembers(room, member), resumed: false };
    if (auth) Object.assign(data, { role, resumeSecret: member.resumeSecret });
    send(conn, { type: 'joined', data });
    const peerJoined = JSON.stringify({ type: 'peerJoined', data: { ...describe(member), consultationId } });
    for (const other of room.members.values()) {
      if (mayReach(member, other)) deliver(other, peerJoined, { sender: null, type: 'peerJoined' });
    }
    claimHeld(member);
  }

  function resume(conn, member) {
    clearTimeout(conn.joinTimer);
    conn.joinTimer = null;
    const old = member.conn;
    if (old) {
      // The old socket still looks alive (a half-open connection the heartbeat has not caught
      // yet): the newer socket wins; the old one is closed and never heard again.
      log(`${member.connectionId} taken over by a new socket; closing the old one (${CLOSE_CODES.REPLACED})`);
      old.member = null;
      closeHard(old, CLOSE_CODES.REPLACED, 'replaced by a newer connection');
    }
    clearTimeout(member.graceTimer);
    member.graceTimer = null;
    member.conn = conn;
    conn.member = member;
    const buffered = member.buffer;
    member.buffer = [];
    const room = rooms.get(member.consultationId);
    for (const entry of buffered) account(room, -entry.bytes);
    log(`resume ${member.connectionId} (${member.clientId}) in ${member.consultationId}, ${buffered.length} buffered message(s)`);
    const data = { connectionId: member.connectionId, consultationId: member.consultationId, members: visibleMembers(room, member), resumed: true };
    if (auth) Object.assign(data, { role: member.role, resumeSecret: member.resumeSecret });
    send(conn, { type: 'joined', data });
    // Each entry is already serialized: one cannot fail and lose the ones after it.
    for (const entry of buffered) deliver(member, entry.text, entry.origin);
  }

  function startGrace(member, code) {
    log(`${member.connectionId} dropped (${code}); grace ${reconnectGraceMs} ms`);
    clearTimeout(member.graceTimer);
    member.graceTimer = setTimeout(() => gone(member, LEFT_REASONS.TIMEOUT, `not resumed within ${reconnectGraceMs} ms`), reconnectGraceMs);
  }

  /** The member is no longer in its room: tell the others `peerLeft` with `reason`. */
  function gone(member, reason, why) {
    clearTimeout(member.graceTimer);
    member.graceTimer = null;
    const room = rooms.get(member.consultationId);
    if (room) for (const entry of member.buffer) account(room, -entry.bytes);
    member.buffer = [];
    if (members.get(member.connectionId) === member) members.delete(member.connectionId);
    if (!room || room.members.get(member.connectionId) !== member) return;
    room.members.delete(member.connectionId);
    log(`left ${member.connectionId} from ${member.consultationId} (${reason}: ${why}), ${room.members.size} member(s)`);
    const { connectionId, clientId, consultationId } = member;
    const text = JSON.stringify({ type: 'peerLeft', data: { connectionId, clientId, consultationId, reason } });
    for (const other of room.members.values()) if (mayReach(member, other)) deliver(other, text, { sender: null, type: 'peerLeft' });
    if (room.members.size === 0) dropRoom(room);
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
    // An `enter` that presents the doctor (its `doctor` field) from a member whose token is not a
    // doctor's is refused outright (it could only reach the doctor anyway, see mayReach).
    if (auth && type === 'enter' && data.doctor !== undefined && member.role !== 'doctor') {
      sendError(member.conn, ERROR_CODES.FORBIDDEN, 'an enter with a doctor field needs a doctor token', type);
      return null;
    }
    // With tokens the sender's clientId is its verified `sub`, whatever the message says.
    const stamp = auth ? { connectionId: member.connectionId, clientId: member.clientId } : { connectionId: member.connectionId };
    const sender = isObject(data.sender)
      ? { ...data.sender, ...stamp }
      : { chatId: member.consultationId, clientId: member.clientId, connectionId: member.connectionId };
    return { ...data, sender };
  }

  function publish(member, msg) {
    const type = isObject(msg.data) ? msg.data.type : undefined;
    const data = checkData(member, type, msg.data);
    if (!data) return;
    const room = rooms.get(member.consultationId);
    const text = JSON.stringify({ type, data });
    for (const other of room.members.values()) if (mayReach(member, other)) deliver(other, text, { sender: member, type });
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
    const text = JSON.stringify({ type, data });
    const origin = { sender: member, type };
    if (!ids || ids.length === 0) {
      for (const other of room.members.values()) if (mayReach(member, other)) deliver(other, text, origin);
      return;
    }
    const unknown = [];
    const refused = [];
    for (const id of new Set(ids)) {
      if (id === member.connectionId) continue; // never echo to the sender
      const target = room.members.get(id);
      if (!target) unknown.push(id);
      else if (mayReach(member, target)) deliver(target, text, origin);
      else refused.push(id);
    }
    if (refused.length) {
      sendError(member.conn, ERROR_CODES.FORBIDDEN, `a ${member.role} may only send to the other role; not delivered to ${refused.join(', ')}`,
        type, { connectionIds: refused });
    }
    if (unknown.length) hold(member, room, text, type, unknown);
  }

  /**
   * Holds a transient for connection ids not in the room for reconnectGraceMs: a member that
   * joins the room with one of those ids in time gets it (e.g. both sides coming back with their
   * old ids after a server restart). Then one `unroutable` names the ids nobody claimed.
   * Bounded by maxHeldIdsPerRoom (beyond: `unroutable` at once), maxBufferedPerMember per id
   * (beyond: the oldest is dropped, its sender told `heldOverflow`) and the held-bytes caps
   * (beyond: `heldOverflow` at once).
   */
  function hold(member, room, text, type, ids) {
    /** @type {Hold} */
    const h = { sender: member, type, unclaimed: new Set(), timer: null };
    const refused = [];
    const full = [];
    const bytes = Buffer.byteLength(text);
    for (const id of ids) {
      let list = room.held.get(id);
      if (!list) {
        if (room.held.size >= limits.maxHeldIdsPerRoom) {
          refused.push(id);
          continue;
        }
      }
      if (room.heldBytes + bytes > limits.maxHeldBytesPerRoom || heldBytesTotal + bytes > limits.maxHeldBytesTotal) {
        full.push(id);
        continue;
      }
      if (!list) room.held.set(id, (list = []));
      list.push({ text, bytes, hold: h });
      account(room, bytes);
      if (list.length > limits.maxBufferedPerMember) {
        const dropped = list.shift();
        account(room, -dropped.bytes);
        dropped.hold.unclaimed.delete(id);
        overflow({ sender: dropped.hold.sender, type: dropped.hold.type }, [id],
          `more than ${limits.maxBufferedPerMember} messages held for ${id}; the oldest was dropped`);
      }
      h.unclaimed.add(id);
    }
    if (refused.length) unroutable(member, type, refused);
    if (full.length) overflow({ sender: member, type }, full, 'held-message bytes are at their cap');
    if (h.unclaimed.size === 0) return;
    holds.add(h);
    h.timer = setTimeout(() => {
      holds.delete(h);
      for (const id of h.unclaimed) {
        const list = room.held.get(id);
        if (!list) continue;
        const rest = list.filter((entry) => entry.hold !== h);
        for (const entry of list) if (entry.hold === h) account(room, -entry.bytes);
        if (rest.length) room.held.set(id, rest);
        else room.held.delete(id);
      }
      if (h.unclaimed.size) unroutable(h.sender, h.type, [...h.unclaimed]);
    }, reconnectGraceMs);
  }

  function unroutable(member, type, ids) {
    // The sender may be in its grace period (buffered) or gone (nobody to tell).
    if (members.get(member.connectionId) !== member) return;
    const message = `connection id(s) not in consultation ${member.consultationId}: ${ids.join(', ')}`;
    log(`error unroutable to ${member.connectionId}: ${message}`);
    const text = JSON.stringify({ type: 'error', data: { code: ERROR_CODES.UNROUTABLE, message, requestType: type, connectionIds: ids } });
    deliver(member, text, { sender: null, type: 'error' });
  }

  /** A member joined with an id transients were held for: deliver them in order (those it may receive). */
  function claimHeld(member) {
    const room = rooms.get(member.consultationId);
    const list = room?.held.get(member.connectionId);
    if (!list) return;
    room.held.delete(member.connectionId);
    log(`delivering ${list.length} held message(s) to ${member.connectionId}`);
    const refused = [];
    for (const { text, bytes, hold: h } of list) {
      account(room, -bytes);
      h.unclaimed.delete(member.connectionId);
      if (mayReach(h.sender, member)) deliver(member, text, { sender: h.sender, type: h.type });
      else refused.push(h);
    }
    for (const h of refused) unroutable(h.sender, h.type, [member.connectionId]);
  }

  /** The room emptied: nobody is left to claim or to be told; drop its held messages. */
  function dropRoom(room) {
    rooms.delete(room.id);
    for (const list of room.held.values()) {
      for (const { hold: h } of list) {
        clearTimeout(h.timer);
        holds.delete(h);
      }
    }
    heldBytesTotal -= room.heldBytes;
    room.heldBytes = 0;
    room.held.clear();
  }

  let closing = null;
  return {
    handleUpgrade,
    dropSocket(connectionId) {
      const member = members.get(connectionId);
      if (!member?.conn) return false;
      log(`dropping the socket of ${connectionId} (operator)`);
      member.conn.ws.terminate(); // 'close' (1006) follows: the member enters its grace period
      return true;
    },
    snapshot() {
      const out = {};
      for (const [consultationId, room] of rooms) {
        out[consultationId] = [...room.members.values()].map((m) => ({
          connectionId: m.connectionId, clientId: m.clientId, name: m.name, connected: m.conn !== null, buffered: m.buffer.length,
          ...(auth ? { role: m.role } : {}),
        }));
      }
      return { rooms: out, heldTransients: holds.size, heldBytes: heldBytesTotal, sockets: sockets.size };
    },
    close() {
      closing ??= new Promise((resolve) => {
        stopped = true;
        clearInterval(heartbeat);
        for (const member of members.values()) clearTimeout(member.graceTimer);
        for (const conn of sockets.values()) clearTimeout(conn.joinTimer);
        for (const h of holds) clearTimeout(h.timer);
        holds.clear();
        members.clear();
        rooms.clear();
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
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
 * @property {boolean} joining a token is being verified
 * @property {boolean} closed the socket closed
 * @property {number} limitedAt when the last `rateLimited` error was sent (performance.now() ms; 0: never)
 * @property {boolean} paused reading is paused by the rate limit
 * @property {TokenBucket} messages per-socket message rate
 * @property {TokenBucket} bytes per-socket byte rate
 * @property {ReturnType<typeof setTimeout>|null} joinTimer the join deadline
 */

/**
 * @typedef {object} Member one member of a consultation; outlives its socket by the grace period
 * @property {Conn|null} conn its socket, or null while in the grace period
 * @property {string} connectionId
 * @property {string} clientId the token's `sub` (development mode: the join's clientId)
 * @property {string} sub the participant (development mode: the join's clientId)
 * @property {string} name
 * @property {'doctor'|'client'|null} role from the token (null in development mode)
 * @property {string} consultationId the room
 * @property {string|null} resumeSecret issued in `joined`; a resume must present it (null in development mode)
 * @property {{text: string, bytes: number, origin: {sender: Member|null, type: string}}[]} buffer
 *   messages for it while in grace, delivered in order on resume
 * @property {ReturnType<typeof setTimeout>|null} graceTimer ends the grace period (peerLeft timeout)
 */

/**
 * @typedef {object} Room one consultation
 * @property {string} id consultationId
 * @property {Map<string, Member>} members connectionId → member (live or in grace)
 * @property {Map<string, {text: string, bytes: number, hold: Hold}[]>} held transients for ids not in the room
 * @property {number} heldBytes bytes in its members' grace buffers and its held transients
 */

/**
 * @typedef {object} Hold one transient held for connection ids not (yet) in the room
 * @property {Member} sender
 * @property {string} type
 * @property {Set<string>} unclaimed ids nobody joined with yet
 * @property {ReturnType<typeof setTimeout>|null} timer answers `unroutable` for the unclaimed ids
 */
