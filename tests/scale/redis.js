// A redis-server of the test's own (Debian `redis-server`) on 127.0.0.1, on a free port, with its
// own directory and no persistence; and reference servers in child processes sharing it.
import { spawn, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HERE as SECURITY, SECRET, DEADLINE_MS } from '../security/helpers.js';

/** A free TCP port on 127.0.0.1 (bound, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** True when a Redis at `port` answers PING with PONG. */
function pong(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.setTimeout(500, () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) { s.end(); resolve(got.startsWith('+PONG')); }
    });
  });
}

/**
 * Starts redis-server (no RDB/AOF, its own dir) and waits until it answers PING (deadline 10 s).
 * @returns {Promise<{url: string, port: number, pid: number, stop: () => Promise<void>}>} `stop`
 *   kills it by its PID (SIGKILL) and removes its directory; safe to call twice
 */
export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'callcore-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 10000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`redis-server exited with ${child.exitCode}`);
    }
    if (await pong(port)) break;
    if (Date.now() > end) {
      await stop();
      throw new Error('redis-server did not answer PING within 10 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid, stop };
}

/**
 * A reference server in its own process (tests/security/server-child.mjs) with tokens (SECRET)
 * sharing consultations through `redisUrl`. `kill()` sends SIGKILL (a crash: no goodbye).
 * @returns {Promise<{wsUrl: string, pid: number, snapshot: () => Promise<object>, drain: () => Promise<void>, kill: () => Promise<void>, close: () => Promise<void>}>}
 */
export async function spawnNode(redisUrl, nodeId, options = {}) {
  const child = fork(path.join(SECURITY, 'server-child.mjs'), [JSON.stringify({
    port: 0, auth: { secret: SECRET }, redis: { url: redisUrl, nodeId, nodeTtlMs: 900, nodeCheckMs: 150 }, ...options,
  })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${nodeId} did not start`)), 15000);
    child.once('message', (msg) => { clearTimeout(timer); resolve(msg); });
    child.once('exit', (code) => reject(new Error(`node ${nodeId} exited ${code}`)));
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    wsUrl: ready.wsUrl,
    pid: ready.pid,
    snapshot: () => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no snapshot')), DEADLINE_MS);
      const on = (msg) => {
        if (msg?.op !== 'snapshot') return;
        child.off('message', on);
        clearTimeout(timer);
        resolve(msg.snapshot);
      };
      child.on('message', on);
      child.send({ op: 'snapshot' });
    }),
    /** server.drain() in the child (docs/scaling.md §4); resolves when it has run. */
    drain: () => new Promise((resolve) => {
      const on = (msg) => {
        if (msg?.op !== 'drain') return;
        child.off('message', on);
        resolve();
      };
      child.on('message', on);
      child.send({ op: 'drain' });
    }),
    async kill() {
      if (!alive()) return;
      process.kill(child.pid, 'SIGKILL');
      await exited;
    },
    async close() {
      if (!alive()) return;
      child.send({ op: 'close' });
      const timer = setTimeout(() => alive() && process.kill(child.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
