// Compiled by tests/node/package.test.js with `tsc --noEmit`: callcore/room's declarations type
// the seed's VideoCallClient usage (seed 002 README) and reject misuse (@ts-expect-error).
import { CallError, createRoomStore, EVENT_LIST, VideoCallClient, type RoomStoreSnapshot } from 'callcore/room';

const client = new VideoCallClient({
  signalingUrl: 'ws://localhost:8188',
  iceServers: [{ urls: 'stun:127.0.0.1:3478' }],
  autoReconnect: true,
  useSimulcast: true,
});

client.on('connectionStatusChanged', (status) => {
  const now: 'disconnected' | 'connecting' | 'connected' | 'reconnecting' = status.status;
  console.log('status', now, status.previous);
});
client.on('participantJoined', (participant) => {
  console.log(participant.participantId, participant.display, participant.tracks.map((t) => t.mid));
});
client.on('trackAdded', ({ participantId, tag, track }) => {
  const kind: string = track.kind;
  console.log(participantId, tag, kind);
});
client.on('error', (error) => {
  const e: CallError = error;
  console.log(e.type, e.description);
});
client.on(EVENT_LIST.PARTICIPANT_LEFT, (p) => console.log(p.reason));
client.on('participantUpdated', ({ participantId, display, audioEnabled, videoEnabled }) => {
  const muted: boolean = !audioEnabled;
  console.log(participantId, display, muted, videoEnabled);
});
client.on('dataReceived', ({ participantId, text }) => {
  const t: string = text;
  console.log(participantId, t);
});
// @ts-expect-error: a dataReceived payload carries text, not bytes
client.on('dataReceived', (d) => console.log(d.bytes));
// @ts-expect-error: a participantLeft payload has no track
client.on('participantLeft', (p) => console.log(p.track));

async function main(): Promise<void> {
  try {
    await client.joinCall(4242, '456', 'Иван Иванов');
    await client.enableVideo(true);
    await client.enableAudio(true);
    client.selectLayers('457', { substream: 0 });
    if (client.dataChannelOpen) await client.sendData('hello, room');
    const screen = (await navigator.mediaDevices.getDisplayMedia({ video: true })).getVideoTracks()[0];
    await client.shareScreen(screen);
    const sharing: boolean = client.screenSharing;
    if (sharing) await client.stopScreenShare();
    // @ts-expect-error: sendData takes text
    await client.sendData(new Uint8Array(2));
  } catch (error) {
    if (error instanceof CallError) console.error(error.type);
  }
  await client.leaveCall();
}

const store = createRoomStore(client);
const unsubscribe = store.subscribe(() => {
  const snapshot: RoomStoreSnapshot = store.getSnapshot();
  for (const peer of snapshot.peers) console.log(peer.displayName, Object.keys(peer.tracks), peer.deviceState.isMute, peer.deviceState.isHidden);
});
unsubscribe();
// @ts-expect-error: signalingUrl is required
new VideoCallClient({ autoReconnect: true });
void main();
