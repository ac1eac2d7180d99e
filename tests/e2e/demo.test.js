// The demo pages (demo/doctor.html, demo/client.html) in real Chromium, through the reference
// server: the far side's label follows the server's presence messages (joined.members,
// peerJoined, peerLeft), the client's Answer button is enabled only while the doctor rings
// (EVENT_LIST.ENTER) - not before, not after the call, not after the doctor hung up while
// ringing - and the local preview fills its box (the figure is
// as tall as its 4:3 video) before and during the call. The quality badge and the diagnostics
// panel (demo/diagnostics.js) show the core's figures: the badge a level (with the MOS) once the
// call is connected, the uPlot charts the points of the core's `stats` events - the same values,
// at most 120 per chart, also while the panel is closed - and nothing moves after hang-up.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSuite, waitFor } from './harness.js';

const TEST_TIMEOUT = 240000;

// Runs in a demo page: what the test looks at.
function demoState() {
  const box = (el) => { const r = el.getBoundingClientRect(); return { width: Math.round(r.width), height: Math.round(r.height) }; };
  const local = document.querySelector('figure.local');
  const video = document.getElementById('local-video');
  return {
    label: document.getElementById('remote-name').textContent,
    farSide: document.body.dataset.farSide,
    callState: window.demo.callState,
    callDisabled: document.getElementById('call').disabled,
    localFigure: box(local),
    localVideo: box(video),
    localPlaying: !!video.srcObject && !video.paused && video.videoWidth > 0,
  };
}

// Runs in a demo page: the quality badge, the diagnostics panel and its uPlot charts.
function diagnosticsState() {
  const panel = document.getElementById('diagnostics');
  const badge = document.getElementById('quality');
  const charts = {};
  for (const el of panel.querySelectorAll('.chart')) {
    const u = window.demo.diagnostics.charts[el.dataset.chart];
    const canvas = el.querySelector('canvas');
    charts[el.dataset.chart] = {
      points: Number(el.dataset.points),
      length: u ? u.data[0].length : null,
      seriesLabels: u ? u.series.slice(1).map((s) => s.label) : null,
      canvas: canvas ? { width: canvas.clientWidth, height: canvas.clientHeight } : null,
    };
  }
  return {
    quality: badge.dataset.quality,
    badgeText: badge.textContent,
    live: panel.dataset.live,
    samples: Number(panel.dataset.samples),
    updates: Number(panel.dataset.updates),
    open: panel.open,
    status: panel.querySelector('.diag-status').textContent,
    listeners: window.demo.diagnostics.listeners,
    charts,
  };
}

// Runs in a demo page: from now on, each `stats` event of the call is kept with what the charts
// and the badge show once the panel got it (the panel's listener runs first: it was added first).
// Also counts the instance's listeners now and once its call ended (the panel's are gone then).
async function recordStatsAgainstCharts() {
  const { EVENT_LIST } = await import('/dist/callcore.js');
  const { emitter } = window.demo.rtc;
  const count = () => Object.fromEntries(['STATS', 'QUALITY_CHANGED', 'ALL', 'CALL_ERROR'].map((k) => [k, emitter.listenerCount(EVENT_LIST[k])]));
  window.statsChecks = [];
  window.listenersAtEnd = null;
  // Added after the page's own CALL_STATE listener, so it runs after the panel stopped.
  emitter.on(EVENT_LIST.CALL_STATE, ({ payload }) => {
    if (payload.state === 'ended') window.listenersAtEnd = count();
  });
  emitter.on(EVENT_LIST.STATS, ({ payload }) => {
    const { charts } = window.demo.diagnostics;
    const last = (key, i) => charts[key].data[i].at(-1);
    const video = (list) => list.find((s) => s.kind === 'video');
    window.statsChecks.push({
      core: {
        inVideoBitrate: video(payload.inbound)?.bitrate ?? null,
        outVideoBitrate: video(payload.outbound)?.bitrate ?? null,
        rttMs: payload.rttMs ?? null,
        inVideoLoss: video(payload.inbound)?.packetLoss ?? null,
        inVideoFps: video(payload.inbound)?.fps ?? null,
        outVideoFps: video(payload.outbound)?.fps ?? null,
        mos: payload.mos ?? null,
        quality: payload.quality,
      },
      chart: {
        inVideoBitrate: last('bitrate', 1),
        outVideoBitrate: last('bitrate', 3),
        rttMs: last('rtt', 1),
        inVideoLoss: last('loss', 1),
        inVideoFps: last('fps', 1),
        outVideoFps: last('fps', 2),
      },
      badgeText: document.getElementById('quality').textContent,
    });
  });
  window.listenersDuringCall = count();
}

const LEVELS = ['excellent', 'good', 'poor', 'lost'];

describe('demo pages', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('demo'); });
  after(async () => { if (suite) await suite.close(); });

  async function openDemo(role, consultationId) {
    const page = await suite.newPage(role, { url: `${suite.httpUrl}/demo/${role}.html?c=${consultationId}`, waitReady: false });
    await page.setViewportSize({ width: 1200, height: 900 });
    await waitFor(page, () => document.body.dataset.ready === '1' || document.body.dataset.loadError, undefined, { message: 'demo.js started' });
    assert.equal(await page.evaluate(() => document.body.dataset.loadError), undefined, `[${role}] the SDK bundle loaded`);
    return page;
  }

  // The preview box is exactly its video (no empty part), and the video is 4:3.
  function assertPreviewFills(s, label) {
    assert.ok(Math.abs(s.localFigure.height - s.localVideo.height) <= 1 && Math.abs(s.localFigure.width - s.localVideo.width) <= 1,
      `${label}: the local figure ${JSON.stringify(s.localFigure)} is its video ${JSON.stringify(s.localVideo)}`);
    assert.ok(Math.abs(s.localVideo.height - (s.localVideo.width * 3) / 4) <= 2, `${label}: the preview is 4:3 (${JSON.stringify(s.localVideo)})`);
  }

  it('presence label, Answer only while the doctor rings, preview box filled', { timeout: TEST_TIMEOUT }, run(async () => {
    const consultationId = suite.consultationId('demo');
    const doctor = await openDemo('doctor', consultationId);
    await waitFor(doctor, () => document.getElementById('socket-state').textContent === 'open', undefined, { message: 'doctor socket open' });
    let d = await doctor.evaluate(demoState);
    assert.deepEqual([d.label, d.farSide], ['client: not here yet', 'absent']);
    assertPreviewFills(d, 'doctor before the call');

    // The client opens its page: the doctor sees it (peerJoined), the client sees the doctor (joined.members).
    const client = await openDemo('client', consultationId);
    d = await waitFor(doctor, () => document.body.dataset.farSide === 'here' && { label: document.getElementById('remote-name').textContent },
      undefined, { message: "doctor: the client is here (peerJoined)" });
    assert.equal(d.label, 'client: Client Demo is here');
    let c = await waitFor(client, () => document.body.dataset.farSide === 'here' && window.demo.callState === 'idle' && document.getElementById('socket-state').textContent === 'open',
      undefined, { message: 'client: the doctor is here (joined.members)' });
    c = await client.evaluate(demoState);
    assert.equal(c.label, 'doctor: Dr. Demo is here');
    assert.equal(c.callDisabled, true, 'Answer is disabled before the doctor rings');

    // The doctor rings: Answer becomes clickable.
    await doctor.click('#call');
    await waitFor(client, () => !document.getElementById('call').disabled, undefined, { message: 'Answer enabled once the doctor rang (ENTER)' });
    await client.click('#call');
    await Promise.all([doctor, client].map((page) => waitFor(page, () => window.demo.callState === 'connected', undefined, { message: 'connected' })));
    for (const page of [doctor, client]) {
      const s = await waitFor(page, () => {
        const video = document.getElementById('local-video');
        return !!video.srcObject && video.videoWidth > 0;
      }, undefined, { message: 'the local preview shows the camera' }).then(() => page.evaluate(demoState));
      assert.equal(s.localPlaying, true);
      assertPreviewFills(s, `${page.label} during the call`);
    }
    assert.equal((await client.evaluate(demoState)).callDisabled, true, 'Answer disabled during the call');

    // The client hangs up: Answer stays disabled on its fresh instance until the doctor rings again.
    await client.click('#hang-up');
    await waitFor(client, () => window.demo.callState === 'idle' && document.body.dataset.farSide === 'here', undefined,
      { message: 'client: a new idle instance that sees the doctor' });
    c = await client.evaluate(demoState);
    assert.equal(c.callDisabled, true, 'Answer disabled again after the call');
    assertPreviewFills(c, 'client after the call');

    // The doctor rings again and hangs up before the client answers: Answer is disabled again.
    await waitFor(doctor, () => window.demo.callState === 'idle' && document.body.dataset.farSide === 'here'
      && !document.getElementById('call').disabled, undefined, { message: 'doctor: a new idle instance that sees the client' });
    await doctor.click('#call');
    await waitFor(client, () => !document.getElementById('call').disabled, undefined, { message: 'Answer enabled by the second ring' });
    await waitFor(doctor, () => !document.getElementById('hang-up').disabled, undefined, { message: 'doctor: Hang up enabled while ringing' });
    await doctor.click('#hang-up');
    await waitFor(client, () => document.getElementById('call').disabled, undefined, { message: 'Answer disabled once the doctor hung up' });
    await waitFor(doctor, () => window.demo.callState === 'idle' && document.body.dataset.farSide === 'here', undefined,
      { message: 'doctor: idle again, the client still here' });
    assert.equal((await client.evaluate(demoState)).callDisabled, true);

    // The client closes its page: the doctor sees it leave (peerLeft).
    await client.close();
    d = await waitFor(doctor, () => document.body.dataset.farSide === 'left' && { label: document.getElementById('remote-name').textContent },
      undefined, { message: 'doctor: the client left (peerLeft)' });
    assert.equal(d.label, 'client: Client Demo left');
  }));

  it('quality badge and diagnostics charts show the core\'s figures during the call, and stop after hang-up', { timeout: TEST_TIMEOUT }, run(async () => {
    const consultationId = suite.consultationId('diag');
    const doctor = await openDemo('doctor', consultationId);
    const client = await openDemo('client', consultationId);
    for (const page of [doctor, client]) {
      await waitFor(page, () => document.body.dataset.chartsReady, undefined, { message: 'uPlot loaded' });
      assert.equal(await page.evaluate(() => document.body.dataset.chartsReady), '1', `[${page.label}] /vendor/uplot/uPlot.esm.js loaded`);
      const s = await page.evaluate(diagnosticsState);
      assert.deepEqual([s.quality, s.badgeText, s.live, s.samples, s.status], ['none', '—', '0', 0, 'no call yet'], `[${page.label}] before the call: ${JSON.stringify(s)}`);
      assert.deepEqual(Object.keys(s.charts), ['bitrate', 'rtt', 'loss', 'fps']);
      assert.deepEqual(s.charts.bitrate.seriesLabels, ['in video', 'in audio', 'out video', 'out audio']);
    }
    // The doctor opens the panel; the client leaves it closed (the charts fill all the same).
    await doctor.click('#diagnostics > summary');
    assert.equal(await doctor.evaluate(() => document.getElementById('diagnostics').open), true);

    await waitFor(doctor, () => document.getElementById('socket-state').textContent === 'open', undefined, { message: 'doctor socket open' });
    await waitFor(client, () => document.body.dataset.farSide === 'here', undefined, { message: 'client: the doctor is here' });
    await doctor.click('#call');
    await waitFor(client, () => !document.getElementById('call').disabled, undefined, { message: 'Answer enabled (ENTER)' });
    await client.click('#call');
    await Promise.all([doctor, client].map((page) => waitFor(page, () => window.demo.callState === 'connected', undefined, { message: 'connected' })));
    for (const page of [doctor, client]) await page.evaluate(recordStatsAgainstCharts);
    const levelsSeen = {};

    for (const page of [doctor, client]) {
      // The badge: a level of the core's (the store's peers[0].quality), in words, with the MOS.
      const level = levelsSeen[page.label] = await waitFor(page, (levels) => levels.includes(document.getElementById('quality').dataset.quality)
        && document.getElementById('quality').dataset.quality, LEVELS, { timeout: 30000, message: 'the badge shows a quality level' });
      const badgeText = await page.evaluate(() => document.getElementById('quality').textContent);
      assert.ok(badgeText.startsWith(level), `[${page.label}] the badge says its level in text: "${badgeText}" (${level})`);
      const store = await page.evaluate(() => window.demo.diagnostics.store.getSnapshot().peers[0]?.quality);
      assert.equal(level, store, `[${page.label}] badge = the store's peers[0].quality`);

      // The charts: points from at least three reports with video flowing both ways.
      await waitFor(page, () => {
        const v = (key) => Number(document.querySelector(`#diagnostics [data-chart="${key}"]`).dataset.points);
        return window.statsChecks.filter((c) => c.core.inVideoFps > 0 && c.core.outVideoBitrate > 0).length >= 3
          && v('bitrate') > 0 && v('fps') > 0 && v('rtt') > 0 && v('loss') > 0;
      }, undefined, { timeout: 30000, message: '3 stats events with video both ways, points on every chart' });
      const s = await page.evaluate(diagnosticsState);
      assert.equal(s.live, '1', `[${page.label}] live: ${JSON.stringify(s)}`);
      assert.ok(s.samples >= 3 && s.samples <= 120, `[${page.label}] ${s.samples} samples`);
      assert.ok(s.updates >= s.samples, `[${page.label}] ${s.updates} updates, ${s.samples} samples`);
      assert.match(s.status, /^live, \d+ samples$/);
      assert.equal(s.listeners, 3, `[${page.label}] stats + qualityChanged + store listeners`);
      for (const [key, chart] of Object.entries(s.charts)) {
        assert.equal(chart.length, s.samples, `[${page.label}] the ${key} chart's uPlot data has the panel's samples`);
      }
      if (page === doctor) {
        for (const [key, chart] of Object.entries(s.charts)) {
          assert.ok(chart.canvas && chart.canvas.width > 200 && chart.canvas.height > 50, `[${page.label}] the open panel draws ${key}: ${JSON.stringify(chart.canvas)}`);
        }
      }

      // Each chart's last point is the core's figure of that event, as it came (absent: a gap).
      const checks = await page.evaluate(() => window.statsChecks);
      for (const c of checks) assert.deepEqual(c.chart, Object.fromEntries(Object.keys(c.chart).map((k) => [k, c.core[k]])), `[${page.label}] chart points = core figures`);
      const withMos = checks.filter((c) => c.core.mos !== null && LEVELS.includes(c.core.quality));
      assert.ok(withMos.length > 0, `[${page.label}] the core gave an audio MOS: ${JSON.stringify(checks.map((c) => c.core))}`);
      for (const c of withMos) assert.match(c.badgeText, new RegExp(` · MOS ${c.core.mos.toFixed(1).replace('.', '\\.')}$`), `[${page.label}] the badge's MOS`);
    }

    // Hang-up: the badge clears, the charts keep the call's figures and no longer move.
    await doctor.click('#hang-up');
    await Promise.all([doctor, client].map((page) => waitFor(page, () => window.demo.callState === 'idle'
      && document.getElementById('diagnostics').dataset.live === '0', undefined, { message: 'a fresh idle instance, the panel not live' })));
    const ended = await Promise.all([doctor, client].map((page) => page.evaluate(diagnosticsState)));
    for (const page of [doctor, client]) {
      // When the call ended, the panel removed its listeners of that instance: stats and
      // qualityChanged (the one left is the test's), and the store's (ALL, CALL_ERROR).
      const { during, atEnd } = await page.evaluate(() => ({ during: window.listenersDuringCall, atEnd: window.listenersAtEnd }));
      assert.deepEqual(atEnd, { STATS: during.STATS - 1, QUALITY_CHANGED: during.QUALITY_CHANGED - 1, ALL: during.ALL - 1, CALL_ERROR: during.CALL_ERROR - 1 },
        `[${page.label}] listeners during the call ${JSON.stringify(during)}, when it ended ${JSON.stringify(atEnd)}`);
      assert.equal(during.STATS, 2, `[${page.label}] stats listeners: the panel's and the test's`);
    }
    for (const [i, page] of [doctor, client].entries()) {
      const s = ended[i];
      assert.deepEqual([s.quality, s.badgeText], ['none', '—'], `[${page.label}] the badge after hang-up`);
      assert.match(s.status, /^last call, \d+ samples \(ended\)$/);
      assert.ok(s.samples >= 3, `[${page.label}] the last call's charts stay: ${s.samples}`);
      // The new instance is followed (store, stats, qualityChanged); the old one's listeners are gone.
      assert.equal(s.listeners, 3, `[${page.label}] listeners after hang-up`);
    }
    // Longer than the core's longest interval (4 s): nothing more arrives.
    for (const page of [doctor, client]) {
      await page.evaluate(() => { window.diagnosticsQuietFrom = Date.now(); });
      await waitFor(page, () => Date.now() - window.diagnosticsQuietFrom >= 5000, undefined, { message: '5 s after hang-up' });
    }
    for (const [i, page] of [doctor, client].entries()) {
      const s = await page.evaluate(diagnosticsState);
      assert.deepEqual([s.updates, s.samples, s.live, s.charts.bitrate.length], [ended[i].updates, ended[i].samples, '0', ended[i].samples],
        `[${page.label}] the panel did not move after hang-up`);
      console.log(`[${page.label}] diagnostics: ${ended[i].samples} samples, badge ${levelsSeen[page.label]} during the call, ${JSON.stringify(s.badgeText)} after`);
    }

    // A second call: its first report replaces the last call's figures, on the new instance.
    await waitFor(doctor, () => !document.getElementById('call').disabled && document.body.dataset.farSide === 'here', undefined, { message: 'doctor: Call enabled again' });
    await doctor.click('#call');
    await waitFor(client, () => !document.getElementById('call').disabled, undefined, { message: 'Answer enabled by the second ring' });
    await client.click('#call');
    for (const [i, page] of [doctor, client].entries()) {
      const s = await waitFor(page, (before) => {
        const panel = document.getElementById('diagnostics');
        return window.demo.callState === 'connected' && panel.dataset.live === '1' && Number(panel.dataset.updates) < before
          && { samples: Number(panel.dataset.samples), updates: Number(panel.dataset.updates) };
      }, ended[i].samples, { timeout: 30000, message: 'the second call\'s first reports start new charts' });
      assert.equal(s.samples, s.updates, `[${page.label}] only the second call's samples: ${JSON.stringify(s)}`);
    }
    await waitFor(doctor, (levels) => levels.includes(document.getElementById('quality').dataset.quality), LEVELS,
      { timeout: 30000, message: 'the badge shows a level in the second call' });
    await doctor.click('#hang-up');
  }));

  it('without uPlot the page still calls, the badge works and the panel says the charts are unavailable', { timeout: TEST_TIMEOUT }, run(async () => {
    const doctor = await suite.newPage('doctor', { url: 'about:blank', waitReady: false });
    await doctor.route('**/vendor/uplot/uPlot.esm.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
    await doctor.goto(`${suite.httpUrl}/demo/doctor.html?c=${suite.consultationId('nouplot')}`);
    await waitFor(doctor, () => document.body.dataset.chartsReady, undefined, { message: 'the chart library load settled' });
    const s = await doctor.evaluate(() => ({
      ready: document.body.dataset.ready,
      loadError: document.body.dataset.loadError ?? null,
      chartsReady: document.body.dataset.chartsReady,
      note: document.querySelector('#diagnostics .diag-note').textContent,
      badge: document.getElementById('quality').textContent,
      callEnabled: !document.getElementById('call').disabled,
    }));
    assert.deepEqual([s.ready, s.loadError, s.chartsReady, s.badge], ['1', null, '0', '—'], JSON.stringify(s));
    assert.match(s.note, /^Charts unavailable: \/vendor\/uplot\/uPlot\.esm\.js did not load/);
    await waitFor(doctor, () => !document.getElementById('call').disabled, undefined, { message: 'Call enabled' });
  }));

  // The room page (demo/room.html) where npm run demo has no Janus: it shows the demo's message
  // (GET /demo-room, scripts/demo-janus.mjs) and cannot join. With Janus: tests/e2e/room.test.js.
  it('room page without Janus: the index links it; it shows how to get Janus and Join stays disabled', { timeout: TEST_TIMEOUT }, run(async () => {
    const { startDemoJanus } = await import('../../scripts/demo-janus.mjs');
    const { settings } = await startDemoJanus({ probe: { janusPath: () => null } });
    const page = await suite.newPage('room', { url: `${suite.httpUrl}/demo/index.html`, waitReady: false });
    assert.equal(await page.getAttribute('#room', 'href'), 'room.html');
    const state = () => ({
      janus: document.body.dataset.janus, message: document.getElementById('janus-unavailable').textContent,
      shown: !document.getElementById('janus-unavailable').hidden, join: document.getElementById('join').disabled,
      status: document.getElementById('status').textContent,
    });
    const ready = () => document.body.dataset.ready === '1' || document.body.dataset.loadError;
    // As npm run demo serves it when janus is not installed.
    await page.route('**/demo-room', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(settings) }));
    await page.goto(`${suite.httpUrl}/demo/room.html`);
    await waitFor(page, ready, undefined, { message: 'demo/room.js started' });
    let s = await page.evaluate(state);
    assert.deepEqual(s, { janus: 'unavailable', message: settings.unavailable, shown: true, join: true, status: 'disconnected' });
    assert.match(s.message, /scripts\/install-deps\.sh --browser/);
    // A server without the demo's settings (404): the page says how to start one.
    await page.unroute('**/demo-room');
    await page.reload();
    await waitFor(page, ready, undefined, { message: 'demo/room.js started again' });
    s = await page.evaluate(state);
    assert.equal(s.janus, 'unavailable');
    assert.equal(s.join, true);
    assert.match(s.message, /npm run demo .*room\.html\?janus=ws:\/\/HOST:PORT\/&room=ID/);
  }));
});
