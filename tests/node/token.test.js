// Join tokens end to end in Node: the SDK (dist/callcore.js, its built-in socket over `ws`)
// against the reference server with tokens (demo/server.js). RTCParams `token` / `getToken`,
// configure()'s token options, refresh on reconnect, refused tokens, and that the token never
// reaches the logger. docs/api.md "Join tokens", docs/protocol.md §2.1.
// Run: node --test tests/node/token.test.js (after npm run build)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer } from '../../demo/server.js';

Object.assign(globalThis, { WebSocket });
const { RTCDoctor, RTCClient, EVENT_LIST, configure, logger } = await import('../../dist/callcore.js');

const SECRET = 'node-token-test-secret-0123456789abcdef';
const DEADLINE_MS = 10000;
process.once('beforeExit', () => process.exit(process.exitCode ?? 0));

let server;
before(async () => { server = await startServer({ port: 0, auth: { secret: SECRET }, reconnectGraceMs: 5000 }); });
after(() => server.close());

function until(predicate, what, ms = DEADLINE_MS) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

let n = 0;
const consultation = () => `tok-${process.pid}-${++n}`;
const params = (consultationId, role, extra = {}) => ({
  name: role === 'doctor' ? 'Dr. T' : 'Pat', clientId: `${role}-1`, connectionId: null, consultationId, isAudio: true, ...extra,
});
const record = (rtc) => {
  const events = [];
  rtc.emitter.on(EVENT_LIST.ALL, (e) => events.push(e));
  return events;
};
const joined = (events) => events.filter((e) => e.eventType === 'joined');
const errors = (events) => events.filter((e) => e.eventType === EVENT_LIST.SIGNALING_ERROR).map((e) => e.payload.code);

test('token and getToken: both sides join; the far side is known by its token; getToken is asked again after a drop', async (t) => {
  const c = consultation();
  const doctorToken = await server.mintToken({ sub: 'doctor-1', role: 'doctor', consultationId: c, name: 'Dr. Token' });
  const doctor = new RTCDoctor(params(c, 'doctor', { signalingUrl: server.wsUrl, token: doctorToken }));
  let asked = 0;
  const client = new RTCClient(params(c, 'client', {
    signalingUrl: server.wsUrl,
    getToken: async () => {
      asked += 1;
      return server.mintToken({ sub: 'client-1', role: 'client', consultationId: c, name: 'Pat' });
    },
  }));
  t.after(() => { doctor.destroy(); client.destroy(); });
  const de = record(doctor);
  const ce = record(client);
  await until(() => joined(de).length === 1 && joined(ce).length === 1, 'both joined');
  assert.equal(asked, 1);
  assert.equal(joined(ce)[0].payload.role, 'client');
  assert.equal(joined(ce)[0].payload.resumeSecret, undefined, 'the resume secret is not emitted');
  assert.deepEqual(joined(ce)[0].payload.members.map((m) => [m.clientId, m.name, m.role]), [['doctor-1', 'Dr. Token', 'doctor']]);

  // The server drops the client's socket (as a network drop does): it rejoins with a fresh token
  // and its resume secret, and is resumed.
  const clientId = joined(ce)[0].payload.connectionId;
  assert.equal(server.dropSocket(clientId), true);
  await until(() => joined(ce).length === 2, 'client rejoined');
  assert.equal(asked, 2, 'getToken asked before the rejoin');
  assert.deepEqual([joined(ce)[1].payload.connectionId, joined(ce)[1].payload.resumed], [clientId, true]);
  assert.deepEqual(errors(ce), []);
  const logged = JSON.stringify(logger.export());
  assert.ok(!logged.includes(doctorToken), 'the token is not in the log');
});

test('a refused token stops the reconnects (unauthorized); a getToken that fails is reported', async (t) => {
  const c = consultation();
  const expired = await server.mintToken({ sub: 'doctor-1', role: 'doctor', consultationId: c }, { ttlSec: -60 });
  const doctor = new RTCDoctor(params(c, 'doctor', { signalingUrl: server.wsUrl, token: expired }));
  const client = new RTCClient(params(c, 'client', { signalingUrl: server.wsUrl, getToken: () => { throw new Error('portal down'); } }));
  t.after(() => { doctor.destroy(); client.destroy(); });
  const de = record(doctor);
  const ce = record(client);
  await until(() => errors(de).includes('unauthorized'), 'doctor: unauthorized');
  assert.ok(errors(de).includes('server:unauthorized'), JSON.stringify(errors(de)));
  await until(() => errors(ce).includes('tokenFailed'), 'client: tokenFailed');
  // Its join went without a token: refused; with getToken it keeps trying (with backoff).
  await until(() => errors(ce).includes('server:unauthorized'), 'client: refused');
  assert.ok(!errors(ce).includes('unauthorized'), 'getToken may still give a token later: no final error');
  assert.equal(joined(de).length + joined(ce).length, 0);
});

test('configure({signalingUrl, getToken}) gives call objects without a token theirs', async (t) => {
  const c = consultation();
  configure({ signalingUrl: server.wsUrl, getToken: () => server.mintToken({ sub: 'doctor-1', role: 'doctor', consultationId: c }) });
  t.after(() => configure(null));
  const doctor = new RTCDoctor(params(c, 'doctor'));
  t.after(() => doctor.destroy());
  const de = record(doctor);
  await until(() => joined(de).length === 1, 'joined with the configured getToken');
  assert.equal(typeof doctor.params.getToken, 'function');
  assert.throws(() => configure({ send: () => {}, token: 'x' }), TypeError);
  assert.throws(() => configure({ signalingUrl: server.wsUrl, getToken: 'x' }), TypeError);
  assert.throws(() => new RTCClient(params(c, 'client', { signalingUrl: server.wsUrl, token: 42 })), (e) => e.type === 'params' && /token must be a string/.test(e.description));
});
