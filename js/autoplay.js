// Playback that the browser's autoplay policy blocked, handled in one place for
// <callcore-video>/<callcore-audio> (elements.js) and callcore/react (react.js imports it from
// 'callcore', so a page has one copy of this state whatever bundles it loads).
//
// One set of blocked media elements; while it is not empty, ONE pair of document listeners
// (`pointerup` and `keydown`, capture phase) waits for a user gesture. The first gesture retries
// every blocked element that is still in the document (the others are dropped); an element that
// plays leaves the set, and the listeners go as soon as the set is empty.
//
// Why `pointerup` and not `pointerdown`: a touch's pointerdown does not give the page user
// activation (HTML "activation triggering input event": pointerdown of a mouse, pointerup of
// anything else), so a touch would retry too early; a mouse's pointerup comes within the
// activation its pointerdown gave.

import { logFromShell } from './logger.js';

const GESTURES = ['pointerup', 'keydown'];
const LISTENER_OPTIONS = { capture: true, passive: true };

/** media element → {onBlocked, onPlaying} of the last playMedia() call for it. */
const blocked = new Map();
/** media element → the token of its latest play attempt; an older attempt's outcome is ignored. */
const attempts = new WeakMap();
let listeningOn = null; // the document whose listeners are registered, or null

function listen() {
  if (listeningOn || blocked.size === 0) return;
  const doc = globalThis.document;
  if (!doc) return;
  for (const type of GESTURES) doc.addEventListener(type, onGesture, LISTENER_OPTIONS);
  listeningOn = doc;
}

function unlistenIfIdle() {
  if (!listeningOn || blocked.size > 0) return;
  for (const type of GESTURES) listeningOn.removeEventListener(type, onGesture, LISTENER_OPTIONS);
  listeningOn = null;
}

function onGesture() {
  for (const [media, hooks] of [...blocked]) {
    if (!media.isConnected) {
      blocked.delete(media); // removed from the page (unmounted, disconnected): never retried
      attempts.delete(media);
      continue;
    }
    // play() inside the gesture's handler: the activation applies. Other failures were logged.
    attempt(media, hooks).catch((error) => console.error('callcore autoplay: the retry failed', error));
  }
  unlistenIfIdle();
}

// A hook (e.g. a React onAutoplayBlocked prop) that throws does not change the outcome: the
// error is logged and shown on the console.
function callHook(hook, media, name) {
  if (!hook) return;
  try {
    hook(media);
  } catch (error) {
    logFromShell('error', 'listenerError', '', { eventType: name, error: { name: error?.name ?? 'Error', message: String(error?.message ?? error) } });
    console.error(`callcore autoplay: ${name} threw`, error);
  }
}

function isNotAllowed(error) {
  return error?.name === 'NotAllowedError';
}

function attempt(media, hooks) {
  const token = {};
  attempts.set(media, token);
  let started;
  try {
    started = Promise.resolve(media.play());
  } catch (error) {
    started = Promise.reject(error); // play() that throws instead of rejecting (old engines)
  }
  return started.then(
    () => {
      if (attempts.get(media) !== token) return 'aborted';
      const wasBlocked = blocked.delete(media);
      if (wasBlocked) {
        unlistenIfIdle();
        logFromShell('info', 'autoplayResumed', '', { element: media.tagName });
      }
      callHook(hooks.onPlaying, media, 'onPlaying');
      return 'playing';
    },
    (error) => {
      if (attempts.get(media) !== token) return 'aborted';
      if (isNotAllowed(error)) {
        if (!media.isConnected) {
          // Gone while play() was pending: nothing to wait for.
          blocked.delete(media);
          unlistenIfIdle();
          return 'aborted';
        }
        const already = blocked.has(media);
        blocked.set(media, hooks);
        listen();
        if (!already) {
          logFromShell('warn', 'autoplayBlocked', '', { element: media.tagName, blocked: blocked.size });
          callHook(hooks.onBlocked, media, 'onBlocked');
        }
        return 'blocked';
      }
      // AbortError: a new source or pause() interrupted this play(); the newer one decides.
      if (error?.name === 'AbortError') return 'aborted';
      logFromShell('error', 'playFailed', '', { element: media.tagName, name: error?.name ?? 'Error', message: String(error?.message ?? error) });
      throw error;
    },
  );
}

/**
 * Plays `media` (an HTMLMediaElement). When the autoplay policy refuses (play() rejects with
 * NotAllowedError) the element joins the blocked set: `onBlocked(media)` is called once (not
 * again for failed retries while it stays blocked) and the element is played again at the
 * next user gesture (pointerup or keydown anywhere in the document), then `onPlaying(media)`
 * is called. `onPlaying` is also called when this first attempt plays.
 * @param {HTMLMediaElement} media
 * @param {{onBlocked?: (media: HTMLMediaElement) => void, onPlaying?: (media: HTMLMediaElement) => void}} [hooks]
 * @returns {Promise<'playing' | 'blocked' | 'aborted'>} `aborted`: a newer playMedia() or
 *   forgetMedia() for the element, a new source or pause() interrupted this attempt.
 *   Rejects with play()'s error for anything else (e.g. NotSupportedError: a source the
 *   browser cannot play).
 * @throws {TypeError} when `media` has no play() method.
 */
export function playMedia(media, hooks = {}) {
  if (!media || typeof media.play !== 'function') {
    throw new TypeError('playMedia: media must be an HTMLMediaElement (an object with play())');
  }
  if (blocked.has(media)) blocked.set(media, hooks);
  return attempt(media, hooks);
}

/**
 * Stops waiting for a gesture to play `media` (its track went away, it was unmounted): it
 * leaves the blocked set, an attempt still pending for it resolves 'aborted', and the
 * document listeners are removed when no element is left. No-op for an element that is not
 * blocked.
 * @param {HTMLMediaElement} media
 */
export function forgetMedia(media) {
  attempts.delete(media);
  if (blocked.delete(media)) unlistenIfIdle();
}

/**
 * The media elements waiting for a user gesture to play, e.g. to show an "enable sound" hint.
 * @returns {HTMLMediaElement[]}
 */
export function blockedMedia() {
  return [...blocked.keys()];
}
