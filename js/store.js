// A store of one call's state for UI frameworks (issue 4; fields after the media-store seed).
// It only mirrors: every value comes from the core's snapshot and events; it decides nothing.
import { EVENT_LIST } from './dictionary.js';

// Structural equality for plain data; objects that are not plain (MediaStreamTrack, CallError)
// compare by identity.
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const plain = (v) => Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype;
  if (!plain(a) || !plain(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}

const CONNECT_STATUS = { idle: 'disconnected', ended: 'disconnected', connected: 'connected' };

/**
 * A store of `call`'s state (an RTCDoctor or RTCClient) honouring React's
 * useSyncExternalStore contract: getSnapshot() returns the same object until something
 * changed, subscribe(listener) returns an unsubscribe function.
 *
 * Snapshot: `{peerId, connectStatus ('disconnected' | 'connecting' | 'connected'), callState,
 * errorConnection (the last CallError or null), lastError (same), displayName, avatar (this
 * side's: RTCParams.doctor.avatarId on an RTCDoctor, null on an RTCClient), hidden, muted,
 * sendTracks: [{tag, kind, state ('sending' | 'paused'), track}],
 * recvTracks: [{tag, kind, state, track}], peers: [{id, displayName, avatar, tracks: {[tag]:
 * {kind, state, track}}, deviceState: {isHidden, isMute}}]}`; a peer's avatar is the far
 * side's (the doctor's avatarId from its `enter` on an RTCClient; null for a client).
 * @param {import('./rtc-core.js').RTCCore} call
 * @returns {{getSnapshot(): object, subscribe(listener: () => void): () => void, destroy(): void}}
 */
export function createCallStore(call) {
  let snapshot = null;
  let lastError = null;
  let respondent = null;
  const listeners = new Set();

  function compute() {
    const state = call.callState;
    const core = call._snapshot();
    const sendTracks = core.localTracks.map(({ tag, kind, state: s }) => ({ tag, kind, state: s, track: call.localTrack(tag) }));
    const recvTracks = core.remoteTracks.map(({ tag, kind, state: s }) => ({ tag, kind, state: s, track: call.remoteTrack(tag) }));
    // Avatars: RTCParams.doctor describes the doctor on both pages (seed), so it is this side's
    // own avatar only on the doctor's (the inviter); the far side's comes from its props
    // (a doctor's `enter` carries `doctor`, a client's does not).
    const isDoctor = core.isInviter === true;
    const peers = core.remote
      ? [{
          id: core.remote.connectionId,
          displayName: core.remote.name,
          avatar: respondent?.doctor?.avatarId ?? null,
          tracks: Object.fromEntries(recvTracks.map(({ tag, kind, state: s, track }) => [tag, { kind, state: s, track }])),
          deviceState: respondent?.deviceState ?? { isHidden: false, isMute: false },
        }]
      : [];
    return {
      peerId: core.connectionId || null,
      connectStatus: CONNECT_STATUS[state] ?? 'connecting',
      callState: state,
      errorConnection: lastError,
      lastError,
      displayName: call.params.name,
      avatar: isDoctor ? call.params.doctor?.avatarId ?? null : null,
      hidden: core.deviceState.isHidden,
      muted: core.deviceState.isMute,
      sendTracks,
      recvTracks,
      peers,
    };
  }

  function refresh() {
    if (!call._session) return; // destroyed: keep the last snapshot
    const next = compute();
    if (snapshot !== null && same(snapshot, next)) return;
    snapshot = next;
    for (const listener of [...listeners]) listener();
  }

  const offs = [
    call.emitter.on(EVENT_LIST.CALL_ERROR, ({ payload }) => { lastError = payload; }),
    call.emitter.on(EVENT_LIST.RTC_RESPONDENT_PROPS, ({ payload }) => { respondent = payload; }),
    call.emitter.on(EVENT_LIST.ALL, refresh),
  ];
  snapshot = compute();

  return {
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Stops following the call (its listeners are removed); the last snapshot stays. */
    destroy() {
      for (const off of offs) off();
      listeners.clear();
    },
  };
}
