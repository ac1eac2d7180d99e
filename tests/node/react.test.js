// Tests of callcore/react (js/react.js) with React 19's server renderer: the hook reads a real
// call store and the components render their track or placeholder. And the blocked-autoplay
// mechanism they share with <callcore-audio> (js/autoplay.js, exported as playMedia,
// forgetMedia, blockedMedia) against a stand-in document (Node's EventTarget, with its
// addEventListener counted) and stand-in media elements whose play() rejects with
// NotAllowedError until the test grants "user activation" - what a browser does. The same in
// real Chromium: tests/e2e/autoplay.test.js.
// Run: node --test tests/node/react.test.js (after npm run build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { RTCClient, blockedMedia, createCallStore, forgetMedia, playMedia, setDefaultCallStore } from 'callcore';
import { AudioProduce, VideoProduce, useCallStore } from 'callcore/react';

function client() {
  return new RTCClient({ name: 'Alice', clientId: 'c1', connectionId: 'conn-c', consultationId: 'r1', isAudio: false, send() {} });
}

test('useCallStore selects from the store snapshot, memoising the selector per snapshot', (t) => {
  const call = client();
  t.after(() => call.destroy());
  const store = createCallStore(call);
  let runs = 0;
  function Status() {
    const view = useCallStore(store, (s) => { runs++; return { state: s.callState, name: s.displayName }; });
    return createElement('p', null, `${view.name}: ${view.state}`);
  }
  assert.equal(renderToString(createElement(Status)), '<p>Alice: idle</p>');
  assert.equal(runs, 1, 'one selector run for one snapshot, though React reads it more than once');
  call.changeDeviceState({ isMute: true });
  function Muted() {
    return createElement('p', null, String(useCallStore(store, (s) => s.muted)));
  }
  assert.equal(renderToString(createElement(Muted)), '<p>true</p>');
});

test('VideoProduce renders onVideo without a track, and uses the default store', (t) => {
  const call = client();
  t.after(() => { call.destroy(); setDefaultCallStore(null); });
  const store = createCallStore(call);
  const html = renderToString(createElement(VideoProduce, { store, peerId: 'nobody', onVideo: createElement('span', null, 'camera off') }));
  assert.equal(html, '<span>camera off</span>');
  assert.throws(() => renderToString(createElement(AudioProduce, {})), /no store/);
  setDefaultCallStore(store);
  assert.equal(renderToString(createElement(AudioProduce, {})), '<audio autoPlay=""></audio>');
});

test('AudioProduce: onAutoplayBlocked is not rendered as an attribute, and nothing is blocked before an effect ran', (t) => {
  const call = client();
  t.after(() => call.destroy());
  const store = createCallStore(call);
  const html = renderToString(createElement(AudioProduce, { store, peerId: 'nobody', onAutoplayBlocked() {}, className: 'sound' }));
  assert.equal(html, '<audio autoPlay="" class="sound"></audio>');
});

// ---- the shared autoplay mechanism ------------------------------------------------------------

/** A document stand-in: an EventTarget that keeps its live listeners and counts every add. */
function fakeDocument() {
  const doc = new EventTarget();
  const live = [];
  const adds = {};
  const add = doc.addEventListener.bind(doc);
  const remove = doc.removeEventListener.bind(doc);
  const capture = (options) => (typeof options === 'boolean' ? options : !!options?.capture);
  doc.addEventListener = (type, listener, options) => {
    adds[type] = (adds[type] ?? 0) + 1;
    if (!live.some((l) => l.type === type && l.listener === listener && l.capture === capture(options))) {
      live.push({ type, listener, capture: capture(options) });
    }
    add(type, listener, options);
  };
  doc.removeEventListener = (type, listener, options) => {
    const i = live.findIndex((l) => l.type === type && l.listener === listener && l.capture === capture(options));
    if (i >= 0) live.splice(i, 1);
    remove(type, listener, options);
  };
  doc.live = () => live.map((l) => `${l.type}${l.capture ? ' (capture)' : ''}`).sort();
  doc.adds = adds;
  return doc;
}

/** A media element stand-in: play() is refused (NotAllowedError) until `activation.granted`. */
function fakeMedia(activation, name) {
  return {
    name,
    tagName: 'AUDIO',
    isConnected: true,
    plays: 0,
    paused: true,
    play() {
      this.plays += 1;
      if (!activation.granted) return Promise.reject(new DOMException("play() failed because the user didn't interact with the document first.", 'NotAllowedError'));
      this.paused = false;
      return Promise.resolve();
    },
  };
}

/** Lets every pending promise reaction run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function withDocument(t) {
  const doc = fakeDocument();
  const had = Object.getOwnPropertyDescriptor(globalThis, 'document');
  globalThis.document = doc;
  t.after(() => {
    for (const media of blockedMedia()) forgetMedia(media);
    if (had) Object.defineProperty(globalThis, 'document', had);
    else delete globalThis.document;
  });
  return doc;
}

test('playMedia: any number of blocked elements share ONE pointerup/keydown listener pair; the first gesture plays them all and removes it', async (t) => {
  const doc = withDocument(t);
  const activation = { granted: false };
  const media = ['a', 'b', 'c'].map((name) => fakeMedia(activation, name));
  const calls = [];
  const hooks = { onBlocked: (m) => calls.push(`blocked ${m.name}`), onPlaying: (m) => calls.push(`playing ${m.name}`) };

  const outcomes = await Promise.all(media.map((m) => playMedia(m, hooks)));
  assert.deepEqual(outcomes, ['blocked', 'blocked', 'blocked']);
  assert.deepEqual(calls, ['blocked a', 'blocked b', 'blocked c']);
  assert.deepEqual(blockedMedia().map((m) => m.name), ['a', 'b', 'c']);
  assert.deepEqual(doc.live(), ['keydown (capture)', 'pointerup (capture)']);

  // Played again while blocked (a re-render, a new track): still one pair, no second onBlocked.
  assert.equal(await playMedia(media[0], hooks), 'blocked');
  assert.deepEqual(doc.adds, { pointerup: 1, keydown: 1 }, 'listeners added once in all');
  assert.deepEqual(calls.length, 3);

  // A key press that gives no activation (Escape): the retry is refused, everything stays.
  doc.dispatchEvent(new Event('keydown'));
  await settle();
  assert.deepEqual(media.map((m) => m.plays), [3, 2, 2], 'each blocked element retried once more');
  assert.equal(blockedMedia().length, 3);
  assert.deepEqual(doc.live(), ['keydown (capture)', 'pointerup (capture)']);
  assert.equal(calls.length, 3, 'no second onBlocked for a failed retry');

  // A click: activation granted, every blocked element plays, the listeners go.
  activation.granted = true;
  doc.dispatchEvent(new Event('pointerup'));
  await settle();
  assert.deepEqual(media.map((m) => m.paused), [false, false, false]);
  assert.deepEqual(calls.slice(3).sort(), ['playing a', 'playing b', 'playing c']);
  assert.deepEqual(blockedMedia(), []);
  assert.deepEqual(doc.live(), []);
  assert.deepEqual(doc.adds, { pointerup: 1, keydown: 1 });
});

test('playMedia: disconnected elements are dropped at the gesture, forgotten ones at once; the listeners go with the last one', async (t) => {
  const doc = withDocument(t);
  const activation = { granted: false };
  const [kept, removed, forgotten] = ['kept', 'removed', 'forgotten'].map((name) => fakeMedia(activation, name));
  for (const m of [kept, removed, forgotten]) assert.equal(await playMedia(m), 'blocked');

  forgetMedia(forgotten); // e.g. the React component unmounted
  assert.deepEqual(blockedMedia().map((m) => m.name), ['kept', 'removed']);
  removed.isConnected = false; // taken out of the page without forgetMedia
  activation.granted = true;
  doc.dispatchEvent(new Event('keydown'));
  await settle();
  assert.equal(kept.paused, false, 'the connected element plays');
  assert.deepEqual([removed.plays, forgotten.plays], [1, 1], 'neither the removed nor the forgotten one was played again');
  assert.deepEqual(blockedMedia(), []);
  assert.deepEqual(doc.live(), []);

  // Blocked again later (a new page state): a new pair; forgetting the only element removes it.
  activation.granted = false;
  const late = fakeMedia(activation, 'late');
  assert.equal(await playMedia(late), 'blocked');
  assert.deepEqual(doc.live(), ['keydown (capture)', 'pointerup (capture)']);
  forgetMedia(late);
  assert.deepEqual(doc.live(), []);
});

test('playMedia: a superseded or forgotten attempt resolves "aborted", other errors reject, bad input throws', async (t) => {
  withDocument(t);
  const activation = { granted: false };
  const m = fakeMedia(activation, 'm');
  const first = playMedia(m);
  forgetMedia(m); // before play() settled
  assert.equal(await first, 'aborted');
  assert.deepEqual(blockedMedia(), [], 'a forgotten element does not become blocked late');

  const aborted = { ...fakeMedia(activation, 'x'), play: () => Promise.reject(new DOMException('interrupted by a new load request', 'AbortError')) };
  assert.equal(await playMedia(aborted), 'aborted');
  const unsupported = { ...fakeMedia(activation, 'y'), play: () => Promise.reject(new DOMException('no supported source', 'NotSupportedError')) };
  await assert.rejects(playMedia(unsupported), { name: 'NotSupportedError' });
  assert.deepEqual(blockedMedia(), []);

  activation.granted = true;
  assert.equal(await playMedia(m), 'playing');
  assert.throws(() => playMedia(null), TypeError);
  assert.throws(() => playMedia({}), /HTMLMediaElement/);
});

test('playMedia: a hook that throws is reported and does not change the outcome', async (t) => {
  const doc = withDocument(t);
  const activation = { granted: false };
  const m = fakeMedia(activation, 'm');
  const errors = [];
  t.mock.method(console, 'error', (...args) => errors.push(args.join(' ')));
  assert.equal(await playMedia(m, { onBlocked() { throw new Error('portal bug'); } }), 'blocked');
  assert.equal(errors.length, 1);
  assert.match(errors[0], /onBlocked threw.*portal bug/);
  assert.deepEqual(doc.live(), ['keydown (capture)', 'pointerup (capture)']);
});
