// The reference signaling server's WebSocket side (docs/protocol.md §1–§4): who may connect
// (origin allow-list, per-IP cap), join with a verified token (or, in development mode, with the
// ids the client names), rooms and routing, the grace period (resume with a server-issued secret,
// buffering, held transients), and every bound of limits.js (rate limit, backpressure, join
// deadline, sizes, nesting, UTF-8, held-message caps), each refusal answered with a typed error.
// Rooms change only by applying events of their log (bus.js: one process; redis-bus.js: several
// processes sharing consultations through Redis, docs/scaling.md), so the same logic serves both.

import { createHash, randomBytes } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import { TokenBucket, IpCounter, deeperThan, validUtf8 } from './limits.js';
import { createMemoryBus, compareSeq } from './bus.js';

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
  UNAVAILABLE: 'unavailable',
});

/** `peerLeft.data.reason` values. */
export const LEFT_REASONS = Object.freeze({ LEFT: 'left', TIMEOUT: 'timeout', REPLACED: 'replaced' });

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isName = (v) => typeof v === 'string' && v.length <= MAX_ID_LENGTH;
const isId = (v) => isName(v) && v.length > 0;

/** @returns {string} a resume secret: 128 random bits, base64url. */
const newResumeSecret = () => randomBytes(16).toString('base64url');


/**
 * Creates the signaling side. The caller owns the HTTP server and passes upgrades in.
 *
 * Every change of a consultation is an event appended to its log (`bus`, bus.js) and applied in
 * log order by every process that holds members of it (docs/scaling.md §2): joins, messages,
 * drops, leaves and the ends of timers. One process without Redis uses the memory bus (events are
 * applied at once); with redis-bus.js several processes share consultations, each delivering to
 * its own sockets and holding the same copy of each consultation it serves.
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
 * @param {import('./bus.js').Bus} [options.bus] the consultation log (default: one process, memory)
 * @param {number} [options.nodeCheckMs=500] how often members of failed processes are looked for
 *   (ms; shared bus only)
 * @param {(...args: unknown[]) => void} options.log diagnostic log (one line per call)
 * @returns {{handleUpgrade: (req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void,
 *   dropSocket: (connectionId: string) => boolean, snapshot: () => object, drain: () => Promise<void>, close: () => Promise<void>}}
 *   `dropSocket` terminates a connected member's socket without a close frame, as a network drop
 *   does (the member enters its grace period); false when no such member is connected here.
 *   `drain` refuses new sockets and moves this process's members to their grace period (their
 *   SDKs reconnect, through the load balancer, to another process), then closes their sockets
 *   with 1012 (docs/scaling.md §4).
 */
export function createSignaling({ auth, limits, heartbeatMs, reconnectGraceMs, allowedOrigins, bus = createMemoryBus(), nodeCheckMs = 500, log }) {
  const me = bus.instanceId ?? bus.nodeId;
  /** Join references of this run: a replayed join of an earlier run under the same name is not ours. */
  const refPrefix = `${me}:${randomBytes(4).toString('hex')}:`;
  const ours = (e) => e.node === me && typeof e.ref === 'string' && e.ref.startsWith(refPrefix);
  /** @type {Map<string, Room>} consultationId → this process's copy of the room */
  const rooms = new Map();
  /** @type {Map<string, Member>} connectionId → member, every room held here (live or in grace) */
  const members = new Map();
  /** @type {Map<string, Conn>} connectionId → the local socket carrying that member */
  const attached = new Map();
  /** @type {Map<string, Conn>} join reference → a local socket whose join is in the log */
  const pendingJoins = new Map();
  /** @type {Map<string, number>} consultationId → local joins under way (the room stays held here) */
  const joiningRooms = new Map();
  /** @type {Map<import('ws').WebSocket, Conn>} every open socket, joined or not */
  const sockets = new Map();
  const perIp = new IpCounter();
  let heldBytesTotal = 0; // grace buffers + held transients, every room held here
  let stopped = false; // close() was called: sockets closing now start no grace period
  let draining = false;
  let joinRefs = 0;
  /** Recently delivered messages kept per member for a resume after a process failure (ms). */
  const tailMs = bus.shared ? reconnectGraceMs + 5000 : 2000;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxPayloadBytes,
    // UTF-8 is checked per message (error `malformed`, socket kept) instead of closing with 1007.
    skipUTF8Validation: true,
  });

  bus.bind(applyEvent);

  function handleUpgrade(req, socket, head) {
    const reject = (status, text) => {
      log(`upgrade refused: ${status} ${text}`);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (stopped || draining) return reject(503, 'Service Unavailable');
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
      attach: 0,
      lastSent: null,
      alive: true,
      joining: false,
      closed: false,
      limitedAt: 0,
      paused: false,
      messages: new TokenBucket(limits.messagesPerSecond, limits.messageBurst, now),
      bytes: new TokenBucket(limits.bytesPerSecond, limits.bytesBurst, now),
      joinTimer: null,
      secret: null,
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
      detach(conn);
      const event = DELIBERATE_CLOSE_CODES.has(code)
        ? { t: 'leave', id: member.connectionId, attach: conn.attach, why: `socket closed (${code})` }
        : { t: 'drop', id: member.connectionId, attach: conn.attach, code, lastSent: conn.lastSent };
      bus.append(member.consultationId, event);
    });
    sockets.set(ws, conn);
  }

  /** The socket no longer speaks for its member (locally; the log hears of it next). */
  function detach(conn) {
    const member = conn.member;
    conn.member = null;
    if (member && attached.get(member.connectionId) === conn) attached.delete(member.connectionId);
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

  // Members carried by a process that stopped beating enter their grace period (shared bus).
  let checking = false;
  const nodeCheck = bus.shared ? setInterval(async () => {
    if (checking || stopped) return;
    checking = true;
    try {
      const dead = await bus.deadNodes();
      if (!dead || dead.size === 0) return;
      for (const room of rooms.values()) {
        const down = new Set([...room.members.values()].filter((m) => m.connected && dead.has(m.node)).map((m) => m.node));
        for (const node of down) {
          const last = await bus.lastSeen(node);
          // What that process delivered after (last - 250 ms) may not have reached its sockets.
          bus.append(room.id, { t: 'nodeDown', node, since: last === null ? 0 : Math.max(0, last - 250) });
        }
      }
    } catch (err) {
      log('node check failed', err.message);
    } finally {
      checking = false;
    }
  }, nodeCheckMs) : null;
  nodeCheck?.unref();

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
   * not keep up (a paused or dead reader): its member is detached at once (the log hears `drop`:
   * the member enters the grace period and what follows is buffered within the held-message
   * caps) and the socket is closed with 4508.
   */
  function sendText(conn, text) {
    const { ws } = conn;
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(text);
    if (ws.bufferedAmount > limits.maxSendBufferBytes) {
      const member = conn.member;
      log(`slow consumer ${member?.connectionId ?? '(not joined)'}: ${ws.bufferedAmount} bytes unsent; dropping it (${CLOSE_CODES.SLOW_CONSUMER})`);
      if (member) {
        detach(conn);
        bus.append(member.consultationId, { t: 'drop', id: member.connectionId, attach: conn.attach, code: CLOSE_CODES.SLOW_CONSUMER, lastSent: conn.lastSent });
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

  /** With a shared log every delivered message carries its position (`seq`, protocol.md §4.7). */
  const stamp = (text, seq) => (bus.shared && seq !== null ? `${text.slice(0, -1)},"seq":${JSON.stringify(String(seq))}}` : text);

  /**
   * Delivers to a member: written to its socket by the process that carries it (and remembered
   * for a while in its tail, for a resume after that process fails), or buffered while the member
   * is in its grace period. Buffering is bounded: per member (the oldest entry is dropped and its
   * sender told `heldOverflow`), per room and for the process (bytes; the new message is refused
   * and its sender told). `origin` names who sent it (null: the server itself) and its type.
   * @param {Member} member
   * @param {string} text serialized message
   * @param {{sender: Member|null, type: string}} origin
   * @param {string|number|null} seq log position of the event that delivers it
   */
  function deliver(member, text, origin, seq) {
    const room = rooms.get(member.consultationId);
    if (member.connected) {
      const entry = { text, seq, at: performance.now(), origin };
      member.tail.push(entry);
      while (member.tail.length > limits.maxBufferedPerMember || entry.at - member.tail[0].at > tailMs) member.tail.shift();
      const conn = member.node === me ? attached.get(member.connectionId) : undefined;
      if (conn) {
        if (seq !== null) conn.lastSent = seq;
        sendText(conn, stamp(text, seq));
      }
      return;
    }
    const bytes = Buffer.byteLength(text);
    if (!room || room.heldBytes + bytes > limits.maxHeldBytesPerRoom || heldBytesTotal + bytes > limits.maxHeldBytesTotal) {
      const which = room && room.heldBytes + bytes > limits.maxHeldBytesPerRoom ? 'the consultation\'s' : 'the server\'s';
      return overflow(origin, [member.connectionId], `${which} held-message bytes are at their cap`, seq);
    }
    member.buffer.push({ text, bytes, origin, seq });
    account(room, bytes);
    if (member.buffer.length > limits.maxBufferedPerMember) {
      const dropped = member.buffer.shift();
      account(room, -dropped.bytes);
      overflow(dropped.origin, [member.connectionId], `more than ${limits.maxBufferedPerMember} messages waiting for ${member.connectionId}; the oldest was dropped`, seq);
    }
  }

  function account(room, bytes) {
    room.heldBytes += bytes;
    heldBytesTotal += bytes;
  }

  /** Tells the sender of a message that could not be held (nothing to tell for the server's own). */
  function overflow(origin, ids, why, seq) {
    const { sender, type } = origin;
    if (!sender || members.get(sender.connectionId) !== sender) {
      log(`held message dropped (${type}, ${why})`);
      return;
    }
    log(`error heldOverflow to ${sender.connectionId}: ${why}`);
    const text = JSON.stringify({ type: 'error', data: { code: ERROR_CODES.HELD_OVERFLOW, message: why, requestType: type, connectionIds: ids } });
    deliver(sender, text, { sender: null, type: 'error' }, seq);
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
      const joining = auth ? joinWithToken(conn, msg) : joinDev(conn, msg);
      joining?.catch?.((err) => {
        conn.joining = false;
        log('join failed', err.stack ?? err);
        if (!conn.closed) closeHard(conn, 1011, 'join failed');
      });
      return;
    }
    const requestType = msg.route === 'vcm' && isObject(msg.data) ? msg.data.type : msg.type;
    if (!member) return sendError(conn, ERROR_CODES.NOT_JOINED, 'send join first', requestType);
    if (msg.type === 'leave') {
      // The member is gone at once; the socket stays open and may join again.
      detach(conn);
      return bus.append(member.consultationId, { t: 'leave', id: member.connectionId, attach: conn.attach, why: 'leave' });
    }
    if (msg.route === 'vcm') return publish(conn, member, msg);
    if (typeof msg.type === 'string') return transient(conn, member, msg);
    return sendError(conn, ERROR_CODES.MALFORMED, 'message has neither a string type nor route "vcm"');
  }

  function roomOf(consultationId) {
    let room = rooms.get(consultationId);
    if (!room) rooms.set(consultationId, (room = { id: consultationId, members: new Map(), held: new Map(), holds: new Map(), heldBytes: 0 }));
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

  /** SHA-256 of a resume secret, base64url: the log holds hashes, never the secrets. */
  const hashSecret = (s) => createHash('sha256').update(s).digest('base64url');

  /** A new connection id: `c-` + 12 hex characters; with a shared log `c-<node>-` + 12 hex. */
  const newConnectionId = () => (bus.shared ? `c-${bus.nodeId}-${randomBytes(6).toString('hex')}` : `c-${randomBytes(6).toString('hex')}`);

  /** The join's common part: open the room's log here, then append the join (applied in order). */
  async function proposeJoin(conn, event) {
    const roomId = event.consultationId;
    conn.joining = true;
    joiningRooms.set(roomId, (joiningRooms.get(roomId) ?? 0) + 1);
    try {
      const opening = bus.open(roomId);
      if (opening) await opening;
      const { requested } = event;
      if (requested !== null) {
        const free = bus.idFree(requested, roomId);
        event.requestedFree = typeof free === 'boolean' ? free : await free;
      }
    } finally {
      conn.joining = false;
      const n = joiningRooms.get(roomId) - 1;
      if (n > 0) joiningRooms.set(roomId, n);
      else joiningRooms.delete(roomId);
    }
    if (conn.closed || stopped) return release(roomId);
    const ref = `${refPrefix}${++joinRefs}`;
    pendingJoins.set(ref, conn);
    conn.pendingRoom = roomId;
    clearTimeout(conn.joinTimer);
    conn.joinTimer = null;
    let id;
    do id = newConnectionId(); while (members.has(id));
    conn.secret = auth ? newResumeSecret() : null;
    bus.append(event.consultationId, {
      ...event, t: 'join', node: me, ref, newId: id, secretHash: conn.secret && hashSecret(conn.secret),
    });
  }

  function joinDev(conn, msg) {
    const d = msg.data;
    if (!isObject(d) || !isId(d.consultationId) || !isName(d.clientId) || (d.name !== undefined && !isName(d.name))
      || (d.connectionId !== undefined && d.connectionId !== null && !isId(d.connectionId))) {
      return sendError(conn, ERROR_CODES.MALFORMED,
        `join needs data.consultationId (non-empty string) and data.clientId, data.name (strings), and an optional data.connectionId (non-empty string), each at most ${MAX_ID_LENGTH} characters`, 'join');
    }
    return proposeJoin(conn, {
      consultationId: d.consultationId, clientId: d.clientId, sub: d.clientId, name: d.name ?? '', role: null,
      requested: d.connectionId ?? null, resumeHash: null, lastSeq: typeof d.lastSeq === 'string' ? d.lastSeq : null,
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
    return proposeJoin(conn, {
      consultationId: who.consultationId, clientId: who.sub, sub: who.sub, name: who.name, role: who.role,
      requested: d.connectionId ?? null,
      resumeHash: typeof d.resumeSecret === 'string' ? hashSecret(d.resumeSecret) : null,
      lastSeq: typeof d.lastSeq === 'string' ? d.lastSeq : null,
    });
  }

  // ---- applying the log ------------------------------------------------------------------------

  /** Applies one event of a consultation's log (every process holding the room, same order). */
  function applyEvent(roomId, seq, e) {
    try {
      switch (e.t) {
        case 'join': return applyJoin(roomId, seq, e);
        case 'msg': return applyMessage(roomId, seq, e);
        case 'leave': return applyLeave(roomId, seq, e);
        case 'drop': return applyDrop(roomId, seq, e);
        case 'graceEnd': return applyGraceEnd(roomId, seq, e);
        case 'holdEnd': return applyHoldEnd(roomId, seq, e);
        case 'nodeDown': return applyNodeDown(roomId, seq, e);
        default: return log(`unknown log event ${e.t}`);
      }
    } catch (err) {
      log('apply error', err.stack ?? err);
    } finally {
      release(roomId);
    }
  }

  /** Stops applying a room's log here when no socket of this process needs it. */
  function release(roomId) {
    const room = rooms.get(roomId);
    if (room && [...room.members.values()].some((m) => m.node === me)) return;
    if (joiningRooms.has(roomId)) return;
    for (const conn of pendingJoins.values()) if (conn.pendingRoom === roomId) return;
    if (!bus.shared) {
      if (room && room.members.size === 0) dropRoom(room);
      return;
    }
    if (room) dropRoom(room);
    bus.release(roomId);
  }

  function applyJoin(roomId, seq, e) {
    const conn = e.node === me ? pendingJoins.get(e.ref) : undefined;
    if (conn) pendingJoins.delete(e.ref);
    const live = conn && !conn.closed && !stopped;
    const room = roomOf(roomId);
    const previous = e.requested === null ? undefined : room.members.get(e.requested);
    // Resume: the id, the participant and (with tokens) the secret issued at join match.
    if (previous && previous.sub === e.sub && previous.clientId === e.clientId
      && (!auth || (previous.secretHash !== null && previous.secretHash === e.resumeHash))) {
      return resume(room, previous, e, live ? conn : null, seq);
    }
    if (auth) {
      // The same participant joining again (a new tab, a reload after a crash) replaces its old
      // membership; nobody else can.
      for (const m of [...room.members.values()]) {
        if (m.sub !== e.sub) continue;
        log(`${m.connectionId} replaced by a new join of the same participant`);
        takeOver(m);
        gone(room, m, LEFT_REASONS.REPLACED, 'joined again', seq);
      }
      if (e.role === 'doctor' && [...room.members.values()].some((m) => m.role === 'doctor')) {
        if (live) refuse(conn, ERROR_CODES.ROLE_TAKEN, 'this consultation already has a doctor', CLOSE_CODES.ROLE_TAKEN);
        return;
      }
    }
    const requested = e.requested;
    const connectionId = requested !== null && e.requestedFree !== false && !members.has(requested) ? requested : e.newId;
    /** @type {Member} */
    const member = {
      connectionId, clientId: e.clientId, sub: e.sub, name: e.name, role: e.role, consultationId: roomId,
      node: e.node, attach: 1, connected: true, buffer: [], tail: [], graceTimer: null, graceEpoch: 0,
      secretHash: e.secretHash ?? null,
    };
    room.members.set(connectionId, member);
    members.set(connectionId, member);
    log(`join ${connectionId} (${e.clientId}${e.role ? `, ${e.role}` : ''}) → ${roomId}, ${room.members.size} member(s)`
      + (requested && connectionId === requested ? ' (requested id assigned)' : ''));
    if (live) {
      bind(conn, member);
      bus.claimId(connectionId, roomId);
      const data = { connectionId, consultationId: roomId, members: visibleMembers(room, member), resumed: false };
      if (auth) Object.assign(data, { role: member.role, resumeSecret: conn.secret });
      send(conn, { type: 'joined', data });
    } else if (ours(e)) {
      // The socket went away while its join was in the log: the member leaves at once.
      member.connected = false;
      bus.append(roomId, { t: 'leave', id: connectionId, attach: 1, why: 'socket closed before joined' });
    }
    const peerJoined = JSON.stringify({ type: 'peerJoined', data: { ...describe(member), consultationId: roomId } });
    for (const other of room.members.values()) {
      if (mayReach(member, other)) deliver(other, peerJoined, { sender: null, type: 'peerJoined' }, seq);
    }
    claimHeld(room, member, seq);
  }

  /** A local socket now carries `member`. */
  function bind(conn, member) {
    conn.member = member;
    conn.attach = member.attach;
    conn.lastSent = null;
    attached.set(member.connectionId, conn);
  }

  /** Closes this process's socket of `m` (taken over or replaced); others do the same for theirs. */
  function takeOver(m) {
    const old = m.node === me ? attached.get(m.connectionId) : undefined;
    if (!old) return;
    detach(old);
    closeHard(old, CLOSE_CODES.REPLACED, 'replaced by a newer connection');
  }

  function resume(room, member, e, conn, seq) {
    if (member.connected) {
      // The old socket still looks alive (a half-open connection the heartbeat has not caught
      // yet): the newer socket wins; the old one is closed and never heard again.
      log(`${member.connectionId} taken over by a new socket; closing the old one (${CLOSE_CODES.REPLACED})`);
      takeOver(member);
    }
    clearTimeout(member.graceTimer);
    member.graceTimer = null;
    member.graceEpoch += 1;
    // Delivered recently but perhaps not received: after `lastSeq` when the member says what it
    // got last, else after the point its old socket was known to be reading (dropSeq).
    // A member taken over from another process that still looks alive (it may have just died):
    // without `lastSeq` all of its recent tail comes again (at least once; the SDK drops
    // duplicates by messageId).
    const crossNode = member.connected && member.node !== e.node;
    const after = e.lastSeq ?? (crossNode ? 0 : member.dropSeq ?? null);
    const again = after === null || !bus.shared ? [] : member.tail.filter((entry) => entry.seq !== null && compareSeq(entry.seq, after) > 0);
    const buffered = member.buffer.filter((entry) => !(e.lastSeq && entry.seq !== null && compareSeq(entry.seq, e.lastSeq) <= 0));
    for (const entry of member.buffer) account(room, -entry.bytes);
    member.buffer = [];
    member.tail = [];
    member.dropSeq = null;
    member.node = e.node;
    member.attach += 1;
    member.connected = true;
    log(`resume ${member.connectionId} (${member.clientId}) in ${member.consultationId}, ${again.length} redelivered + ${buffered.length} buffered message(s)`);
    if (conn) {
      bind(conn, member);
      const data = { connectionId: member.connectionId, consultationId: member.consultationId, members: visibleMembers(room, member), resumed: true };
      if (auth) Object.assign(data, { role: member.role, resumeSecret: conn.secret });
      send(conn, { type: 'joined', data });
    } else if (ours(e)) {
      member.connected = false;
      bus.append(room.id, { t: 'leave', id: member.connectionId, attach: member.attach, why: 'socket closed before joined' });
    }
    if (auth) member.secretHash = e.secretHash; // the secret of this `joined` (a new one each time)
    // Each entry is already serialized: one cannot fail and lose the ones after it.
    for (const entry of [...again, ...buffered]) deliver(member, entry.text, entry.origin, entry.seq);
  }

  function applyLeave(roomId, seq, e) {
    const room = rooms.get(roomId);
    const member = room?.members.get(e.id);
    if (!member || member.attach !== e.attach) return;
    gone(room, member, LEFT_REASONS.LEFT, e.why, seq);
  }

  function applyDrop(roomId, seq, e) {
    const room = rooms.get(roomId);
    const member = room?.members.get(e.id);
    if (!member || member.attach !== e.attach || !member.connected) return;
    startGrace(room, member, `${e.code}`, e.lastSent ?? null);
  }

  function applyNodeDown(roomId, seq, e) {
    const room = rooms.get(roomId);
    if (!room) return;
    for (const member of [...room.members.values()]) {
      if (member.node !== e.node || !member.connected) continue;
      if (e.node === me) {
        // This process was counted as failed (its beats stopped reaching Redis, e.g. a long
        // pause): its sockets no longer carry their members; they reconnect and resume.
        const conn = attached.get(member.connectionId);
        if (conn) {
          detach(conn);
          closeHard(conn, 1012, 'counted as failed');
        }
      }
      // Stream positions start with the log's clock (ms): what came after `since` may be unread.
      startGrace(room, member, `process ${e.node} failed`, `${e.since}-0`);
    }
  }

  /**
   * The member's socket is gone: grace period. Messages delivered after `lastSent` (the last one
   * its socket was written, when known) move from its tail to its buffer, then it buffers.
   */
  function startGrace(room, member, why, lastSent) {
    log(`${member.connectionId} dropped (${why}); grace ${reconnectGraceMs} ms`);
    const tail = member.tail;
    member.connected = false;
    member.tail = bus.shared ? tail : [];
    member.dropSeq = lastSent;
    if (!bus.shared && lastSent !== null) {
      // One process: what was delivered after the socket stopped being written is buffered.
      for (const entry of tail) if (entry.seq !== null && compareSeq(entry.seq, lastSent) > 0) deliver(member, entry.text, entry.origin, entry.seq);
    }
    clearTimeout(member.graceTimer);
    member.graceEpoch += 1;
    const epoch = member.graceEpoch;
    member.graceTimer = setTimeout(() => bus.append(room.id, { t: 'graceEnd', id: member.connectionId, epoch }), reconnectGraceMs);
    member.graceTimer.unref?.();
  }

  function applyGraceEnd(roomId, seq, e) {
    const room = rooms.get(roomId);
    const member = room?.members.get(e.id);
    if (!member || member.connected || member.graceEpoch !== e.epoch) return;
    gone(room, member, LEFT_REASONS.TIMEOUT, `not resumed within ${reconnectGraceMs} ms`, seq);
  }

  /** The member is no longer in its room: tell the others `peerLeft` with `reason`. */
  function gone(room, member, reason, why, seq) {
    clearTimeout(member.graceTimer);
    member.graceTimer = null;
    member.graceEpoch += 1;
    for (const entry of member.buffer) account(room, -entry.bytes);
    member.buffer = [];
    member.tail = [];
    member.connected = false;
    if (members.get(member.connectionId) === member) members.delete(member.connectionId);
    if (room.members.get(member.connectionId) !== member) return;
    room.members.delete(member.connectionId);
    const conn = member.node === me ? attached.get(member.connectionId) : undefined;
    if (conn) detach(conn);
    log(`left ${member.connectionId} from ${member.consultationId} (${reason}: ${why}), ${room.members.size} member(s)`);
    const { connectionId, clientId, consultationId } = member;
    const text = JSON.stringify({ type: 'peerLeft', data: { connectionId, clientId, consultationId, reason } });
    for (const other of room.members.values()) if (mayReach(member, other)) deliver(other, text, { sender: null, type: 'peerLeft' }, seq);
  }

  /** Checks the common part of publish and transient `data`; returns the routed data or null. */
  function checkData(conn, member, type, data) {
    if (!isId(type) || SERVER_TYPES.has(type)) {
      sendError(conn, ERROR_CODES.MALFORMED, 'type must be a non-empty string and not a server message type', type);
      return null;
    }
    if (!isObject(data)) {
      sendError(conn, ERROR_CODES.MALFORMED, 'data must be an object', type);
      return null;
    }
    if (data.consultationId !== member.consultationId) {
      sendError(conn, ERROR_CODES.UNROUTABLE,
        `data.consultationId ${JSON.stringify(data.consultationId)} is not this connection's consultation ${member.consultationId}`, type);
      return null;
    }
    // An `enter` that presents the doctor (its `doctor` field) from a member whose token is not a
    // doctor's is refused outright (it could only reach the doctor anyway, see mayReach).
    if (auth && type === 'enter' && data.doctor !== undefined && member.role !== 'doctor') {
      sendError(conn, ERROR_CODES.FORBIDDEN, 'an enter with a doctor field needs a doctor token', type);
      return null;
    }
    // With tokens the sender's clientId is its verified `sub`, whatever the message says.
    const stampSender = auth ? { connectionId: member.connectionId, clientId: member.clientId } : { connectionId: member.connectionId };
    const sender = isObject(data.sender)
      ? { ...data.sender, ...stampSender }
      : { chatId: member.consultationId, clientId: member.clientId, connectionId: member.connectionId };
    return { ...data, sender };
  }

  function publish(conn, member, msg) {
    const type = isObject(msg.data) ? msg.data.type : undefined;
    const data = checkData(conn, member, type, msg.data);
    if (!data) return;
    bus.append(member.consultationId, { t: 'msg', from: member.connectionId, attach: conn.attach, type, text: JSON.stringify({ type, data }), ids: null },
      () => unavailable(conn, type));
  }

  function transient(conn, member, msg) {
    const { type } = msg;
    const ids = msg.connectionIds;
    if (ids !== undefined && ids !== null && !(Array.isArray(ids) && ids.every((id) => typeof id === 'string'))) {
      return sendError(conn, ERROR_CODES.MALFORMED, 'connectionIds must be an array of strings', type);
    }
    const data = checkData(conn, member, type, msg.data);
    if (!data) return;
    bus.append(member.consultationId, {
      t: 'msg', from: member.connectionId, attach: conn.attach, type, text: JSON.stringify({ type, data }), ids: ids && ids.length ? [...new Set(ids)] : null,
    }, () => unavailable(conn, type));
  }

  /** The shared log could not store a message (Redis unreachable): its sender is told. */
  function unavailable(conn, type) {
    if (!conn.closed) sendError(conn, ERROR_CODES.UNAVAILABLE, 'the consultation store is unreachable; the message was not sent', type);
  }

  function applyMessage(roomId, seq, e) {
    const room = rooms.get(roomId);
    const sender = room?.members.get(e.from);
    if (!sender || sender.attach !== e.attach) return; // left or taken over since it sent this
    const origin = { sender, type: e.type };
    if (!e.ids) {
      for (const other of room.members.values()) if (mayReach(sender, other)) deliver(other, e.text, origin, seq);
      return;
    }
    const unknown = [];
    const refused = [];
    for (const id of e.ids) {
      if (id === sender.connectionId) continue; // never echo to the sender
      const target = room.members.get(id);
      if (!target) unknown.push(id);
      else if (mayReach(sender, target)) deliver(target, e.text, origin, seq);
      else refused.push(id);
    }
    if (refused.length) {
      const text = JSON.stringify({ type: 'error', data: {
        code: ERROR_CODES.FORBIDDEN, message: `a ${sender.role} may only send to the other role; not delivered to ${refused.join(', ')}`, requestType: e.type, connectionIds: refused,
      } });
      log(`error forbidden to ${sender.connectionId}`);
      deliver(sender, text, { sender: null, type: 'error' }, seq);
    }
    if (unknown.length) hold(room, sender, e.text, e.type, unknown, seq);
  }

  /**
   * Holds a transient for connection ids not in the room for reconnectGraceMs: a member that
   * joins the room with one of those ids in time gets it (e.g. both sides coming back with their
   * old ids after a server restart). Then one `unroutable` names the ids nobody claimed.
   * Bounded by maxHeldIdsPerRoom (beyond: `unroutable` at once), maxBufferedPerMember per id
   * (beyond: the oldest is dropped, its sender told `heldOverflow`) and the held-bytes caps
   * (beyond: `heldOverflow` at once).
   */
  function hold(room, member, text, type, ids, seq) {
    /** @type {Hold} */
    const h = { id: String(seq), sender: member, type, unclaimed: new Set(), timer: null };
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
      list.push({ text, bytes, hold: h, seq });
      account(room, bytes);
      if (list.length > limits.maxBufferedPerMember) {
        const dropped = list.shift();
        account(room, -dropped.bytes);
        dropped.hold.unclaimed.delete(id);
        overflow({ sender: dropped.hold.sender, type: dropped.hold.type }, [id],
          `more than ${limits.maxBufferedPerMember} messages held for ${id}; the oldest was dropped`, seq);
      }
      h.unclaimed.add(id);
    }
    if (refused.length) unroutable(member, type, refused, seq);
    if (full.length) overflow({ sender: member, type }, full, 'held-message bytes are at their cap', seq);
    if (h.unclaimed.size === 0) return;
    room.holds.set(h.id, h);
    h.timer = setTimeout(() => bus.append(room.id, { t: 'holdEnd', hold: h.id }), reconnectGraceMs);
    h.timer.unref?.();
  }

  function applyHoldEnd(roomId, seq, e) {
    const room = rooms.get(roomId);
    const h = room?.holds.get(e.hold);
    if (!h) return;
    room.holds.delete(h.id);
    clearTimeout(h.timer);
    for (const id of h.unclaimed) {
      const list = room.held.get(id);
      if (!list) continue;
      const rest = list.filter((entry) => entry.hold !== h);
      for (const entry of list) if (entry.hold === h) account(room, -entry.bytes);
      if (rest.length) room.held.set(id, rest);
      else room.held.delete(id);
    }
    if (h.unclaimed.size) unroutable(h.sender, h.type, [...h.unclaimed], seq);
  }

  function unroutable(member, type, ids, seq) {
    // The sender may be in its grace period (buffered) or gone (nobody to tell).
    if (members.get(member.connectionId) !== member) return;
    const message = `connection id(s) not in consultation ${member.consultationId}: ${ids.join(', ')}`;
    log(`error unroutable to ${member.connectionId}: ${message}`);
    const text = JSON.stringify({ type: 'error', data: { code: ERROR_CODES.UNROUTABLE, message, requestType: type, connectionIds: ids } });
    deliver(member, text, { sender: null, type: 'error' }, seq);
  }

  /** A member joined with an id transients were held for: deliver them in order (those it may receive). */
  function claimHeld(room, member, seq) {
    const list = room.held.get(member.connectionId);
    if (!list) return;
    room.held.delete(member.connectionId);
    log(`delivering ${list.length} held message(s) to ${member.connectionId}`);
    const refused = [];
    for (const { text, bytes, hold: h, seq: heldSeq } of list) {
      account(room, -bytes);
      h.unclaimed.delete(member.connectionId);
      if (h.unclaimed.size === 0) {
        clearTimeout(h.timer);
        room.holds.delete(h.id);
      }
      if (mayReach(h.sender, member)) deliver(member, text, { sender: h.sender, type: h.type }, heldSeq);
      else refused.push(h);
    }
    for (const h of refused) unroutable(h.sender, h.type, [member.connectionId], seq);
  }

  /** The room is no longer held here (emptied, or no local member with a shared log). */
  function dropRoom(room) {
    rooms.delete(room.id);
    for (const h of room.holds.values()) clearTimeout(h.timer);
    room.holds.clear();
    for (const m of room.members.values()) {
      clearTimeout(m.graceTimer);
      if (members.get(m.connectionId) === m) members.delete(m.connectionId);
    }
    heldBytesTotal -= room.heldBytes;
    room.heldBytes = 0;
    room.held.clear();
  }

  let closing = null;
  return {
    handleUpgrade,
    dropSocket(connectionId) {
      const conn = attached.get(connectionId);
      if (!conn) return false;
      log(`dropping the socket of ${connectionId} (operator)`);
      conn.ws.terminate(); // 'close' (1006) follows: the member enters its grace period
      return true;
    },
    snapshot() {
      const out = {};
      let heldTransients = 0;
      for (const [consultationId, room] of rooms) {
        heldTransients += room.holds.size;
        out[consultationId] = [...room.members.values()].map((m) => ({
          connectionId: m.connectionId, clientId: m.clientId, name: m.name, connected: m.connected, buffered: m.buffer.length,
          ...(auth ? { role: m.role } : {}), ...(bus.shared ? { node: m.node.split('.')[0] } : {}),
        }));
      }
      return { rooms: out, heldTransients, heldBytes: heldBytesTotal, sockets: sockets.size, node: bus.nodeId };
    },
    async drain() {
      draining = true;
      for (const conn of [...attached.values()]) {
        const member = conn.member;
        if (!member) continue;
        detach(conn);
        bus.append(member.consultationId, { t: 'drop', id: member.connectionId, attach: conn.attach, code: 1012, lastSent: conn.lastSent });
        closeHard(conn, 1012, 'service restart');
      }
    },
    close() {
      closing ??= new Promise((resolve) => {
        if (bus.shared) {
          // The others take over at once: this process's members enter their grace period with
          // what their sockets were last written, instead of waiting for the node key to expire.
          for (const conn of [...attached.values()]) {
            const member = conn.member;
            if (!member) continue;
            detach(conn);
            bus.append(member.consultationId, { t: 'drop', id: member.connectionId, attach: conn.attach, code: 1001, lastSent: conn.lastSent });
          }
        }
        stopped = true;
        clearInterval(heartbeat);
        if (nodeCheck) clearInterval(nodeCheck);
        for (const room of [...rooms.values()]) dropRoom(room);
        for (const conn of sockets.values()) clearTimeout(conn.joinTimer);
        members.clear();
        attached.clear();
        pendingJoins.clear();
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      });
      return closing;
    },
  };
}

/**
 * @typedef {object} Conn one WebSocket connection of this process
 * @property {import('ws').WebSocket} ws
 * @property {Member|null} member the member this socket speaks for (null before join, after
 *   leave, or after a newer socket took the member over)
 * @property {number} attach the member's attachment number when this socket took it (log events
 *   from an older attachment are ignored)
 * @property {string|number|null} lastSent log position of the last message written to it
 * @property {boolean} alive answered the last ping
 * @property {boolean} joining a token is being verified or the room's log opened
 * @property {boolean} closed the socket closed
 * @property {number} limitedAt when the last `rateLimited` error was sent (performance.now() ms; 0: never)
 * @property {boolean} paused reading is paused by the rate limit
 * @property {TokenBucket} messages per-socket message rate
 * @property {TokenBucket} bytes per-socket byte rate
 * @property {ReturnType<typeof setTimeout>|null} joinTimer the join deadline
 * @property {string|null} secret the resume secret this socket's `joined` carries (never in the log)
 */

/**
 * @typedef {object} Member one member of a consultation; outlives its socket by the grace period
 * @property {string} connectionId
 * @property {string} clientId the token's `sub` (development mode: the join's clientId)
 * @property {string} sub the participant (development mode: the join's clientId)
 * @property {string} name
 * @property {'doctor'|'client'|null} role from the token (null in development mode)
 * @property {string} consultationId the room
 * @property {string} node the process whose socket carries it
 * @property {number} attach counts the sockets that carried it
 * @property {boolean} connected false in its grace period
 * @property {string|null} secretHash SHA-256 of the resume secret a resume must present (null in development mode)
 * @property {{text: string, bytes: number, origin: {sender: Member|null, type: string}, seq: string|number|null}[]} buffer
 *   messages for it while in grace, delivered in order on resume
 * @property {{text: string, seq: string|number|null, at: number, origin: object}[]} tail messages
 *   delivered to its socket recently (count ≤ maxBufferedPerMember), for a resume after a failure
 * @property {string|number|null} [dropSeq] last position its old socket is known to have been written
 * @property {ReturnType<typeof setTimeout>|null} graceTimer ends the grace period (graceEnd event)
 * @property {number} graceEpoch tells a stale graceEnd from the current one
 */

/**
 * @typedef {object} Room one consultation, as held by this process
 * @property {string} id consultationId
 * @property {Map<string, Member>} members connectionId → member (live or in grace)
 * @property {Map<string, {text: string, bytes: number, hold: Hold, seq: string|number}[]>} held transients for ids not in the room
 * @property {Map<string, Hold>} holds pending holds by id (the log position that made them)
 * @property {number} heldBytes bytes in its members' grace buffers and its held transients
 */

/**
 * @typedef {object} Hold one transient held for connection ids not (yet) in the room
 * @property {string} id
 * @property {Member} sender
 * @property {string} type
 * @property {Set<string>} unclaimed ids nobody joined with yet
 * @property {ReturnType<typeof setTimeout>|null} timer appends holdEnd (then `unroutable` for the unclaimed ids)
 */
