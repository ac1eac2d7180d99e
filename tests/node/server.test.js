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

let server;
const sockets = new Set();

before(async () => {
  server = await startServer({ port: 0 });
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
    async join(consultationId, clientId = 'u', name = clientId) {
      client.send({ type: 'join', data: { consultationId, clientId, name } });
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
    close() {
      sockets.delete(ws);
      return new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', resolve);
        ws.close();
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
  assert.deepEqual(ja.data, { connectionId: ja.data.connectionId, consultationId: c, members: [] });

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
  assert.deepEqual(left.data, { connectionId: bId, clientId: 'cli', consultationId: c });

  await a.close();
  const fresh = await connect();
  const joined = await fresh.join(c);
  assert.deepEqual(joined.data.members, []);
  await fresh.close();
});

test('a socket that stops answering pings is dropped and its room told', async () => {
  const srv = await startServer({ port: 0, heartbeatMs: 100 });
  try {
    const a = await connect(srv.wsUrl);
    const mute = await connect(srv.wsUrl, { autoPong: false });
    await a.join('hb', 'a');
    await mute.join('hb', 'mute');
    const left = await a.next((m) => m.type === 'peerLeft', 3000);
    assert.equal(left.data.connectionId, mute.connectionId);
    assert.equal(a.ws.readyState, WebSocket.OPEN); // a answers pings and stays
    await a.close();
    await mute.close();
  } finally {
    await srv.close();
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

test('static files: served from dist/, demo/, tests/e2e/pages/ only, with content types; no traversal', async () => {
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
});

test('CLI prints the ws URL and demo URLs and exits cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, [path.join(REPO, 'demo/server.js'), '--port', '0'], {
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
    await ws.close();
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
