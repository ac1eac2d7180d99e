// Multi-party rooms on a real Janus VideoRoom (docs/room.md "Tests"): VideoCallClient from
// dist/room.js in Debian Chromium pages with fake camera and microphone, Janus 1.1 started by the
// test in a network namespace of its own (tests/e2e/janus/janus.js: veth pair, HOST_IP ↔ NS_IP;
// no traffic leaves the machine). Media is judged by getStats() per subscriber mid.
//
// Skipped, saying why, only when this process cannot create a network namespace (not root);
// everything else that is missing (janus, chromium) fails the suite.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ARGS, startSuite, waitFor, waitUntil } from './harness.js';
import { JANUS_ROOM, namespaceUnavailable, startJanusInNamespace } from './janus/janus.js';

const TEST_TIMEOUT = 180000;
const WAIT = 20000;
const noNamespace = namespaceUnavailable();
// Chromium's host candidates as plain addresses (mDNS names cannot be resolved by Janus).
const ARGS = [...DEFAULT_ARGS, '--disable-features=WebRtcHideLocalIpsWithMdns'];
/** 640x360: four pages each decoding three others stay within two cores (docs/room.md). */
const CAMERA = { width: 640, height: 360 };

describe('room: VideoCallClient on Janus VideoRoom', { skip: noNamespace ? `cannot create a network namespace for Janus: ${noNamespace}` : false }, () => {
  let suite;
  let janus;
  let nextUser = 1000;
  const run = (fn) => (t) => suite.wrap(fn)(t);

  before(async () => {
    janus = await startJanusInNamespace();
    suite = await startSuite('room', { args: ARGS });
  });
  after(async () => {
    try {
      if (suite) await suite.close();
    } finally {
      if (janus) await janus.stop();
    }
  });

  const pageUrl = () => `${suite.httpUrl}/tests/e2e/pages/room.html`;

  /** Opens a page and joins the room; returns the page with `page.userId`. */
  async function joinPage(label, options = {}) {
    const page = await suite.newPage(label, { url: pageUrl() });
    const userId = String(nextUser++);
    const result = await page.evaluate(
      ({ options, room, userId, label }) => window.join(options, room, userId, label),
      { options: { signalingUrl: janus.url, video: CAMERA, ...options }, room: JANUS_ROOM, userId, label },
    );
    assert.deepEqual(result, { ok: true, participantId: userId }, `[${label}] joinCall resolved with its participant id`);
    page.userId = userId;
    return page;
  }

  /** Waits until `page` decodes video and receives audio of every participant in `ids`, and both grow. */
  async function waitDecodesFrom(page, ids) {
    const covered = (m, min = {}) => ids.every((id) => {
      const mine = Object.entries(m).filter(([, s]) => s.participantId === id);
      const video = mine.find(([, s]) => s.kind === 'video');
      const audio = mine.find(([, s]) => s.kind === 'audio');
      return video && audio
        && video[1].framesDecoded > (min[video[0]]?.framesDecoded ?? 0)
        && audio[1].bytesReceived > (min[audio[0]]?.bytesReceived ?? 0);
    });
    const first = await waitUntil(page, () => window.inboundByMid(), undefined, (m) => covered(m),
      { timeout: WAIT, message: `video frames decoded and audio bytes from ${ids.join(', ')}` });
    const bumped = Object.fromEntries(Object.entries(first).map(([mid, s]) => [mid, { framesDecoded: s.framesDecoded + 5, bytesReceived: s.bytesReceived + 1000 }]));
    return waitUntil(page, () => window.inboundByMid(), undefined, (m) => covered(m, bumped),
      { timeout: WAIT, message: `frames decoded and audio bytes keep growing from ${ids.join(', ')}` });
  }

  it('four pages join one room: each decodes video and audio from the three others over the namespace link; one mutes its camera (the others are told); data messages; a screen share; one leaves', { timeout: TEST_TIMEOUT }, run(async () => {
    const start = Date.now();
    const step = (what) => console.log(`room e2e: ${what} at ${Date.now() - start} ms`);
    const pages = [];
    for (const label of ['p1', 'p2', 'p3', 'p4']) pages.push(await joinPage(label));
    const ids = pages.map((p) => p.userId);
    step('four pages joined');

    for (const page of pages) {
      const others = ids.filter((id) => id !== page.userId);
      await waitFor(page, (n) => window.client.participants.length === n, others.length, { timeout: WAIT, message: 'participants listed' });
      const stats = await waitDecodesFrom(page, others);
      // Exactly the others' six streams, nothing of its own.
      assert.deepEqual(Object.values(stats).map((s) => s.participantId).sort(), others.flatMap((id) => [id, id]).sort());
      // Every participant that joined later was announced by participantJoined with its tracks.
      const joined = await page.evaluate(() => window.events.filter((e) => e.eventType === 'participantJoined').map((e) => e.payload.participantId));
      for (const id of ids.slice(ids.indexOf(page.userId) + 1)) assert.ok(joined.includes(id), `[${page.label}] participantJoined ${id}`);
      const added = await page.evaluate(() => window.events.filter((e) => e.eventType === 'trackAdded').map((e) => `${e.payload.participantId}/${e.payload.kind}/${e.payload.trackKind}`));
      for (const id of others) {
        assert.ok(added.includes(`${id}/video/video`) && added.includes(`${id}/audio/audio`), `[${page.label}] trackAdded with the track for ${id}: ${added}`);
      }
    }

    step('every page decodes the three others');
    // The room store (createCallStore's shape, for useSyncExternalStore): the three others with
    // their received tracks; the same object until something changes.
    for (const page of pages) {
      const store = await page.evaluate(() => {
        const a = window.store.getSnapshot();
        const b = window.store.getSnapshot();
        return {
          same: a === b, notifications: window.storeNotifications, peerId: a.peerId, connectStatus: a.connectStatus, callState: a.callState,
          sendTracks: a.sendTracks.map((t) => `${t.tag}:${t.state}:${t.track.readyState}`).sort(),
          peers: a.peers.map((p) => ({ id: p.id, tracks: Object.entries(p.tracks).map(([tag, t]) => `${tag}:${t.state}:${t.track && t.track.kind}`).sort() })),
        };
      });
      assert.equal(store.same, true, 'getSnapshot() returns the same object while nothing changed');
      assert.ok(store.notifications > 0);
      assert.equal(store.peerId, page.userId);
      assert.equal(store.connectStatus, 'connected');
      assert.equal(store.callState, 'connected');
      assert.deepEqual(store.sendTracks, ['audio:sending:live', 'video:sending:live']);
      assert.deepEqual(store.peers.map((p) => p.id).sort(), ids.filter((id) => id !== page.userId).sort());
      for (const p of store.peers) assert.deepEqual(p.tracks, ['audio:receiving:audio', 'video:receiving:video'], `[${page.label}] store tracks of ${p.id}`);
    }

    // Every selected ICE pair is the veth: the host end's address ↔ Janus's namespace address.
    for (const page of pages) {
      const pairs = await page.evaluate(() => window.selectedPairs());
      for (const name of ['publisher', 'subscriber']) {
        const pair = pairs[name];
        assert.ok(pair, `[${page.label}] ${name} has a selected candidate pair`);
        assert.equal(pair.local.address, janus.hostIp, `[${page.label}] ${name} local candidate: ${JSON.stringify(pair)}`);
        assert.equal(pair.remote.address, janus.nsIp, `[${page.label}] ${name} remote candidate: ${JSON.stringify(pair)}`);
      }
    }

    step('store and candidate pairs checked');
    // p1 stops its camera: the others' decoding of p1's video stops; p1's state says so.
    const [p1, p2, p3, p4] = pages;
    await p1.evaluate(() => window.client.enableVideo(false));
    assert.equal(await p1.evaluate(() => window.client.videoEnabled), false);
    assert.equal(await p1.evaluate(() => window.client.localTrack('video').enabled), false);
    assert.equal(await p1.evaluate(() => window.store.getSnapshot().hidden), true, 'p1\'s store: hidden');
    for (const page of [p2, p3, p4]) {
      let last = -1;
      let since = Date.now();
      await waitUntil(page, () => window.inboundByMid(), undefined, (m) => {
        const video = Object.values(m).find((s) => s.participantId === p1.userId && s.kind === 'video');
        if (!video) return false;
        if (video.framesDecoded !== last) { last = video.framesDecoded; since = Date.now(); return false; }
        return Date.now() - since >= 1500;
      }, { timeout: WAIT, message: `${p1.userId}'s video stops being decoded (unchanged for 1.5 s)` });
      // p1's audio still flows.
      await waitDecodesFrom(page, []);
    }
    // The others are told (participantUpdated, from p1's Janus display) and their stores show it.
    const seenUpdate = async (page, mark, videoEnabled) => {
      const event = await waitFor(page, ({ mark, id, videoEnabled }) => window.events.slice(mark).find((e) =>
        e.eventType === 'participantUpdated' && e.payload.participantId === id && e.payload.videoEnabled === videoEnabled),
      { mark, id: p1.userId, videoEnabled }, { timeout: WAIT, message: `participantUpdated ${p1.userId} videoEnabled ${videoEnabled}` });
      assert.equal(event.payload.display, 'p1', 'the display name without the state');
      assert.equal(event.payload.audioEnabled, true);
      const peer = await page.evaluate((id) => {
        const p = window.store.getSnapshot().peers.find((x) => x.id === id);
        const listed = window.client.participants.find((x) => x.id === id);
        return { deviceState: p.deviceState, displayName: p.displayName, videoEnabled: listed.videoEnabled };
      }, p1.userId);
      assert.deepEqual(peer, { deviceState: { isMute: false, isHidden: !videoEnabled }, displayName: 'p1', videoEnabled },
        `[${page.label}] store and participants show p1's camera ${videoEnabled ? 'on' : 'off'}`);
      return event.t;
    };
    for (const page of [p2, p3, p4]) await seenUpdate(page, 0, false);
    const marksOn = await Promise.all([p2, p3, p4].map((p) => p.evaluate(() => window.events.length)));
    const onAt = await p1.evaluate(() => { const t = Date.now(); window.client.enableVideo(true); return t; });
    const delays = [];
    for (const [i, page] of [p2, p3, p4].entries()) delays.push((await seenUpdate(page, marksOn[i], true)) - onAt);
    console.log(`room e2e: participantUpdated (camera on) seen by the others ${delays.join(', ')} ms after enableVideo(true)`);
    await waitDecodesFrom(p2, [p1.userId]);

    step('camera off and on seen');
    // Data: p2 sends two texts; each other page gets each exactly once, in order, and p2 none of
    // its own. (The second is the condition to wait on: on an ordered channel a duplicate of the
    // first would arrive before it.)
    for (const page of pages) {
      await waitFor(page, () => window.client.subscriberConnection?.sctp?.state === 'connected', undefined,
        { timeout: WAIT, message: 'the subscriber\'s SCTP association is up' });
    }
    await waitFor(p2, () => window.client.dataChannelOpen, undefined, { timeout: WAIT, message: 'p2\'s data channel open' });
    const texts = [`hello from p2 ${Date.now()}`, 'привет, second'];
    const sentAt = await p2.evaluate(async (texts) => {
      const t = Date.now();
      for (const text of texts) await window.client.sendData(text);
      return t;
    }, texts);
    const dataDelays = [];
    for (const page of [p1, p3, p4]) {
      const last = await waitFor(page, (text) => window.events.find((e) => e.eventType === 'dataReceived' && e.payload.text === text),
        texts[1], { timeout: WAIT, message: 'the second data message' });
      dataDelays.push(last.t - sentAt);
      const got = await page.evaluate(() => window.events.filter((e) => e.eventType === 'dataReceived').map((e) => e.payload));
      assert.deepEqual(got, texts.map((text) => ({ participantId: p2.userId, display: 'p2', text })), `[${page.label}] each message once, in order, from p2`);
    }
    assert.equal(await p2.evaluate(() => window.events.filter((e) => e.eventType === 'dataReceived').length), 0, 'p2 does not get its own messages');
    const refused = await p2.evaluate(() => window.client.sendData('').then(() => null, (e) => e.type));
    assert.equal(refused, 'params');
    console.log(`room e2e: data messages received ${dataDelays.join(', ')} ms after sendData`);

    // Screen share: p3 publishes a second video under 'screen'; the others decode it next to
    // p3's camera; stopped, it goes (trackRemoved, its receiver inactive).
    const screenMarks = await Promise.all([p1, p2, p4].map((p) => p.evaluate(() => window.events.length)));
    await p3.evaluate(() => window.armScreenShare());
    await p3.mouse.click(20, 20);
    const shared = await waitFor(p3, () => window.share, undefined, { timeout: WAIT, message: 'getDisplayMedia + shareScreen settled' });
    assert.equal(shared.ok, true, `shareScreen resolved: ${JSON.stringify(shared)}`);
    assert.equal(await p3.evaluate(() => window.client.screenSharing), true);
    const screenOf = (m, id) => Object.entries(m).find(([, s]) => s.participantId === id && s.tag === 'screen');
    const cameraOf = (m, id) => Object.entries(m).find(([, s]) => s.participantId === id && s.tag === 'video');
    const screenMids = [];
    for (const [i, page] of [p1, p2, p4].entries()) {
      const added = await waitFor(page, ({ mark, id }) => window.events.slice(mark).find((e) => e.eventType === 'trackAdded' && e.payload.participantId === id && e.payload.tag === 'screen'),
        { mark: screenMarks[i], id: p3.userId }, { timeout: WAIT, message: `trackAdded ${p3.userId}/screen` });
      assert.equal(added.payload.kind, 'video');
      assert.equal(added.payload.trackKind, 'video', 'trackAdded carries the video track');
      screenMids.push(added.payload.mid);
      // A second video of p3 decodes (frames grow), next to its camera.
      const first = await waitUntil(page, () => window.inboundByMid(), undefined, (m) => screenOf(m, p3.userId)?.[1].framesDecoded > 0,
        { timeout: WAIT, message: `${p3.userId}'s screen decoded` });
      const base = screenOf(first, p3.userId)[1].framesDecoded;
      const cameraBase = cameraOf(first, p3.userId)[1].framesDecoded;
      const later = await waitUntil(page, () => window.inboundByMid(), undefined,
        (m) => screenOf(m, p3.userId)?.[1].framesDecoded > base + 5 && cameraOf(m, p3.userId)?.[1].framesDecoded > cameraBase + 5,
        { timeout: WAIT, message: `${p3.userId}'s screen and camera both keep decoding` });
      assert.notEqual(screenOf(later, p3.userId)[0], cameraOf(later, p3.userId)[0], 'the screen has a mid of its own');
      const track = await page.evaluate((id) => { const s = window.client.remoteTrack(id, 'screen'); const c = window.client.remoteTrack(id, 'video'); return s && { kind: s.kind, readyState: s.readyState, notCamera: s !== c }; }, p3.userId);
      assert.deepEqual(track, { kind: 'video', readyState: 'live', notCamera: true }, `[${page.label}] remoteTrack(p3, 'screen')`);
    }
    step('screen share decoded by the others');
    const stopMarks = await Promise.all([p1, p2, p4].map((p) => p.evaluate(() => window.events.length)));
    await p3.evaluate(() => window.client.stopScreenShare());
    assert.equal(await p3.evaluate(() => window.client.screenSharing), false);
    assert.equal(await p3.evaluate(() => window.screenTrack.readyState), 'ended', 'the shared track is stopped');
    for (const [i, page] of [p1, p2, p4].entries()) {
      const removed = await waitFor(page, ({ mark, id }) => window.events.slice(mark).find((e) => e.eventType === 'trackRemoved' && e.payload.participantId === id && e.payload.tag === 'screen'),
        { mark: stopMarks[i], id: p3.userId }, { timeout: WAIT, message: `trackRemoved ${p3.userId}/screen` });
      assert.equal(removed.payload.mid, screenMids[i]);
      await waitUntil(page, () => window.transceivers(), undefined,
        (list) => list.some((t) => t.mid === screenMids[i] && (t.stopped || t.currentDirection === 'inactive' || t.currentDirection === 'stopped')),
        { timeout: WAIT, message: `the screen's transceiver (mid ${screenMids[i]}) is inactive or stopped` });
      assert.equal(await page.evaluate((id) => window.client.remoteTrack(id, 'screen'), p3.userId), null);
      assert.equal(await page.evaluate((id) => Object.keys(window.client.participants.find((p) => p.id === id).tracks).sort().join(), p3.userId), 'audio,video');
    }
    // p3's camera is still decoded by the others.
    await waitDecodesFrom(p1, [p3.userId]);
    step('screen share stopped');

    // p4 leaves: the others get participantLeft within 2 s and release its receivers.
    const marks = await Promise.all([p1, p2, p3].map((p) => p.evaluate(() => window.events.length)));
    const leftAt = await p4.evaluate(() => {
      window.leaverTracks = window.client.localStream.getTracks();
      const t = Date.now();
      window.client.leaveCall();
      return t;
    });
    for (const [i, page] of [p1, p2, p3].entries()) {
      const event = await waitFor(page, ({ mark, id }) => window.events.slice(mark).find((e) => e.eventType === 'participantLeft' && e.payload.participantId === id),
        { mark: marks[i], id: p4.userId }, { timeout: WAIT, message: `participantLeft ${p4.userId}` });
      assert.ok(event.t - leftAt <= 2000, `[${page.label}] participantLeft ${event.t - leftAt} ms after leaveCall (≤ 2000)`);
      // Janus tells the room `unpublished` before `leaving` when a publisher leaves.
      assert.ok(['left', 'unpublished'].includes(event.payload.reason), `reason ${event.payload.reason}`);
      const removed = await page.evaluate(({ mark, id }) => window.events.slice(mark).filter((e) => e.eventType === 'trackRemoved' && e.payload.participantId === id).map((e) => e.payload.mid),
        { mark: marks[i], id: p4.userId });
      assert.equal(removed.length, 2, `[${page.label}] trackRemoved for p4's audio and video`);
      // Its receivers: Janus's next offer stops those m-sections; no inbound stream of p4 remains.
      await waitUntil(page, () => window.transceivers(), undefined,
        (list) => removed.every((mid) => list.some((t) => t.mid === mid && (t.stopped || t.currentDirection === 'inactive' || t.currentDirection === 'stopped'))),
        { timeout: WAIT, message: `the transceivers of mids ${removed} are inactive or stopped` });
      const participants = await page.evaluate(() => window.client.participants.map((p) => p.id));
      assert.ok(!participants.includes(p4.userId), `[${page.label}] ${p4.userId} no longer listed`);
      assert.equal(await page.evaluate((id) => window.client.remoteTrack(id, 'video'), p4.userId), null);
    }
    assert.equal(await p4.evaluate(() => window.client.connectionStatus), 'disconnected');
    assert.equal(await p4.evaluate(() => window.client.subscriberConnection?.signalingState ?? 'closed'), 'closed');
    assert.deepEqual(await p4.evaluate(() => window.leaverTracks.map((t) => t.readyState)), ['ended', 'ended'], 'the leaver\'s camera and microphone are stopped');
    // The three that stay still decode each other.
    await waitDecodesFrom(p1, [p2.userId, p3.userId]);
    step('leave seen');
  }));

  it('simulcast: a 1280x720 publisher sends three encodings; a subscriber limited to the low layer sees a quarter of the width, and more again when unlimited', { timeout: TEST_TIMEOUT }, run(async () => {
    const sender = await joinPage('s1', { useSimulcast: true, video: { width: 1280, height: 720 }, audio: false });
    const viewer = await joinPage('s2', { video: false, audio: false });
    const outbound = await waitUntil(sender, () => window.outbound(), undefined,
      (list) => ['h', 'm', 'l'].every((rid) => list.some((o) => o.kind === 'video' && o.rid === rid && o.framesEncoded > 0)),
      { timeout: WAIT, message: 'outbound-rtp of rid h, m and l encode frames' });
    assert.equal(outbound.filter((o) => o.kind === 'video').length, 3);
    const videoOf = (m, id) => Object.values(m).find((s) => s.participantId === id && s.kind === 'video');
    // Under CPU load Chromium may scale every layer down (its quality scaler), so widths are
    // compared with what is measured rather than with fixed numbers: the low layer is at most a
    // quarter of the capture (1280 / 4 = 320), narrower than what was decoded before.
    const before = await waitUntil(viewer, () => window.inboundByMid(), undefined, (m) => videoOf(m, sender.userId)?.frameWidth > 320,
      { timeout: WAIT, message: 'the sender\'s video decoded wider than the low layer' });
    const widthBefore = videoOf(before, sender.userId).frameWidth;
    await viewer.evaluate((id) => window.client.selectLayers(id, { substream: 0 }), sender.userId);
    const t0 = Date.now();
    const low = await waitUntil(viewer, () => window.inboundByMid(), undefined, (m) => {
      const w = videoOf(m, sender.userId)?.frameWidth ?? 0;
      return w > 0 && w <= 320 && w < widthBefore;
    }, { timeout: 5000, message: `frameWidth drops to the low layer (≤ 320, was ${widthBefore}) within 5 s` });
    assert.ok(Date.now() - t0 <= 5000);
    const lowWidth = videoOf(low, sender.userId).frameWidth;
    console.log(`room e2e: simulcast frameWidth ${widthBefore} → ${lowWidth} with substream 0`);
    await viewer.evaluate((id) => window.client.selectLayers(id, {}), sender.userId);
    await waitUntil(viewer, () => window.inboundByMid(), undefined, (m) => videoOf(m, sender.userId)?.frameWidth > lowWidth,
      { timeout: WAIT, message: `wider than the low layer (${lowWidth}) again once unlimited` });
  }));

  it('20 join/leave cycles leave no peer connection or track alive, and the room no trace of them', { timeout: TEST_TIMEOUT }, run(async () => {
    const stay = await joinPage('c1');
    const cycler = await suite.newPage('c2', { url: pageUrl() });
    const userId = String(nextUser++);
    const joins = await cycler.evaluate(({ options, room, userId }) => window.cycles(options, room, userId, 20),
      { options: { signalingUrl: janus.url, video: CAMERA }, room: JANUS_ROOM, userId });
    assert.equal(joins, 20);
    const alive = await cycler.evaluate(() => window.alive());
    assert.ok(alive.made.pcs >= 20, `a publisher connection per cycle at least (${alive.made.pcs})`);
    assert.equal(alive.made.tracks, 40, 'a camera and a microphone per cycle');
    assert.deepEqual({ pcs: alive.pcs, tracks: alive.tracks }, { pcs: 0, tracks: 0 }, 'nothing alive after the last leaveCall');
    // The page that stayed saw it come and go; it lists nobody and receives nothing of it.
    await waitFor(stay, () => window.client.participants.length === 0, undefined, { timeout: WAIT, message: 'no participant left listed' });
    await waitUntil(stay, () => window.transceivers(), undefined, (list) => list.every((t) => t.stopped || t.currentDirection !== 'recvonly'),
      { timeout: WAIT, message: 'no transceiver still receiving' });
    const counts = await stay.evaluate((id) => ({
      joined: window.events.filter((e) => e.eventType === 'participantJoined' && e.payload.participantId === id).length,
      left: window.events.filter((e) => e.eventType === 'participantLeft' && e.payload.participantId === id).length,
    }), userId);
    assert.equal(counts.joined, counts.left, `every participantJoined has its participantLeft (${JSON.stringify(counts)})`);
  }));

  it('Janus killed and restarted: every page rejoins by itself and decodes the others again', { timeout: TEST_TIMEOUT }, run(async () => {
    const pages = [];
    for (const label of ['r1', 'r2', 'r3']) pages.push(await joinPage(label));
    const ids = pages.map((p) => p.userId);
    for (const page of pages) await waitDecodesFrom(page, ids.filter((id) => id !== page.userId));
    const marks = await Promise.all(pages.map((p) => p.evaluate(() => window.events.length)));
    await janus.kill('SIGKILL');
    for (const page of pages) {
      await waitFor(page, () => window.client.connectionStatus === 'reconnecting', undefined, { timeout: WAIT, message: 'status reconnecting' });
    }
    const restartedAt = Date.now();
    await janus.restart();
    for (const [i, page] of pages.entries()) {
      await waitFor(page, (mark) => window.events.slice(mark).some((e) => e.eventType === 'connectionStatusChanged' && e.payload.status === 'connected'),
        marks[i], { timeout: WAIT, message: 'connected again' });
      await waitDecodesFrom(page, ids.filter((id) => id !== page.userId));
    }
    const elapsed = Date.now() - restartedAt;
    console.log(`room e2e: after Janus restarted, all pages rejoined and decode again in ${elapsed} ms`);
    assert.ok(elapsed <= 30000, `rejoined and decoding within 30 s of the restart (${elapsed} ms)`);
  }));

  // The demo's room page (demo/room.html, served by `npm run demo`), driven through its own
  // buttons: this suite's Janus is given in its URL (npm run demo serves it at /demo-room instead).
  it('demo room page: two pages join by name, list and show each other, decode each other\'s video; layer selector, mute, camera, leave', { timeout: TEST_TIMEOUT }, run(async () => {
    const start = Date.now();
    const openDemoRoom = async (label, name) => {
      const url = `${suite.httpUrl}/demo/room.html?${new URLSearchParams({ janus: janus.url, room: String(JANUS_ROOM), name })}`;
      const page = await suite.newPage(label, { url, waitReady: false });
      await waitFor(page, () => document.body.dataset.ready === '1' || document.body.dataset.loadError, undefined, { message: 'demo/room.js started' });
      assert.equal(await page.evaluate(() => document.body.dataset.loadError), undefined, `[${label}] dist/room.js loaded`);
      assert.equal(await page.evaluate(() => document.body.dataset.janus), 'ready');
      assert.equal(await page.inputValue('#name'), name);
      return page;
    };
    // Runs in the page: the subscriber connection's inbound video, by participant (the client's mids).
    const inboundVideo = async () => {
      const { client } = window.demo;
      const pc = client?.subscriberConnection;
      if (!pc) return {};
      const owner = {};
      for (const p of client.participants) if (p.tracks.video?.mid) owner[p.tracks.video.mid] = p.id;
      const out = {};
      (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video' && owner[s.mid]) out[owner[s.mid]] = s.framesDecoded ?? 0; });
      return out;
    };
    const [a, b] = [await openDemoRoom('demo-a', 'Alice'), await openDemoRoom('demo-b', 'Bob')];
    for (const page of [a, b]) {
      await page.click('#join');
      await waitFor(page, () => window.demo.client?.connectionStatus === 'connected' && document.getElementById('status').textContent === 'connected',
        undefined, { timeout: WAIT, message: 'joined (status connected)' });
    }
    const ids = { a: await a.evaluate(() => window.demo.client.participantId), b: await b.evaluate(() => window.demo.client.participantId) };
    for (const [page, other, otherName] of [[a, ids.b, 'Bob'], [b, ids.a, 'Alice']]) {
      // The list names the other; its tile plays its video; getStats: frames decoded grow.
      const listed = await waitFor(page, (id) => document.querySelector(`#participants li[data-participant="${id}"]`)?.textContent, other,
        { timeout: WAIT, message: `${otherName} in the participant list` });
      assert.ok(listed.startsWith(otherName), `[${page.label}] list entry: ${listed}`);
      await waitFor(page, (id) => {
        const v = document.querySelector(`#grid figure[data-participant="${id}"] video`);
        return v && v.videoWidth > 0 && !v.paused;
      }, other, { timeout: WAIT, message: `${otherName}'s tile plays video` });
      assert.equal(await page.evaluate(() => document.querySelectorAll('#grid figure.remote').length), 1);
      const first = await waitUntil(page, inboundVideo, undefined, (m) => m[other] > 0, { timeout: WAIT, message: `frames of ${otherName} decoded` });
      await waitUntil(page, inboundVideo, undefined, (m) => m[other] >= first[other] + 10, { timeout: WAIT, message: `frames of ${otherName} keep being decoded` });
    }
    console.log(`room e2e: demo room pages see each other's video ${Date.now() - start} ms after opening`);

    // The layer selector asks the core for that participant's layer (selectLayers); auto lifts it.
    await a.selectOption(`#grid figure[data-participant="${ids.b}"] select.layers`, '0');
    await waitFor(a, (id) => window.demo.client.participants.find((p) => p.id === id)?.layers?.substream === 0, ids.b, { message: 'layers {substream: 0} of Bob' });
    await a.selectOption(`#grid figure[data-participant="${ids.b}"] select.layers`, '');
    await waitFor(a, (id) => (window.demo.client.participants.find((p) => p.id === id)?.layers?.substream ?? null) === null, ids.b, { message: 'no layer limit' });

    // Mute and camera: the client's state and the local tracks follow the buttons; Bob stops decoding Alice's video.
    await a.click('#mute');
    await a.click('#camera');
    const s = await waitFor(a, () => !window.demo.client.audioEnabled && !window.demo.client.videoEnabled && {
      mute: document.getElementById('mute').textContent, camera: document.getElementById('camera').textContent,
      audio: window.demo.client.localTrack('audio').enabled, video: window.demo.client.localTrack('video').enabled,
      badges: [...document.querySelectorAll('#local-tile .badge')].filter((e) => !e.hidden).map((e) => e.textContent),
    }, undefined, { message: 'muted, camera off' });
    assert.deepEqual(s, { mute: 'Unmute', camera: 'Camera on', audio: false, video: false, badges: ['muted', 'camera off'] });
    let last = -1;
    let since = Date.now();
    await waitUntil(b, inboundVideo, undefined, (m) => {
      if (m[ids.a] !== last) { last = m[ids.a]; since = Date.now(); return false; }
      return Date.now() - since >= 1500;
    }, { timeout: WAIT, message: 'Alice\'s video no longer decoded (unchanged for 1.5 s)' });
    await a.click('#camera');
    await waitUntil(b, inboundVideo, undefined, (m) => m[ids.a] >= last + 10, { timeout: WAIT, message: 'Alice\'s video decoded again' });

    // Bob leaves: his page is back to the join form; Alice's list and grid lose him.
    await b.click('#leave');
    await waitFor(b, () => document.body.dataset.joined === '0' && !document.getElementById('join').disabled
      && document.querySelectorAll('#grid figure.remote').length === 0, undefined, { message: 'Bob: left, Join enabled again' });
    await waitFor(a, (id) => !document.querySelector(`[data-participant="${id}"]`) && document.getElementById('count').textContent === '0', ids.b,
      { timeout: WAIT, message: 'Bob gone from Alice\'s list and grid' });
    await a.click('#leave');
    console.log(`room e2e: demo room page test ${Date.now() - start} ms`);
  }));
});
