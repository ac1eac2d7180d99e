// callcore demo: one script for both pages. The role comes from <body data-role="doctor|client">
// (or the page name). It shows how a portal uses the SDK:
//   const rtc = new RTCDoctor(params); rtc.emitter.on(EVENT_LIST.X, cb); await rtc.call(); ...
// A finished call's instance is destroyed and a fresh one created, ready for the next call.
// The quality badge and the diagnostics panel (demo/diagnostics.js) display the core's figures.
import { RTCDoctor, RTCClient, EVENT_LIST, SOCKET_MESSAGES_EVENT_LIST, logger, createCallStore } from '/dist/callcore.js';
import { Diagnostics } from './diagnostics.js';

const role = document.body.dataset.role || (location.pathname.includes('client') ? 'client' : 'doctor');
const isDoctor = role === 'doctor';
const farRole = isDoctor ? 'client' : 'doctor';
const query = new URLSearchParams(location.search);
const consultationId = query.get('c') || 'demo';
const signalingUrl = `ws://${location.host}/ws`;
const clientId = `${role}-${Math.random().toString(16).slice(2, 8)}`;
const seconds = (key) => (Number(query.get(key)) > 0 ? Number(query.get(key)) : undefined);

// ---- UI --------------------------------------------------------------------------------------
document.title = `callcore demo — ${role}`;
document.querySelector('#app').innerHTML = `
  <header>
    <h1>${isDoctor ? 'Doctor' : 'Client'}</h1>
    <span class="pill">consultation <code>${escapeHtml(consultationId)}</code></span>
    <span class="pill">socket <b id="socket-state">—</b></span>
    <span class="pill">call <b id="call-state" class="state">idle</b></span>
    <span class="pill">quality <b id="quality" class="quality"></b></span>
    <a class="other" href="${isDoctor ? 'client' : 'doctor'}.html?c=${encodeURIComponent(consultationId)}"
       target="_blank">open the ${isDoctor ? 'client' : 'doctor'} page</a>
  </header>
  <section class="videos">
    <figure>
      <video id="remote-video" autoplay playsinline></video>
      <figcaption><span id="remote-name">${farRole}: not here yet</span>
        <span id="remote-device" class="badges"></span></figcaption>
    </figure>
    <figure class="local">
      <video id="local-video" autoplay playsinline muted></video>
      <figcaption>you (<span id="local-name"></span>) <span id="local-device" class="badges"></span></figcaption>
    </figure>
  </section>
  <section class="controls">
    <label>name <input id="name" value="${isDoctor ? 'Dr. Demo' : 'Client Demo'}" size="14"></label>
    <label><input id="audio-only" type="checkbox"> audio only</label>
    <button id="call" class="primary">${isDoctor ? 'Call' : 'Answer'}</button>
    <button id="hang-up" class="danger" disabled>Hang up</button>
    <button id="mute">Mute</button>
    <button id="hide">Hide camera</button>
    <span id="notice" class="notice"></span>
  </section>
  <section id="errors" class="errors" aria-live="polite"></section>
  <details id="diagnostics" class="diagnostics"></details>
  <section class="log">
    <div class="log-head">
      <h2>Events</h2>
      <button id="clear-log">Clear</button>
      <button id="export-log">Download logger.export()</button>
    </div>
    <ol id="log"></ol>
  </section>`;

const $ = (id) => document.getElementById(id);
const ui = {
  socketState: $('socket-state'), callState: $('call-state'), remoteName: $('remote-name'),
  remoteDevice: $('remote-device'), localDevice: $('local-device'), localName: $('local-name'),
  localVideo: $('local-video'), remoteVideo: $('remote-video'), name: $('name'),
  audioOnly: $('audio-only'), call: $('call'), hangUp: $('hang-up'), mute: $('mute'), hide: $('hide'),
  notice: $('notice'), errors: $('errors'), log: $('log'),
};

const diagnostics = new Diagnostics({ badge: $('quality'), panel: $('diagnostics') }, { EVENT_LIST, createCallStore });

// ---- state -----------------------------------------------------------------------------------
let rtc = null;          // the live RTCDoctor / RTCClient
let generation = 0;      // instance counter, so late callbacks of a destroyed instance are ignored
let callState = 'idle';
let calling = false;     // call() is pending
let ringing = false;     // client: the doctor rang (EVENT_LIST.ENTER) and the call is not over
const device = { isMute: false, isHidden: false };
// The far side as the signaling server reports it: connectionId → name of the members of the
// other role in this consultation (joined.members, peerJoined, peerLeft). Demo clientIds start
// with the role, so a second tab of the same role is not taken for the far side.
const farMembers = new Map();
let farLeft = null;      // {name, reason} of the last far-side member that left, while none is here
let respondent = null;   // the far side's RTC_RESPONDENT_PROPS (name, doctor info, device state)
renderFarSide(); // 'absent' from the start, not only once the server answered the join

// ---- the SDK ---------------------------------------------------------------------------------
function createInstance() {
  const gen = ++generation;
  const name = ui.name.value.trim() || role;
  const params = {
    name,
    clientId,
    connectionId: null, // the server assigns it (signalingUrl)
    consultationId,
    doctor: { avatarId: '', fullName: isDoctor ? name : '', specialityName: isDoctor ? 'General practitioner' : '' },
    isAudio: ui.audioOnly.checked,
    signalingUrl,
    // The join token, fresh before every (re)join. A portal's backend mints it after logging its
    // user in; the demo server mints one for anybody (`npm run demo`, docs/security.md). A server
    // without the endpoint (`npm run server -- --dev`) needs none: '' joins without a token.
    getToken: () => fetch(`/demo-token?${new URLSearchParams({ c: consultationId, role, sub: clientId, name })}`)
      .then((r) => (r.ok ? r.json().then((j) => j.token) : '')),
    enterTimeoutSecond: seconds('enter'),
    answerTimeoutSecond: seconds('answer'),
  };
  for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
  try {
    rtc = isDoctor ? new RTCDoctor(params) : new RTCClient(params);
  } catch (err) {
    rtc = null;
    showError(err);
    return;
  }
  const on = (eventType, cb) => rtc.emitter.on(eventType, (event) => {
    if (gen === generation) cb(event.payload, event);
  });

  on(EVENT_LIST.ALL, (payload, event) => logEvent(event));
  on(EVENT_LIST.SOCKET_STATE, ({ state }) => { ui.socketState.textContent = state; });
  on(EVENT_LIST.CALL_STATE, ({ state }) => setCallState(state));
  on(EVENT_LIST.LOCAL_STREAM, ({ stream }) => { ui.localVideo.srcObject = stream; });
  on(EVENT_LIST.REMOTE_STREAM, ({ stream }) => { ui.remoteVideo.srcObject = stream; });
  on(EVENT_LIST.RTC_RESPONDENT_PROPS, (props) => showRespondent(props));
  on(SOCKET_MESSAGES_EVENT_LIST.JOINED, ({ members }) => {
    farMembers.clear();
    for (const m of members ?? []) if (isFarSide(m)) farMembers.set(m.connectionId, m.name || m.clientId);
    renderFarSide();
  });
  on(SOCKET_MESSAGES_EVENT_LIST.PEER_JOINED, (m) => {
    if (!isFarSide(m)) return;
    farMembers.set(m.connectionId, m.name || m.clientId);
    farLeft = null;
    renderFarSide();
  });
  on(SOCKET_MESSAGES_EVENT_LIST.PEER_LEFT, (m) => {
    if (!farMembers.has(m.connectionId)) return;
    const name = farMembers.get(m.connectionId);
    farMembers.delete(m.connectionId);
    if (respondent?.connectionId === m.connectionId) {
      respondent = null;
      ringing = false; // the doctor who rang is gone
      updateButtons();
    }
    if (farMembers.size === 0) farLeft = { name, reason: m.reason };
    renderFarSide();
  });
  on(EVENT_LIST.REMOTE_DEVICE_STATE, (state) => { ui.remoteDevice.innerHTML = badges(state); });
  on(EVENT_LIST.ENTER, () => {
    if (!isDoctor && callState === 'idle') {
      ringing = true;
      ui.notice.textContent = 'The doctor is calling — press Answer.';
    }
    updateButtons();
  });
  on(EVENT_LIST.HANG_UP, ({ reason }) => {
    ringing = false;
    ui.notice.textContent = `The far side hung up (${reason}).`;
    updateButtons();
  });
  on(EVENT_LIST.CALL_ERROR, (err) => showError(err));
  diagnostics.follow(rtc);

  ui.localName.textContent = name;
  // Carry the camera/microphone choice over to the new instance.
  if (device.isMute || device.isHidden) rtc.changeDeviceState({ ...device });
  updateButtons();
}

function recreateInstance() {
  const old = rtc;
  rtc = null;
  generation++;
  diagnostics.stop();
  if (old) {
    try { old.destroy(); } catch (err) { showError(err); }
  }
  ui.localVideo.srcObject = null;
  ui.remoteVideo.srcObject = null;
  ui.remoteDevice.innerHTML = '';
  // The new instance's socket joins again: `joined` lists who is here.
  farMembers.clear();
  farLeft = null;
  respondent = null;
  ringing = false;
  renderFarSide();
  ui.socketState.textContent = '—';
  callState = 'idle';
  ui.callState.textContent = 'idle';
  ui.callState.dataset.state = 'idle';
  logLine('info', '— new instance —');
  createInstance();
}

async function startCall() {
  if (!rtc || calling) return;
  calling = true;
  ui.notice.textContent = isDoctor ? 'Calling… waiting for the client.' : 'Answering…';
  updateButtons();
  const instance = rtc;
  try {
    const stream = await instance.call();
    if (instance === rtc && stream) ui.localVideo.srcObject = stream;
    if (instance === rtc) ui.notice.textContent = '';
  } catch (err) {
    if (instance === rtc) {
      ui.notice.textContent = '';
      showError(err);
    }
  } finally {
    if (instance === rtc) calling = false;
    updateButtons();
  }
}

function setCallState(state) {
  callState = state;
  ui.callState.textContent = state;
  ui.callState.dataset.state = state;
  if (state === 'connected') ui.notice.textContent = '';
  updateButtons();
  // A finished instance is not reused: destroy it and get a fresh one for the next call (after
  // the current event has been delivered to every listener).
  if (state === 'ended') {
    diagnostics.stop(); // the badge clears, the charts keep this call's figures
    calling = false;
    ringing = false;
    setTimeout(recreateInstance, 0);
  }
}

function updateButtons() {
  const idle = callState === 'idle';
  const inCall = !idle && callState !== 'ended';
  // The client answers a ringing doctor only: Answer waits for EVENT_LIST.ENTER.
  ui.call.disabled = !rtc || calling || !idle || (!isDoctor && !ringing);
  ui.call.title = !isDoctor && !ringing ? 'Waiting for the doctor to call' : '';
  ui.hangUp.disabled = !rtc || (!inCall && !calling);
  ui.audioOnly.disabled = !rtc || !idle || calling || (!isDoctor && Boolean(rtc.hasEntered));
  ui.name.disabled = ui.audioOnly.disabled;
  ui.mute.textContent = device.isMute ? 'Unmute' : 'Mute';
  ui.hide.textContent = device.isHidden ? 'Show camera' : 'Hide camera';
  ui.mute.classList.toggle('on', device.isMute);
  ui.hide.classList.toggle('on', device.isHidden);
  ui.localDevice.innerHTML = badges(device);
}

function isFarSide(member) {
  return !String(member?.clientId ?? '').startsWith(`${role}-`);
}

function showRespondent(props) {
  respondent = props;
  if (props.connectionId && props.name) farMembers.set(props.connectionId, props.name);
  farLeft = null;
  renderFarSide();
  if (props.deviceState) ui.remoteDevice.innerHTML = badges(props.deviceState);
}

/** The far side's label: who is in the call, else who is in the consultation, else who left. */
function renderFarSide() {
  let text;
  if (respondent) {
    const who = respondent.doctor?.fullName || respondent.name || respondent.clientId || 'unknown';
    const extra = [respondent.doctor?.specialityName, respondent.isAudio ? 'audio only' : ''].filter(Boolean).join(', ');
    text = `${who}${extra ? ` (${extra})` : ''}`;
  } else if (farMembers.size > 0) {
    text = `${[...farMembers.values()].join(', ')} is here`;
  } else if (farLeft) {
    text = `${farLeft.name} left${farLeft.reason && farLeft.reason !== 'left' ? ` (${farLeft.reason === 'timeout' ? 'connection lost' : farLeft.reason})` : ''}`;
  } else {
    text = 'not here yet';
  }
  ui.remoteName.textContent = `${farRole}: ${text}`;
  document.body.dataset.farSide = respondent ? 'inCall' : farMembers.size > 0 ? 'here' : farLeft ? 'left' : 'absent';
}

const badges = ({ isMute, isHidden }) =>
  `${isMute ? '<span class="badge">muted</span>' : ''}${isHidden ? '<span class="badge">camera off</span>' : ''}`;

// ---- errors and event log --------------------------------------------------------------------
let lastErrorText = '';
function showError(err) {
  const type = err?.type ?? err?.name ?? 'error';
  const text = `${type}: ${err?.message ?? String(err)}${err?.description ? ` — ${err.description}` : ''}`;
  if (text === lastErrorText) return; // call() rejection and CALL_ERROR carry the same error
  lastErrorText = text;
  const div = document.createElement('div');
  div.className = 'call-error';
  div.innerHTML = `<b></b> <span></span> <button title="dismiss">×</button>`;
  div.querySelector('b').textContent = type;
  div.querySelector('span').textContent = `${err?.message ?? String(err)}${err?.description ? ` — ${err.description}` : ''}`;
  div.querySelector('button').onclick = () => {
    div.remove();
    lastErrorText = '';
  };
  ui.errors.append(div);
}

function logEvent({ emitType, eventType, payload }) {
  logLine(emitType === 'error' ? 'error' : 'event', eventType, summarize(payload));
}

const MAX_LOG_LINES = 400;
function logLine(kind, title, detail = '') {
  const li = document.createElement('li');
  li.className = kind;
  const time = new Date().toISOString().slice(11, 23);
  li.innerHTML = '<time></time> <b></b> <span></span>';
  li.querySelector('time').textContent = time;
  li.querySelector('b').textContent = title;
  li.querySelector('span').textContent = detail;
  const stick = ui.log.scrollTop + ui.log.clientHeight >= ui.log.scrollHeight - 4;
  ui.log.append(li);
  while (ui.log.childElementCount > MAX_LOG_LINES) ui.log.firstElementChild.remove();
  if (stick) ui.log.scrollTop = ui.log.scrollHeight;
}

/** One-line JSON of a payload: streams and errors named, SDP and long strings shortened. */
function summarize(payload) {
  if (payload === undefined) return '';
  const seen = new WeakSet();
  let text;
  try {
    text = JSON.stringify(payload, (key, value) => {
      if (typeof MediaStream !== 'undefined' && value instanceof MediaStream) {
        return `MediaStream(${value.getTracks().map((t) => t.kind).join('+') || 'no tracks'})`;
      }
      if (value instanceof Error) return `${value.name}(${value.type ?? ''}: ${value.message}${value.description ? ` — ${value.description}` : ''})`;
      if (typeof value === 'string' && value.length > 80) return `${value.slice(0, 60)}…(${value.length} chars)`;
      if (value && typeof value === 'object') {
        if (seen.has(value)) return '[circular]';
        seen.add(value);
      }
      return value;
    });
  } catch {
    text = String(payload);
  }
  return text && text.length > 300 ? `${text.slice(0, 300)}…` : text ?? '';
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---- buttons ---------------------------------------------------------------------------------
ui.call.onclick = startCall;
ui.hangUp.onclick = () => {
  if (!rtc) return;
  try { rtc.hangUp(); } catch (err) { showError(err); }
};
ui.mute.onclick = () => {
  device.isMute = !device.isMute;
  rtc?.changeDeviceState({ isMute: device.isMute });
  updateButtons();
};
ui.hide.onclick = () => {
  device.isHidden = !device.isHidden;
  rtc?.changeDeviceState({ isHidden: device.isHidden });
  updateButtons();
};
// isAudio and name are RTCParams: a change before the call means a new instance.
ui.audioOnly.onchange = recreateInstance;
ui.name.onchange = recreateInstance;
$('clear-log').onclick = () => { ui.log.textContent = ''; };
$('export-log').onclick = () => {
  const blob = new Blob([logger.export()], { type: 'application/json' });
  const a = Object.assign(document.createElement('a'), {
    href: URL.createObjectURL(blob),
    download: `callcore-${role}-${consultationId}-${Date.now()}.json`,
  });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
};
addEventListener('pagehide', () => rtc?.destroy());

// For the browser console and automated checks.
window.demo = {
  role,
  consultationId,
  logger,
  get rtc() { return rtc; },
  get callState() { return callState; },
  get farSide() { return document.body.dataset.farSide; },
  diagnostics,
  call: startCall,
};

logLine('info', `${role} page`, `consultation ${consultationId}, signaling ${signalingUrl}`);
createInstance();
document.body.dataset.ready = '1';
diagnostics.load().then(() => { document.body.dataset.chartsReady = diagnostics.uPlot ? '1' : '0'; });
