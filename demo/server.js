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

/** Message types only the server may send; a client may not publish or forward them. */
const SERVER_TYPES = new Set(['join', 'joined', 'peerJoined', 'peerLeft', 'error']);

/** Upper bound for consultationId, clientId and name (characters). */
const MAX_ID_LENGTH = 256;

/** Error codes sent in `{type: 'error', data: {code, message, requestType?}}`. */
export const ERROR_CODES = Object.freeze({
  MALFORMED: 'malformed',
  TOO_LARGE: 'tooLarge',
  NOT_JOINED: 'notJoined',
  UNROUTABLE: 'unroutable',
  ALREADY_JOINED: 'alreadyJoined',
});

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
 * @param {object} [options]
 * @param {number} [options.port=0] TCP port; 0 picks a free one (read it back from the result).
 * @param {string} [options.host='127.0.0.1'] address to listen on.
 * @param {string} [options.root] repository root; `dist/`, `demo/` and `tests/e2e/pages/` under it
 *   are served over HTTP GET. Defaults to the folder above this file.
 * @param {number} [options.maxMessageBytes=65536] largest accepted WebSocket message, in bytes.
 *   A larger one is dropped with error `tooLarge` (the connection stays open); one larger than
 *   16 × this limit closes the connection (WebSocket close code 1009).
 * @param {number} [options.heartbeatMs=10000] interval between server pings, in milliseconds; a
 *   socket that has not answered the previous ping with a pong is terminated (peers get `peerLeft`).
 * @returns {Promise<{port: number, httpUrl: string, wsUrl: string, close: () => Promise<void>}>}
 *   `httpUrl` is `http://host:port` (no trailing slash), `wsUrl` is `ws://host:port/ws`.
 *   `close()` terminates every socket and stops listening; safe to call twice.
 * @throws {Error} (rejection) when the port cannot be bound (e.g. `EADDRINUSE`, with `err.code`).
 */
export async function startServer({
  port = 0,
  host = '127.0.0.1',
  root = REPO_ROOT,
  maxMessageBytes = 65536,
  heartbeatMs = 10000,
} = {}) {
  const rootDir = path.resolve(root);
  /** @type {Map<string, Map<string, Member>>} consultationId → connectionId → member */
  const rooms = new Map();
  /** @type {Map<import('ws').WebSocket, Member>} every open socket, joined or not */
  const sockets = new Map();

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
    /** @type {Member} */
    const member = { ws, connectionId: null, clientId: null, name: null, consultationId: null, alive: true };
    ws.on('pong', () => { member.alive = true; });
    ws.on('error', (err) => log('socket error', err.message));
    ws.on('message', (raw, isBinary) => {
      try {
        onMessage(member, raw, isBinary);
      } catch (err) {
        // Never let one bad message take the server down.
        log('handler error', err.stack ?? err);
      }
    });
    ws.on('close', () => {
      sockets.delete(ws);
      leave(member);
    });
    sockets.set(ws, member);
  });

  const heartbeat = setInterval(() => {
    for (const member of sockets.values()) {
      if (!member.alive) {
        log('heartbeat missed', member.connectionId ?? '(not joined)');
        member.ws.terminate(); // 'close' follows: leave() tells the room
        continue;
      }
      member.alive = false;
      try { member.ws.ping(); } catch { /* socket already closing */ }
    }
  }, heartbeatMs);
  heartbeat.unref();

  function send(ws, message) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function sendError(member, code, message, requestType, extra) {
    log(`error ${code} to ${member.connectionId ?? '(not joined)'}: ${message}`);
    const data = { code, message };
    if (typeof requestType === 'string') data.requestType = requestType;
    send(member.ws, { type: 'error', data: { ...data, ...extra } });
  }

  function onMessage(member, raw, isBinary) {
    const size = Buffer.isBuffer(raw) ? raw.length : Buffer.byteLength(String(raw));
    if (size > maxMessageBytes) {
      return sendError(member, ERROR_CODES.TOO_LARGE, `message of ${size} bytes exceeds ${maxMessageBytes} bytes`);
    }
    if (isBinary) return sendError(member, ERROR_CODES.MALFORMED, 'binary frames are not accepted; send JSON text');
    let msg;
    try {
      msg = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendError(member, ERROR_CODES.MALFORMED, 'message is not valid JSON');
    }
    if (!isObject(msg)) return sendError(member, ERROR_CODES.MALFORMED, 'message is not a JSON object');

    if (msg.type === 'join') {
      if (member.connectionId) {
        return sendError(member, ERROR_CODES.ALREADY_JOINED, `already joined consultation ${member.consultationId}`, 'join');
      }
      return join(member, msg);
    }
    const requestType = msg.route === 'vcm' && isObject(msg.data) ? msg.data.type : msg.type;
    if (!member.connectionId) return sendError(member, ERROR_CODES.NOT_JOINED, 'send join first', requestType);
    if (msg.route === 'vcm') return publish(member, msg);
    if (typeof msg.type === 'string') return transient(member, msg);
    return sendError(member, ERROR_CODES.MALFORMED, 'message has neither a string type nor route "vcm"');
  }

  function join(member, msg) {
    const d = msg.data;
    if (!isObject(d) || !isId(d.consultationId) || !isName(d.clientId) || (d.name !== undefined && !isName(d.name))) {
      return sendError(member, ERROR_CODES.MALFORMED,
        `join needs data.consultationId (non-empty string) and data.clientId, data.name (strings, at most ${MAX_ID_LENGTH} characters)`, 'join');
    }
    let room = rooms.get(d.consultationId);
    if (!room) rooms.set(d.consultationId, (room = new Map()));
    Object.assign(member, {
      connectionId: newConnectionId(),
      clientId: d.clientId,
      name: d.name ?? '',
      consultationId: d.consultationId,
    });
    const members = [...room.values()].map(({ connectionId, clientId, name }) => ({ connectionId, clientId, name }));
    room.set(member.connectionId, member);
    log(`join ${member.connectionId} (${member.clientId}) → ${member.consultationId}, ${room.size} member(s)`);
    send(member.ws, { type: 'joined', data: { connectionId: member.connectionId, consultationId: member.consultationId, members } });
    const { connectionId, clientId, name, consultationId } = member;
    for (const other of room.values()) {
      if (other !== member) send(other.ws, { type: 'peerJoined', data: { connectionId, clientId, name, consultationId } });
    }
  }

  /** Checks the common part of publish and transient `data`; returns the routed data or null. */
  function checkData(member, type, data) {
    if (!isId(type) || SERVER_TYPES.has(type)) {
      sendError(member, ERROR_CODES.MALFORMED, 'type must be a non-empty string and not a server message type', type);
      return null;
    }
    if (!isObject(data)) {
      sendError(member, ERROR_CODES.MALFORMED, 'data must be an object', type);
      return null;
    }
    if (data.consultationId !== member.consultationId) {
      sendError(member, ERROR_CODES.UNROUTABLE,
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
    for (const other of room.values()) if (other !== member) send(other.ws, { type, data });
  }

  function transient(member, msg) {
    const { type } = msg;
    const ids = msg.connectionIds;
    if (ids !== undefined && ids !== null && !(Array.isArray(ids) && ids.every((id) => typeof id === 'string'))) {
      return sendError(member, ERROR_CODES.MALFORMED, 'connectionIds must be an array of strings', type);
    }
    const data = checkData(member, type, msg.data);
    if (!data) return;
    const room = rooms.get(member.consultationId);
    let targets;
    const unknown = [];
    if (!ids || ids.length === 0) {
      targets = [...room.values()].filter((m) => m !== member);
    } else {
      targets = [];
      for (const id of new Set(ids)) {
        if (id === member.connectionId) continue; // never echo to the sender
        const target = room.get(id);
        if (target) targets.push(target);
        else unknown.push(id);
      }
    }
    for (const target of targets) send(target.ws, { type, data });
    if (unknown.length) {
      sendError(member, ERROR_CODES.UNROUTABLE,
        `connection id(s) not in consultation ${member.consultationId}: ${unknown.join(', ')}`, type, { connectionIds: unknown });
    }
  }

  function leave(member) {
    if (!member.connectionId) return;
    const room = rooms.get(member.consultationId);
    if (!room || !room.delete(member.connectionId)) return;
    log(`left ${member.connectionId} from ${member.consultationId}, ${room.size} member(s)`);
    const { connectionId, clientId, consultationId } = member;
    for (const other of room.values()) send(other.ws, { type: 'peerLeft', data: { connectionId, clientId, consultationId } });
    if (room.size === 0) rooms.delete(member.consultationId);
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
    close() {
      closing ??= new Promise((resolve) => {
        clearInterval(heartbeat);
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
 * @typedef {object} Member one WebSocket connection
 * @property {import('ws').WebSocket} ws
 * @property {string|null} connectionId assigned on join
 * @property {string|null} clientId
 * @property {string|null} name
 * @property {string|null} consultationId the room
 * @property {boolean} alive answered the last ping
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

/**
 * CLI: `node demo/server.js [--port 8080] [--host 127.0.0.1]`. Prints the WebSocket URL and the
 * demo page URLs, stops on SIGINT/SIGTERM. Exit code 2 on bad arguments, 1 if it cannot listen.
 */
async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
  if (values.help) {
    console.log('usage: node demo/server.js [--port 8080] [--host 127.0.0.1]');
    return;
  }
  const portText = values.port ?? process.env.PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    console.error(`invalid --port ${portText}`);
    process.exit(2);
  }
  const host = values.host ?? '127.0.0.1';
  let server;
  try {
    server = await startServer({ port, host });
  } catch (err) {
    console.error(`cannot listen on ${host}:${port}: ${err.message}`);
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
