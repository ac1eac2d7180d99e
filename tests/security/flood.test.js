// Fairness and memory under abuse, with the server in its own process (tests/security/
// server-child.mjs) and the abuser in another (flooder.mjs): a healthy consultation's relay p99
// while one socket floods, and the server's RSS while paused readers are published to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { connect, pair, room, token, spawnServer, rssOf, until, quantile, HERE, isError } from './helpers.js';

/** Relay latency bound of docs/protocol.md §4.3 (ms), for a healthy pair while another socket floods. */
const P99_BOUND_MS = 50;

/**
 * One-way relay times (ms) of `count` messages from `from` to `to` (same process, same clock),
 * one at a time, `gapMs` apart (under the default rate limit).
 */
async function relayTimes(from, to, count, gapMs = 15) {
  const times = [];
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    from.transient('deviceState', [to.connectionId], { seq: i });
    await to.next((m) => m.type === 'deviceState' && m.data.seq === i);
    times.push(performance.now() - t0);
    const wait = gapMs - (performance.now() - t0);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait)); // pacing, not a wait for a result
  }
  return times;
}

test('a healthy pair\'s relay p99 stays under 50 ms while one socket floods the server', async () => {
  const server = await spawnServer({});
  let flooder;
  try {
    const { doctor, client } = await pair(server.wsUrl);
    const baseline = await relayTimes(doctor, client, 100);
    const fc = room('flood');
    flooder = spawn(process.execPath, [path.join(HERE, 'flooder.mjs'), server.wsUrl,
      await token(fc, 'doctor', 'flooder'), '60000', await token(fc, 'client', 'flood-reader')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    flooder.stdout.on('data', (d) => { out += d; });
    await until(() => out.includes('flooding'), 'flooder joined', 10000);
    await until(async () => (await server.snapshot()).rooms[fc]?.length === 2, 'flood relayed to its reader', 10000);
    const flooded = await relayTimes(doctor, client, 300);
    const p99 = quantile(flooded, 0.99);
    const base99 = quantile(baseline, 0.99);
    const report = `relay p99 ${p99.toFixed(1)} ms under flood (median ${quantile(flooded, 0.5).toFixed(1)} ms); `
      + `without flood p99 ${base99.toFixed(1)} ms`;
    console.log(`# ${report}`);
    // The bound is 50 ms. On a machine so loaded that the relay is slow even without the flood,
    // the flood may add at most those 50 ms to what the machine gives.
    assert.ok(p99 < Math.max(P99_BOUND_MS, base99 + P99_BOUND_MS), report);
    assert.ok(flooder.exitCode === null, 'the flooder is still connected (rate-limited, not dropped)');
    await Promise.all([doctor, client].map((s) => s.close()));
  } finally {
    flooder?.kill('SIGKILL');
    await server.close();
  }
});

test('paused readers and unfinished fragments: server RSS stays bounded; slow readers are dropped, the publisher told', async () => {
  // Rates opened up so one publisher can push > 100 MB quickly; the send-buffer and held-bytes
  // bounds are what is under test.
  const server = await spawnServer({
    reconnectGraceMs: 120000, // dropped readers stay members (in their grace period) while this test runs
    limits: { messagesPerSecond: 100000, messageBurst: 100000, bytesPerSecond: 1e9, bytesBurst: 1e9, maxSendBufferBytes: 1048576 },
  });
  const sockets = [];
  try {
    const c = room('paused');
    const publisher = await connect(server.wsUrl);
    sockets.push(publisher);
    await publisher.joinAs(c, 'doctor', 'publisher');
    const readers = [];
    for (let i = 0; i < 10; i += 1) {
      const r = await connect(server.wsUrl);
      sockets.push(r);
      await r.joinAs(c, 'client', `reader-${i}`);
      r.ws.pause(); // reads nothing from now on
      readers.push(r);
    }
    // Ten sockets holding unfinished 900 kB fragments (under the 1 MiB maxPayload).
    for (let i = 0; i < 10; i += 1) {
      const f = await connect(server.wsUrl);
      sockets.push(f);
      f.ws.send(Buffer.alloc(900000, 0x20), { fin: false, binary: false });
    }
    const rss0 = rssOf(server.pid);
    let peak = rss0;
    const sampler = setInterval(() => { try { peak = Math.max(peak, rssOf(server.pid)); } catch { /* exited */ } }, 20);
    const body = JSON.stringify({ route: 'vcm', data: { type: 'bulk', consultationId: c, pad: 'x'.repeat(60000) } });
    const total = 120 * 1024 * 1024;
    let published = 0;
    try {
      // Publish 120 MB (× 10 readers = 1.2 GB to relay), waiting for each write so the
      // publisher itself does not buffer.
      while (published < total) {
        await new Promise((resolve, reject) => publisher.ws.send(body, (err) => (err ? reject(err) : resolve())));
        published += body.length;
      }
      await until(async () => ((await server.snapshot()).rooms[c] ?? []).filter((m) => m.role === 'client' && !m.connected).length === 10,
        'every paused reader dropped', 20000);
    } finally {
      clearInterval(sampler);
    }
    const growth = peak - rss0;
    console.log(`# published ${(published / 1048576).toFixed(0)} MB to 10 paused readers; server RSS ${(rss0 / 1048576).toFixed(0)} → peak ${(peak / 1048576).toFixed(0)} MB`);
    // Bound: 10 × 1 MiB send buffers + 4 MiB held for the room + 10 × 0.9 MB fragments, plus the
    // garbage of parsing 60 kB messages; 100 MB leaves room for V8's heap sizing (≈ 20 MB seen;
    // it was 1.18 GB before the bounds, and > 150 MB here with maxSendBufferBytes lifted).
    assert.ok(growth < 100 * 1048576, `server RSS grew by ${(growth / 1048576).toFixed(0)} MB`);
    assert.ok(publisher.inbox.some(isError('heldOverflow')), 'the publisher was told what could not be held');
    const snap = await server.snapshot();
    assert.ok(snap.heldBytes <= 4194304, `held ${snap.heldBytes} bytes`);
  } finally {
    for (const s of sockets) s.ws.terminate();
    await server.close();
  }
});
