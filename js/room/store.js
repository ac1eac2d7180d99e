// A store of one room for UI frameworks, in createCallStore's shape (js/store.js), honouring
// React's useSyncExternalStore contract. It only mirrors the room's core snapshot and events.
import { CALL_STATE_LIST, EVENT_LIST } from '../dictionary.js';
import { snapshotStore } from '../snapshot-store.js';

/**
 * A store of `client`'s room (a VideoCallClient): getSnapshot() returns the same object until
 * something changed; subscribe(listener) returns an unsubscribe function.
 *
 * Snapshot (createCallStore's fields): `{peerId (this participant's id or null), connectStatus
 * ('disconnected' | 'connecting' | 'connected' | 'reconnecting'), callState ('connected' while
 * joined, else 'idle'), errorConnection, lastError (the last CallError or null), displayName,
 * avatar: null, hidden (!videoEnabled), muted (!audioEnabled), sendTracks: [{tag: 'audio' |
 * 'video', kind, state: 'sending' | 'paused', track}], recvTracks: [{participantId, tag, kind,
 * state: 'receiving', track}], peers: [{id, displayName, avatar: null, tracks: {[tag]: {kind,
 * state: 'receiving' | 'pending', track | null}}, deviceState: {isMute, isHidden}}]}` — a
 * participant's tag is 'pending' until its track is received; deviceState is its
 * enableAudio/enableVideo as the core read it from its Janus display (participantUpdated).
 * @param {import('./video-call-client.js').VideoCallClient} client
 * @returns {{getSnapshot(): object, subscribe(listener: () => void): () => void, destroy(): void}}
 */
export function createRoomStore(client) {
  function compute(lastError) {
    const core = client._snapshot();
    const sendTracks = ['audio', 'video'].map((kind) => ({ kind, track: client.localTrack(kind) }))
      .filter(({ track }) => track)
      .map(({ kind, track }) => ({
        tag: kind, kind, track,
        state: (kind === 'audio' ? core.audioEnabled : core.videoEnabled) ? 'sending' : 'paused',
      }));
    const peers = core.participants.map(({ id, display, tracks, audioEnabled, videoEnabled }) => ({
      id,
      displayName: display,
      avatar: null,
      tracks: Object.fromEntries(Object.entries(tracks).map(([tag, t]) => {
        const track = t.mid ? client._trackOfMid(t.mid) : null;
        return [tag, { kind: t.kind, state: t.receiving && track ? 'receiving' : 'pending', track }];
      })),
      deviceState: { isMute: audioEnabled === false, isHidden: videoEnabled === false },
    }));
    const recvTracks = peers.flatMap((p) => Object.entries(p.tracks)
      .filter(([, t]) => t.state === 'receiving')
      .map(([tag, t]) => ({ participantId: p.id, tag, kind: t.kind, state: t.state, track: t.track })));
    return {
      peerId: core.participantId ?? null,
      connectStatus: core.connectStatus,
      callState: core.joined ? CALL_STATE_LIST.CONNECTED : CALL_STATE_LIST.IDLE,
      errorConnection: lastError,
      lastError,
      displayName: client._displayName ?? null,
      avatar: null,
      hidden: !core.videoEnabled,
      muted: !core.audioEnabled,
      sendTracks,
      recvTracks,
      peers,
    };
  }

  return snapshotStore(client.emitter, EVENT_LIST.ROOM_ERROR, compute);
}
