// Real servers the reliability e2e tests start on 127.0.0.1 and stop by PID (also on failure):
// - coturn (`turnserver`, Debian package `coturn`): a TURN relay with long-term credentials;
// - the reference signaling server as a child process (`node demo/server.js --port P`), so a test
//   can SIGKILL it and start it again on the same port.
// Readiness is a condition polled with a deadline (a STUN Binding answered, a line printed),
// never a fixed sleep.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { E2E_JWT_SECRET, ROOT, WAIT_MS } from './harness.js';

const TURNSERVER_CANDIDATES = [process.env.TURNSERVER_PATH, '/usr/bin/turnserver', '/usr/sbin/turnserver'].filter(Boolean);

/** The turnserver binary, or null when coturn is not installed (scripts/install-deps.sh --browser). */
export function turnserverPath() {
  return TURNSERVER_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Ports

function canBind(type, port) {
  return new Promise((resolve) => {
    if (type === 'tcp') {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    } else {
      const sock = dgram.createSocket('udp4');
      sock.once('error', () => { sock.close(); resolve(false); });
      sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
    }
  });
}

/** A port free for both TCP and UDP on 127.0.0.1 (the kernel's pick, checked for UDP too). */
export async function freePort() {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port: p } = srv.address();
        srv.close(() => resolve(p));
      });
    });
    if (await canBind('udp', port)) return port;
  }
  throw new Error('no free TCP+UDP port found');
}

/** `count` consecutive UDP ports free on 127.0.0.1, in 40000–59999 (a relay port range). */
export async function freeUdpRange(count) {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 40000 + 2 * Math.floor(Math.random() * ((20000 - count) / 2));
    let ok = true;
    for (let p = base; p < base + count && ok; p += 1) ok = await canBind('udp', p);
    if (ok) return { min: base, max: base + count - 1 };
  }
  throw new Error(`no free range of ${count} UDP ports found`);
}

// ---------------------------------------------------------------------------------------------
// Child processes

/** Waits for `child` to exit, up to `ms`; resolves true if it exited. */
function exited(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.off('exit', onExit); resolve(false); }, ms);
    const onExit = () => { clearTimeout(timer); resolve(true); };
    child.once('exit', onExit);
  });
}

/** Stops one child by its PID: `signal` (default SIGTERM), then SIGKILL if it is still there after 5 s. */
export async function stopChild(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try { process.kill(child.pid, signal); } catch { /* already gone */ }
  if (await exited(child, 5000)) return;
  try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
  await exited(child, 5000);
}

/** Processes started by these helpers, killed by PID if a test file exits without stopping them. */
const running = new Set();
process.once('exit', () => {
  for (const child of running) {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
});
function track(child) {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

// ---------------------------------------------------------------------------------------------
// coturn

/**
 * The project's coturn configuration, as turnserver command-line arguments: no config file, no
 * CLI, no TLS/DTLS, UDP+TCP listener on 127.0.0.1:`port`, relay addresses 127.0.0.1:`minPort`–
 * `maxPort`, long-term credentials for one user, loopback peers allowed (both peers are on this
 * host), its user database and pid file in `dir`, its log to stdout (captured for diagnostics).
 */
export function turnserverArgs({ port, minPort, maxPort, username, credential, realm, dir }) {
  return [
    '-n', // no configuration file
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    `--min-port=${minPort}`,
    `--max-port=${maxPort}`,
    '--lt-cred-mech',
    `--user=${username}:${credential}`,
    `--realm=${realm}`,
    '--fingerprint',
    '--allow-loopback-peers',
    '--no-multicast-peers',
    `--userdb=${path.join(dir, 'turndb')}`,
    `--pidfile=${path.join(dir, 'turnserver.pid')}`,
    '--log-file=stdout',
    '--simple-log',
    '--no-software-attribute',
    '--verbose', // session lines: ALLOCATE / CREATE_PERMISSION / CHANNEL_BIND (not per packet)
  ];
}

/** One STUN Binding request (RFC 5389 header, no attributes); true when a Binding success answers within `ms`. */
export function stunBinding(port, ms = 250) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const txid = randomBytes(12);
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), txid]);
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try { sock.close(); } catch { /* closed */ }
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), ms);
    sock.on('error', () => finish(false));
    sock.on('message', (msg) => {
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(txid)) finish(true);
    });
    sock.send(request, port, '127.0.0.1', (err) => { if (err) finish(false); });
  });
}

/** Polls STUN Binding on 127.0.0.1:port until answered; throws after `timeout` ms. */
export async function waitStun(port, { timeout = WAIT_MS, isAlive = () => true } = {}) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (!isAlive()) throw new Error(`turnserver exited before answering STUN on port ${port}`);
    if (await stunBinding(port)) return;
  }
  throw new Error(`turnserver did not answer a STUN Binding on 127.0.0.1:${port} within ${timeout} ms`);
}

/**
 * Starts coturn on 127.0.0.1 with a free listening port and a relay port range of its own.
 * Returns {port, minPort, maxPort, username, credential, realm, iceServer, pid, log(), kill(),
 * start(), stop()}: `iceServer` is the RTCIceServer for `connectionConfig`; `kill()` SIGKILLs it
 * (allocations are lost), `start()` starts it again with the same ports and credentials and waits
 * until it answers; `stop()` ends it by PID and removes its folder. Safe to stop twice.
 */
export async function startTurnServer({
  username = 'callcore-e2e',
  credential = `turn-secret-${randomBytes(6).toString('hex')}`,
  realm = 'callcore.test',
  relayPorts = 40,
} = {}) {
  const bin = turnserverPath();
  if (!bin) throw new Error('turnserver not found: install coturn (scripts/install-deps.sh --browser)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'callcore-e2e-turn-'));
  const port = await freePort();
  const { min: minPort, max: maxPort } = await freeUdpRange(relayPorts);
  const args = turnserverArgs({ port, minPort, maxPort, username, credential, realm, dir });
  let child = null;
  let output = '';
  const turn = {
    port,
    minPort,
    maxPort,
    username,
    credential,
    realm,
    dir,
    args,
    starts: 0,
    iceServer: { urls: `turn:127.0.0.1:${port}?transport=udp`, username, credential },
    get pid() { return child ? child.pid : null; },
    get running() { return !!child && child.exitCode === null && child.signalCode === null; },
    /** turnserver's output so far (every start), for diagnostics. */
    log: () => output,
    async start() {
      if (turn.running) return;
      turn.starts += 1;
      output += `\n--- start ${turn.starts}: ${bin} ${args.join(' ')}\n`;
      const c = track(spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
      child = c;
      c.stdout.on('data', (d) => { output += d; });
      c.stderr.on('data', (d) => { output += d; });
      c.once('exit', (code, signal) => { output += `--- exited code=${code} signal=${signal}\n`; });
      try {
        await waitStun(port, { isAlive: () => c.exitCode === null && c.signalCode === null });
      } catch (err) {
        await stopChild(c, 'SIGKILL');
        err.message += `\n${output.slice(-3000)}`;
        throw err;
      }
    },
    /** SIGKILL by PID, waits until it is gone. */
    async kill() {
      await stopChild(child, 'SIGKILL');
    },
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await turn.start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return turn;
}

// ---------------------------------------------------------------------------------------------
// The reference signaling server as a child process

/**
 * Runs `node demo/server.js --port PORT [...extraArgs]` as a child process, checking join tokens
 * signed with E2E_JWT_SECRET (CALLCORE_JWT_SECRET: the pages' tokens come from the suite's
 * server, which signs with the same secret), and waits for its
 * "callcore signaling server: ws://…" line. Returns {port, wsUrl, httpUrl, pid, running, log(),
 * kill(signal='SIGKILL'), start(), stop()}; `start()` runs it again on the same port.
 */
export async function startSignalingProcess({ port, extraArgs = [] } = {}) {
  port = port ?? (await freePort());
  let child = null;
  let output = '';
  const srv = {
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    starts: 0,
    get pid() { return child ? child.pid : null; },
    get running() { return !!child && child.exitCode === null && child.signalCode === null; },
    log: () => output,
    async start() {
      if (srv.running) return;
      srv.starts += 1;
      const args = [path.join(ROOT, 'demo', 'server.js'), '--port', String(port), '--host', '127.0.0.1', ...extraArgs];
      output += `\n--- start ${srv.starts}: node ${args.join(' ')}\n`;
      const c = track(spawn(process.execPath, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, CALLCORE_SERVER_LOG: '1', CALLCORE_JWT_SECRET: E2E_JWT_SECRET },
      }));
      child = c;
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`signaling server did not start within ${WAIT_MS} ms:\n${output}`)), WAIT_MS);
        c.stdout.on('data', (d) => {
          output += d;
          if (output.includes(`callcore signaling server: ${srv.wsUrl}`)) { clearTimeout(timer); resolve(); }
        });
        c.stderr.on('data', (d) => { output += d; });
        c.once('exit', (code, signal) => {
          output += `--- exited code=${code} signal=${signal}\n`;
          clearTimeout(timer);
          reject(new Error(`signaling server exited (code ${code}, signal ${signal}):\n${output}`));
        });
      }).catch(async (err) => {
        await stopChild(c, 'SIGKILL');
        throw err;
      });
    },
    async kill(signal = 'SIGKILL') {
      await stopChild(child, signal);
    },
    async stop() {
      await stopChild(child);
    },
  };
  await srv.start();
  return srv;
}

// ---------------------------------------------------------------------------------------------
// A TCP proxy that can turn into a black hole (network loss without any TCP close)

/**
 * Forwards 127.0.0.1:<port> to 127.0.0.1:`targetPort`. `blackhole()` models a network that
 * vanished: from then on nothing is forwarded either way, nothing is closed (no FIN, no RST, no
 * WebSocket close frame), and new connections are accepted but go nowhere. `close()` destroys
 * every socket and stops listening.
 */
export async function startTcpProxy({ targetPort }) {
  const pairs = new Set();
  let dark = false;
  const server = net.createServer((downstream) => {
    downstream.on('error', () => {});
    if (dark) {
      downstream.on('data', () => {}); // swallowed
      pairs.add([downstream]);
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    upstream.on('error', () => {});
    const pair = [downstream, upstream];
    pairs.add(pair);
    downstream.on('data', (d) => { if (!dark) upstream.write(d); });
    upstream.on('data', (d) => { if (!dark) downstream.write(d); });
    downstream.on('close', () => { if (!dark) upstream.destroy(); });
    upstream.on('close', () => { if (!dark) downstream.destroy(); });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    port,
    blackhole() { dark = true; },
    get dark() { return dark; },
    async close() {
      for (const pair of pairs) for (const s of pair) s.destroy();
      pairs.clear();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
