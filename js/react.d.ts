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
}

export declare function VideoProduce(props: VideoProduceProps): ReactElement | ReactNode;

export interface AudioProduceProps extends AudioHTMLAttributes<HTMLAudioElement> {
  store?: CallStore;
  peerId?: string;
  /** Media tag (default 'audio'). */
  mediatag?: string;
}

export declare function AudioProduce(props: AudioProduceProps): ReactElement | null;
