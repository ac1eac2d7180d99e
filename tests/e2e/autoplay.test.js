// Blocked autoplay in real Chromium, with the browser's own autoplay policy (no
// --autoplay-policy flag): <callcore-audio> elements and callcore/react <AudioProduce>
// components play the far side's audio of a real call; the browser refuses; there is exactly
// ONE pair of document gesture listeners (pointerup, keydown) whatever the number of blocked
// elements, re-renders, StrictMode double effects and remounts; a real gesture (a mouse click,
// a key press) plays every one of them and removes the listeners.
//
// Two facts about Chromium decide how this test drives the client page:
// - Playwright evaluates with `userGesture: true` (Runtime.callFunctionOn), which gives the page
//   user activation, after which nothing is blocked. So the client page is only driven through
//   its own CDP session's Runtime.evaluate (no user gesture): no page.evaluate/waitForFunction
//   and no harness helper that uses them, until the gesture under test.
// - Chromium lets a page that is capturing (getUserMedia) autoplay with sound. So once the call
//   is up, the client closes its microphone and camera (closeTrack('audio'/'video')): the far
//   side's audio still comes, and the page is an ordinary one again. The test checks that a
//   plain <audio> is refused at that point, so a passing test did run under a blocking policy.
//
// The React components come from dist/react.js, bundled for the page by esbuild with react and
// react-dom (development build, StrictMode); 'callcore' stays the page's /dist/callcore.js, so
// the elements and the components share one autoplay state, as in a portal.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import {
  ROOT, WAIT_MS, DOCTOR, startSuite, createParty, startCall, waitCallResult, waitForEvent, waitForCallState,
} from './harness.js';

const TEST_TIMEOUT = 240000;
const GESTURE_TYPES = ['pointerup', 'pointerdown', 'keydown', 'keyup', 'click', 'mousedown', 'mouseup', 'touchend'];
const ONE_PAIR = ['keydown (capture)', 'pointerup (capture)'];

// ---- the client page, through CDP without a user gesture -------------------------------------

/** Runtime.evaluate of `fn(arg)` in the page's main world, no user gesture; returns the value (JSON). */
async function evaluate(page, fn, arg) {
  const expression = `(${fn.toString()})(${JSON.stringify(arg === undefined ? null : arg)})`;
  const { result, exceptionDetails } = await page.cdp.send('Runtime.evaluate', {
    expression, awaitPromise: true, returnByValue: true, userGesture: false,
  });
  if (exceptionDetails) {
    throw new Error(`[${page.label}] ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
  }
  return result.value;
}

/** Polls `fn(arg)` (evaluate) every 100 ms until truthy; returns it. Deadline WAIT_MS. */
async function waitIn(page, fn, arg, message, timeout = WAIT_MS) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await evaluate(page, fn, arg);
    if (last) return last;
    if (Date.now() >= end) throw new Error(`[${page.label}] timed out after ${timeout} ms waiting for: ${message}; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // poll interval of a deadline wait
  }
}

async function openClientPage(suite) {
  const page = await suite.newPage('client', { url: `${suite.httpUrl}/tests/e2e/pages/autoplay.html`, waitReady: false });
  page.cdp = await page.context().newCDPSession(page);
  await waitIn(page, () => window.ready || window.loadError, null, 'callcore imported');
  const loadError = await evaluate(page, () => window.loadError);
  if (loadError) throw new Error(`autoplay.html could not import /dist/callcore.js: ${loadError}`);
  // The waits below call it inside the page.
  await page.cdp.send('Runtime.evaluate', { expression: `window.audioStateInPage = ${audioStateInPage.toString()}` });
  return page;
}

// Runs in the client page: an RTCClient on the reference server; every event in window.events.
function createClientInPage({ params }) {
  const cc = window.callcore;
  window.events = [];
  window.call = new cc.RTCClient(params);
  window.call.emitter.on(cc.EVENT_LIST.ALL, (event) => window.events.push(event));
  return true;
}

// Runs in the client page: stops capturing (microphone and camera) and reports whether a plain
// <audio> (a Web Audio tone, not callcore) may now play by itself.
async function stopCapturingInPage() {
  const captured = window.call.mediaStream.getTracks();
  await window.call.closeTrack('audio');
  await window.call.closeTrack('video');
  const probe = document.createElement('audio');
  const ctx = new AudioContext();
  const tone = ctx.createOscillator();
  const sink = ctx.createMediaStreamDestination();
  tone.connect(sink);
  tone.start();
  probe.srcObject = sink.stream;
  let plainAudio;
  try {
    await probe.play();
    plainAudio = 'played';
  } catch (error) {
    plainAudio = error.name;
  }
  probe.srcObject = null;
  tone.stop();
  await ctx.close();
  return {
    capturedTracks: captured.map((t) => `${t.kind}:${t.readyState}`),
    plainAudio,
    hasBeenActive: navigator.userActivation.hasBeenActive,
  };
}

// Runs in the client page: `count` <callcore-audio> for the far side's audio (and one
// <callcore-video> for its video), on a store of the call.
function addElementsInPage({ peerId, count, first = 1 }) {
  const cc = window.callcore;
  window.store ||= cc.createCallStore(window.call);
  window.blockedEvents ||= {};
  const box = document.getElementById('elements');
  for (let i = first; i < first + count; i += 1) {
    const el = document.createElement('callcore-audio');
    el.id = `audio-${i}`;
    el.setAttribute('peer-id', peerId);
    el.addEventListener('autoplayblocked', () => { window.blockedEvents[el.id] = (window.blockedEvents[el.id] || 0) + 1; });
    el.store = window.store;
    box.append(el);
  }
  if (!document.getElementById('video')) {
    box.insertAdjacentHTML('beforeend', `<callcore-video id="video" peer-id="${peerId}" style="width:160px;height:120px"></callcore-video>`);
    document.getElementById('video').store = window.store;
  }
  return true;
}

// Runs in the client page: mounts the React app (the bundle served at /autoplay-react-app.js).
async function mountReactInPage({ peerId, components }) {
  await import('/autoplay-react-app.js');
  window.reactBlocked = [];
  window.reactApp.mount(document.getElementById('react-root'), {
    store: window.store, peerId, components, onBlocked: (element) => window.reactBlocked.push(element.id),
  });
  return true;
}

// Runs in the client page: the state of every <audio> playing the far side (custom elements'
// inner media and the React ones), the listeners and callcore's blocked set.
function audioStateInPage(types) {
  const remote = window.call.remoteTrack('audio');
  const items = [];
  for (const el of document.querySelectorAll('callcore-audio')) {
    const track = el.media.srcObject && el.media.srcObject.getTracks()[0];
    items.push({ id: el.id, blocked: el.hasAttribute('blocked'), paused: el.media.paused, time: el.media.currentTime, isCallTrack: track === remote });
  }
  for (const el of document.querySelectorAll('#react-root audio')) {
    const track = el.srcObject && el.srcObject.getTracks()[0];
    items.push({ id: el.id, blocked: el.hasAttribute('data-blocked'), paused: el.paused, time: el.currentTime, isCallTrack: track === remote });
  }
  const video = document.getElementById('video');
  return {
    items,
    video: video && { blocked: video.hasAttribute('blocked'), paused: video.media.paused, hasTrack: !!video.media.srcObject },
    blockedMedia: window.callcore.blockedMedia().length,
    listeners: window.documentListeners(types),
    blockedEvents: window.blockedEvents,
    reactBlocked: window.reactBlocked,
    hasBeenActive: navigator.userActivation.hasBeenActive,
  };
}

// ---- the React app ----------------------------------------------------------------------------

const REACT_APP = `
import { StrictMode, createElement, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { AudioProduce } from 'callcore/react';

function App({ store, peerId, components, onBlocked }) {
  const [renders, setRenders] = useState(0);
  const [generation, setGeneration] = useState(0);
  window.reactApp.rerender = () => flushSync(() => setRenders((n) => n + 1));
  window.reactApp.remountLast = () => flushSync(() => setGeneration((n) => n + 1));
  window.reactApp.renders = renders;
  const children = [];
  for (let i = 1; i <= components; i += 1) {
    const last = i === components;
    children.push(createElement(AudioProduce, {
      key: last ? 'last-' + generation : 'c' + i,
      id: last ? 'react-' + i + '-gen' + generation : 'react-' + i,
      store, peerId, 'data-renders': renders,
      onAutoplayBlocked: (element) => onBlocked(element), // a new function every render
    }));
  }
  return createElement('div', null, children);
}

window.reactApp = {
  mount(container, props) {
    const root = createRoot(container);
    flushSync(() => root.render(createElement(StrictMode, null, createElement(App, props))));
    window.reactApp.unmount = () => root.unmount();
  },
};
`;

/** dist/react.js + react + react-dom in one ES module; 'callcore' stays the page's /dist/callcore.js. */
async function bundleReactApp() {
  const result = await build({
    stdin: { contents: REACT_APP, resolveDir: ROOT, loader: 'js', sourcefile: 'autoplay-react-app.js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
    plugins: [{
      name: 'callcore-from-the-page',
      setup(b) {
        b.onResolve({ filter: /^callcore$/ }, () => ({ path: '/dist/callcore.js', external: true }));
      },
    }],
  });
  return result.outputFiles[0].text;
}

// ---- the tests --------------------------------------------------------------------------------

describe('blocked autoplay: one listener pair, played by a real gesture', () => {
  let suite;
  let reactApp;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => {
    reactApp = await bundleReactApp();
    suite = await startSuite('autoplay'); // DEFAULT_ARGS: fake media, no --autoplay-policy
    assert.ok(!suite.browser.args.some((a) => a.startsWith('--autoplay-policy')), 'the browser runs its own autoplay policy');
  });
  after(async () => { if (suite) await suite.close(); });

  // A call whose client page (CDP only) has stopped capturing; returns {doctor, client, doctorId}.
  async function callWithQuietClient(tag) {
    const consultationId = suite.consultationId(tag);
    const client = await openClientPage(suite);
    await client.route('**/autoplay-react-app.js', (route) => route.fulfill({ body: reactApp, contentType: 'text/javascript' }));
    await evaluate(client, createClientInPage, {
      params: {
        name: 'Patient Zero', clientId: 'client-1', connectionId: null, consultationId, doctor: DOCTOR, isAudio: false, signalingUrl: suite.wsUrl,
        token: await suite.token(consultationId, 'client', 'client-1', 'Patient Zero'),
      },
    });
    await waitIn(client, () => window.events.some((e) => e.eventType === 'joined'), null, 'client joined');
    const doctor = await suite.newPage('doctor');
    await createParty(doctor, 'doctor', { suite, consultationId });
    await waitForEvent(doctor, 'joined');
    const doctorId = await doctor.evaluate(() => window.events.find((e) => e.eventType === 'joined').payload.connectionId);

    await startCall(doctor);
    await waitIn(client, () => window.events.some((e) => e.eventType === 'enterEvent'), null, 'the doctor rang (enterEvent)');
    await evaluate(client, () => {
      window.callResult = null;
      window.call.call().then(() => { window.callResult = 'ok'; }, (e) => { window.callResult = `${e.type}: ${e.message}`; });
      return true;
    });
    assert.equal(await waitIn(client, () => window.callResult, null, "the client's call() settled"), 'ok');
    assert.equal((await waitCallResult(doctor)).ok, true, "the doctor's call() resolved");
    await waitForCallState(doctor, 'connected');
    await waitIn(client, () => window.call.callState === 'connected', null, 'client connected');
    await waitIn(client, () => {
      const track = window.call.remoteTrack('audio');
      return track && track.readyState === 'live';
    }, null, "the doctor's audio track arrived");

    const quiet = await evaluate(client, stopCapturingInPage);
    assert.deepEqual(quiet.capturedTracks.sort(), ['audio:ended', 'video:ended'], 'the client no longer captures');
    assert.equal(quiet.hasBeenActive, false, 'the client page has had no user activation');
    assert.equal(quiet.plainAudio, 'NotAllowedError', "Chromium's autoplay policy now refuses a plain <audio> with sound");
    return { doctor, client, doctorId };
  }

  const blockedNow = (s) => s.items.length > 0 && s.items.every((i) => i.blocked && i.paused && i.isCallTrack);

  it('many blocked elements and re-renders keep ONE listener pair; a mouse click plays them all and removes it', { timeout: TEST_TIMEOUT }, run(async (t) => {
    const { client, doctorId } = await callWithQuietClient('click');
    const state = () => evaluate(client, audioStateInPage, GESTURE_TYPES);

    // Three <callcore-audio> and a <callcore-video>, then three React components (StrictMode).
    await evaluate(client, addElementsInPage, { peerId: doctorId, count: 3 });
    await evaluate(client, mountReactInPage, { peerId: doctorId, components: 3 });
    let s = await waitIn(client, (types) => {
      const st = audioStateInPage(types);
      return st.items.length === 6 && st.items.every((i) => i.blocked && i.paused) && st;
    }, GESTURE_TYPES, 'all six <audio> blocked');
    assert.ok(blockedNow(s), `every <audio> plays the call's track, blocked: ${JSON.stringify(s.items)}`);
    assert.deepEqual(s.listeners.live, ONE_PAIR, 'one pointerup + keydown pair on the document');
    assert.equal(s.blockedMedia, 6);
    assert.deepEqual(s.blockedEvents, { 'audio-1': 1, 'audio-2': 1, 'audio-3': 1 }, 'one autoplayblocked per element');
    assert.deepEqual([...new Set(s.reactBlocked)].sort(), ['react-1', 'react-2', 'react-3-gen0'], 'onAutoplayBlocked for each component');
    assert.deepEqual({ blocked: s.video.blocked, paused: s.video.paused, hasTrack: s.video.hasTrack }, { blocked: false, paused: false, hasTrack: true },
      'the muted <callcore-video> plays (muted autoplay is allowed)');

    // Re-renders, a remount (new key: a new <audio>) and two more elements: still one pair.
    for (let i = 0; i < 5; i += 1) await evaluate(client, () => { window.reactApp.rerender(); return true; });
    await evaluate(client, () => { window.reactApp.remountLast(); return true; });
    await evaluate(client, addElementsInPage, { peerId: doctorId, count: 2, first: 4 });
    s = await waitIn(client, (types) => {
      const st = audioStateInPage(types);
      return st.items.length === 8 && st.items.some((i) => i.id === 'react-3-gen1') && st.items.every((i) => i.blocked && i.paused) && st;
    }, GESTURE_TYPES, 'eight <audio> blocked after re-renders, a remount and two more elements');
    assert.equal(await evaluate(client, () => window.reactApp.renders), 5);
    assert.deepEqual(s.listeners.live, ONE_PAIR, 'still one pair');
    assert.deepEqual({ pointerup: s.listeners.adds.pointerup, keydown: s.listeners.adds.keydown }, { pointerup: 1, keydown: 1 },
      'added once in all, whatever the number of blocked elements and renders');
    assert.equal(s.blockedMedia, 8, 'the unmounted <audio> (old key) left the blocked set');

    // One element taken out of the page while blocked: dropped, never played.
    await evaluate(client, () => { window.removedAudio = document.getElementById('audio-2'); window.removedAudio.remove(); return true; });
    s = await state();
    assert.equal(s.blockedMedia, 7);
    assert.deepEqual(s.listeners.live, ONE_PAIR);

    // The gesture: a real mouse click anywhere in the page.
    await client.mouse.click(5, 5);
    const first = await waitIn(client, (types) => {
      const st = audioStateInPage(types);
      return st.items.length === 7 && st.items.every((i) => !i.blocked && !i.paused) && st;
    }, GESTURE_TYPES, 'every <audio> plays after the click');
    assert.deepEqual(first.listeners.live, [], 'the listeners are gone');
    assert.equal(first.blockedMedia, 0);
    // Playing for real: the clock of each element advances.
    await waitIn(client, ({ types, before }) => {
      const st = audioStateInPage(types);
      return st.items.every((i) => i.time > before[i.id] + 0.2 && i.isCallTrack);
    }, { types: GESTURE_TYPES, before: Object.fromEntries(first.items.map((i) => [i.id, i.time])) }, 'currentTime advances on every <audio>');
    assert.equal(await evaluate(client, () => window.removedAudio.media.paused), true, 'the removed element was not played');
    t.diagnostic(`listener adds during the test: ${JSON.stringify(first.listeners.adds)}`);
  }));

  it('listeners go when the last blocked element goes, come back once, and a key press plays', { timeout: TEST_TIMEOUT }, run(async () => {
    const { client, doctorId } = await callWithQuietClient('key');

    await evaluate(client, addElementsInPage, { peerId: doctorId, count: 2 });
    await evaluate(client, mountReactInPage, { peerId: doctorId, components: 1 });
    let s = await waitIn(client, (types) => {
      const st = audioStateInPage(types);
      return st.items.length === 3 && st.items.every((i) => i.blocked && i.paused) && st;
    }, GESTURE_TYPES, 'three <audio> blocked');
    assert.deepEqual(s.listeners.live, ONE_PAIR);

    // All of them go (removed, unmounted): no element left blocked, no listener left.
    await evaluate(client, () => {
      for (const el of [...document.querySelectorAll('callcore-audio')]) el.remove();
      window.reactApp.unmount();
      return true;
    });
    s = await evaluate(client, audioStateInPage, GESTURE_TYPES);
    assert.deepEqual([s.items.length, s.blockedMedia, s.listeners.live], [0, 0, []], 'nothing blocked, no listener');

    // Blocked again: one new pair.
    await evaluate(client, addElementsInPage, { peerId: doctorId, count: 2, first: 10 });
    s = await waitIn(client, (types) => {
      const st = audioStateInPage(types);
      return st.items.length === 2 && st.items.every((i) => i.blocked && i.paused) && st;
    }, GESTURE_TYPES, 'two new <audio> blocked');
    assert.deepEqual(s.listeners.live, ONE_PAIR);
    assert.deepEqual({ pointerup: s.listeners.adds.pointerup, keydown: s.listeners.adds.keydown }, { pointerup: 2, keydown: 2 },
      'one pair for the first blocked period, one for the second');

    // The gesture: a real key press.
    await client.keyboard.press('Enter');
    s = await waitIn(client, (types) => {
      const st = audioStateInPage(types);
      return st.items.every((i) => !i.blocked && !i.paused) && st;
    }, GESTURE_TYPES, 'both <audio> play after the key press');
    assert.deepEqual([s.blockedMedia, s.listeners.live], [0, []]);
  }));
});
