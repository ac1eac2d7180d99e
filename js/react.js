// callcore/react: React bindings of a call store (issue 4; after the media-store seed's
// useStore, VideoProduce and AudioProduce). react is an optional peer dependency: only this
// entry imports it.
import { createElement, useEffect, useRef, useSyncExternalStore } from 'react';
import { getDefaultCallStore } from 'callcore';

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

function useTrackElement(track) {
  const ref = useRef(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    element.srcObject = track ? new MediaStream([track]) : null;
    if (track) element.play?.().catch(() => {});
    return () => {
      element.srcObject = null;
    };
  }, [track]);
  return ref;
}

function produce(kind) {
  return function Produce({ store, peerId, mediatag = kind, onVideo = null, ...props }) {
    const source = store ?? getDefaultCallStore();
    if (!source) throw new Error(`${kind === 'video' ? 'VideoProduce' : 'AudioProduce'}: no store (pass store or call setDefaultCallStore)`);
    const track = useCallStore(source, (s) => findTrack(s, peerId, mediatag, kind));
    const ref = useTrackElement(track);
    if (!track && kind === 'video') return onVideo;
    return createElement(kind, {
      ref,
      autoPlay: true,
      ...(kind === 'video' ? { muted: true, playsInline: true } : {}),
      ...props,
    });
  };
}

/**
 * <VideoProduce store? peerId? mediatag="video" onVideo={placeholder} />: the track's video
 * (muted autoplay); `onVideo` is rendered while there is no track or it is paused. Without
 * `peerId`, the local user's track. Other props go to the <video>.
 */
export const VideoProduce = produce('video');

/** <AudioProduce store? peerId? mediatag="audio" />: the track's audio. */
export const AudioProduce = produce('audio');
