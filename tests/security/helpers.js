// Shared helpers of the security tests: an authenticated reference server (in this process or in
// a child process), join tokens, and a ws client that records what it receives so tests wait on
// conditions with deadlines instead of sleeping. Everything stays on 127.0.0.1.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startServer, mintToken } from '../../demo/server.js';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '../..');
export const DEADLINE_MS = 5000;
/** The HS256 secret of every test server (32 bytes). */
export const SECRET = 'security-test-secret-0123456789abcdef';

let counter = 0;
/** A fresh consultation id. */
export const room = (tag = 'room') => `${tag}-${process.pid}-${++counter}`;

/** A join token for `consultationId` (HS256, SECRET); `ttlSec` negative: already expired. */
export const token = (consultationId, role, sub = `${role}-${++counter}`, { name = sub, ttlSec = 600, secret = SECRET } = {}) =>
  mintToken(secret, { sub, role, consultationId, name }, { ttlSec });

/** startServer with tokens (SECRET) and short timers; `options` override. */
export const startAuthServer = (options = {}) =>
  startServer({ port: 0, auth: { secret: SECRET }, reconnectGraceMs: 2000, ...options });

/**
 * The reference server in a child process (server-child.mjs), so its RSS and event loop are its
 * own. Returns {wsUrl, pid, rss(), snapshot(), close()}; rss() in bytes (the child's
 * process.memoryUsage().rss).
 */
export async function spawnServer(options) {
  const child = fork(path.join(HERE, 'server-child.mjs'), [JSON.stringify({ port: 0, auth: { secret: SECRET }, ...options })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = (op) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server child: no ${op} answer`)), DEADLINE_MS);
    const onMessage = (msg) => {
      if (msg?.op !== op) return;
      child.off('message', onMessage);
      clearTimeout(timer);
      resolve(msg);
    };
    child.on('message', onMessage);
    child.send({ op });
  });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server child did not start')), 15000);
    child.once('message', (msg) => { clearTimeout(timer); resolve(msg); });
    child.once('exit', (code) => reject(new Error(`server child exited ${code}`)));
  });
  return {
    wsUrl: ready.wsUrl,
    pid: ready.pid,
    rss: async () => (await ask('rss')).rss,
    snapshot: async () => (await ask('snapshot')).snapshot,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ op: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resident set size of a process in bytes, from /proc/PID/status (VmRSS). */
export function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

/** Polls `predicate` (sync or async) until true, or throws `what` after `ms`. */
export async function until(predicate, what, ms = DEADLINE_MS) {
  const end = Date.now() + ms;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Opens a ws client that records every inbound message and its close. `client.next(predicate)`
 * resolves with the first matching message (received or still to come); `client.closed`
 * resolves with the close code.
 */
export async function connect(url, options = {}) {
  const ws = new WebSocket(url, options);
  const inbox = [];
  const waiters = [];
  let closeCode = null;
  const closed = new Promise((resolve) => ws.once('close', (code) => { closeCode = code; resolve(code); }));
  ws.on('error', () => {});
  ws.on('message', (raw) => {
    let msg;
    try { msg = JSON.parse(raw.toString()); } catch { msg = { unparsed: raw.toString() }; }
    const i = waiters.findIndex((w) => w.predicate(msg));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(msg);
    else inbox.push(msg);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
  const client = {
    ws,
    inbox,
    closed,
    get closeCode() { return closeCode; },
    send: (msg) => ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg)),
    next(predicate = () => true, ms = DEADLINE_MS) {
      const i = inbox.findIndex(predicate);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve: (m) => { clearTimeout(timer); resolve(m); } };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching message within ${ms} ms; inbox: ${JSON.stringify(inbox).slice(0, 2000)}`));
        }, ms);
        waiters.push(waiter);
      });
    },
    /** Sends join with `data` and resolves with the reply (joined or error). */
    async join(data) {
      client.send({ type: 'join', data });
      const reply = await client.next((m) => m.type === 'joined' || (m.type === 'error' && m.data.requestType === 'join'));
      if (reply.type === 'joined') {
        client.connectionId = reply.data.connectionId;
        client.consultationId = reply.data.consultationId;
        client.resumeSecret = reply.data.resumeSecret;
      }
      return reply;
    },
    /** Joins with a fresh token; fails the test unless joined. */
    async joinAs(consultationId, role, sub, extra = {}) {
      const reply = await client.join({ token: await token(consultationId, role, sub), ...extra });
      assert.equal(reply.type, 'joined', JSON.stringify(reply));
      return reply;
    },
    publish(type, extra = {}) {
      client.send({ route: 'vcm', data: { type, consultationId: client.consultationId, sender: { chatId: client.consultationId, clientId: 'forged', connectionId: 'c-forged' }, ...extra } });
    },
    transient(type, connectionIds, extra = {}) {
      const c = client.consultationId;
      client.send({ type, chatId: c, data: { type, consultationId: c, sender: { chatId: c, clientId: 'forged', connectionId: 'c-forged' }, ...extra }, connectionIds });
    },
    /**
     * A round trip through the server (a joined socket): a second join, answered `alreadyJoined`
     * (a reply no other message gets), after everything sent before it was processed.
     */
    async barrier() {
      client.send({ type: 'join', data: {} });
      await client.next((m) => m.type === 'error' && m.data.code === 'alreadyJoined');
    },
    close(code = 1000) {
      if (ws.readyState === WebSocket.CLOSED) return closed;
      ws.close(code);
      return closed;
    },
    drop() {
      ws.terminate();
      return closed;
    },
  };
  return client;
}

/** Doctor + client of a fresh consultation, both joined; the doctor has seen the client's peerJoined. */
export async function pair(wsUrl, c = room()) {
  const doctor = await connect(wsUrl);
  await doctor.joinAs(c, 'doctor', `doc-${c}`);
  const client = await connect(wsUrl);
  await client.joinAs(c, 'client', `cli-${c}`);
  await doctor.next((m) => m.type === 'peerJoined' && m.data.connectionId === client.connectionId);
  return { doctor, client, c };
}

export const isError = (code) => (m) => m.type === 'error' && m.data.code === code;

/** p-quantile (0..1) of numbers. */
export function quantile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}
