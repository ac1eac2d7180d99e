// callcore/react: React bindings of a call store.
import type { ReactElement, ReactNode, VideoHTMLAttributes, AudioHTMLAttributes } from 'react';
import type { CallSnapshot, CallStore } from 'callcore';

/** The selected part of a store's snapshot; the selector runs once per snapshot. */
export declare function useCallStore<T = CallSnapshot>(store: CallStore, selector?: (snapshot: CallSnapshot) => T): T;

/** Props of VideoProduce (seed: peerId, mediatag, onVideo). */
export interface VideoProduceProps extends VideoHTMLAttributes<HTMLVideoElement> {
  /** Defaults to the store set with setDefaultCallStore. */
  store?: CallStore;
  /** The far side's connection id; absent: the local user. */
  peerId?: string;
  /** Media tag (default 'video'). */
  mediatag?: string;
  /** Shown while there is no track or it is paused. */
  onVideo?: ReactNode;
  /**
   * Called with the <video> each time the browser's autoplay policy refuses to play it (an
   * unmuted video); meanwhile the element has `data-blocked=""`. It plays at the next click or
   * key press anywhere in the page, and `data-blocked` goes.
   */
  onAutoplayBlocked?: (element: HTMLVideoElement) => void;
}

/**
 * The track's video (muted autoplay), or `onVideo` while there is none.
 * @throws Error while rendering, when there is neither `store` nor a default store.
 */
export declare function VideoProduce(props: VideoProduceProps): ReactElement | ReactNode;

/** Props of AudioProduce (seed: peerId, mediatag). */
export interface AudioProduceProps extends AudioHTMLAttributes<HTMLAudioElement> {
  /** Defaults to the store set with setDefaultCallStore. */
  store?: CallStore;
  /** The far side's connection id; absent: the local user. */
  peerId?: string;
  /** Media tag (default 'audio'). */
  mediatag?: string;
  /**
   * Called with the <audio> each time the browser's autoplay policy refuses to play it;
   * meanwhile the element has `data-blocked=""`. It plays at the next click or key press
   * anywhere in the page (one pair of document listeners for all blocked elements, shared with
   * <callcore-audio>), and `data-blocked` goes.
   */
  onAutoplayBlocked?: (element: HTMLAudioElement) => void;
}

/**
 * The track's audio (an <audio>, with no source while there is no track).
 * @throws Error while rendering, when there is neither `store` nor a default store.
 */
export declare function AudioProduce(props: AudioProduceProps): ReactElement | null;
