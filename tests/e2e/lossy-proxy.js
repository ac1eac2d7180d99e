// A UDP proxy with a settable impairment, for the impaired-network e2e test
// (tests/e2e/impaired.test.js): the browsers are given 127.0.0.1:<proxy port> as their TURN
// server, and the proxy forwards every datagram to the real TURN server (coturn) and back.
//
// - It listens on one socket on 127.0.0.1 (the "front"). Each client address (browser socket
//   ip:port) seen there gets a socket of its own towards the target, so the TURN server sees one
//   client per browser socket, as without the proxy; what the target answers on that socket goes
//   back to that client through the front socket.
// - `impair({loss, delayMs, direction})` drops each datagram with probability `loss` (0..1, a
//   seeded PRNG, so a run is reproducible) and delays the rest by `delayMs`, in the direction(s)
//   named: 'toClient' (target → browsers), 'toServer' (browsers → target) or 'both'. With
//   'toClient' a relayed media packet (browser A → TURN → browser B) crosses the impairment
//   exactly once, so the end-to-end loss is `loss` and each way gains `delayMs`; with 'both' it
//   crosses it twice (loss 1 − (1 − loss)², delay 2 × delayMs). Delayed datagrams keep their
//   order within a direction. `impair({})` (or `clear()`) removes the impairment; datagrams
//   already delayed are still delivered.
// - `stats()` counts datagrams and bytes forwarded / dropped per direction, and the clients.
// Every socket of the proxy is on 127.0.0.1 and every datagram goes to 127.0.0.1. (Chromium makes
// one TURN allocation per local interface, so some datagrams come from the machine's other
// address, still sent to 127.0.0.1 over `lo`; in a network namespace with only `lo` all do.)
import dgram from 'node:dgram';

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DIRECTIONS = ['toServer', 'toClient'];

/**
 * Starts the proxy on 127.0.0.1 (port 0: the kernel's pick) forwarding to 127.0.0.1:`targetPort`.
 * Returns {port, impair(opts), clear(), impairment, stats(), close()}.
 */
export async function startLossyProxy({ targetPort, targetHost = '127.0.0.1', seed = 1 } = {}) {
  if (!Number.isInteger(targetPort)) throw new TypeError('startLossyProxy: targetPort is required');
  const random = prng(seed);
  const front = dgram.createSocket('udp4');
  const clients = new Map(); // 'ip:port' → {socket, address, port}
  const timers = new Set();
  let closed = false;
  let impairment = { loss: 0, delayMs: 0, direction: 'both' };
  const counts = Object.fromEntries(DIRECTIONS.map((d) => [d, { packets: 0, bytes: 0, dropped: 0, droppedBytes: 0 }]));
  const lastRelease = { toServer: 0, toClient: 0 };

  const applies = (direction) => impairment.direction === 'both' || impairment.direction === direction;

  // Sends `msg` with `send` after the impairment of `direction` (drop, or delay keeping order).
  const forward = (direction, msg, send) => {
    if (closed) return;
    const c = counts[direction];
    if (applies(direction) && impairment.loss > 0 && random() < impairment.loss) {
      c.dropped += 1;
      c.droppedBytes += msg.length;
      return;
    }
    c.packets += 1;
    c.bytes += msg.length;
    const delay = applies(direction) ? impairment.delayMs : 0;
    const now = Date.now();
    // Never before a datagram of the same direction sent earlier (no reordering when the delay
    // drops); at once when nothing is waiting and there is no delay.
    const at = Math.max(now + delay, lastRelease[direction]);
    lastRelease[direction] = at;
    if (at <= now) {
      send(msg);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) send(msg);
    }, at - now);
    timers.add(timer);
  };

  const clientFor = (address, port) => {
    const key = `${address}:${port}`;
    let client = clients.get(key);
    if (client) return client;
    const socket = dgram.createSocket('udp4');
    client = { socket, address, port, ready: null };
    clients.set(key, client);
    socket.on('error', () => {}); // e.g. ICMP port unreachable from a target that is gone
    socket.on('message', (msg) => {
      forward('toClient', msg, (m) => front.send(m, port, address, () => {}));
    });
    client.ready = new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return client;
  };

  front.on('error', () => {});
  front.on('message', (msg, rinfo) => {
    if (closed) return;
    const client = clientFor(rinfo.address, rinfo.port);
    forward('toServer', msg, (m) => {
      client.ready.then(() => { if (!closed) client.socket.send(m, targetPort, targetHost, () => {}); });
    });
  });
  await new Promise((resolve, reject) => {
    front.once('error', reject);
    front.bind(0, '127.0.0.1', () => { front.off('error', reject); resolve(); });
  });
  const { port } = front.address();

  const proxy = {
    port,
    targetPort,
    get impairment() { return { ...impairment }; },
    /**
     * Sets the impairment: `loss` (0..1, probability of dropping a datagram), `delayMs` (added
     * to each datagram kept), `direction` ('toClient' | 'toServer' | 'both'; default 'both').
     */
    impair({ loss = 0, delayMs = 0, direction = 'both' } = {}) {
      if (!(loss >= 0 && loss <= 1)) throw new RangeError(`loss ${loss} is not in 0..1`);
      if (!(delayMs >= 0)) throw new RangeError(`delayMs ${delayMs} is negative`);
      if (direction !== 'both' && !DIRECTIONS.includes(direction)) throw new RangeError(`direction ${direction}`);
      impairment = { loss, delayMs, direction };
    },
    clear() { proxy.impair({}); },
    /** {toServer: {packets, bytes, dropped, droppedBytes}, toClient: {...}, clients: ['ip:port', ...]} */
    stats() {
      return {
        toServer: { ...counts.toServer },
        toClient: { ...counts.toClient },
        clients: [...clients.keys()],
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closing = [front, ...[...clients.values()].map((c) => c.socket)].map((s) => new Promise((resolve) => {
        try { s.close(resolve); } catch { resolve(); }
      }));
      clients.clear();
      await Promise.all(closing);
    },
  };
  return proxy;
}
