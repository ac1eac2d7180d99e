// createCallStore during a real call (issue 4): React's useSyncExternalStore contract -
// getSnapshot() returns the identical object while nothing changed (also across events that
// change nothing), a new object after a change (the far side mutes), every notification carries
// a new snapshot, and subscribe's unsubscribe (and store.destroy()) stop notifications - plus the
// snapshot fields of a connected call (peerId, connectStatus, peers[0] with live tracks by tag,
// the avatars: own = the doctor's on RTCDoctor and null on RTCClient, peers[0] = the far side's).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DOCTOR, startSuite, createParty, startCall, waitCallResult, waitForEvent, waitForCallState, waitFor, waitForStats,
} from './harness.js';

const TEST_TIMEOUT = 240000;

// Runs in a page: a store for window.call with two listeners: `recorder` keeps every snapshot it
// is notified with (window.notified), `counter` counts (window.counted).
function makeStore() {
  const store = window.callcore.createCallStore(window.call);
  window.store = store;
  window.notified = [];
  window.counted = 0;
  window.unsubscribeRecorder = store.subscribe(() => window.notified.push(store.getSnapshot()));
  window.unsubscribeCounter = store.subscribe(() => { window.counted += 1; });
  window.initialSnapshot = store.getSnapshot();
}

// Installed in the pages as window.describeSnapshotInPage: the snapshot's fields, JSON-safe; tracks are described and compared with the call's.
function describeSnapshot(snapshot) {
  const s = snapshot || window.store.getSnapshot();
  const call = window.call;
  const track = (t) => (t ? { isTrack: t instanceof MediaStreamTrack, kind: t.kind, readyState: t.readyState } : t);
  return {
    peerId: s.peerId,
    connectStatus: s.connectStatus,
    callState: s.callState,
    displayName: s.displayName,
    avatar: s.avatar,
    hidden: s.hidden,
    muted: s.muted,
    lastError: s.lastError,
    sendTracks: s.sendTracks.map((t) => ({ tag: t.tag, kind: t.kind, state: t.state, track: track(t.track), isLocalTrack: t.track === call.localTrack(t.tag) })),
    recvTracks: s.recvTracks.map((t) => ({ tag: t.tag, kind: t.kind, state: t.state, track: track(t.track), isRemoteTrack: t.track === call.remoteTrack(t.tag) })),
    peers: s.peers.map((p) => ({
      id: p.id,
      displayName: p.displayName,
      avatar: p.avatar,
      deviceState: p.deviceState,
      tracks: Object.fromEntries(Object.entries(p.tracks).map(([tag, t]) => [tag, {
        kind: t.kind, state: t.state, track: track(t.track), isRemoteTrack: t.track === call.remoteTrack(tag),
      }])),
    })),
  };
}

describe('createCallStore snapshots during a call', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('store'); });
  after(async () => { if (suite) await suite.close(); });

  it('stable identity, a new snapshot per change, unsubscribe and destroy stop notifications; the fields of a connected call', { timeout: TEST_TIMEOUT }, run(async (t) => {
    const consultationId = suite.consultationId('store');
    const client = await suite.newPage('client');
    const doctor = await suite.newPage('doctor');
    await createParty(client, 'client', { suite, consultationId });
    await waitForEvent(client, 'joined');
    await createParty(doctor, 'doctor', { suite, consultationId });
    await waitForEvent(doctor, 'joined');
    const ownId = () => window.events.find((e) => e.eventType === 'joined').payload.connectionId;
    const ids = { doctor: await doctor.evaluate(ownId), client: await client.evaluate(ownId) };

    // Stores made before the call.
    for (const page of [doctor, client]) {
      await page.evaluate(`window.describeSnapshotInPage = ${describeSnapshot.toString()}`);
      await page.evaluate(makeStore);
      const s = await page.evaluate(() => describeSnapshotInPage());
      assert.equal(s.connectStatus, 'disconnected', `[${page.label}] before call(): disconnected`);
      assert.equal(s.callState, 'idle');
      assert.deepEqual(s.peers, []);
      assert.equal(s.peerId, ids[page.label], `[${page.label}] peerId is this side's connection id`);
      // Both pages pass RTCParams.doctor (harness DOCTOR, avatarId 'a1'): it is the doctor's own avatar only.
      assert.equal(s.avatar, page.label === 'doctor' ? DOCTOR.avatarId : null, `[${page.label}] own avatar before the call`);
      assert.equal(await page.evaluate(() => window.store.getSnapshot() === window.store.getSnapshot()), true, 'same object twice');
    }

    await startCall(doctor);
    await waitForEvent(client, 'enterEvent');
    await startCall(client);
    for (const page of [doctor, client]) assert.equal((await waitCallResult(page)).ok, true, `[${page.label}] call() resolved`);
    await Promise.all([waitForCallState(doctor, 'connected'), waitForCallState(client, 'connected')]);
    await waitForStats(doctor, { framesDecoded: 1 });
    // The remote tracks are known (REMOTE_TRACKS and the track events have come).
    for (const page of [doctor, client]) {
      await waitFor(page, () => {
        const p = window.store.getSnapshot().peers[0];
        return p && p.tracks.video && p.tracks.video.track && p.tracks.audio && p.tracks.audio.track;
      }, undefined, { message: 'snapshot peers[0].tracks.video/audio have tracks' });
    }

    // The fields of a connected call, on both sides.
    for (const [page, far] of [[doctor, 'client'], [client, 'doctor']]) {
      const s = await page.evaluate(() => describeSnapshotInPage());
      assert.equal(s.peerId, ids[page.label]);
      assert.equal(s.connectStatus, 'connected');
      assert.equal(s.callState, 'connected');
      assert.equal(s.lastError, null);
      assert.deepEqual([s.hidden, s.muted], [false, false]);
      assert.equal(s.peers.length, 1);
      const peer = s.peers[0];
      assert.equal(peer.id, ids[far], `[${page.label}] peers[0].id is the far side's connection id`);
      assert.equal(peer.displayName, far === 'client' ? 'Patient Zero' : 'Dr House');
      assert.equal(s.avatar, page.label === 'doctor' ? DOCTOR.avatarId : null, `[${page.label}] own avatar: the doctor's on RTCDoctor, none on RTCClient`);
      assert.equal(peer.avatar, far === 'doctor' ? DOCTOR.avatarId : null, `[${page.label}] peers[0].avatar is the far side's (the doctor's from its enter)`);
      assert.deepEqual(peer.deviceState, { isHidden: false, isMute: false });
      for (const tag of ['video', 'audio']) {
        assert.deepEqual(peer.tracks[tag], { kind: tag, state: 'sending', track: { isTrack: true, kind: tag, readyState: 'live' }, isRemoteTrack: true },
          `[${page.label}] peers[0].tracks.${tag}`);
      }
      assert.deepEqual(s.sendTracks.map((x) => [x.tag, x.state, x.track.readyState, x.isLocalTrack]).sort(),
        [['audio', 'sending', 'live', true], ['video', 'sending', 'live', true]], `[${page.label}] sendTracks`);
      assert.deepEqual(s.recvTracks.map((x) => [x.tag, x.state, x.track.readyState, x.isRemoteTrack]).sort(),
        [['audio', 'sending', 'live', true], ['video', 'sending', 'live', true]], `[${page.label}] recvTracks`);
    }

    // Every notification carried a new snapshot, and connectStatus went disconnected -> connecting -> connected.
    const history = await doctor.evaluate(() => {
      const all = [window.initialSnapshot, ...window.notified];
      return {
        distinct: all.every((s, i) => i === 0 || s !== all[i - 1]),
        count: window.notified.length,
        statuses: all.map((s) => s.connectStatus).filter((v, i, a) => i === 0 || v !== a[i - 1]),
        counted: window.counted,
      };
    });
    assert.equal(history.distinct, true, 'no notification without a new snapshot');
    assert.deepEqual(history.statuses, ['disconnected', 'connecting', 'connected']);
    assert.equal(history.counted, history.count, 'both listeners were notified alike');

    // Events that change nothing: the same object, no notification. A message from the far side
    // (EVENT_LIST.MESSAGE), twice, and an app-level event on the emitter.
    // The far side's connection quality (core-computed from getStats every second) is the one
    // thing that may change meanwhile: a new snapshot is accepted only when it differs there.
    await waitFor(doctor, () => window.store.getSnapshot().peers[0]?.quality !== 'unknown', undefined, { message: 'the peer quality is measured' });
    await doctor.evaluate(() => { window.s1 = window.store.getSnapshot(); window.s1count = window.notified.length; });
    const unchanged = () => doctor.evaluate(() => {
      const s = window.store.getSnapshot();
      if (s === window.s1) return { same: true, notified: window.notified.length === window.s1count };
      const why = s.peers[0].quality !== window.s1.peers[0].quality ? 'quality' : 'other';
      window.s1 = s;
      window.s1count = window.notified.length;
      return { same: false, why };
    });
    for (let i = 1; i <= 2; i += 1) {
      await client.evaluate((i) => window.call.sendMessage({ type: 'noop', body: i }), i);
      await waitFor(doctor, (i) => window.events.filter((e) => e.eventType === 'messageEvent').length === i, i, { message: `message ${i} arrived` });
      const r = await unchanged();
      assert.ok(r.same ? r.notified : r.why === 'quality', `after message ${i}: the identical snapshot, no notification (${JSON.stringify(r)})`);
    }
    await doctor.evaluate(() => window.call.emitter.emit('somethingElse', { x: 1 }));
    const r = await unchanged();
    assert.ok(r.same ? r.notified : r.why === 'quality', `after an unrelated event: the identical snapshot, no notification (${JSON.stringify(r)})`);
    const s1 = await doctor.evaluate(() => window.s1count);

    // A store made during the call (then destroyed) sees the same.
    const late = await doctor.evaluate(() => {
      window.lateStore = window.callcore.createCallStore(window.call);
      window.lateCount = 0;
      window.lateStore.subscribe(() => { window.lateCount += 1; });
      const a = describeSnapshotInPage(window.lateStore.getSnapshot());
      window.lateSnapshot = window.lateStore.getSnapshot();
      window.lateStore.destroy();
      return a;
    });
    assert.deepEqual(late, await doctor.evaluate(() => describeSnapshotInPage()), 'a store made mid-call has the same fields');

    // The far side mutes: a new snapshot with peers[0].deviceState.isMute, then stable again.
    await client.evaluate(() => window.call.changeDeviceState({ isMute: true }));
    const changed = await waitFor(doctor, () => {
      const s = window.store.getSnapshot();
      return s !== window.s1 && s.peers[0].deviceState.isMute === true && { notified: window.notified.length, lastIsCurrent: window.notified[window.notified.length - 1] === s };
    }, undefined, { message: 'a new snapshot with peers[0].deviceState.isMute' });
    assert.ok(changed.notified > s1, 'listeners were notified');
    assert.equal(changed.lastIsCurrent, true, 'the last notification carried the current snapshot');
    assert.equal(await doctor.evaluate(() => window.store.getSnapshot() === window.store.getSnapshot()), true, 'stable again');
    assert.deepEqual(await doctor.evaluate(() => window.store.getSnapshot().peers[0].deviceState), { isHidden: false, isMute: true });
    assert.equal(await client.evaluate(() => window.store.getSnapshot().muted), true, "the muting side's own snapshot: muted");

    // The destroyed store was not notified and kept its snapshot.
    assert.deepEqual(await doctor.evaluate(() => ({ count: window.lateCount, same: window.lateStore.getSnapshot() === window.lateSnapshot })),
      { count: 0, same: true }, 'store.destroy(): no notification, the last snapshot stays');

    // Unsubscribe the recorder: the counter is still notified of the unmute, the recorder is not.
    const beforeUnmute = await doctor.evaluate(() => {
      window.unsubscribeRecorder();
      return { notified: window.notified.length, counted: window.counted, snapshot: (window.s2 = window.store.getSnapshot(), true) };
    });
    await client.evaluate(() => window.call.changeDeviceState({ isMute: false }));
    await waitFor(doctor, () => window.store.getSnapshot().peers[0].deviceState.isMute === false, undefined, { message: 'unmuted in the snapshot' });
    const afterUnmute = await doctor.evaluate(() => ({ notified: window.notified.length, counted: window.counted, changed: window.store.getSnapshot() !== window.s2 }));
    assert.equal(afterUnmute.changed, true, 'a new snapshot after the unmute');
    assert.ok(afterUnmute.counted > beforeUnmute.counted, 'the subscribed listener was notified');
    assert.equal(afterUnmute.notified, beforeUnmute.notified, 'the unsubscribed listener was not');

    // The far side hangs up: disconnected.
    await client.evaluate(() => window.call.hangUp());
    await waitFor(doctor, () => window.store.getSnapshot().connectStatus === 'disconnected', undefined, { message: 'connectStatus disconnected after the hang up' });
    assert.equal(await doctor.evaluate(() => window.store.getSnapshot().callState), 'ended');
    t.diagnostic(`doctor store: ${afterUnmute.counted} notifications in the whole call`);
  }));
});
