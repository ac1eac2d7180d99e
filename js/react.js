// callcore/react: React bindings of a call store (issue 4; after the media-store seed's
// useStore, VideoProduce and AudioProduce). react is an optional peer dependency: only this
// entry imports it. Blocked autoplay is handled by callcore's playMedia (js/autoplay.js),
// imported from 'callcore' so the custom elements and these components share one set of
// blocked elements and one pair of document gesture listeners.
import { createElement, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { forgetMedia, getDefaultCallStore, playMedia } from 'callcore';

const identity = (snapshot) => snapshot;

/**
 * The selected part of a call store's snapshot; re-renders when it changes. The selector runs
 * once per snapshot (memoised), so it may build new objects without breaking
 * useSyncExternalStore.
 * @param {import('callcore').CallStore} store
 * @param {(snapshot: import('callcore').CallSnapshot) => T} [selector]
 * @returns {T}
 * @template T
 */
export function useCallStore(store, selector = identity) {
  const cache = useRef({ snapshot: undefined, selector: undefined, value: undefined });
  const read = () => {
    const snapshot = store.getSnapshot();
    const c = cache.current;
    if (snapshot !== c.snapshot || selector !== c.selector) {
      cache.current = { snapshot, selector, value: selector(snapshot) };
    }
    return cache.current.value;
  };
  return useSyncExternalStore(store.subscribe, read, read);
}

function findTrack(snapshot, peerId, tag, kind) {
  const entry = peerId
    ? snapshot.peers.find((p) => p.id === peerId)?.tracks[tag]
    : snapshot.sendTracks.find((t) => t.tag === tag);
  return entry && entry.state === 'sending' && entry.track?.kind === kind ? entry.track : null;
}

// Plays `track` in the rendered <video>/<audio> (ref). Returns [ref, blocked]: `blocked` is
// true while the autoplay policy holds the element back (until the next click or key press);
// `onAutoplayBlocked(element)` is called each time it becomes blocked.
function useTrackElement(track, onAutoplayBlocked) {
  const ref = useRef(null);
  const [blocked, setBlocked] = useState(false);
  const onBlocked = useRef(onAutoplayBlocked);
  onBlocked.current = onAutoplayBlocked;
  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    element.srcObject = track ? new MediaStream([track]) : null;
    if (track) {
      playMedia(element, {
        onBlocked: () => {
          setBlocked(true);
          onBlocked.current?.(element);
        },
        onPlaying: () => setBlocked(false),
      }).catch((error) => console.error(`callcore/react: the ${track.kind} track cannot be played`, error));
    } else {
      setBlocked(false);
    }
    return () => {
      forgetMedia(element);
      element.srcObject = null;
    };
  }, [track]);
  return [ref, blocked];
}

function produce(kind) {
  return function Produce({ store, peerId, mediatag = kind, onVideo = null, onAutoplayBlocked, ...props }) {
    const source = store ?? getDefaultCallStore();
    if (!source) throw new Error(`${kind === 'video' ? 'VideoProduce' : 'AudioProduce'}: no store (pass store or call setDefaultCallStore)`);
    const track = useCallStore(source, (s) => findTrack(s, peerId, mediatag, kind));
    const [ref, blocked] = useTrackElement(track, onAutoplayBlocked);
    if (!track && kind === 'video') return onVideo;
    return createElement(kind, {
      ref,
      autoPlay: true,
      ...(kind === 'video' ? { muted: true, playsInline: true } : {}),
      ...props,
      'data-blocked': blocked ? '' : undefined,
    });
  };
}

/**
 * <VideoProduce store? peerId? mediatag="video" onVideo={placeholder} onAutoplayBlocked? />:
 * the track's video (muted autoplay); `onVideo` is rendered while there is no track or it is
 * paused. Without `peerId`, the local user's track. When the browser's autoplay policy refuses
 * to play it, the <video> gets `data-blocked=""` and `onAutoplayBlocked(element)` is called;
 * it plays at the next click or key press in the page. Other props go to the <video>.
 * @throws {Error} while rendering, when there is neither `store` nor a default store.
 */
export const VideoProduce = produce('video');

/**
 * <AudioProduce store? peerId? mediatag="audio" onAutoplayBlocked? />: the track's audio. An
 * autoplay-blocked <audio> gets `data-blocked=""` and calls `onAutoplayBlocked(element)`, then
 * plays at the next click or key press in the page (one pair of document listeners for every
 * blocked element of the page, shared with <callcore-audio>). Other props go to the <audio>.
 * @throws {Error} while rendering, when there is neither `store` nor a default store.
 */
export const AudioProduce = produce('audio');
