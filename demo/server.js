// callcore reference signaling server (Node + ws) and tiny static file server.
//
// The wire protocol is described in docs/protocol.md; what a portal must add around it for
// production in docs/security.md. This file is the entry point; the parts live in demo/server/:
// auth.js (join tokens), signaling.js (rooms, routing, grace period), limits.js (bounds),
// static.js (files). Run it directly:
//
//   node demo/server.js --jwt-secret-file FILE [--port 8080] [--host 127.0.0.1]
//   node demo/server.js --dev            (no tokens: development only)
//
// or import { startServer } from './demo/server.js' in a test.

import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createVerifier, keyOptionsFromFiles, mintToken, ROLES } from './server/auth.js';
import { resolveLimits, DEFAULT_LIMITS } from './server/limits.js';
import { createSignaling, CLOSE_CODES, ERROR_CODES, LEFT_REASONS } from './server/signaling.js';
import { createMemoryBus } from './server/bus.js';
import { serveStatic } from './server/static.js';

export { CLOSE_CODES, ERROR_CODES, LEFT_REASONS, DEFAULT_LIMITS, mintToken };

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..');

/** At most this many messages are buffered for one member in its grace period (default of limits.maxBufferedPerMember). */
export const MAX_BUFFERED_MESSAGES = DEFAULT_LIMITS.maxBufferedPerMember;

/** Close code sent to a socket whose member was taken over by a newer socket (protocol.md §4.6). */
export const CLOSE_REPLACED = CLOSE_CODES.REPLACED;

/** Path of the demo token endpoint (only with `demoTokens`). */
export const DEMO_TOKEN_PATH = '/demo-token';

/** Path of the room demo's Janus settings (only with `demoRoom`): demo/room.html reads it. */
export const DEMO_ROOM_PATH = '/demo-room';

const log = (...args) => {
  if (process.env.CALLCORE_SERVER_LOG === '1') console.error('[callcore-server]', ...args);
};

/**
 * Start the signaling + static file server.
 *
 * Membership survives a dropped socket (protocol.md §4.4–§4.6): a member whose socket closes
 * without a deliberate close (code 1000/1001/1005, or a `leave` message first) keeps its place for
 * `reconnectGraceMs`; messages for it are buffered and delivered in order when a new socket
 * resumes it. With `auth`, a join must carry a token (JWT) whose claims give the consultation,
 * the participant (`sub`), the role and the name, and a resume must present the secret the
 * server issued in `joined`; without `auth` (development mode) the server trusts the join's ids.
 *
 * @param {object} [options]
 * @param {number} [options.port=0] TCP port; 0 picks a free one (read it back from the result).
 * @param {string} [options.host='127.0.0.1'] address to listen on.
 * @param {string} [options.root] repository root; `dist/`, `demo/` and `tests/e2e/pages/` under it
 *   are served over HTTP GET. Defaults to the folder above this file.
 * @param {object|null} [options.auth=null] token verification (server/auth.js createVerifier
 *   options): `{secret}` (HS256, ≥ 32 bytes), `{publicKey}` (PEM, RS256 / EdDSA) or `{jwks}`, plus
 *   optional `issuer`, `audience`. null: development mode (no tokens).
 * @param {boolean} [options.demoTokens=false] serve `GET /demo-token?c=ID&role=doctor|client&name=N&sub=S`
 *   → `{token}` minted with `auth.secret` (10 min), for the demo and e2e pages. Never in production.
 * @param {object|null} [options.demoRoom=null] serve `GET /demo-room` → this object as JSON, for
 *   demo/room.html: `{janusUrl, room}` (the Janus WebSocket URL and VideoRoom room id `npm run demo`
 *   started), or `{unavailable}` (a message saying why there is no Janus and how to get one).
 *   Without it /demo-room is 404. Demo only.
 * @param {string[]|null} [options.allowedOrigins=null] accepted `Origin` headers of WebSocket
 *   upgrades (others get HTTP 403); null accepts any.
 * @param {Partial<typeof DEFAULT_LIMITS>} [options.limits] bounds (server/limits.js DEFAULT_LIMITS,
 *   docs/protocol.md §4.3).
 * @param {number} [options.maxMessageBytes] same as `limits.maxMessageBytes` (older option).
 * @param {number} [options.heartbeatMs=10000] interval between server pings, in milliseconds; a
 *   socket that has not answered the previous ping with a pong is terminated (its member enters
 *   the grace period).
 * @param {number} [options.reconnectGraceMs=5000] how long a member whose socket dropped keeps
 *   its place (and its buffered messages) waiting for a resume, in milliseconds; also how long a
 *   transient to an unknown connection id is held for a member that joins with that id.
 * @param {object|null} [options.redis=null] share consultations with other processes through
 *   Redis (docs/scaling.md): `{url, nodeId?, nodeTtlMs?, roomTtlMs?, nodeCheckMs?, commandTimeoutMs?}` — `url` as
 *   `redis://127.0.0.1:6379`, `nodeId` this process's id (in its connection ids), `nodeTtlMs`
 *   (3000) after which a silent process counts as failed, `nodeCheckMs` (500) how often that is
 *   checked, `commandTimeoutMs` (5000) after which an unanswered Redis command fails and the
 *   message's sender gets `unavailable`. null: one process, state in memory.
 * @returns {Promise<{port: number, httpUrl: string, wsUrl: string, nodeId: string, snapshot: () => object, dropSocket: (connectionId: string) => boolean,
 *   drain: () => Promise<void>,
 *   mintToken?: (claims: object, options?: object) => Promise<string>, close: () => Promise<void>}>}
 *   `httpUrl` is `http://host:port` (no trailing slash), `wsUrl` is `ws://host:port/ws`.
 *   `snapshot()` describes the rooms for tests and debugging: `{rooms: {[consultationId]:
 *   [{connectionId, clientId, name, connected, buffered, role?}]}, heldTransients, heldBytes, sockets}`.
 *   `mintToken` (only with `auth.secret`) mints an HS256 token with this server's secret.
 *   `dropSocket(connectionId)` terminates that member's socket as a network drop would (it
 *   enters its grace period; the SDK reconnects and resumes); false when it is not connected.
 *   `drain()` refuses new sockets (HTTP 503) and moves this process's members to their grace
 *   period, closing their sockets with 1012 so their SDKs reconnect elsewhere (docs/scaling.md §4).
 *   `close()` terminates every socket, cancels every timer and stops listening; safe to call twice.
 *   `nodeId` is this process's id ('local' without Redis).
 * @throws {TypeError} (rejection) on a bad `auth` or `limits` option
 * @throws {Error} (rejection) when the port cannot be bound (e.g. `EADDRINUSE`, with `err.code`),
 *   or Redis (with `redis`) cannot be reached.
 */
export async function startServer({
  port = 0,
  host = '127.0.0.1',
  root = REPO_ROOT,
  auth = null,
  demoTokens = false,
  demoRoom = null,
  allowedOrigins = null,
  limits = {},
  maxMessageBytes,
  heartbeatMs = 10000,
  reconnectGraceMs = 5000,
  redis = null,
} = {}) {
  const rootDir = path.resolve(root);
  const merged = { ...limits };
  if (maxMessageBytes !== undefined) {
    merged.maxMessageBytes = maxMessageBytes;
    // The older option kept its hard cap at 16 × the message limit.
    merged.maxPayloadBytes ??= Math.max(DEFAULT_LIMITS.maxPayloadBytes, maxMessageBytes * 16);
  }
  const bounds = resolveLimits(merged);
  const verifier = auth ? createVerifier(auth) : null;
  const secret = auth?.secret ?? null;
  if (demoTokens && !secret) throw new TypeError('demoTokens needs auth.secret');
  let bus = createMemoryBus();
  if (redis) {
    // Loaded only when asked for: one process needs no Redis client.
    const { createRedisBus } = await import('./server/redis-bus.js');
    bus = await createRedisBus({
      url: redis.url, nodeId: redis.nodeId, nodeTtlMs: redis.nodeTtlMs, roomTtlMs: redis.roomTtlMs, commandTimeoutMs: redis.commandTimeoutMs, log,
    });
  }
  const signaling = createSignaling({
    auth: verifier, limits: bounds, heartbeatMs, reconnectGraceMs, allowedOrigins, bus, nodeCheckMs: redis?.nodeCheckMs, log,
  });

  const http = createServer((req, res) => {
    const handled = (demoTokens ? serveDemoToken(secret, req, res) : null) ?? (demoRoom ? serveDemoRoom(demoRoom, req, res) : null);
    (handled ?? serveStatic(rootDir, req, res)).catch((err) => {
      log('http error', err.message);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });

  http.on('upgrade', (req, socket, head) => {
    let pathname = null;
    try { pathname = new URL(req.url ?? '/', 'http://x').pathname; } catch { /* bad request line */ }
    if (pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    signaling.handleUpgrade(req, socket, head);
  });

  try {
    await new Promise((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await signaling.close();
    await bus.close();
    throw err;
  }
  http.on('error', (err) => log('http error', err.message));

  const actualPort = http.address().port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing = null;
  const server = {
    port: actualPort,
    httpUrl: `http://${urlHost}:${actualPort}`,
    wsUrl: `ws://${urlHost}:${actualPort}/ws`,
    snapshot: () => signaling.snapshot(),
    dropSocket: (connectionId) => signaling.dropSocket(connectionId),
    nodeId: bus.nodeId,
    drain: () => signaling.drain(),
    close() {
      closing ??= signaling.close().then(() => bus.close()).then(() => new Promise((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }));
      return closing;
    },
  };
  if (secret) server.mintToken = (claims, options) => mintToken(secret, claims, { issuer: auth.issuer, audience: auth.audience, ...options });
  return server;
}

/**
 * `GET /demo-token?c=ID&role=doctor|client[&name=N][&sub=S]` → `200 {"token"}` (HS256, 10 min);
 * 400 on a bad query. Returns null for any other path (served as a static file).
 */
function serveDemoToken(secret, req, res) {
  let url;
  try { url = new URL(req.url ?? '/', 'http://x'); } catch { return null; }
  if (url.pathname !== DEMO_TOKEN_PATH) return null;
  return (async () => {
    const q = url.searchParams;
    const c = q.get('c') ?? '';
    const role = q.get('role') ?? '';
    const name = q.get('name') ?? role;
    const sub = q.get('sub') || `${role}-${randomBytes(4).toString('hex')}`;
    if (!c || c.length > 256 || !ROLES.includes(role) || name.length > 256 || sub.length > 256) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return res.end(`need c (1-256 chars) and role (${ROLES.join('|')})\n`);
    }
    const token = await mintToken(secret, { sub, role, consultationId: c, name });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ token }));
  })();
}

/** `GET /demo-room` → `settings` as JSON (no-store); null for any other path. */
function serveDemoRoom(settings, req, res) {
  let url;
  try { url = new URL(req.url ?? '/', 'http://x'); } catch { return null; }
  if (url.pathname !== DEMO_ROOM_PATH) return null;
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(settings));
  return Promise.resolve();
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

const USAGE = `usage: node demo/server.js (--jwt-secret-file F | --jwt-public-key-file F | --jwks-file F | --dev)
  [--port 8080] [--host 127.0.0.1] [--grace-ms 5000] [--heartbeat-ms 10000]
  [--issuer ISS] [--audience AUD] [--allowed-origins https://a.example,https://b.example]
  [--limit NAME=VALUE ...] [--demo-tokens] [--redis redis://127.0.0.1:6379 [--node-id ID] [--node-ttl-ms 3000]]
SIGTERM drains (members move to their grace period, sockets close with 1012), then stops.
The HS256 secret may also come from the CALLCORE_JWT_SECRET environment variable.
Limits (docs/protocol.md §4.3): ${Object.keys(DEFAULT_LIMITS).join(', ')}`;

/**
 * CLI (USAGE above). Refuses to start without a token key unless `--dev` (then it prints a
 * warning: anyone can join any consultation). Prints the WebSocket URL and the demo page URLs,
 * stops on SIGINT/SIGTERM. Exit code 2 on bad arguments or a missing key, 1 if it cannot listen.
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
        dev: { type: 'boolean' },
        'jwt-secret-file': { type: 'string' },
        'jwt-public-key-file': { type: 'string' },
        'jwks-file': { type: 'string' },
        issuer: { type: 'string' },
        audience: { type: 'string' },
        'allowed-origins': { type: 'string' },
        'demo-tokens': { type: 'boolean' },
        limit: { type: 'string', multiple: true },
        redis: { type: 'string' },
        'node-id': { type: 'string' },
        'node-ttl-ms': { type: 'string' },
        'redis-timeout-ms': { type: 'string' },
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
  options.limits = {};
  for (const item of values.limit ?? []) {
    const m = /^([A-Za-z]+)=(\d+)$/.exec(item);
    if (!m || !(m[1] in DEFAULT_LIMITS)) {
      console.error(`invalid --limit ${item} (NAME=VALUE; names: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
      process.exit(2);
    }
    options.limits[m[1]] = intOption(m[2], `--limit ${m[1]}`);
  }
  if (values.redis !== undefined) {
    options.redis = { url: values.redis, nodeId: values['node-id'] };
    if (values['node-ttl-ms'] !== undefined) options.redis.nodeTtlMs = intOption(values['node-ttl-ms'], '--node-ttl-ms');
    if (values['redis-timeout-ms'] !== undefined) options.redis.commandTimeoutMs = intOption(values['redis-timeout-ms'], '--redis-timeout-ms');
  }
  if (values['allowed-origins'] !== undefined) options.allowedOrigins = values['allowed-origins'].split(',').filter(Boolean);
  let keys;
  try {
    keys = keyOptionsFromFiles({
      secret: process.env.CALLCORE_JWT_SECRET,
      secretFile: values['jwt-secret-file'],
      publicKeyFile: values['jwt-public-key-file'],
      jwksFile: values['jwks-file'],
    });
  } catch (err) {
    console.error(`invalid key option: ${err.message}`);
    process.exit(2);
  }
  if (keys) {
    options.auth = { ...keys, issuer: values.issuer, audience: values.audience };
    options.demoTokens = Boolean(values['demo-tokens']);
  } else if (values.dev) {
    console.error('WARNING: --dev: no join tokens are checked; anyone who can reach this server can join any '
      + 'consultation and read its signaling. Development only (docs/security.md).');
  } else {
    console.error(`invalid start: no token key given (--jwt-secret-file, --jwt-public-key-file, --jwks-file or `
      + `CALLCORE_JWT_SECRET); pass --dev to run without authentication for development\n${USAGE}`);
    process.exit(2);
  }
  let server;
  try {
    server = await startServer(options);
  } catch (err) {
    if (err instanceof TypeError) {
      console.error(`invalid option: ${err.message}`);
      process.exit(2);
    }
    console.error(`cannot listen on ${options.host}:${port}: ${err.message}`);
    process.exit(1);
  }
  const c = demoConsultationId();
  console.log(`callcore signaling server: ${server.wsUrl}`);
  console.log(`doctor page: ${server.httpUrl}/demo/doctor.html?c=${c}`);
  console.log(`client page: ${server.httpUrl}/demo/client.html?c=${c}`);
  if (options.redis) console.log(`node ${server.nodeId}, consultations shared through ${options.redis.url}`);
  const stop = async () => {
    await server.drain();
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
