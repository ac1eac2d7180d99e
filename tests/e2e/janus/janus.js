// Janus for the room e2e tests, in a network namespace the test creates (docs/room.md "Tests").
//
// Janus gathers ICE candidates only on a non-loopback interface, and test traffic may only go to
// 127.0.0.0/8 or to namespaces the test itself creates. So: a namespace with one end of a veth
// pair (HOST_IP/30 on the host end, NS_IP/30 inside), IPv6 off on both ends, arp_ignore=1 on the
// host end (else the namespace's ARP for the machine's other addresses, e.g. eth0's host
// candidate, is answered on the veth and ICE pairs eth0 with the namespace), and Janus started
// inside with `ip netns exec` (which execs janus: the PID we hold is Janus's). Readiness: its
// WebSocket port accepts a TCP connection (polled with a deadline). stop() always kills Janus by
// PID and deletes the namespace and the veth by name, also on failure; an exit hook does the same
// if the test process ends without calling it. Needs root (CAP_NET_ADMIN).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CONFIG_FILES = ['janus.jcfg', 'janus.transport.websockets.jcfg', 'janus.plugin.videoroom.jcfg'];
/** The room configured in janus.plugin.videoroom.jcfg (VP8/opus, 8 publishers). */
export const JANUS_ROOM = 4242;
const JANUS_CANDIDATES = [process.env.JANUS_PATH, '/usr/bin/janus'].filter(Boolean);

/** The janus binary, or null when the Debian package is missing (scripts/install-deps.sh --browser). */
export function janusPath() {
  return JANUS_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

function ip(args, { allowFail = false } = {}) {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`ip ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error}`);
  return r.status === 0;
}

/**
 * Whether this process can create a network namespace: null when it can (a throwaway namespace
 * was created and deleted), else the reason (not root, no `ip`, the kernel refused).
 * @returns {string | null}
 */
export function namespaceUnavailable() {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return `not root (uid ${process.getuid()}): creating a network namespace needs CAP_NET_ADMIN`;
  const probe = `ccprobe${process.pid % 100000}`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.error) return `no ip(8) command: ${r.error.message}`;
  if (r.status !== 0) return `ip netns add failed: ${r.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

/** Resolves once `host:port` accepts a TCP connection; rejects after `timeoutMs` (polled every 50 ms). */
async function waitForPort(host, port, timeoutMs, alive) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
      socket.setTimeout(500, () => { socket.destroy(); resolve(false); });
    });
    if (ok) return;
    if (!alive()) throw new Error(`Janus exited before ${host}:${port} listened`);
    if (Date.now() > deadline) throw new Error(`Janus did not listen on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Creates the namespace and veth pair and starts Janus inside.
 * @param {{wsPort?: number, timeoutMs?: number}} [options] wsPort default 18588 (inside the
 *   namespace, so no clash with the host's ports); readiness deadline default 15000 ms
 * @returns {Promise<{url: string, nsIp: string, hostIp: string, namespace: string, pid: number,
 *   log: () => string, kill: (signal?: string) => Promise<void>, restart: () => Promise<void>,
 *   stop: () => Promise<void>}>} url = ws://NS_IP:PORT/ (subprotocol janus-protocol)
 * @throws {Error} when a step fails (everything created so far is removed first)
 */
export async function startJanusInNamespace({ wsPort = 18588, timeoutMs = 15000 } = {}) {
  const binary = janusPath();
  if (!binary) throw new Error('janus is not installed (scripts/install-deps.sh --browser installs the Debian package)');
  // Names (<= 15 characters) and a /30 of 10.213.0.0/16 of this process, so two test processes
  // on one machine do not collide.
  const n = process.pid % 16000;
  const namespace = `ccjanus${n}`;
  const hostIf = `ccjh${n}`;
  const nsIf = `ccjn${n}`;
  const base = 4 * (n % 64);
  const third = Math.floor(n / 64) % 250;
  const hostIp = `10.213.${third}.${base + 1}`;
  const nsIp = `10.213.${third}.${base + 2}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'callcore-janus-'));
  let child = null;
  let output = '';
  let stopped = false;

  const teardownSync = () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    ip(['netns', 'del', namespace], { allowFail: true });
    ip(['link', 'del', hostIf], { allowFail: true }); // gone with the namespace's end, normally
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', teardownSync);

  const exited = (ms) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve(true) : new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => { clearTimeout(timer); resolve(true); });
  }));

  const launch = async () => {
    child = spawn('ip', ['netns', 'exec', namespace, binary, '-F', dir, '-C', path.join(dir, 'janus.jcfg'), '-o'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d) => { output = (output + d).slice(-200000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    await waitForPort(nsIp, wsPort, timeoutMs, () => child.exitCode === null && child.signalCode === null);
  };

  try {
    // Leftovers of a crashed earlier run with the same names.
    ip(['netns', 'del', namespace], { allowFail: true });
    ip(['link', 'del', hostIf], { allowFail: true });
    ip(['netns', 'add', namespace]);
    ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    ip(['link', 'set', nsIf, 'netns', namespace]);
    writeFileSync(`/proc/sys/net/ipv4/conf/${hostIf}/arp_ignore`, '1');
    writeFileSync(`/proc/sys/net/ipv6/conf/${hostIf}/disable_ipv6`, '1');
    execFileSync('ip', ['netns', 'exec', namespace, 'sh', '-c',
      `echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/${nsIf}/disable_ipv6`]);
    ip(['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
    ip(['link', 'set', hostIf, 'up']);
    ip(['-n', namespace, 'addr', 'add', `${nsIp}/30`, 'dev', nsIf]);
    ip(['-n', namespace, 'link', 'set', nsIf, 'up']);
    ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
    const fields = { '@CONF_DIR@': dir, '@NS_IF@': nsIf, '@NS_IP@': nsIp, '@WS_PORT@': String(wsPort) };
    for (const file of CONFIG_FILES) {
      const text = readFileSync(path.join(HERE, file), 'utf8').replace(/@[A-Z_]+@/g, (k) => fields[k] ?? k);
      writeFileSync(path.join(dir, file), text);
    }
    await launch();
  } catch (error) {
    teardownSync();
    process.off('exit', teardownSync);
    error.message += `\nJanus output (last 4000 characters):\n${output.slice(-4000)}`;
    throw error;
  }

  const janus = {
    url: `ws://${nsIp}:${wsPort}/`,
    nsIp,
    hostIp,
    namespace,
    get pid() { return child.pid; },
    /** Janus's output so far (last 200 KB). */
    log: () => output,
    /** Kills Janus by PID (default SIGKILL: no goodbye to its clients) and waits for it to exit. */
    async kill(signal = 'SIGKILL') {
      try { process.kill(child.pid, signal); } catch { /* gone */ }
      if (!(await exited(5000))) {
        try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
        await exited(5000);
      }
    },
    /** Starts Janus again in the same namespace with the same config (after kill()). */
    async restart() {
      await launch();
    },
    /** Stops Janus (SIGTERM, then SIGKILL after 5 s) and removes the namespace, the veth and the config. */
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await janus.kill('SIGTERM');
      } finally {
        teardownSync();
        process.off('exit', teardownSync);
      }
    },
  };
  return janus;
}
