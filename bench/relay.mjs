#!/usr/bin/env node
// Relay benchmark of the reference signaling server (docs/scaling.md §6): N doctor/client pairs
// (development mode, one socket each), each doctor sending one transient a second to its client;
// the load generator is this process, the server(s) child processes. Prints, per configuration:
// relay latency p50 / p99 (one way, sender and receiver on this process's clock), server CPU µs
// per relayed message (user + system time of the server processes, from /proc, over the
// measured window; Redis's own CPU separately), and server RSS per connection (RSS growth from
// the empty server to all sockets joined, divided by the sockets).
//
//   node bench/relay.mjs [--pairs=100,1000] [--seconds=10] [--modes=one,two]
//
// `one`: one process, no Redis. `two`: doctors on process A, clients on process B, sharing
// consultations through a redis-server of its own (Debian redis-server). A benchmark, not a test:
// nothing fails on a slow figure.
import { spawn, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(HERE, '..', 'tests', 'security', 'server-child.mjs');
const args = process.argv.slice(2);
const option = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const PAIRS = option('pairs', '100,1000').split(',').map(Number);
const SECONDS = Number(option('seconds', '10'));
const MODES = option('modes', 'one,two').split(',');
const TICKS = 100; // USER_HZ (getconf CLK_TCK) on Linux

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** user + system CPU seconds of a process, from /proc/PID/stat. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}
const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'callcore-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 500; i += 1) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    await sleep(20);
  }
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid, stop: () => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); } };
}

async function startNode(options) {
  const child = fork(CHILD, [JSON.stringify({ port: 0, limits: { maxConnectionsPerIp: 100000, messageBurst: 100000, messagesPerSecond: 100000 }, ...options })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise((resolve) => child.once('message', resolve));
  return { wsUrl: ready.wsUrl, pid: ready.pid, stop: () => child.kill('SIGKILL') };
}

/** Opens a socket and joins (development mode); resolves with {ws, id}. */
function join(url, consultationId, clientId, onMessage) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join', data: { consultationId, clientId, name: clientId } })));
    ws.on('message', (raw) => {
      const m = JSON.parse(raw);
      if (m.type === 'joined') resolve({ ws, id: m.data.connectionId });
      else onMessage(m);
    });
  });
}

const quantile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
};

async function run(mode, pairs) {
  let redis = null;
  const nodes = [];
  if (mode === 'two') {
    redis = await startRedis();
    nodes.push(await startNode({ redis: { url: redis.url, nodeId: 'a' } }), await startNode({ redis: { url: redis.url, nodeId: 'b' } }));
  } else {
    nodes.push(await startNode({}));
  }
  try {
    await sleep(300);
    const rssEmpty = nodes.map((n) => rss(n.pid));
    const latencies = [];
    let received = 0;
    const tag = `relay-${process.pid}-${mode}-${pairs}`;
    const list = [];
    for (let i = 0; i < pairs; i += 1) {
      const c = `${tag}-${i}`;
      const doctor = await join(nodes[0].wsUrl, c, `d${i}`, () => {});
      const client = await join(nodes[nodes.length - 1].wsUrl, c, `c${i}`, (m) => {
        if (m.type !== 'note') return;
        received += 1;
        if (m.data.measure) latencies.push(performance.now() - m.data.t);
      });
      list.push({ doctor, client, c });
    }
    await sleep(500);
    const sockets = pairs * 2;
    const rssPerConn = nodes.reduce((sum, n, i) => sum + (rss(n.pid) - rssEmpty[i]), 0) / sockets;
    // Each doctor sends once a second, spread evenly over the second.
    let measuring = false;
    let sent = 0;
    const timers = list.map(({ doctor, client, c }, i) => setTimeout(() => {
      const one = () => {
        doctor.ws.send(JSON.stringify({ type: 'note', data: { type: 'note', consultationId: c, t: performance.now(), measure: measuring }, connectionIds: [client.id] }));
        if (measuring) sent += 1;
      };
      one();
      timers[i] = setInterval(one, 1000);
    }, (1000 * i) / pairs));
    await sleep(2000); // warm-up
    measuring = true;
    const cpu0 = nodes.map((n) => cpuSeconds(n.pid));
    const redisCpu0 = redis ? cpuSeconds(redis.pid) : 0;
    const received0 = received;
    await sleep(SECONDS * 1000);
    const cpu = nodes.reduce((sum, n, i) => sum + cpuSeconds(n.pid) - cpu0[i], 0);
    const redisCpu = redis ? cpuSeconds(redis.pid) - redisCpu0 : 0;
    const relayed = received - received0;
    measuring = false;
    for (const t of timers) { clearTimeout(t); clearInterval(t); }
    await sleep(300);
    for (const { doctor, client } of list) { doctor.ws.terminate(); client.ws.terminate(); }
    return {
      mode, pairs, relayed, sent,
      p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99),
      cpuUsPerMessage: (cpu * 1e6) / relayed,
      redisCpuUsPerMessage: redis ? (redisCpu * 1e6) / relayed : null,
      rssPerConnKB: rssPerConn / 1024,
    };
  } finally {
    for (const n of nodes) n.stop();
    redis?.stop();
  }
}

console.log(`relay bench: ${SECONDS} s measured per configuration, 1 message/s per pair; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('| processes | pairs | relayed | p50 ms | p99 ms | server CPU µs/msg | Redis CPU µs/msg | server RSS/connection KB |');
console.log('|---|---|---|---|---|---|---|---|');
for (const mode of MODES) {
  for (const pairs of PAIRS) {
    const r = await run(mode, pairs);
    console.log(`| ${mode === 'two' ? '2 + Redis' : '1'} | ${pairs} | ${r.relayed} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpuUsPerMessage.toFixed(0)} | ${r.redisCpuUsPerMessage === null ? '–' : r.redisCpuUsPerMessage.toFixed(0)} | ${r.rssPerConnKB.toFixed(1)} |`);
  }
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
process.exit(0);
