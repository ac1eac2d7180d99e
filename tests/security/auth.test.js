// Attacks on membership, over real sockets against the reference server with join tokens:
// a stranger joining, taking over a member, squatting on a member in its grace period, forging
// `enter`, and what the far side learns. docs/protocol.md §2.1, §4.6; docs/security.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { startServer } from '../../demo/server.js';
import { connect, pair, room, token, startAuthServer, isError, until, SECRET } from './helpers.js';

let server;
before(async () => { server = await startAuthServer({ reconnectGraceMs: 15000 }); }); // no test waits for a grace period to end
after(() => server.close());

const member = (c, id) => (server.snapshot().rooms[c] ?? []).find((m) => m.connectionId === id);

test('a join without a valid token is refused with unauthorized and close 4401; nothing of the room leaks', async () => {
  const { doctor, client, c } = await pair(server.wsUrl);
  const cases = [
    ['no token', { consultationId: c, clientId: 'x', name: 'x' }],
    ['empty token', { token: '' }],
    ['garbage', { token: 'not.a.jwt' }],
    ['wrong secret', { token: await token(c, 'client', 'eve', { secret: 'another-secret-0123456789abcdefghij' }) }],
    ['expired', { token: await token(c, 'client', 'eve', { ttlSec: -120 }) }],
    ['alg none', { token: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'eve', role: 'doctor', consultationId: c, exp: 9999999999 })).toString('base64url')}.` }],
  ];
  for (const [what, data] of cases) {
    const eve = await connect(server.wsUrl);
    const reply = await eve.join(data);
    assert.equal(reply.type, 'error', what);
    assert.equal(reply.data.code, 'unauthorized', what);
    assert.equal(await eve.closed, 4401, what);
    assert.deepEqual(eve.inbox, [], `${what}: nothing else was sent`);
  }
  const expired = await connect(server.wsUrl);
  assert.match((await expired.join({ token: await token(c, 'client', 'x', { ttlSec: -120 }) })).data.message, /expired/);
  // Before join nothing is routed, and the members saw nobody.
  const eve = await connect(server.wsUrl);
  eve.send({ route: 'vcm', data: { type: 'enter', consultationId: c } });
  assert.equal((await eve.next()).data.code, 'notJoined');
  await doctor.barrier();
  await client.barrier();
  assert.deepEqual([doctor.inbox, client.inbox], [[], []]);
  // A valid token of another consultation joins that one only, even if the join names this one.
  const other = await connect(server.wsUrl);
  const reply = await other.join({ token: await token(room(), 'client', 'eve'), consultationId: c });
  assert.deepEqual([reply.data.code, await other.closed], ['forbidden', 4403]);
  const stranger = await connect(server.wsUrl);
  const joined = await stranger.joinAs(room(), 'client', 'eve');
  assert.deepEqual(joined.data.members, []);
  stranger.publish('enter', { consultationId: c });
  assert.equal((await stranger.next()).data.code, 'unroutable');
  await Promise.all([doctor, client, eve, stranger].map((s) => s.close()));
});

test('identity comes from the token: clientId is the sub, the name the token\'s, forged sender fields are overwritten', async () => {
  const c = room();
  const doctor = await connect(server.wsUrl);
  const jd = await doctor.join({ token: await token(c, 'doctor', 'dr-7', { name: 'Dr. Seven' }), clientId: 'admin', name: 'Root' });
  assert.equal(jd.data.role, 'doctor');
  assert.match(jd.data.resumeSecret, /^[A-Za-z0-9_-]{22}$/);
  const client = await connect(server.wsUrl);
  const jc = await client.joinAs(c, 'client', 'pt-9');
  assert.deepEqual(jc.data.members, [{ connectionId: doctor.connectionId, clientId: 'dr-7', name: 'Dr. Seven', role: 'doctor' }]);
  const pj = await doctor.next((m) => m.type === 'peerJoined');
  assert.deepEqual(pj.data, { connectionId: client.connectionId, clientId: 'pt-9', name: 'pt-9', role: 'client', consultationId: c });
  client.transient('offer', [doctor.connectionId], { description: { type: 'offer', sdp: 'v=0' } });
  const got = await doctor.next((m) => m.type === 'offer');
  assert.deepEqual(got.data.sender, { chatId: c, clientId: 'pt-9', connectionId: client.connectionId });
  await Promise.all([doctor, client].map((s) => s.close()));
});

test('one doctor per consultation; clients do not learn of each other', async () => {
  const { doctor, client, c } = await pair(server.wsUrl);
  const second = await connect(server.wsUrl);
  const reply = await second.join({ token: await token(c, 'doctor', 'dr-other') });
  assert.deepEqual([reply.data.code, await second.closed], ['roleTaken', 4409]);
  const client2 = await connect(server.wsUrl);
  const j2 = await client2.joinAs(c, 'client', 'pt-other');
  assert.deepEqual(j2.data.members.map((m) => m.role), ['doctor'], 'the second client sees only the doctor');
  await doctor.next((m) => m.type === 'peerJoined' && m.data.connectionId === client2.connectionId);
  await client.barrier();
  assert.ok(!client.inbox.some((m) => m.type === 'peerJoined'), 'the first client is not told about the second');
  await Promise.all([doctor, client, client2].map((s) => s.close()));
});

test('takeover: a member is resumed only with the secret issued at its join and by the same sub', async () => {
  const { doctor, client, c } = await pair(server.wsUrl);
  // Another client of the room asks for the doctor's id, with no secret and with a guessed one.
  for (const resumeSecret of [undefined, 'AAAAAAAAAAAAAAAAAAAAAA', client.resumeSecret]) {
    const eve = await connect(server.wsUrl);
    const j = await eve.joinAs(c, 'client', 'eve', { connectionId: doctor.connectionId, resumeSecret });
    assert.notEqual(j.data.connectionId, doctor.connectionId);
    assert.equal(j.data.resumed, false);
    await eve.close();
  }
  // The doctor's own secret under another sub is not enough either.
  const eve = await connect(server.wsUrl);
  const je = await eve.joinAs(c, 'client', 'eve-2', { connectionId: doctor.connectionId, resumeSecret: doctor.resumeSecret });
  assert.notEqual(je.data.connectionId, doctor.connectionId);
  await eve.close();
  assert.equal(doctor.closeCode, null, 'the doctor was never closed');
  client.transient('answer', [doctor.connectionId], { description: { type: 'answer', sdp: 'v=0' } });
  await doctor.next((m) => m.type === 'answer');
  // The real doctor (same sub, its secret) takes over its half-open socket: the old one gets 4001.
  const doctor2 = await connect(server.wsUrl);
  const j2 = await doctor2.joinAs(c, 'doctor', `doc-${c}`, { connectionId: doctor.connectionId, resumeSecret: doctor.resumeSecret });
  assert.deepEqual([j2.data.connectionId, j2.data.resumed], [doctor.connectionId, true]);
  assert.equal(await doctor.closed, 4001);
  await Promise.all([doctor2, client].map((s) => s.close()));
});

test('grace-period squatting: nobody else receives what is held for a dropped member; it resumes with everything', async () => {
  const { doctor, client, c } = await pair(server.wsUrl);
  const doctorId = doctor.connectionId;
  await doctor.drop();
  await until(() => member(c, doctorId)?.connected === false, 'doctor in grace');
  client.transient('answer', [doctorId], { description: { type: 'answer', sdp: 'v=0 secret-ice' }, n: 1 });
  client.transient('iceCandidate', [doctorId], { candidate: { candidate: 'candidate:1 1 udp 1 192.168.1.7 5000 typ host' }, n: 2 });
  await until(() => member(c, doctorId)?.buffered === 2, 'two messages held');
  // A client squats on the id; a doctor-role token of another sub cannot take the seat.
  const squatter = await connect(server.wsUrl);
  const js = await squatter.joinAs(c, 'client', 'squatter', { connectionId: doctorId });
  assert.notEqual(js.data.connectionId, doctorId);
  const otherDoctor = await connect(server.wsUrl);
  assert.equal((await otherDoctor.join({ token: await token(c, 'doctor', 'dr-squat'), connectionId: doctorId })).data.code, 'roleTaken');
  await squatter.barrier();
  assert.deepEqual(squatter.inbox, []);
  assert.equal(member(c, doctorId).buffered, 3, 'the two held messages and the squatter\'s peerJoined');
  // The doctor comes back with its secret: both, in order.
  const back = await connect(server.wsUrl);
  const jb = await back.joinAs(c, 'doctor', `doc-${c}`, { connectionId: doctorId, resumeSecret: doctor.resumeSecret });
  assert.equal(jb.data.resumed, true);
  assert.equal((await back.next((m) => m.type === 'answer')).data.n, 1);
  assert.equal((await back.next((m) => m.type === 'iceCandidate')).data.n, 2);
  await Promise.all([back, client, squatter].map((s) => s.close()));
});

test('a new join of the same sub replaces its old membership (peerLeft replaced, old socket 4001)', async () => {
  const { doctor, client, c } = await pair(server.wsUrl);
  const tab2 = await connect(server.wsUrl);
  const j = await tab2.joinAs(c, 'doctor', `doc-${c}`);
  assert.notEqual(j.data.connectionId, doctor.connectionId);
  assert.equal(await doctor.closed, 4001);
  const left = await client.next((m) => m.type === 'peerLeft');
  assert.deepEqual([left.data.connectionId, left.data.reason], [doctor.connectionId, 'replaced']);
  await client.next((m) => m.type === 'peerJoined' && m.data.connectionId === tab2.connectionId);
  await Promise.all([tab2, client].map((s) => s.close()));
});

test('forged enter: a client cannot send enter (or anything) to another client; the doctor still gets it', async () => {
  const { doctor, client, c } = await pair(server.wsUrl);
  const eve = await connect(server.wsUrl);
  await eve.joinAs(c, 'client', 'eve');
  await doctor.next((m) => m.type === 'peerJoined' && m.data.connectionId === eve.connectionId);
  eve.transient('enter', [client.connectionId], { name: 'Dr. Fake' });
  const refused = await eve.next();
  assert.deepEqual([refused.data.code, refused.data.requestType, refused.data.connectionIds], ['forbidden', 'enter', [client.connectionId]]);
  eve.publish('enter', { name: 'Dr. Fake', doctor: { fullName: 'Dr. Fake' } });
  const posing = await eve.next();
  assert.deepEqual([posing.data.code, posing.data.requestType], ['forbidden', 'enter'], 'an enter presenting a doctor needs a doctor token');
  eve.publish('enter', { name: 'Eve' });
  eve.transient('offer', [], { description: { type: 'offer', sdp: 'v=0' } });
  const atDoctor = await doctor.next((m) => m.type === 'enter');
  assert.equal(atDoctor.data.sender.connectionId, eve.connectionId);
  await doctor.next((m) => m.type === 'offer');
  await client.barrier();
  assert.deepEqual(client.inbox, [], 'the client got nothing from eve');
  await Promise.all([doctor, client, eve].map((s) => s.close()));
});

test('RS256/EdDSA public keys and a JWKS verify tokens; an HS256 token is then refused', async () => {
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
  const sign = (key, alg, claims, kid) => new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setSubject('s1').setExpirationTime('5m').sign(key);
  for (const [auth, key, alg, kid] of [
    [{ publicKey: ed.publicKey.export({ type: 'spki', format: 'pem' }) }, ed.privateKey, 'EdDSA'],
    [{ publicKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }) }, rsa.privateKey, 'RS256'],
    [{ jwks: { keys: [jwk] } }, rsa.privateKey, 'RS256', 'k1'],
  ]) {
    const srv = await startServer({ port: 0, auth });
    try {
      const c = room();
      const a = await connect(srv.wsUrl);
      const ja = await a.join({ token: await sign(key, alg, { role: 'doctor', consultationId: c }, kid) });
      assert.equal(ja.type, 'joined', `${alg}: ${JSON.stringify(ja)}`);
      const b = await connect(srv.wsUrl);
      assert.equal((await b.join({ token: await token(c, 'client', 'x') })).data.code, 'unauthorized', `${alg}: HS256 refused`);
      await a.close();
    } finally {
      await srv.close();
    }
  }
  await assert.rejects(startServer({ port: 0, auth: { secret: 'short' } }), /at least 32 bytes/);
  assert.ok(SECRET.length >= 32);
});

test('origin allow-list: other origins and none get HTTP 403', async () => {
  const srv = await startAuthServer({ allowedOrigins: ['https://portal.example'] });
  try {
    await assert.rejects(connect(srv.wsUrl, { origin: 'https://evil.example' }), (e) => e.status === 403);
    await assert.rejects(connect(srv.wsUrl), (e) => e.status === 403);
    const ok = await connect(srv.wsUrl, { origin: 'https://portal.example' });
    await ok.close();
  } finally {
    await srv.close();
  }
});

test('a socket that never joins is closed at the join deadline (joinTimeout, 4408)', async () => {
  const srv = await startAuthServer({ limits: { joinTimeoutMs: 300 } });
  try {
    const idle = await connect(srv.wsUrl);
    const t0 = Date.now();
    assert.equal((await idle.next()).data.code, 'joinTimeout');
    assert.equal(await idle.closed, 4408);
    assert.ok(Date.now() - t0 < 2000);
  } finally {
    await srv.close();
  }
});

test('the demo token endpoint mints tokens only when enabled', async () => {
  const srv = await startAuthServer({ demoTokens: true });
  const plain = await startAuthServer();
  try {
    const c = room();
    const res = await fetch(`${srv.httpUrl}/demo-token?c=${c}&role=doctor&name=Dr.%20A`);
    assert.equal(res.status, 200);
    const { token: t } = await res.json();
    const a = await connect(srv.wsUrl);
    const j = await a.join({ token: t });
    assert.deepEqual([j.data.consultationId, j.data.role, j.data.members], [c, 'doctor', []]);
    assert.equal((await fetch(`${srv.httpUrl}/demo-token?c=${c}&role=admin`)).status, 400);
    assert.equal((await fetch(`${plain.httpUrl}/demo-token?c=${c}&role=doctor`)).status, 404);
    await a.close();
  } finally {
    await srv.close();
    await plain.close();
  }
});
