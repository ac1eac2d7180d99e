// A store of one call's state for UI frameworks (issue 4; fields after the media-store seed).
// It only mirrors: every value comes from the core's snapshot and events; it decides nothing.
import { EVENT_LIST } from './dictionary.js';
import { snapshotStore } from './snapshot-store.js';

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
 * {kind, state, track}}, deviceState: {isHidden, isMute}, quality ('unknown' | 'excellent' |
 * 'good' | 'poor' | 'lost': the core's measure of the connection to that peer, from getStats()
 * while connected; docs/api.md "Stats and quality")}]}`; a peer's avatar is the far
 * side's (the doctor's avatarId from its `enter` on an RTCClient; null for a client).
 * @param {import('./consultation/rtc-core.js').RTCCore} call
 * @returns {{getSnapshot(): object, subscribe(listener: () => void): () => void, destroy(): void}}
 */
export function createCallStore(call) {
  function compute(lastError) {
    const core = call._snapshot();
    const sendTracks = core.localTracks.map(({ tag, kind, state: s }) => ({ tag, kind, state: s, track: call.localTrack(tag) }));
    const recvTracks = core.remoteTracks.map(({ tag, kind, state: s }) => ({ tag, kind, state: s, track: call.remoteTrack(tag) }));
    // The far side's tracks belong to its one peer entry (a consultation has one far side).
    const peers = core.peers.map(({ id, displayName, avatar, deviceState, quality }) => ({
      id,
      displayName,
      avatar,
      tracks: Object.fromEntries(recvTracks.map(({ tag, kind, state: s, track }) => [tag, { kind, state: s, track }])),
      deviceState,
      quality,
    }));
    return {
      peerId: core.connectionId || null,
      connectStatus: core.connectStatus,
      callState: core.callState,
      errorConnection: lastError,
      lastError,
      displayName: call.params.name,
      avatar: core.avatar,
      hidden: core.deviceState.isHidden,
      muted: core.deviceState.isMute,
      sendTracks,
      recvTracks,
      peers,
    };
  }

  // A destroyed call keeps its last snapshot.
  return snapshotStore(call.emitter, EVENT_LIST.CALL_ERROR, compute, () => call._destroyed);
}
