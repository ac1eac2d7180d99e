// Tests of the emitter every callcore object uses (js/emitter.js), through the package.
// Run: node --test tests/node/emitter.test.js (after npm run build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONNECTION_EVENT_LIST, Emitter, EVENT_LIST, EMIT_TYPE_LIST, logger, SOCKET_MESSAGES_EVENT_LIST } from 'callcore';

test('on returns an unsubscribe function; ALL receives every event with its shape', () => {
  const emitter = new Emitter();
  const seen = [];
  const off = emitter.on(EVENT_LIST.HANG_UP, (e) => seen.push(['hangUp', e]));
  emitter.on(EVENT_LIST.ALL, (e) => seen.push(['all', e]));
  emitter.emit(EVENT_LIST.HANG_UP, { reason: 'hangUp' });
  const event = { emitType: 'event', eventType: 'hangUpReceiveEvent', payload: { reason: 'hangUp' } };
  assert.deepEqual(seen, [['hangUp', event], ['all', event]]);
  assert.equal(seen[0][1], seen[1][1], 'both listeners get the same event object');
  off();
  emitter.emit(EVENT_LIST.HANG_UP, {});
  assert.equal(seen.length, 3);
  assert.equal(emitter.listenerCount(EVENT_LIST.HANG_UP), 0);
});

test('emit returns a Promise<void> (seed); the listeners have run before emit returns', async () => {
  const emitter = new Emitter();
  const order = [];
  emitter.on('x', () => order.push('listener'));
  emitter.on(EVENT_LIST.ALL, () => order.push('all'));
  const result = emitter.emit('x', 1);
  order.push('returned');
  assert.ok(result instanceof Promise);
  assert.deepEqual(order, ['listener', 'all', 'returned']);
  assert.equal(await result, undefined);
  // A throwing listener does not reject the promise: it is a LISTENER_ERROR event.
  emitter.on('y', () => { throw new Error('boom'); });
  assert.equal(await emitter.emit('y'), undefined);
});

test('events is the seed EventsDict: an array of listeners per event type, every known event present', () => {
  const emitter = new Emitter();
  for (const list of [EVENT_LIST, SOCKET_MESSAGES_EVENT_LIST, CONNECTION_EVENT_LIST]) {
    for (const eventType of Object.values(list)) assert.deepEqual(emitter.events[eventType], [], eventType);
  }
  const a = () => {};
  const b = () => {};
  emitter.on(EVENT_LIST.HANG_UP, a);
  emitter.on(EVENT_LIST.HANG_UP, b);
  emitter.on(EVENT_LIST.HANG_UP, a); // registered once
  assert.deepEqual(emitter.events[EVENT_LIST.HANG_UP], [a, b]);
  emitter.on('custom', a);
  assert.deepEqual(emitter.events.custom, [a]);
  emitter.off('custom', a);
  assert.equal('custom' in emitter.events, false, 'an unknown event type goes when its last listener does');
  emitter.offAll();
  assert.deepEqual(emitter.events[EVENT_LIST.HANG_UP], [], 'a known event type keeps its (empty) array');
  emitter.on('__proto__', a); // any name is a plain key
  assert.deepEqual(emitter.listeners('__proto__'), [a]);
});

test('bad arguments throw a TypeError that says what was expected', () => {
  const emitter = new Emitter();
  assert.throws(() => emitter.on(undefined, () => {}), { name: 'TypeError', message: /event type must be a non-empty string/ });
  assert.throws(() => emitter.on('', () => {}), TypeError);
  assert.throws(() => emitter.on('x', 'not a function'), { name: 'TypeError', message: /listener must be a function/ });
  assert.throws(() => emitter.onMany('x', () => {}), { name: 'TypeError', message: /events must be an array/ });
  assert.throws(() => emitter.emit('x', {}, 'warning'), { name: 'TypeError', message: /emitType must be one of error, event; got warning$/ });
  assert.throws(() => emitter.emit(42), TypeError);
});

test('once fires once, and off removes a once listener by the function given', () => {
  const emitter = new Emitter();
  let count = 0;
  const cb = () => count++;
  emitter.once('x', cb);
  assert.deepEqual(emitter.listeners('x'), [cb]);
  emitter.emit('x');
  emitter.emit('x');
  assert.equal(count, 1);
  emitter.once('y', cb);
  emitter.off('y', cb);
  emitter.emit('y');
  assert.equal(count, 1);
});

test('onMany, listeners, listenerCount, removeListener, removeAllListeners', () => {
  const emitter = new Emitter();
  const cb = () => {};
  const offs = emitter.onMany(['a', 'b', 'c'], cb);
  assert.equal(offs.length, 3);
  assert.equal(emitter.listenerCount('b'), 1);
  offs[1]();
  assert.equal(emitter.listenerCount('b'), 0);
  emitter.removeListener('nothing', cb); // no throw
  emitter.off('a', () => {}); // not registered: no throw, nothing removed
  assert.equal(emitter.listenerCount('a'), 1);
  emitter.removeAllListeners('a');
  assert.equal(emitter.listenerCount('a'), 0);
  assert.equal(emitter.listenerCount('c'), 1);
  emitter.offAllListeners();
  assert.deepEqual(Object.values(emitter.events).flat(), []);
});

test('a listener that throws does not stop the others and becomes an error event and a log entry', () => {
  const emitter = new Emitter();
  const order = [];
  const errors = [];
  emitter.on('x', () => { order.push(1); throw new Error('boom'); });
  emitter.on('x', () => order.push(2));
  emitter.on(EVENT_LIST.LISTENER_ERROR, (e) => { errors.push(e); throw new Error('the error listener throws too'); });
  emitter.emit('x');
  assert.deepEqual(order, [1, 2]);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].emitType, EMIT_TYPE_LIST.ERROR);
  assert.equal(errors[0].payload.eventType, 'x');
  assert.equal(errors[0].payload.error.message, 'boom');
});

test('a throwing listener of a call is logged by the core logger', async () => {
  const { RTCClient } = await import('callcore');
  const client = new RTCClient({ name: 'a', clientId: 'b', connectionId: 'c', consultationId: 'd', isAudio: true, send() {} });
  client.emitter.on(EVENT_LIST.SIGNALING_ERROR, () => { throw new Error('listener bug'); });
  await client.socketMessageHandler('{broken');
  const entry = logger.filter((e) => e.event === 'listenerError').at(-1);
  assert.equal(entry.data.eventType, 'signalingErrorEvent');
  assert.equal(entry.data.error.message, 'listener bug');
  client.destroy();
});
