// The room page of the demo (demo/room.html): a participant of a Janus VideoRoom room through
// `callcore/room` (docs/room.md) — join with a name, a grid of everyone's video, the participant
// list, leave, mute and camera (enableAudio / enableVideo), a simulcast layer selector per remote
// video (selectLayers). What it shows comes from the room store (createRoomStore, the shape React's
// useSyncExternalStore reads) and the client's events; it decides nothing about the room.
//
// Janus: `?janus=ws://HOST:PORT/&room=ID` in the URL, else what `npm run demo` serves at
// /demo-room ({janusUrl, room}, or {unavailable: why and how to get Janus}, shown as is).
// For the tests (tests/e2e/room.test.js, demo.test.js): window.demo = {client, store, settings},
// body[data-ready], body[data-janus] = pending | ready | unavailable, body[data-joined].
import { VideoCallClient, createRoomStore, ROOM_EVENTS } from '/dist/room.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const el = {
  status: $('status'), me: $('me'), janus: $('janus'), unavailable: $('janus-unavailable'),
  form: $('join-form'), name: $('name'), room: $('room'), simulcast: $('simulcast'),
  join: $('join'), leave: $('leave'), mute: $('mute'), camera: $('camera'),
  grid: $('grid'), localVideo: $('local-video'), localMuted: $('local-muted'), localHidden: $('local-hidden'),
  participants: $('participants'), count: $('count'), log: $('log'), errors: $('errors'),
};
/** Simulcast layer choices of the selector: label → substream (null: no limit). */
const LAYERS = [['auto', null], ['high', 2], ['medium', 1], ['low', 0]];

const demo = { client: null, store: null, settings: null };
window.demo = demo;
let unsubscribe = null;
const tiles = new Map(); // participant id → {figure, video, audio, name, size, select, videoTrack, audioTrack}

function log(text, kind = '') {
  const li = document.createElement('li');
  if (kind) li.className = kind;
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  li.append(time, ` ${text}`);
  el.log.prepend(li);
  while (el.log.childElementCount > 200) el.log.lastElementChild.remove();
}

function showError(error) {
  const box = document.createElement('div');
  box.className = 'call-error';
  const text = document.createElement('span');
  text.textContent = `${error.type ?? 'error'}: ${error.message}${error.description ? ` — ${error.description}` : ''}`;
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '×';
  close.title = 'dismiss';
  close.onclick = () => box.remove();
  box.append(text, close);
  el.errors.append(box);
  log(text.textContent, 'error');
}

// ---- Janus settings --------------------------------------------------------------------------

async function loadSettings() {
  if (params.get('janus')) return { janusUrl: params.get('janus'), room: Number(params.get('room') || 4242) };
  try {
    const res = await fetch('/demo-room', { cache: 'no-store' });
    if (res.ok) return await res.json();
  } catch { /* below */ }
  return {
    unavailable: 'This page needs a Janus server. Start the demo with npm run demo (it starts Janus when it is installed, '
      + 'or says how to get it), or give one in the URL: room.html?janus=ws://HOST:PORT/&room=ID',
  };
}

// ---- rendering from the store ----------------------------------------------------------------

function setTrack(media, track, tile, key) {
  if (tile[key] === track) return;
  tile[key] = track;
  media.srcObject = track ? new MediaStream([track]) : null;
  if (track) media.play().catch(() => { /* autoplay refused: shown once the user interacts */ });
}

function makeTile(id) {
  const figure = document.createElement('figure');
  figure.className = 'tile remote';
  figure.dataset.participant = id;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = true; // the sound plays from the audio element
  const audio = document.createElement('audio');
  audio.autoplay = true;
  const caption = document.createElement('figcaption');
  const name = document.createElement('span');
  name.className = 'tile-name';
  const size = document.createElement('span');
  size.className = 'size';
  caption.append(name, size);
  const select = document.createElement('select');
  select.className = 'layers';
  select.title = 'Simulcast layer to receive (selectLayers)';
  for (const [label, substream] of LAYERS) {
    const option = document.createElement('option');
    option.value = substream === null ? '' : String(substream);
    option.textContent = label === 'auto' ? 'layer: auto' : `layer: ${label}`;
    select.append(option);
  }
  select.onchange = () => {
    const substream = select.value === '' ? null : Number(select.value);
    demo.client?.selectLayers(id, { substream });
    log(`selectLayers(${id}, {substream: ${substream}})`, 'info');
  };
  video.addEventListener('resize', () => { size.textContent = video.videoWidth ? `${video.videoWidth}×${video.videoHeight}` : ''; });
  figure.append(video, audio, caption, select);
  el.grid.append(figure);
  const tile = { figure, video, audio, name, size, select, videoTrack: null, audioTrack: null };
  tiles.set(id, tile);
  return tile;
}

function removeTile(id) {
  const tile = tiles.get(id);
  if (!tile) return;
  tile.video.srcObject = null;
  tile.audio.srcObject = null;
  tile.figure.remove();
  tiles.delete(id);
}

function render() {
  const snap = demo.store?.getSnapshot();
  const status = snap?.connectStatus ?? 'disconnected';
  el.status.textContent = status;
  el.status.dataset.state = status;
  el.me.textContent = snap?.peerId ? `${snap.displayName ?? ''} (${snap.peerId})` : '—';
  const joined = !!demo.client && status !== 'disconnected';
  document.body.dataset.joined = joined ? '1' : '0';
  el.join.disabled = joined || !demo.settings?.janusUrl;
  el.leave.disabled = !joined;
  el.mute.disabled = el.camera.disabled = !joined;
  for (const input of [el.name, el.room, el.simulcast]) input.disabled = joined;
  const muted = !!snap?.muted;
  const hidden = !!snap?.hidden;
  el.mute.textContent = muted ? 'Unmute' : 'Mute';
  el.mute.classList.toggle('on', muted);
  el.mute.setAttribute('aria-pressed', String(muted));
  el.camera.textContent = hidden ? 'Camera on' : 'Camera off';
  el.camera.classList.toggle('on', hidden);
  el.camera.setAttribute('aria-pressed', String(hidden));
  el.localMuted.hidden = !joined || !muted;
  el.localHidden.hidden = !joined || !hidden;
  const localStream = joined ? demo.client.localStream : null;
  if (el.localVideo.srcObject !== localStream) el.localVideo.srcObject = localStream;

  // The grid and the list: one tile per participant, its video and audio from the store.
  const peers = joined ? snap.peers : [];
  const layersOf = new Map((joined ? demo.client.participants : []).map((p) => [p.id, p.layers]));
  for (const id of [...tiles.keys()]) if (!peers.some((p) => p.id === id)) removeTile(id);
  for (const peer of peers) {
    const tile = tiles.get(peer.id) ?? makeTile(peer.id);
    tile.name.textContent = peer.displayName || `participant ${peer.id}`;
    setTrack(tile.video, peer.tracks.video?.track ?? null, tile, 'videoTrack');
    setTrack(tile.audio, peer.tracks.audio?.track ?? null, tile, 'audioTrack');
    const substream = layersOf.get(peer.id)?.substream;
    const value = substream === null || substream === undefined ? '' : String(substream);
    if (document.activeElement !== tile.select) tile.select.value = value;
    tile.select.disabled = !peer.tracks.video;
  }
  el.count.textContent = String(peers.length);
  el.participants.replaceChildren(...(peers.length === 0
    ? [Object.assign(document.createElement('li'), { className: 'notice', textContent: joined ? 'nobody else yet' : 'not in a room' })]
    : peers.map((peer) => {
      const li = document.createElement('li');
      li.dataset.participant = peer.id;
      const name = document.createElement('b');
      name.textContent = peer.displayName || 'participant';
      const id = document.createElement('span');
      id.className = 'id';
      id.textContent = peer.id;
      const tracks = document.createElement('span');
      tracks.className = 'tracks';
      tracks.textContent = Object.entries(peer.tracks).map(([tag, t]) => `${tag} ${t.state}`).join(', ') || 'no media';
      li.append(name, id, tracks);
      return li;
    })));
}

// ---- join, leave, mute, camera ---------------------------------------------------------------

async function join(event) {
  event.preventDefault();
  if (!el.form.reportValidity() || !demo.settings?.janusUrl) return;
  const simulcast = el.simulcast.checked;
  localStorage.setItem('callcore-demo-name', el.name.value);
  // Simulcast: three layers need a 1280x720 capture (Chromium sends as many as the size allows).
  const client = new VideoCallClient({
    signalingUrl: demo.settings.janusUrl,
    useSimulcast: simulcast,
    video: simulcast ? { width: 1280, height: 720 } : { width: 640, height: 360 },
    audio: true,
  });
  unsubscribe?.();
  demo.store?.destroy();
  demo.client = client;
  demo.store = createRoomStore(client);
  unsubscribe = demo.store.subscribe(render);
  for (const name of ROOM_EVENTS) {
    client.on(name, (payload) => {
      if (name === 'error') return showError(payload);
      const { track, ...rest } = payload ?? {};
      log(`${name} ${JSON.stringify(rest)}`);
    });
  }
  render();
  try {
    await client.joinCall(el.room.value, null, el.name.value.trim() || 'guest');
    log(`joined room ${el.room.value} as ${client.participantId}`, 'info');
  } catch (error) {
    showError(error);
  }
  render();
}

async function leave() {
  await demo.client?.leaveCall();
  log('left the room', 'info');
  render();
}

el.form.addEventListener('submit', join);
el.leave.addEventListener('click', leave);
el.mute.addEventListener('click', () => demo.client?.enableAudio(!!demo.store?.getSnapshot().muted).then(render));
el.camera.addEventListener('click', () => demo.client?.enableVideo(!!demo.store?.getSnapshot().hidden).then(render));
$('clear-log').addEventListener('click', () => el.log.replaceChildren());
addEventListener('pagehide', () => { demo.client?.leaveCall(); });

el.name.value = params.get('name') ?? localStorage.getItem('callcore-demo-name') ?? '';
demo.settings = await loadSettings();
if (demo.settings.janusUrl) {
  el.room.value = String(demo.settings.room ?? 4242);
  el.janus.textContent = demo.settings.janusUrl;
  document.body.dataset.janus = 'ready';
} else {
  el.room.value = '4242';
  el.janus.textContent = 'unavailable';
  el.unavailable.textContent = demo.settings.unavailable;
  el.unavailable.hidden = false;
  document.body.dataset.janus = 'unavailable';
}
render();
document.body.dataset.ready = '1';
