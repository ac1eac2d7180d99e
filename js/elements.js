// <callcore-video> and <callcore-audio>: play a track of a call store (issue 4; like the
// media-store seed's VideoProduce / AudioProduce). Attributes: `peer-id` (absent: the local
// user) and `media-tag` (default 'video' / 'audio'). The element's children (the slot) are
// shown while there is no track to play or it is paused. They read a store set with
// `element.store = store` or, for every element, setDefaultCallStore(store).
// Playback that the autoplay policy blocks waits for a user gesture in js/autoplay.js (shared
// with callcore/react): the element gets the `blocked` attribute and an `autoplayblocked` event.
import { forgetMedia, playMedia } from './autoplay.js';

let defaultStore = null;
const elements = new Set();

/** The store set with setDefaultCallStore (or null). */
export function getDefaultCallStore() {
  return defaultStore;
}

/** Sets the store that <callcore-video>/<callcore-audio> elements without their own use. */
export function setDefaultCallStore(store) {
  defaultStore = store;
  for (const element of elements) element._follow();
}

const Base = globalThis.HTMLElement ?? class {};

class CallcoreMediaElement extends Base {
  static observedAttributes = ['peer-id', 'media-tag'];

  constructor(kind) {
    super();
    this._kind = kind;
    this._store = null;
    this._unsubscribe = null;
    this._track = null;
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>:host{display:inline-block}${kind}{width:100%;height:100%;object-fit:inherit}[hidden]{display:none}</style>
      <${kind} part="media" autoplay playsinline ${kind === 'video' ? 'muted' : ''} hidden></${kind}><slot></slot>`;
    this.media = root.querySelector(kind);
    this._slot = root.querySelector('slot');
  }

  /** The call store this element plays from (else the default one). */
  get store() {
    return this._store ?? defaultStore;
  }

  set store(store) {
    this._store = store;
    this._follow();
  }

  connectedCallback() {
    elements.add(this);
    this._follow();
  }

  disconnectedCallback() {
    elements.delete(this);
    this._unsubscribe?.();
    this._unsubscribe = null;
    // The browser pauses a media element taken out of the document: stop waiting for a gesture
    // and start again (new source, play) if the element is put back.
    forgetMedia(this.media);
    this.removeAttribute('blocked');
    this._track = null;
    this.media.srcObject = null;
  }

  attributeChangedCallback() {
    this._render();
  }

  /**
   * Retries playback now, e.g. from the handler of a button (any click or key press in the
   * page retries by itself).
   * @returns {Promise<'playing' | 'blocked' | 'aborted'>} 'aborted' also when there is no track
   *   to play; rejects with the browser's error when the track cannot be played at all.
   */
  resume() {
    return this._track ? this._play() : Promise.resolve('aborted');
  }

  _follow() {
    this._unsubscribe?.();
    this._unsubscribe = this.isConnected && this.store ? this.store.subscribe(() => this._render()) : null;
    this._render();
  }

  _findTrack() {
    if (!this.isConnected) return null; // a detached element plays nothing; connecting it renders again
    const snapshot = this.store?.getSnapshot();
    if (!snapshot) return null;
    const tag = this.getAttribute('media-tag') ?? this._kind;
    const peerId = this.getAttribute('peer-id');
    let entry;
    if (!peerId) {
      entry = snapshot.sendTracks.find((t) => t.tag === tag);
    } else {
      const peer = snapshot.peers.find((p) => p.id === peerId);
      entry = peer?.tracks[tag];
    }
    return entry && entry.state === 'sending' && entry.track?.kind === this._kind ? entry.track : null;
  }

  _render() {
    const track = this._findTrack();
    if (track !== this._track) {
      this._track = track;
      this.media.srcObject = track ? new MediaStream([track]) : null;
      if (track) {
        this._play().catch((error) => console.error(`<callcore-${this._kind}>: the track cannot be played`, error));
      } else {
        forgetMedia(this.media);
        this.removeAttribute('blocked');
      }
    }
    this.media.hidden = !track;
    this._slot.hidden = !!track;
  }

  _play() {
    return playMedia(this.media, {
      // Autoplay policy: js/autoplay.js plays it at the next user gesture.
      onBlocked: () => {
        this.setAttribute('blocked', '');
        this.dispatchEvent(new Event('autoplayblocked', { bubbles: true }));
      },
      onPlaying: () => this.removeAttribute('blocked'),
    });
  }
}

/**
 * <callcore-video peer-id? media-tag="video">: muted autoplay video of a track. Like
 * <callcore-audio>, it gets `blocked` / `autoplayblocked` if the browser refuses to play it.
 */
export class CallcoreVideoElement extends CallcoreMediaElement {
  constructor() {
    super('video');
  }
}

/**
 * <callcore-audio peer-id? media-tag="audio">: audio of a track. When the autoplay policy
 * refuses it, the element gets the `blocked` attribute and dispatches `autoplayblocked`
 * (bubbles) once; it plays at the next click or key press in the page, and `blocked` goes.
 */
export class CallcoreAudioElement extends CallcoreMediaElement {
  constructor() {
    super('audio');
  }
}

if (globalThis.customElements && !customElements.get('callcore-video')) {
  customElements.define('callcore-video', CallcoreVideoElement);
  customElements.define('callcore-audio', CallcoreAudioElement);
}
