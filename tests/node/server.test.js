// Tests of the reference signaling server (demo/server.js) over real sockets.
// Run: node --test tests/node/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startServer } from '../../demo/server.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEADLINE_MS = 3000;
/** Grace period of the shared server: short, so held transients are answered quickly. */
const SHARED_GRACE_MS = 400;

let server;
const sockets = new Set();

before(async () => {
  server = await startServer({ port: 0, reconnectGraceMs: SHARED_GRACE_MS });
});

after(async () => {
  for (const ws of sockets) ws.terminate();
  await server.close();
});

/**
 * A ws client that records every inbound message so a test can wait for the next one matching a
 * predicate (already received or still to come), with a deadline instead of a sleep.
 */
async function connect(url = server.wsUrl, options = {}) {
  const ws = new WebSocket(url, options);
  sockets.add(ws);
  const inbox = [];
  const waiters = [];
  ws.on('message', (raw) => {
    const msg = JSON.parse(raw.toString());
    const i = waiters.findIndex((w) => w.predicate(msg));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(msg);
    else inbox.push(msg);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const client = {
    ws,
    inbox,
    send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
    /** Resolves with the first message (in arrival order) matching predicate; rejects after ms. */
    next(predicate = () => true, ms = DEADLINE_MS) {
      const i = inbox.findIndex(predicate);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (m) => { clearTimeout(timer); resolve(m); },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching message within ${ms} ms; inbox: ${JSON.stringify(inbox)}`));
        }, ms);
        waiters.push(waiter);
      });
    },
    /** The very next message must match (nothing unexpected arrived before it). */
    async nextIs(predicate, ms) {
      const msg = await client.next(() => true, ms);
      assert.ok(predicate(msg), `unexpected message ${JSON.stringify(msg)}`);
      return msg;
    },
    async join(consultationId, clientId = 'u', name = clientId, extra = {}) {
      client.send({ type: 'join', data: { consultationId, clientId, name, ...extra } });
      const joined = await client.next((m) => m.type === 'joined');
      client.connectionId = joined.data.connectionId;
      client.consultationId = consultationId;
      return joined;
    },
    publish(type, extra = {}, consultationId = client.consultationId) {
      client.send({
        data: { type, sender: { chatId: consultationId, clientId: 'x', connectionId: 'c-spoofed' }, consultationId, ...extra },
        route: 'vcm',
      });
    },
    transient(type, connectionIds, extra = {}) {
      const consultationId = client.consultationId;
      client.send({
        type,
        chatId: consultationId,
        data: { type, sender: { chatId: consultationId, clientId: 'x', connectionId: 'c-spoofed' }, consultationId, ...extra },
        connectionIds,
      });
    },
    /** Closes with a close frame (`code` optional: none means the server sees 1005). */
    close(code) {
      sockets.delete(ws);
      return new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', resolve);
        ws.close(code);
      });
    },
    /** Drops the TCP connection without a close frame (the server sees 1006), like a crash. */
    drop() {
      sockets.delete(ws);
      return new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', resolve);
        ws.terminate();
      });
    },
  };
  return client;
}

let roomCounter = 0;
const room = () => `room-${process.pid}-${++roomCounter}`;
const isError = (code) => (m) => m.type === 'error' && m.data.code === code;

/** Two members of a fresh room; a has already seen b's peerJoined. */
async function pair(c = room()) {
  const [a, b] = [await connect(), await connect()];
  await a.join(c, 'doc');
  await b.join(c, 'cli');
  await a.next((m) => m.type === 'peerJoined' && m.data.connectionId === b.connectionId);
  return [a, b, c];
}

test('join replies joined with the other members and tells them peerJoined', async () => {
  const c = room();
  const a = await connect();
  const b = await connect();
  const ja = await a.join(c, 'doc-1', 'Dr. A');
  assert.match(ja.data.connectionId, /^c-[0-9a-f]{12}$/);
  assert.deepEqual(ja.data, { connectionId: ja.data.connectionId, consultationId: c, members: [], resumed: false });

  const jb = await b.join(c, 'cli-1', 'Client B');
  assert.notEqual(jb.data.connectionId, ja.data.connectionId);
  assert.deepEqual(jb.data.members, [{ connectionId: a.connectionId, clientId: 'doc-1', name: 'Dr. A' }]);

  const pj = await a.next((m) => m.type === 'peerJoined');
  assert.deepEqual(pj.data, { connectionId: b.connectionId, clientId: 'cli-1', name: 'Client B', consultationId: c });

  // A member of another room is not told.
  const other = await connect();
  await other.join(room(), 'z');
  const d = await connect();
  await d.join(c, 'd');
  await a.next((m) => m.type === 'peerJoined' && m.data.connectionId === d.connectionId);
  // Barrier: other's next message is the reply to its own malformed frame (no peerJoined came).
  other.send('{');
  await other.nextIs(isError('malformed'));
  await Promise.all([a, b, d, other].map((x) => x.close()));
});

test('a second join on the same socket is refused with alreadyJoined', async () => {
  const a = await connect();
  await a.join(room());
  a.send({ type: 'join', data: { consultationId: room(), clientId: 'u', name: 'u' } });
  const err = await a.next((m) => m.type === 'error');
  assert.equal(err.data.code, 'alreadyJoined');
  assert.equal(err.data.requestType, 'join');
  await a.close();
});

test('invalid join is malformed; anything before join is notJoined', async () => {
  const a = await connect();
  a.send({ type: 'join', data: { clientId: 'u' } });
  assert.equal((await a.next((m) => m.type === 'error')).data.code, 'malformed');
  a.send({ type: 'join', data: { consultationId: '', clientId: 'u', name: 'u' } });
  assert.equal((await a.next((m) => m.type === 'error')).data.code, 'malformed');

  a.send({ data: { type: 'enter', consultationId: 'x' }, route: 'vcm' });
  const e1 = await a.next((m) => m.type === 'error');
  assert.equal(e1.data.code, 'notJoined');
  assert.equal(e1.data.requestType, 'enter');
  a.send({ type: 'offer', data: { consultationId: 'x' }, connectionIds: ['c-000000000000'] });
  const e2 = await a.next((m) => m.type === 'error');
  assert.deepEqual([e2.data.code, e2.data.requestType], ['notJoined', 'offer']);

  // Still usable: a valid join now works.
  await a.join(room());
  await a.close();
});

test('publish reaches every other member, not the sender, with the real sender connectionId', async () => {
  const c = room();
  const [a, b, d] = [await connect(), await connect(), await connect()];
  await a.join(c, 'doc', 'Doctor');
  await b.join(c, 'cli', 'Client');
  await d.join(c, 'obs', 'Observer');
  a.publish('enter', { name: 'Doctor', clientId: 'doc', isAudio: false, deviceState: { isHidden: false, isMute: false } });

  for (const peer of [b, d]) {
    const msg = await peer.next((m) => m.type === 'enter');
    assert.equal(msg.data.type, 'enter');
    assert.equal(msg.data.consultationId, c);
    assert.equal(msg.data.name, 'Doctor');
    assert.deepEqual(msg.data.deviceState, { isHidden: false, isMute: false });
    assert.deepEqual(msg.data.sender, { chatId: c, clientId: 'x', connectionId: a.connectionId });
  }
  // Ordering barrier: the sender's next message is the reply to a later malformed frame, so
  // no echo of its publish came before it.
  a.send('not json');
  await a.nextIs((m) => m.type === 'peerJoined'); // b
  await a.nextIs((m) => m.type === 'peerJoined'); // d
  await a.nextIs(isError('malformed'));
  await Promise.all([a, b, d].map((x) => x.close()));
});

test('publish to another consultation is unroutable', async () => {
  const c = room();
  const [a, b] = [await connect(), await connect()];
  await a.join(c);
  await b.join(c);
  a.publish('enter', {}, 'someone-elses-room');
  const err = await a.next((m) => m.type === 'error');
  assert.deepEqual([err.data.code, err.data.requestType], ['unroutable', 'enter']);
  a.publish('deviceState', { isMute: true });
  const ok = await b.nextIs((m) => m.type === 'deviceState');
  assert.equal(ok.data.isMute, true);
  await Promise.all([a, b].map((x) => x.close()));
});

test('transient goes only to the listed connection ids; unknown ids are unroutable', async () => {
  const c = room();
  const [a, b, d] = [await connect(), await connect(), await connect()];
  await a.join(c, 'doc');
  await b.join(c, 'cli');
  await d.join(c, 'obs');
  const elsewhere = await connect();
  await elsewhere.join(room(), 'e');

  a.transient('offer', [b.connectionId], { description: { type: 'offer', sdp: 'v=0\r\n' } });
  const offer = await b.next((m) => m.type === 'offer');
  assert.deepEqual(offer.data.description, { type: 'offer', sdp: 'v=0\r\n' });
  assert.equal(offer.data.sender.connectionId, a.connectionId);
  assert.equal(offer.data.consultationId, c);

  // One known id and two that are not in this room (unknown, other room): the known one is
  // still delivered, one error names the others.
  a.transient('iceCandidate', [d.connectionId, 'c-ffffffffffff', elsewhere.connectionId], { candidate: null });
  const cand = await d.next((m) => m.type === 'iceCandidate');
  assert.equal(cand.data.candidate, null);
  const err = await a.next((m) => m.type === 'error');
  assert.equal(err.data.code, 'unroutable');
  assert.equal(err.data.requestType, 'iceCandidate');
  assert.deepEqual(err.data.connectionIds, ['c-ffffffffffff', elsewhere.connectionId]);
  assert.match(err.data.message, /c-ffffffffffff/);

  // Missing / empty connectionIds: every other member.
  a.transient('hangUp', [], { reason: 'hangUp' });
  a.send({ type: 'deviceState', data: { type: 'deviceState', consultationId: c, isMute: true, isHidden: false } });
  for (const peer of [b, d]) {
    assert.equal((await peer.next((m) => m.type === 'hangUp')).data.reason, 'hangUp');
    const ds = await peer.next((m) => m.type === 'deviceState');
    assert.deepEqual(ds.data.sender, { chatId: c, clientId: 'doc', connectionId: a.connectionId });
  }

  // d never got the offer meant for b; b never got d's candidate: the first message each got
  // (after peerJoined) is checked in order here.
  // Barriers: one last transient to each, then nothing else may be left in their inboxes.
  a.transient('deviceState', [d.connectionId], { isMute: false, isHidden: true });
  a.transient('deviceState', [b.connectionId], { isMute: true, isHidden: true });
  await d.next((m) => m.type === 'deviceState' && m.data.isHidden === true);
  await b.next((m) => m.type === 'deviceState' && m.data.isHidden === true);
  assert.deepEqual(d.inbox, []);
  assert.deepEqual(b.inbox.map((m) => m.type), ['peerJoined']); // d's arrival only
  assert.deepEqual(elsewhere.inbox, []);
  await Promise.all([a, b, d, elsewhere].map((x) => x.close()));
});

test('malformed messages get an error and the connection stays usable', async () => {
  const [a, b, c] = await pair();
  const bad = [
    '{not json',
    '[1,2]',
    '"text"',
    'null',
    JSON.stringify({ hello: 1 }),
    JSON.stringify({ type: 42, data: {} }),
    JSON.stringify({ type: 'offer', data: 'x' }),
    JSON.stringify({ type: 'offer', data: { consultationId: c }, connectionIds: 'c-1' }),
    JSON.stringify({ data: { consultationId: c }, route: 'vcm' }),
    JSON.stringify({ type: 'peerLeft', data: { consultationId: c } }), // server-only type
  ];
  for (const frame of bad) {
    a.send(frame);
    const err = await a.nextIs((m) => m.type === 'error');
    assert.equal(err.data.code, 'malformed', `for ${frame}`);
    assert.equal(typeof err.data.message, 'string');
  }
  a.ws.send(Buffer.from('{"type":"x"}'), { binary: true });
  assert.equal((await a.nextIs((m) => m.type === 'error')).data.code, 'malformed');
  assert.deepEqual(b.inbox, []);
  a.publish('deviceState', { isMute: true, isHidden: false });
  assert.equal((await b.nextIs((m) => m.type === 'deviceState')).data.isMute, true);
  await Promise.all([a, b].map((x) => x.close()));
});

test('a message over 64 KiB is dropped with tooLarge and the connection stays open', async () => {
  const [a, b, c] = await pair();
  a.publish('offer', { description: { type: 'offer', sdp: 'x'.repeat(70 * 1024) } });
  const err = await a.nextIs((m) => m.type === 'error');
  assert.equal(err.data.code, 'tooLarge');
  assert.equal(a.ws.readyState, WebSocket.OPEN);
  // Just under the limit passes.
  a.publish('offer', { description: { type: 'offer', sdp: 'y'.repeat(60 * 1024) } });
  const got = await b.nextIs((m) => m.type === 'offer');
  assert.equal(got.data.description.sdp.length, 60 * 1024);
  await Promise.all([a, b].map((x) => x.close()));
});

test('closing a socket sends peerLeft; an emptied room is deleted', async () => {
  const c = room();
  const [a, b] = [await connect(), await connect()];
  await a.join(c, 'doc');
  await b.join(c, 'cli');
  const bId = b.connectionId;
  await b.close();
  const left = await a.next((m) => m.type === 'peerLeft');
  assert.deepEqual(left.data, { connectionId: bId, clientId: 'cli', consultationId: c, reason: 'left' });

  await a.close();
  const fresh = await connect();
  const joined = await fresh.join(c);
  assert.deepEqual(joined.data.members, []);
  await fresh.close();
});

test('a socket that stops answering pings is dropped and, after the grace period, its room told (timeout)', async () => {
  const srv = await startServer({ port: 0, heartbeatMs: 100, reconnectGraceMs: 200 });
  try {
    const a = await connect(srv.wsUrl);
    const mute = await connect(srv.wsUrl, { autoPong: false });
    await a.join('hb', 'a');
    await mute.join('hb', 'mute');
    const left = await a.next((m) => m.type === 'peerLeft', 3000);
    assert.equal(left.data.connectionId, mute.connectionId);
    assert.equal(left.data.reason, 'timeout');
    assert.equal(a.ws.readyState, WebSocket.OPEN); // a answers pings and stays
    await a.close();
    await mute.close();
  } finally {
    await srv.close();
  }
});

// ---- membership across reconnects (protocol.md §4.4–§4.6) -----------------------------------

/** Polls `fn()` (server-side state) until truthy; a deadline, not a sleep. */
async function until(fn, what, ms = DEADLINE_MS) {
  const end = Date.now() + ms;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The server's view of one member (from snapshot()). */
const memberState = (srv, consultationId, connectionId) =>
  (srv.snapshot().rooms[consultationId] ?? []).find((m) => m.connectionId === connectionId);

/** Resolves when the server has noticed the drop and holds the member in its grace period. */
const inGrace = (srv, c, id) => until(() => memberState(srv, c, id)?.connected === false, `${id} in grace`);

/** A server of its own for tests that depend on the grace period's length. */
async function withServer(options, fn) {
  const srv = await startServer({ port: 0, ...options });
  try {
    await fn(srv);
  } finally {
    await srv.close();
  }
}

/** Two members of a fresh room on `srv`; a has seen b's peerJoined. */
async function pairOn(srv, c = room()) {
  const [a, b] = [await connect(srv.wsUrl), await connect(srv.wsUrl)];
  await a.join(c, 'doc', 'Doctor');
  await b.join(c, 'cli', 'Client');
  await a.next((m) => m.type === 'peerJoined' && m.data.connectionId === b.connectionId);
  return [a, b, c];
}

test('a dropped member resumes with its connectionId: same id, resumed, buffered messages in order, nothing to the others', async () => {
  await withServer({ reconnectGraceMs: 10000 }, async (srv) => {
    const [a, b, c] = await pairOn(srv);
    await b.drop(); // no close frame: the server sees 1006
    await inGrace(srv, c, b.connectionId);

    // While b is away: a transient to b, a publish, a transient to everyone, and a newcomer
    // (its peerJoined is buffered for b too).
    a.transient('offer', [b.connectionId], { description: { type: 'offer', sdp: 'v=0\r\n' }, n: 1 });
    a.publish('deviceState', { isMute: true, isHidden: false, n: 2 });
    a.transient('iceCandidate', [], { candidate: null, n: 3 });
    const d = await connect(srv.wsUrl);
    await d.join(c, 'obs');
    a.transient('iceCandidate', [b.connectionId], { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }, n: 4 });
    await until(() => memberState(srv, c, b.connectionId).buffered === 5, 'five messages buffered for b');

    const b2 = await connect(srv.wsUrl);
    const joined = await b2.join(c, 'cli', 'Client', { connectionId: b.connectionId });
    assert.equal(joined.data.connectionId, b.connectionId);
    assert.equal(joined.data.resumed, true);
    assert.equal(joined.data.consultationId, c);
    assert.deepEqual(joined.data.members.map((m) => m.connectionId).sort(), [a.connectionId, d.connectionId].sort());
    // Then exactly the buffered messages, in the order they were sent.
    const got = [];
    for (let i = 0; i < 5; i += 1) got.push(await b2.nextIs(() => true));
    assert.deepEqual(got.map((m) => [m.type, m.data.n ?? m.data.connectionId]),
      [['offer', 1], ['deviceState', 2], ['iceCandidate', 3], ['peerJoined', d.connectionId], ['iceCandidate', 4]]);
    assert.equal(got[0].data.sender.connectionId, a.connectionId);
    assert.equal(memberState(srv, c, b.connectionId).connected, true);

    // Live again: new messages go straight through, both ways.
    a.transient('deviceState', [b.connectionId], { isMute: false, isHidden: false, n: 5 });
    assert.equal((await b2.nextIs((m) => m.type === 'deviceState')).data.n, 5);
    b2.transient('answer', [a.connectionId], { description: { type: 'answer', sdp: 'v=0\r\n' } });
    const answer = await a.next((m) => m.type === 'answer');
    assert.equal(answer.data.sender.connectionId, b.connectionId);

    // a and d were told nothing about b's drop and resume (barrier: a's own malformed frame).
    a.send('{');
    await a.nextIs((m) => m.type === 'peerJoined' && m.data.connectionId === d.connectionId);
    await a.nextIs(isError('malformed'));
    d.send('{');
    await d.nextIs(isError('malformed'));
    await Promise.all([a, b2, d].map((x) => x.close()));
  });
});

test('the grace buffer keeps the newest 256 messages of a member away; each dropped one is reported to its sender', async () => {
  await withServer({ reconnectGraceMs: 10000 }, async (srv) => {
    const [a, b, c] = await pairOn(srv);
    await b.drop();
    await inGrace(srv, c, b.connectionId);
    for (let n = 1; n <= 300; n += 1) a.transient('deviceState', [b.connectionId], { isMute: false, isHidden: false, n });
    await until(() => memberState(srv, c, b.connectionId).buffered === 256, 'buffer at its cap');
    // Each of the 44 dropped (oldest) messages is reported to its sender.
    for (let i = 0; i < 44; i += 1) {
      const report = await a.nextIs(isError('heldOverflow'));
      assert.deepEqual([report.data.requestType, report.data.connectionIds], ['deviceState', [b.connectionId]]);
    }
    a.send('{'); // barrier: every transient was processed
    await a.nextIs(isError('malformed'));
    assert.equal(memberState(srv, c, b.connectionId).buffered, 256);
    const b2 = await connect(srv.wsUrl);
    await b2.join(c, 'cli', 'Client', { connectionId: b.connectionId });
    const ns = [];
    for (let i = 0; i < 256; i += 1) ns.push((await b2.nextIs((m) => m.type === 'deviceState')).data.n);
    assert.deepEqual(ns, Array.from({ length: 256 }, (_, i) => 45 + i));
    await Promise.all([a, b2].map((x) => x.close()));
  });
});

test('a dropped member that does not resume in time gets peerLeft reason timeout; its old id is then assigned again', async () => {
  const graceMs = 300;
  await withServer({ reconnectGraceMs: graceMs }, async (srv) => {
    const [a, b, c] = await pairOn(srv);
    const dropAt = Date.now();
    await b.drop();
    const left = await a.next((m) => m.type === 'peerLeft');
    const elapsed = Date.now() - dropAt;
    assert.deepEqual(left.data, { connectionId: b.connectionId, clientId: 'cli', consultationId: c, reason: 'timeout' });
    assert.ok(elapsed >= graceMs - 20, `peerLeft after ${elapsed} ms, not before the ${graceMs} ms grace period`);
    assert.equal(memberState(srv, c, b.connectionId), undefined);

    // Coming back later with the old id: nobody uses it any more, so it is assigned (not a resume).
    const b2 = await connect(srv.wsUrl);
    const joined = await b2.join(c, 'cli', 'Client', { connectionId: b.connectionId });
    assert.equal(joined.data.connectionId, b.connectionId);
    assert.equal(joined.data.resumed, false);
    assert.deepEqual(joined.data.members, [{ connectionId: a.connectionId, clientId: 'doc', name: 'Doctor' }]);
    const pj = await a.nextIs((m) => m.type === 'peerJoined');
    assert.equal(pj.data.connectionId, b.connectionId);
    await Promise.all([a, b2].map((x) => x.close()));
  });
});

test('a requested connectionId that is in use gets a fresh id: another room, another clientId; a live member of the same room and clientId is taken over', async () => {
  await withServer({ reconnectGraceMs: 10000 }, async (srv) => {
    const [a, b, c] = await pairOn(srv);
    // In use by a live member of another consultation.
    const x = await connect(srv.wsUrl);
    const jx = await x.join(room(), 'cli', 'Client', { connectionId: b.connectionId });
    assert.notEqual(jx.data.connectionId, b.connectionId);
    assert.match(jx.data.connectionId, /^c-[0-9a-f]{12}$/);
    assert.equal(jx.data.resumed, false);

    // In grace, same room, but another clientId: not a resume.
    await b.drop();
    await inGrace(srv, c, b.connectionId);
    const y = await connect(srv.wsUrl);
    const jy = await y.join(c, 'intruder', 'I', { connectionId: b.connectionId });
    assert.notEqual(jy.data.connectionId, b.connectionId);
    assert.equal(jy.data.resumed, false);
    await a.next((m) => m.type === 'peerJoined' && m.data.connectionId === jy.data.connectionId);

    // null is "no previous id"; a non-string is malformed.
    const z = await connect(srv.wsUrl);
    z.send({ type: 'join', data: { consultationId: c, clientId: 'z', connectionId: 42 } });
    assert.equal((await z.nextIs((m) => m.type === 'error')).data.code, 'malformed');
    const jz = await z.join(c, 'z', 'z', { connectionId: null });
    assert.equal(jz.data.resumed, false);

    // b resumes; then b's socket is still open when a third socket claims b's id (a half-open
    // connection the heartbeat has not caught yet): the newer socket takes over, the old one is
    // closed with 4001 and its member is not announced as gone.
    const b2 = await connect(srv.wsUrl);
    assert.equal((await b2.join(c, 'cli', 'Client', { connectionId: b.connectionId })).data.resumed, true);
    const b2Closed = new Promise((resolve) => b2.ws.once('close', (code) => resolve(code)));
    const b3 = await connect(srv.wsUrl);
    const j3 = await b3.join(c, 'cli', 'Client', { connectionId: b.connectionId });
    assert.deepEqual([j3.data.connectionId, j3.data.resumed], [b.connectionId, true]);
    assert.equal(await b2Closed, 4001);
    a.transient('deviceState', [b.connectionId], { isMute: true, isHidden: true });
    assert.equal((await b3.next((m) => m.type === 'deviceState')).data.isMute, true);
    a.send('{');
    await a.next(isError('malformed'));
    assert.ok(!a.inbox.some((m) => m.type === 'peerLeft'), `no peerLeft: ${JSON.stringify(a.inbox)}`);
    await Promise.all([a, b3, x, y, z].map((s) => s.close()));
  });
});

test('leave: the member is gone at once (peerLeft reason left); the socket may join again', async () => {
  await withServer({ reconnectGraceMs: 10000 }, async (srv) => {
    const [a, b, c] = await pairOn(srv);
    b.send({ type: 'leave', data: {} });
    const left = await a.next((m) => m.type === 'peerLeft', DEADLINE_MS);
    assert.deepEqual(left.data, { connectionId: b.connectionId, clientId: 'cli', consultationId: c, reason: 'left' });
    assert.equal(memberState(srv, c, b.connectionId), undefined);
    // The socket is no longer a member: messages need a join first, and a join works.
    b.transient('offer', [a.connectionId], { description: { type: 'offer', sdp: 'v=0\r\n' } });
    assert.equal((await b.nextIs((m) => m.type === 'error')).data.code, 'notJoined');
    const again = await b.join(c, 'cli', 'Client');
    assert.equal(again.data.resumed, false);
    assert.notEqual(again.data.connectionId, left.data.connectionId);
    // A leave before join is notJoined; `leave` cannot be published or forwarded.
    const n = await connect(srv.wsUrl);
    n.send({ type: 'leave', data: {} });
    assert.equal((await n.nextIs((m) => m.type === 'error')).data.code, 'notJoined');
    a.publish('leave');
    assert.equal((await a.next((m) => m.type === 'error')).data.code, 'malformed');
    await Promise.all([a, b, n].map((x) => x.close()));
  });
});

for (const code of [1000, 1001]) {
  test(`a socket closed with ${code} is gone at once: peerLeft reason left, no grace period`, async () => {
    await withServer({ reconnectGraceMs: 60000 }, async (srv) => {
      const [a, b, c] = await pairOn(srv);
      const closedAt = Date.now();
      await b.close(code);
      const left = await a.next((m) => m.type === 'peerLeft', DEADLINE_MS); // far below the 60 s grace
      assert.deepEqual(left.data, { connectionId: b.connectionId, clientId: 'cli', consultationId: c, reason: 'left' });
      assert.ok(Date.now() - closedAt < 1000, `peerLeft ${Date.now() - closedAt} ms after the close`);
      // A later join with the old id cannot resume: it is a new member (id assigned, announced).
      const b2 = await connect(srv.wsUrl);
      const joined = await b2.join(c, 'cli', 'Client', { connectionId: b.connectionId });
      assert.deepEqual([joined.data.connectionId, joined.data.resumed], [b.connectionId, false]);
      await a.next((m) => m.type === 'peerJoined' && m.data.connectionId === b.connectionId);
      await Promise.all([a, b2].map((x) => x.close()));
    });
  });
}

test('a transient to an id not in the room is held and delivered to a member that joins with that id in time', async () => {
  const graceMs = 500;
  await withServer({ reconnectGraceMs: graceMs }, async (srv) => {
    const c = room();
    const a = await connect(srv.wsUrl);
    await a.join(c, 'doc');
    const later = 'c-feedfacecafe';
    a.transient('offer', [later], { description: { type: 'offer', sdp: 'v=0\r\n' }, n: 1 });
    a.transient('iceCandidate', [later, 'c-000000000000'], { candidate: null, n: 2 });
    await until(() => srv.snapshot().heldTransients === 2, 'two transients held');

    const b = await connect(srv.wsUrl);
    const joined = await b.join(c, 'cli', 'Client', { connectionId: later });
    assert.deepEqual([joined.data.connectionId, joined.data.resumed], [later, false]);
    assert.deepEqual((await b.nextIs(() => true)).data.n, 1);
    assert.deepEqual((await b.nextIs(() => true)).data.n, 2);
    await a.next((m) => m.type === 'peerJoined' && m.data.connectionId === later);

    // After the hold: only the id nobody claimed is unroutable, in one error for the second
    // transient; nothing for the first.
    const err = await a.next(isError('unroutable'), graceMs + DEADLINE_MS);
    assert.deepEqual([err.data.requestType, err.data.connectionIds], ['iceCandidate', ['c-000000000000']]);
    await until(() => srv.snapshot().heldTransients === 0, 'holds expired');
    a.send('{');
    await a.nextIs(isError('malformed'));
    assert.deepEqual(b.inbox, []);
    await Promise.all([a, b].map((x) => x.close()));
  });
});

test('after a server restart both sides come back with their old ids and messages flow between them', async () => {
  const first = await startServer({ port: 0, reconnectGraceMs: 3000 });
  const { port } = first;
  const c = room();
  let a; let b; let a2; let b2;
  let second;
  try {
    [a, b] = await pairOn(first, c);
    const ids = [a.connectionId, b.connectionId];
    const closed = Promise.all([a, b].map((x) => new Promise((resolve) => x.ws.once('close', resolve))));
    await first.close();
    await closed;
    second = await startServer({ port, reconnectGraceMs: 3000 });
    // a comes back first and at once sends to b's old id: held until b comes back.
    a2 = await connect(second.wsUrl);
    const ja = await a2.join(c, 'doc', 'Doctor', { connectionId: ids[0] });
    assert.deepEqual([ja.data.connectionId, ja.data.resumed, ja.data.members], [ids[0], false, []]);
    a2.transient('hangUp', [ids[1]], { reason: 'hangUp' });
    await until(() => second.snapshot().heldTransients === 1, 'hangUp held for b');
    b2 = await connect(second.wsUrl);
    const jb = await b2.join(c, 'cli', 'Client', { connectionId: ids[1] });
    assert.deepEqual([jb.data.connectionId, jb.data.resumed], [ids[1], false]);
    const hangUp = await b2.nextIs((m) => m.type === 'hangUp');
    assert.deepEqual([hangUp.data.reason, hangUp.data.sender.connectionId], ['hangUp', ids[0]]);
    await a2.next((m) => m.type === 'peerJoined' && m.data.connectionId === ids[1]);
  } finally {
    for (const x of [a, b, a2, b2]) if (x) x.ws.terminate();
    await first.close();
    if (second) await second.close();
  }
});

function get(base, rawPath, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${rawPath}`, { method }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('static files: served from dist/, demo/, tests/e2e/pages/ and the named uPlot files only, with content types; no traversal', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'callcore-static-'));
  const srv = await startServer({ port: 0, root });
  try {
    await mkdir(path.join(root, 'dist'));
    await mkdir(path.join(root, 'demo'));
    await mkdir(path.join(root, 'tests/e2e/pages'), { recursive: true });
    await writeFile(path.join(root, 'dist/callcore.js'), 'export const x = 1;\n');
    await writeFile(path.join(root, 'dist/callcore.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
    await writeFile(path.join(root, 'dist/callcore.js.map'), '{}');
    await writeFile(path.join(root, 'demo/index.html'), '<!doctype html><title>i</title>');
    await writeFile(path.join(root, 'demo/demo.css'), 'body{}');
    await writeFile(path.join(root, 'tests/e2e/pages/p.html'), '<p>e2e</p>');
    await writeFile(path.join(root, 'tests/e2e/pages/cfg.json'), '{"a":1}');
    await mkdir(path.join(root, 'node_modules/uplot/dist'), { recursive: true });
    await writeFile(path.join(root, 'node_modules/uplot/dist/uPlot.esm.js'), 'export default 1;\n');
    await writeFile(path.join(root, 'node_modules/uplot/dist/uPlot.min.css'), '.uplot{}');
    await writeFile(path.join(root, 'node_modules/uplot/dist/uPlot.cjs.js'), 'secret');
    await writeFile(path.join(root, 'node_modules/uplot/package.json'), '{"secret":true}');
    await writeFile(path.join(root, 'secret.txt'), 'secret');
    await writeFile(path.join(root, 'package.json'), '{"secret":true}');

    const cases = [
      ['/dist/callcore.js', 'text/javascript', 'export const x = 1;\n'],
      ['/dist/callcore.wasm', 'application/wasm'],
      ['/dist/callcore.js.map', 'application/json'],
      ['/demo/index.html', 'text/html', '<!doctype html><title>i</title>'],
      ['/demo/', 'text/html'],
      ['/demo/demo.css', 'text/css'],
      ['/tests/e2e/pages/p.html', 'text/html', '<p>e2e</p>'],
      ['/tests/e2e/pages/cfg.json', 'application/json'],
      ['/dist/callcore.js?v=2', 'text/javascript'],
      ['/vendor/uplot/uPlot.esm.js', 'text/javascript', 'export default 1;\n'],
      ['/vendor/uplot/uPlot.min.css', 'text/css', '.uplot{}'],
    ];
    for (const [p, type, body] of cases) {
      const res = await get(srv.httpUrl, p);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers['content-type'].split(';')[0], type, p);
      if (body !== undefined) assert.equal(res.body, body, p);
    }

    const root302 = await get(srv.httpUrl, '/');
    assert.equal(root302.status, 302);
    assert.equal(root302.headers.location, '/demo/index.html');

    for (const p of [
      '/secret.txt',
      '/package.json',
      '/dist/missing.js',
      '/dist/../secret.txt',
      '/demo/../../secret.txt',
      '/demo/%2e%2e/secret.txt',
      '/demo/%2E%2E%2Fsecret.txt',
      '/tests/e2e/pages/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/demo/..%2f..%2fsecret.txt',
      '/dist%2f..%2fsecret.txt',
      '/demo/%00index.html',
      '/demo/%zz',
      '/tests/unit/x',
      '/ws',
      '/node_modules/uplot/dist/uPlot.esm.js',
      '/vendor/uplot/uPlot.cjs.js',
      '/vendor/uplot/../../node_modules/uplot/package.json',
      '/vendor/uplot/',
      '/vendor/',
    ]) {
      const res = await get(srv.httpUrl, p);
      assert.equal(res.status, 404, p);
      assert.ok(!res.body.includes('secret'), p);
    }
    assert.equal((await get(srv.httpUrl, '/demo/index.html', 'POST')).status, 405);
    assert.equal((await get(srv.httpUrl, '/demo/index.html', 'HEAD')).status, 200);

    // WebSocket upgrade only on /ws.
    await assert.rejects(connect(srv.wsUrl.replace('/ws', '/other')));
  } finally {
    await srv.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('the repository demo pages are served by the default root', async () => {
  const res = await get(server.httpUrl, '/demo/index.html');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/html/);
  assert.match(res.body, /doctor\.html/);
  // The chart library of the demo's diagnostics panel, from the installed uplot package.
  const uplot = await get(server.httpUrl, '/vendor/uplot/uPlot.esm.js');
  assert.equal(uplot.status, 200);
  assert.match(uplot.headers['content-type'], /^text\/javascript/);
  assert.match(uplot.body, /export \{ uPlot as default \}/);
});

test('CLI prints the ws URL and demo URLs, takes --grace-ms, and exits cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, [path.join(REPO, 'demo/server.js'), '--dev', '--port', '0', '--grace-ms', '250', '--heartbeat-ms', '60000'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const lines = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no output: ${out}`)), DEADLINE_MS);
      child.stdout.on('data', (d) => {
        out += d;
        if (/client\.html/.test(out)) {
          clearTimeout(timer);
          resolve(out.trim().split('\n'));
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const m = /^callcore signaling server: ws:\/\/127\.0\.0\.1:(\d+)\/ws$/.exec(lines[0]);
    assert.ok(m, lines[0]);
    const port = Number(m[1]);
    assert.ok(port > 0);
    assert.match(out, new RegExp(`http://127\\.0\\.0\\.1:${port}/demo/doctor\\.html\\?c=\\S+`));
    assert.match(out, new RegExp(`http://127\\.0\\.0\\.1:${port}/demo/client\\.html\\?c=\\S+`));
    const ws = await connect(`ws://127.0.0.1:${port}/ws`);
    await ws.join('cli');
    // --grace-ms 250: a dropped member is announced (timeout) well before the 5 s default.
    const other = await connect(`ws://127.0.0.1:${port}/ws`);
    await other.join('cli', 'o');
    await other.drop();
    const left = await ws.next((m) => m.type === 'peerLeft', 2000);
    assert.equal(left.data.reason, 'timeout');
    await ws.close();
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('CLI refuses a bad --grace-ms with exit code 2', async () => {
  for (const bad of [['--grace-ms', 'soon'], ['--heartbeat-ms', '0'], ['--port', '70000']]) {
    const child = spawn(process.execPath, [path.join(REPO, 'demo/server.js'), '--dev', '--port', '0', ...bad], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 2, `${bad.join(' ')}: ${err}`);
    assert.match(err, /invalid/);
  }
});
