// The budu-webrtc drop-in surface in Node, through the built package: the seed's CallError
// (constructor, description, factory for the core's errors) and configure(), the page-wide
// default transport that lets a portal keep the seed's RTCParams unchanged.
// Run: node --test tests/node/seed-api.test.js (after npm run build)
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer } from '../../demo/server.js';
import { CallError, CALL_ERROR_TYPE_LIST, configure, EVENT_LIST, RTCClient, RTCDoctor } from 'callcore';

globalThis.WebSocket ??= WebSocket; // Node 20 has none; the built-in socket mode needs one

const DEADLINE_MS = 10000;

/** Resolves when `predicate()` is true, polling; rejects after `ms` with `what`. */
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

let nextConsultation = 1;
/** The seed's RTCParams: no signalingUrl, no send. */
function seedParams(overrides = {}) {
  return {
    name: 'Alice', clientId: 'client-9', connectionId: 'conn-cli', consultationId: `seed-${process.pid}-${nextConsultation++}`,
    doctor: { avatarId: null, fullName: 'Gregory House', specialityName: 'Diagnostics' }, isAudio: true, ...overrides,
  };
}

/** The doctor's `enter` as the client's socket would deliver it. */
function doctorEnter(consultationId) {
  return {
    type: 'enter',
    data: {
      type: 'enter', sender: { chatId: consultationId, clientId: 'doctor-42', connectionId: 'conn-doc' }, consultationId,
      name: 'Dr. Gregory House', clientId: 'doctor-42', isAudio: true, messageId: 'seed-enter-1',
      doctor: { avatarId: null, fullName: 'Gregory House', specialityName: 'Diagnostics' }, deviceState: { isHidden: false, isMute: false },
    },
  };
}

describe('CallError (seed class)', () => {
  test('new CallError(message, type): the seed signature; description null; name CallError; an Error', () => {
    const error = new CallError('Nobody entered the call', 'enter');
    assert.ok(error instanceof CallError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'CallError');
    assert.equal(error.message, 'Nobody entered the call');
    assert.equal(error.type, 'enter');
    assert.equal(error.description, null);
    assert.match(error.stack, /CallError: Nobody entered the call/);
    for (const type of Object.values(CALL_ERROR_TYPE_LIST)) assert.equal(new CallError('m', type).type, type);
  });

  test('bad arguments throw a TypeError saying what is expected', () => {
    assert.throws(() => new CallError('busy', 'busy'), { name: 'TypeError', message: /type must be one of answer, connection, enter, .*streamError; got busy$/ });
    assert.throws(() => new CallError({ type: 'enter', message: 'x' }), { name: 'TypeError', message: /message must be a string$/ });
    assert.throws(() => new CallError('m'), TypeError);
    assert.throws(() => CallError.fromCore(null), { name: 'TypeError', message: /fromCore\(error\): error must be \{type, message, description\}/ });
    assert.throws(() => CallError.fromCore({ type: 'nope', message: 'x' }), TypeError);
  });

  test('CallError.fromCore builds the core JSON {type, message, description}; no description is null', () => {
    const full = CallError.fromCore({ type: 'answer', message: 'The call was not answered', description: 'after 60 s' });
    assert.ok(full instanceof CallError);
    assert.deepEqual([full.name, full.message, full.type, full.description], ['CallError', 'The call was not answered', 'answer', 'after 60 s']);
    assert.equal(CallError.fromCore({ type: 'state', message: 'x', description: '' }).description, null);
    assert.equal(CallError.fromCore({ type: 'state', message: 'x' }).description, null);
  });

  test('the errors callcore raises are CallErrors built from the core, with their description', () => {
    assert.throws(() => new RTCDoctor({ ...seedParams(), send() {}, enterTimeoutSecond: -1 }), (e) => e instanceof CallError
      && e.name === 'CallError' && e.type === 'params' && e.message === 'Invalid RTCParams'
      && e.description === 'enterTimeoutSecond must be a positive number of seconds');
    const client = new RTCClient({ ...seedParams(), send() {} });
    client.destroy();
    assert.throws(() => client.socketMessenger.createPublishMessage('enter'), (e) => e instanceof CallError && e.type === 'state'
      && e.description === 'used after destroy()');
  });
});

describe('configure(): the page-wide default transport', () => {
  afterEach(() => configure(null));

  test('without any transport, new throws CallError params naming configure() and both options', () => {
    for (const Cls of [RTCDoctor, RTCClient]) {
      assert.throws(() => new Cls(seedParams()), (e) => {
        assert.ok(e instanceof CallError);
        assert.equal(e.type, 'params');
        assert.match(e.description, /configure\(\{ signalingUrl \}\)/);
        assert.match(e.description, /configure\(\{ send \}\)/);
        assert.match(e.description, /signalingUrl or send in RTCParams/);
        return true;
      });
    }
  });

  test('configure({ send }): seed RTCParams without a transport send through it; the params object is not modified', async () => {
    const sent = [];
    configure({ send: (message) => sent.push(message) });
    const params = seedParams();
    const frozen = JSON.stringify(params);
    const client = new RTCClient(params);
    try {
      assert.equal(typeof client.params.send, 'function');
      assert.equal(JSON.stringify(params), frozen, 'the caller\'s params are left as they were');
      assert.equal('send' in params, false);
      await client.socketMessageHandler(doctorEnter(params.consultationId));
      // The client answers the doctor's ring with its own enter, to the doctor's connection.
      await until(() => sent.some((m) => m.type === 'enter'), "the client's enter through the configured send");
      const enter = sent.find((m) => m.type === 'enter');
      assert.deepEqual(enter.connectionIds, ['conn-doc']);
      assert.equal(enter.data.sender.connectionId, 'conn-cli');
      assert.equal(client.hasEntered, true);
    } finally {
      client.destroy();
    }
  });

  test("the params' own send or signalingUrl win over configure()", async () => {
    const viaDefault = [];
    const viaParams = [];
    configure({ send: (message) => viaDefault.push(message) });
    const params = seedParams({ send: (message) => viaParams.push(message) });
    const client = new RTCClient(params);
    try {
      assert.equal(client.params, params, 'nothing merged: the same object');
      await client.socketMessageHandler(doctorEnter(params.consultationId));
      await until(() => viaParams.some((m) => m.type === 'enter'), 'the enter through params.send');
      assert.deepEqual(viaDefault, []);
    } finally {
      client.destroy();
    }
  });

  test("a params signalingUrl wins over a configured send (the core never sees both)", async (t) => {
    const server = await startServer({ port: 0, host: '127.0.0.1' });
    t.after(() => server.close());
    const viaDefault = [];
    configure({ send: (message) => viaDefault.push(message) });
    const client = new RTCClient(seedParams({ connectionId: null, signalingUrl: server.wsUrl }));
    t.after(() => client.destroy());
    assert.equal(client.params.send, undefined);
    const joined = [];
    client.emitter.on('joined', (event) => joined.push(event.payload));
    await until(() => joined.length > 0, "the server's joined");
    assert.deepEqual(viaDefault, []);
  });

  test('configure({ signalingUrl }): the call object opens its socket to that URL (reference server) and joins', async (t) => {
    const server = await startServer({ port: 0, host: '127.0.0.1' });
    t.after(() => server.close());
    configure({ signalingUrl: server.wsUrl });
    const client = new RTCClient(seedParams({ connectionId: null }));
    t.after(() => client.destroy());
    assert.equal(client.params.signalingUrl, server.wsUrl);
    const joined = [];
    client.emitter.on('joined', (event) => joined.push(event.payload));
    await until(() => joined.length > 0, "the server's joined");
    assert.match(joined[0].connectionId, /^c-[0-9a-f]{12}$/);
    assert.equal(joined[0].consultationId, client.params.consultationId);
  });

  test('configure(null) clears the default; objects made before keep theirs', () => {
    configure({ send() {} });
    const before = new RTCClient(seedParams());
    configure(null);
    try {
      assert.equal(typeof before.params.send, 'function');
      assert.throws(() => new RTCClient(seedParams()), (e) => e instanceof CallError && e.type === 'params');
    } finally {
      before.destroy();
    }
  });

  test('bad options throw a TypeError saying what is expected, and leave the default as it was', () => {
    const cases = [
      [undefined, /options must be \{ signalingUrl \} or \{ send \}/],
      ['ws://127.0.0.1/ws', /options must be/],
      [[], /options must be/],
      [{}, /give exactly one of signalingUrl and send/],
      [{ signalingUrl: 'ws://127.0.0.1/ws', send() {} }, /exactly one of/],
      [{ signalingURL: 'ws://127.0.0.1/ws' }, /unknown option 'signalingURL'/],
      [{ signalingUrl: 42 }, /absolute ws:\/\/ or wss:\/\/ URL; got 42$/],
      [{ signalingUrl: '/ws' }, /absolute ws:\/\/ or wss:\/\/ URL/],
      [{ signalingUrl: 'ftp://127.0.0.1/ws' }, /absolute ws:\/\/ or wss:\/\/ URL/],
      [{ send: 'socket' }, /send must be a function/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => configure(options), { name: 'TypeError', message }, JSON.stringify(options));
    }
    assert.throws(() => new RTCClient(seedParams()), (e) => e.type === 'params', 'still no default transport');
    assert.doesNotThrow(() => configure({ signalingUrl: 'wss://portal.example/ws' }));
  });
});

test('EVENT_LIST.ENTER carries the far side: the seed client page shows who rings', async () => {
  const sent = [];
  configure({ send: (message) => sent.push(message) });
  const params = seedParams();
  const client = new RTCClient(params);
  try {
    const entered = [];
    client.emitter.on(EVENT_LIST.ENTER, ({ payload }) => entered.push(payload));
    await client.socketMessageHandler(doctorEnter(params.consultationId));
    await until(() => entered.length === 1, 'EVENT_LIST.ENTER');
    assert.equal(entered[0].doctor.fullName, 'Gregory House');
    assert.equal(entered[0].connectionId, 'conn-doc');
  } finally {
    client.destroy();
    configure(null);
  }
});
