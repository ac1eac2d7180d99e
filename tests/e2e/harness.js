// Playwright + node:test harness for the callcore browser e2e tests.
//
// - one reference signaling server (demo/server.js, port 0, 127.0.0.1) per test file;
// - one Chromium (Debian's /usr/bin/chromium, fresh profile dir) per test file, plus any extra
//   browsers a file launches with other flags (e.g. without fake media permission);
// - pages at `${httpUrl}/tests/e2e/pages/call.html`, which exposes `window.callcore`;
// - every wait is a condition with a deadline (page.waitForFunction), never a fixed sleep;
// - page console messages and page errors are collected and attached to a failing test.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Deadline of a single wait (ms). Generous: the suite must pass on a loaded 2-core machine. */
export const WAIT_MS = Number(process.env.E2E_WAIT_MS || 20000);

/**
 * Chromium flags that work headless on a loopback-only host, without the fake-media ones:
 * --allow-loopback-in-peer-connection (without it ICE fails when the host has only `lo`, even
 * through TURN) and --disable-frame-rate-limit (without it the first window presents ~1.5 fps).
 */
export const BASE_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--disable-frame-rate-limit',
];
/** Fake camera/microphone and auto-accepted permission prompt. */
export const FAKE_MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
export const DEFAULT_ARGS = [...BASE_ARGS, ...FAKE_MEDIA_ARGS];

/** Launches Chromium with a fresh profile directory; close() also removes the directory. */
export async function launchBrowser({ args = DEFAULT_ARGS } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'callcore-e2e-profile-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(dir, {
      headless: false, // '--headless=new' is passed in args instead (the new headless mode)
      executablePath: CHROMIUM,
      args,
      timeout: 60000,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let closed = false;
  return {
    context,
    dir,
    args,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await context.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Launches Chromium as a child process of this test (its own process group, fresh profile) and
 * connects Playwright to it over CDP, so a test can kill the browser abruptly by PID — no
 * WebSocket close frame, no unload — as when a user's browser crashes or the machine dies.
 * Returns the shape of launchBrowser() plus `pid` and `kill(signal = 'SIGKILL')` (the whole
 * process group: browser, renderers, network service). close() disconnects, stops the process
 * group by PID and removes the profile.
 */
export async function launchBrowserProcess({ args = DEFAULT_ARGS } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'callcore-e2e-profile-'));
  const child = spawn(CHROMIUM, [...args, `--user-data-dir=${dir}`, '--remote-debugging-port=0', 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // its own process group: kill(-pid) reaches every Chromium process
  });
  let stderr = '';
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const killGroup = (signal) => {
    try { process.kill(-child.pid, signal); } catch { /* already gone */ }
  };
  const waitExit = (ms) => (gone() ? Promise.resolve(true) : new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => { clearTimeout(timer); resolve(true); });
  }));
  let browser;
  try {
    const wsEndpoint = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Chromium printed no DevTools endpoint within 60 s:\n${stderr}`)), 60000);
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`Chromium exited (${code ?? signal}):\n${stderr}`)); });
    });
    browser = await chromium.connectOverCDP(wsEndpoint, { timeout: 60000 });
  } catch (err) {
    killGroup('SIGKILL');
    await waitExit(5000);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const context = browser.contexts()[0];
  let closed = false;
  return {
    context,
    dir,
    args,
    pid: child.pid,
    get exited() { return gone(); },
    /** Kills the browser's whole process group at once and waits for the browser process to go. */
    async kill(signal = 'SIGKILL') {
      killGroup(signal);
      await waitExit(10000);
    },
    async close() {
      if (closed) return;
      closed = true;
      try { await browser.close(); } catch { /* disconnected already */ }
      if (!gone()) {
        killGroup('SIGTERM');
        if (!(await waitExit(5000))) killGroup('SIGKILL');
        await waitExit(5000);
      }
      killGroup('SIGKILL'); // any straggler of the group
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * HS256 secret of the e2e signaling servers (the suite's, and the child processes of servers.js):
 * pages join with tokens minted with it (docs/protocol.md §2.1).
 */
export const E2E_JWT_SECRET = 'callcore-e2e-jwt-secret-0123456789abcdef';

/**
 * Starts the reference signaling/static server from demo/server.js on 127.0.0.1, port 0, with
 * join tokens (E2E_JWT_SECRET) and its demo token endpoint (`/demo-token`), where the pages'
 * getToken() fetches theirs.
 */
export async function startReferenceServer() {
  const mod = await import(pathToFileURL(path.join(ROOT, 'demo', 'server.js')).href);
  return await mod.startServer({ port: 0, host: '127.0.0.1', root: ROOT, auth: { secret: E2E_JWT_SECRET }, demoTokens: true });
}

/**
 * URL (on the page's own origin) of a join token for `role` / `sub` in `consultationId`, minted
 * by the suite's server (`/demo-token`, docs/protocol.md §8).
 */
export function tokenPath(consultationId, role, sub, name = sub) {
  return `/demo-token?${new URLSearchParams({ c: consultationId, role, sub, name })}`;
}

let idCounter = 0;

/**
 * Per test file: server + browser. Use in `before` and close in `after` (runs on failure too).
 * @param {string} fileTag short name of the test file; part of every consultationId
 */
export async function startSuite(fileTag, { args = DEFAULT_ARGS, server: serverOpt } = {}) {
  const suite = {
    fileTag,
    server: null,
    browsers: [],
    browser: null,
    pages: new Set(),
    logs: [],
    get httpUrl() { return suite.server.httpUrl; },
    get wsUrl() { return suite.server.wsUrl; },
    get pageUrl() { return `${suite.server.httpUrl}/tests/e2e/pages/call.html`; },
  };

  /** A join token (HS256, E2E_JWT_SECRET, 10 min) for `role` / `sub` in `consultationId`. */
  suite.token = async (consultationId, role, sub, name = sub) => {
    const { mintToken } = await import(pathToFileURL(path.join(ROOT, 'demo', 'server.js')).href);
    return mintToken(E2E_JWT_SECRET, { consultationId, role, sub, name });
  };

  /** A unique consultation (room) id per test. */
  suite.consultationId = (tag = 'c') =>
    `e2e-${fileTag}-${tag}-${process.pid}-${Date.now().toString(36)}-${++idCounter}`;

  suite.launchBrowser = async (launchArgs) => {
    const b = await launchBrowser({ args: launchArgs });
    suite.browsers.push(b);
    return b;
  };

  /** A browser this test can kill by PID (launchBrowserProcess); closed with the suite. */
  suite.launchBrowserProcess = async (launchArgs) => {
    const b = await launchBrowserProcess({ args: launchArgs });
    suite.browsers.push(b);
    return b;
  };

  /** Pages kept across tests (`keep: true`), idle between tests: [{browser, page}]. */
  const idle = [];

  /**
   * Opens call.html in its own page (window) of `browser` (default: the suite's browser),
   * waits for the SDK import and captures console / page errors under `label`.
   * `browser` is any object with `context.newPage()` returning a Playwright-shaped page: the
   * suite's Chromium, or Firefox ESR (tests/e2e/firefox-harness.js).
   * `keep: true` keeps the page (tab) for later tests: closePages() destroys its call and loads
   * about:blank instead of closing it, and the next newPage(…, {browser, keep: true}) of the same
   * browser loads call.html in it again (a reload, ~100 ms, instead of a new window).
   */
  suite.newPage = async (label, { browser = suite.browser, url = suite.pageUrl, waitReady = true, keep = false } = {}) => {
    const reused = keep ? idle.findIndex((x) => x.browser === browser) : -1;
    let page;
    if (reused >= 0) {
      ({ page } = idle.splice(reused, 1)[0]);
    } else {
      page = await browser.context.newPage();
      const log = (line) => suite.logs.push(`${new Date().toISOString()} [${page.label}] ${line}`);
      page.on('console', (msg) => log(`console.${msg.type()}: ${msg.text()}`));
      page.on('pageerror', (err) => log(`pageerror: ${err && (err.stack || err.message || err)}`));
      page.on('crash', () => log('page crashed'));
      page.on('requestfailed', (req) => log(`requestfailed: ${req.url()} ${req.failure()?.errorText}`));
      page.on('close', () => {
        suite.pages.delete(page);
        const i = idle.findIndex((x) => x.page === page);
        if (i >= 0) idle.splice(i, 1);
      });
    }
    page.label = label;
    page.keep = keep ? browser : null;
    suite.pages.add(page);
    await page.goto(url, { waitUntil: 'load', timeout: WAIT_MS });
    if (waitReady) await waitForReady(page);
    return page;
  };

  /** Destroys the calls and closes every page (end of a test); kept pages go idle. Never throws. */
  suite.closePages = async () => {
    for (const page of [...suite.pages]) {
      try {
        await withDeadline(
          page.evaluate(() => {
            try { window.call && window.call.destroy(); } catch (e) { console.error('destroy threw', e); }
          }),
          5000,
        );
      } catch { /* page may be gone */ }
      suite.pages.delete(page);
      if (page.keep) {
        try {
          await page.goto('about:blank', { waitUntil: 'load', timeout: WAIT_MS });
          idle.push({ browser: page.keep, page });
          continue;
        } catch { /* close it instead */ }
      }
      try { await page.close(); } catch { /* ignore */ }
    }
  };

  /**
   * Wraps a test body: on failure, the page console / errors and each open page's call state and
   * event list are appended to the error (and printed); pages are closed afterwards either way.
   */
  suite.wrap = (fn) => async (t) => {
    const logStart = suite.logs.length;
    try {
      await fn(t);
    } catch (err) {
      let report = '';
      try { report = await suite.diagnostics(logStart); } catch (e) { report = `(diagnostics failed: ${e})`; }
      console.error(`\n----- e2e diagnostics (${fileTag}) -----\n${report}\n-----`);
      if (err && typeof err === 'object') {
        try { err.message = `${err.message}\n${report}`; } catch { /* read-only message */ }
      }
      throw err;
    } finally {
      await suite.closePages();
    }
  };

  suite.diagnostics = async (logStart = 0) => {
    const parts = ['page console / errors:'];
    const lines = suite.logs.slice(logStart);
    parts.push(lines.length ? lines.map((l) => `  ${l}`).join('\n') : '  (none)');
    for (const page of suite.pages) {
      let state;
      try {
        state = await withDeadline(page.evaluate(pageSnapshot), 5000);
      } catch (e) {
        state = `(snapshot failed: ${e.message})`;
      }
      parts.push(`page [${page.label}] state: ${JSON.stringify(state, null, 1)}`);
    }
    return parts.join('\n');
  };

  suite.close = async () => {
    const errors = [];
    try { await suite.closePages(); } catch (e) { errors.push(e); }
    for (const b of suite.browsers) {
      try { await b.close(); } catch (e) { errors.push(e); }
    }
    if (suite.server) {
      try { await suite.server.close(); } catch (e) { errors.push(e); }
    }
    if (errors.length) console.error('suite.close errors:', errors);
  };

  try {
    suite.server = serverOpt || (await startReferenceServer());
    suite.browser = await suite.launchBrowser(args);
  } catch (err) {
    await suite.close();
    throw err;
  }
  return suite;
}

function withDeadline(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`deadline ${ms} ms exceeded`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// Runs in the page: a JSON-safe summary of the call for diagnostics.
function pageSnapshot() {
  const c = window.call;
  const out = {
    url: location.href,
    ready: window.ready,
    loadError: window.loadError,
    callState: c ? c.callState : undefined,
    hasEntered: c ? c.hasEntered : undefined,
    hasAnswered: c ? c.hasAnswered : undefined,
    connection: c && c.connection
      ? {
        connectionState: c.connection.connectionState,
        iceConnectionState: c.connection.iceConnectionState,
        signalingState: c.connection.signalingState,
      }
      : null,
    callResult: window.callResult
      ? (window.callResult.ok
        ? { ok: true }
        : {
          ok: false,
          name: window.callResult.error && window.callResult.error.name,
          type: window.callResult.error && window.callResult.error.type,
          message: window.callResult.error && window.callResult.error.message,
          description: window.callResult.error && window.callResult.error.description,
        })
      : window.callResult,
    events: (window.events || []).map((e) => {
      if (e && ['iceCandidate', 'offer', 'answer'].includes(e.eventType)) return `${e.emitType} ${e.eventType}`;
      let payload;
      try {
        payload = JSON.stringify(e && e.payload, (k, v) =>
          (typeof MediaStream !== 'undefined' && v instanceof MediaStream ? `MediaStream(${v.id})` : v));
      } catch (err) {
        payload = `(unserializable: ${err.message})`;
      }
      if (payload && payload.length > 240) payload = `${payload.slice(0, 240)}…`;
      return `${e && e.emitType} ${e && e.eventType} ${payload}`;
    }),
  };
  return out;
}

// ---------------------------------------------------------------------------------------------
// Waiting

/**
 * Waits until `fn(arg)` is truthy in the page (polled every 100 ms, deadline `timeout`).
 * fn may be a function or a string expression; it must be synchronous (a promise is truthy).
 * Returns the truthy value (JSON). Throws with `message` and the page label on timeout.
 */
export async function waitFor(page, fn, arg, { timeout = WAIT_MS, message } = {}) {
  if (typeof fn === 'function' && fn.constructor && fn.constructor.name === 'AsyncFunction') {
    // A pending promise is truthy: page.waitForFunction would return at once.
    throw new Error('waitFor: the predicate must be synchronous');
  }
  try {
    const handle = await page.waitForFunction(fn, arg, { timeout, polling: 100 });
    try {
      return await handle.jsonValue();
    } catch {
      return true; // non-serializable truthy value
    } finally {
      await handle.dispose().catch(() => {});
    }
  } catch (err) {
    const what = message || (typeof fn === 'string' ? fn : fn.toString().slice(0, 200));
    const e = new Error(`[${page.label}] timed out / failed after ${timeout} ms waiting for: ${what}\n  cause: ${err.message.split('\n')[0]}`);
    e.cause = err;
    throw e;
  }
}

/** Waits until call.html imported the SDK; throws the import error if it failed. */
export async function waitForReady(page, { timeout = WAIT_MS } = {}) {
  await waitFor(page, () => window.ready === true || window.loadError, undefined, {
    timeout,
    message: 'window.ready (SDK import)',
  });
  const loadError = await page.evaluate(() => window.loadError);
  if (loadError) throw new Error(`[${page.label}] /dist/callcore.js failed to load: ${loadError}`);
}

// ---------------------------------------------------------------------------------------------
// Calls

export const DOCTOR = { avatarId: 'a1', fullName: 'Dr House', specialityName: 'Diagnostics' };

/**
 * Creates `new callcore.RTCDoctor(params)` / `new callcore.RTCClient(params)` in the page and stores
 * it as `window.call`; every event of EVENT_LIST.ALL is pushed to `window.events`; every local
 * stream and RTCPeerConnection seen is remembered (`window.localStreams`, `window.pcs`) so they can
 * be inspected after the SDK drops its references. `extraParams` are further RTCParams (JSON-safe)
 * merged into the ones built here.
 */
export async function createParty(page, role, {
  suite,
  consultationId,
  name = role === 'doctor' ? 'Dr House' : 'Patient Zero',
  clientId = role === 'doctor' ? 'doctor-1' : 'client-1',
  isAudio = false,
  enterTimeoutSecond,
  answerTimeoutSecond,
  signalingUrl = suite && suite.wsUrl,
  connectionConfig,
  extraParams = {},
} = {}) {
  if (role !== 'doctor' && role !== 'client') throw new Error(`bad role ${role}`);
  const params = {
    name,
    clientId,
    connectionId: null,
    consultationId,
    doctor: DOCTOR,
    isAudio,
    signalingUrl,
    ...extraParams, // further RTCParams (docs/api.md), e.g. {iceDisconnectedGraceMs: 500}
  };
  if (enterTimeoutSecond !== undefined) params.enterTimeoutSecond = enterTimeoutSecond;
  if (answerTimeoutSecond !== undefined) params.answerTimeoutSecond = answerTimeoutSecond;
  // The page fetches a fresh join token from the suite's server before every (re)join.
  const tokenUrl = tokenPath(consultationId, role, clientId, name);
  await page.evaluate(({ role, params, connectionConfig, tokenUrl }) => {
    const cc = window.callcore;
    params.getToken = () => fetch(tokenUrl).then((r) => r.json()).then((j) => j.token);
    window.events = [];
    window.localStreams = [];
    window.pcs = [];
    window.callResult = null;
    const Cls = role === 'doctor' ? cc.RTCDoctor : cc.RTCClient;
    const call = new Cls(params);
    window.call = call;
    if (connectionConfig) call.connectionConfig = connectionConfig;
    const remember = () => {
      if (call.connection && !window.pcs.includes(call.connection)) window.pcs.push(call.connection);
      if (call.mediaStream && !window.localStreams.includes(call.mediaStream)) {
        window.localStreams.push(call.mediaStream);
      }
    };
    window.eventTimes = [];
    call.emitter.on(cc.EVENT_LIST.ALL, (event) => {
      window.events.push(event);
      window.eventTimes.push(Date.now()); // wall clock of each event, same index as window.events
      const stream = event && event.eventType === cc.EVENT_LIST.LOCAL_STREAM && event.payload && event.payload.stream;
      if (stream && !window.localStreams.includes(stream)) window.localStreams.push(stream);
      remember();
    });
    remember();
    // Only records references (no waiting on it): the SDK may swap call.connection / mediaStream
    // without emitting an event at that very moment.
    window.rememberTimer = setInterval(remember, 50);
  }, { role, params, connectionConfig, tokenUrl });
}

/** Starts `window.call.call()` without awaiting it; the outcome lands in `window.callResult`. */
export async function startCall(page) {
  await page.evaluate(() => {
    window.callResult = null;
    try {
      window.call.call().then(
        (stream) => { window.callResult = { ok: true, stream }; },
        (error) => { window.callResult = { ok: false, error }; },
      );
    } catch (error) {
      window.callResult = { ok: false, error, threwSynchronously: true };
    }
  });
}

/**
 * Waits for the outcome of `call()` and returns it JSON-safe:
 * {ok, stream: {isMediaStream, id, tracks}, mediaStreamId, error: {name, type, message, description, isCallError}}
 */
export async function waitCallResult(page, { timeout = WAIT_MS } = {}) {
  await waitFor(page, () => window.callResult !== null, undefined, { timeout, message: 'call() to settle' });
  return page.evaluate(() => {
    const r = window.callResult;
    const trackInfo = (s) => s.getTracks().map((t) => ({ kind: t.kind, readyState: t.readyState, enabled: t.enabled }));
    const out = {
      ok: r.ok,
      threwSynchronously: !!r.threwSynchronously,
      mediaStreamId: window.call && window.call.mediaStream ? window.call.mediaStream.id : null,
    };
    if (r.ok) {
      const s = r.stream;
      out.stream = {
        isMediaStream: s instanceof MediaStream,
        id: s && s.id,
        tracks: s instanceof MediaStream ? trackInfo(s) : null,
      };
    } else {
      const e = r.error;
      out.error = {
        name: e && e.name,
        type: e && e.type,
        message: e && e.message,
        description: e && e.description,
        isCallError: !!(e && window.callcore.CallError && e instanceof window.callcore.CallError),
        isError: e instanceof Error,
      };
    }
    return out;
  });
}

/** window.events, JSON-safe (MediaStreams become {mediaStreamId}, errors plain objects). */
export async function getEvents(page, eventType) {
  return page.evaluate((eventType) => {
    const seen = new WeakSet();
    const safe = (v, depth = 0) => {
      if (v === null || typeof v !== 'object') return typeof v === 'function' ? '[function]' : v;
      if (v instanceof MediaStream) return { mediaStreamId: v.id };
      if (v instanceof MediaStreamTrack) return { trackKind: v.kind, readyState: v.readyState };
      if (typeof RTCPeerConnection !== 'undefined' && v instanceof RTCPeerConnection) return '[RTCPeerConnection]';
      if (depth > 6 || seen.has(v)) return '[…]';
      seen.add(v);
      if (v instanceof Error) {
        return { name: v.name, message: v.message, type: v.type, description: v.description, code: v.code };
      }
      if (Array.isArray(v)) return v.map((x) => safe(x, depth + 1));
      const o = {};
      for (const k of Object.keys(v)) o[k] = safe(v[k], depth + 1);
      return o;
    };
    return (window.events || [])
      .filter((e) => !eventType || (e && e.eventType === eventType))
      .map((e) => ({ emitType: e.emitType, eventType: e.eventType, payload: safe(e.payload) }));
  }, eventType);
}

/** Waits until an event of `eventType` (and `emitType`, if given) was recorded; returns them all. */
export async function waitForEvent(page, eventType, { emitType, timeout = WAIT_MS } = {}) {
  await waitFor(
    page,
    ({ eventType, emitType }) => (window.events || []).some(
      (e) => e && e.eventType === eventType && (!emitType || e.emitType === emitType),
    ),
    { eventType, emitType },
    { timeout, message: `event ${eventType}${emitType ? ` (emitType ${emitType})` : ''}` },
  );
  const events = await getEvents(page, eventType);
  return emitType ? events.filter((e) => e.emitType === emitType) : events;
}

export async function waitForCallState(page, state, { timeout = WAIT_MS } = {}) {
  await waitFor(page, (state) => window.call && window.call.callState === state, state, {
    timeout,
    message: `callState === '${state}'`,
  });
}

// Page-side stats collection (source text, reused inside the wait predicate below).
const STATS_FN = `async () => {
  const pc = (window.call && window.call.connection) || (window.pcs && window.pcs[window.pcs.length - 1]);
  const out = { hasConnection: !!pc, videoInbound: 0, audioInbound: 0, framesDecoded: 0, videoPacketsReceived: 0, audioPacketsReceived: 0, audioBytesReceived: 0 };
  if (!pc) return out;
  const report = await pc.getStats();
  report.forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    const kind = s.kind || s.mediaType;
    if (kind === 'video') {
      out.videoInbound += 1;
      out.framesDecoded += s.framesDecoded || 0;
      out.videoPacketsReceived += s.packetsReceived || 0;
    } else if (kind === 'audio') {
      out.audioInbound += 1;
      out.audioPacketsReceived += s.packetsReceived || 0;
      out.audioBytesReceived += s.bytesReceived || 0;
    }
  });
  return out;
}`;
// Node-side Function objects whose source text is evaluated in the page (Playwright calls
// functions with the argument; a plain string would be treated as an expression).
// eslint-disable-next-line no-new-func
const statsFn = new Function(`return (${STATS_FN});`)();
// Playwright does not await a predicate's promise (a pending promise is truthy), so the wait
// predicate is synchronous: each poll starts one getStats() (if none is running) and checks the
// last finished sample, kept under a key unique to this wait so no stale sample is used.
// eslint-disable-next-line no-new-func
const statsAtLeastFn = new Function(`return (({ key, min }) => {
  const slot = (window.__e2eStats ||= {})[key] ||= { pending: false, last: null };
  if (!slot.pending) {
    slot.pending = true;
    (${STATS_FN})().then((s) => { slot.last = s; slot.pending = false; }, (e) => { slot.last = null; slot.error = String(e); slot.pending = false; });
  }
  const s = slot.last;
  if (!s) return false;
  for (const k of Object.keys(min)) if (!(s[k] >= min[k])) return false;
  return s;
});`)();
let statsKey = 0;

/**
 * inbound-rtp stats of `window.call.connection.getStats()`:
 * {hasConnection, videoInbound, audioInbound, framesDecoded, videoPacketsReceived, audioPacketsReceived,
 * audioBytesReceived (bytes)}
 */
export async function getStats(page) {
  return page.evaluate(statsFn);
}

/**
 * Waits until the inbound stats satisfy the minimums, e.g. {framesDecoded: 1, audioPacketsReceived: 1}
 * (each value is "greater than or equal"); returns the stats that satisfied them.
 */
export async function waitForStats(page, minimums, { timeout = WAIT_MS } = {}) {
  const key = `w${++statsKey}`;
  const stats = await waitFor(page, statsAtLeastFn, { key, min: minimums }, {
    timeout,
    message: `inbound-rtp stats >= ${JSON.stringify(minimums)}`,
  });
  await page.evaluate((key) => { if (window.__e2eStats) delete window.__e2eStats[key]; }, key).catch(() => {});
  if (!stats || typeof stats !== 'object') throw new Error(`[${page.label}] waitForStats: unexpected ${JSON.stringify(stats)}`);
  return stats;
}

/** Track info of the local streams and of the remote streams (REMOTE_STREAM events / allMediaStreams). */
export async function getStreams(page) {
  return page.evaluate(() => {
    const info = (s) => ({ id: s.id, tracks: s.getTracks().map((t) => ({ kind: t.kind, readyState: t.readyState, enabled: t.enabled })) });
    const local = (window.localStreams || []).map(info);
    const remoteSet = new Set();
    const cc = window.callcore;
    for (const e of window.events || []) {
      if (e && e.eventType === cc.EVENT_LIST.REMOTE_STREAM && e.payload && e.payload.stream) remoteSet.add(e.payload.stream);
    }
    const c = window.call;
    if (c && Array.isArray(c.allMediaStreams)) {
      for (const s of c.allMediaStreams) if (s && !(window.localStreams || []).includes(s)) remoteSet.add(s);
    }
    const receiverTracks = [];
    const pc = (c && c.connection) || (window.pcs && window.pcs[window.pcs.length - 1]);
    if (pc) for (const r of pc.getReceivers()) if (r.track) receiverTracks.push({ kind: r.track.kind, readyState: r.track.readyState });
    return {
      local,
      remote: [...remoteSet].map(info),
      mediaStream: c && c.mediaStream ? info(c.mediaStream) : null,
      receiverTracks,
    };
  });
}

/**
 * The normal connected call used by several tests: client page constructs RTCClient first and
 * waits until it joined the room; doctor page constructs RTCDoctor and starts call(); client
 * waits for EVENT_LIST.ENTER, then calls call(). Waits until both call() promises resolved and
 * both sides are 'connected'. `connectionConfig` is both sides' (`doctorConnectionConfig` /
 * `clientConnectionConfig`: one side's, when they differ). Returns {doctor, client, consultationId,
 * doctorResult, clientResult}.
 */
export async function establishCall(suite, {
  isAudio = false, tag = 'call', consultationId, connectionConfig, signalingUrl, clientBrowser, doctorBrowser,
  doctorConnectionConfig = connectionConfig, clientConnectionConfig = connectionConfig,
} = {}) {
  consultationId = consultationId || suite.consultationId(tag);
  const client = await suite.newPage('client', clientBrowser ? { browser: clientBrowser } : {});
  const doctor = await suite.newPage('doctor', doctorBrowser ? { browser: doctorBrowser } : {});
  const common = { suite, consultationId, isAudio, signalingUrl };
  await createParty(client, 'client', { ...common, connectionConfig: clientConnectionConfig });
  await waitForEvent(client, 'joined');
  await createParty(doctor, 'doctor', { ...common, connectionConfig: doctorConnectionConfig });
  await startCall(doctor);
  const enterType = await client.evaluate(() => window.callcore.EVENT_LIST.ENTER);
  await waitForEvent(client, enterType);
  await startCall(client);
  const [clientResult, doctorResult] = await Promise.all([waitCallResult(client), waitCallResult(doctor)]);
  const failed = [['client', clientResult], ['doctor', doctorResult]].filter(([, r]) => !r.ok);
  if (failed.length) {
    throw new Error(`call() rejected: ${failed.map(([who, r]) => `${who}: ${JSON.stringify(r.error)}`).join('; ')}`);
  }
  await Promise.all([waitForCallState(doctor, 'connected'), waitForCallState(client, 'connected')]);
  return { doctor, client, consultationId, doctorResult, clientResult };
}

// ---------------------------------------------------------------------------------------------
// Reliability helpers (tests/e2e/reliability-*.test.js)

/** The number of events recorded so far: a mark for waitForEventAfter(). */
export async function eventMark(page) {
  return page.evaluate(() => (window.events || []).length);
}

/**
 * Waits until an event of `eventType` recorded at index >= `mark` matches `where` (a subset of
 * its payload, compared with ===); returns {index, time, emitType, payload} of the first match
 * (`time`: Date.now() in the page when it was emitted).
 */
export async function waitForEventAfter(page, mark, eventType, { where = {}, timeout = WAIT_MS, message } = {}) {
  const index = await waitFor(page, ({ mark, eventType, where }) => {
    const events = window.events || [];
    for (let i = mark; i < events.length; i += 1) {
      const e = events[i];
      if (!e || e.eventType !== eventType) continue;
      const p = e.payload || {};
      if (Object.keys(where).every((k) => p[k] === where[k])) return i + 1; // truthy even for index 0
    }
    return false;
  }, { mark, eventType, where }, { timeout, message: message || `event ${eventType} ${JSON.stringify(where)} after #${mark}` });
  const events = await getEvents(page);
  const i = index - 1;
  const time = await page.evaluate((i) => (window.eventTimes || [])[i], i);
  return { index: i, time, ...events[i] };
}

/**
 * The selected ICE candidate pair of `window.call.connection` from getStats(): the transport's
 * selectedCandidatePairId, else the nominated succeeded candidate-pair. Returns
 * {pairId, state, local: {candidateType, protocol, address, port, relayProtocol, url}, remote: {...},
 * bytesSent, bytesReceived}, or null when there is none within `waitMs` (polled every 100 ms in
 * the page; 0 = look once).
 */
export async function selectedCandidatePair(page, { waitMs = 0 } = {}) {
  return page.evaluate(async (waitMs) => {
    const find = async () => {
      const pc = window.call && window.call.connection;
      if (!pc) return null;
      const report = await pc.getStats();
      let pair = null;
      report.forEach((s) => {
        if (!pair && s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId) || null;
      });
      if (!pair) {
        report.forEach((s) => {
          if (!pair && s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
        });
      }
      if (!pair) return null;
      const cand = (id) => {
        const c = report.get(id);
        return c ? { candidateType: c.candidateType, protocol: c.protocol, address: c.address, port: c.port, relayProtocol: c.relayProtocol, url: c.url } : null;
      };
      const out = {
        pairId: pair.id,
        state: pair.state,
        local: cand(pair.localCandidateId),
        remote: cand(pair.remoteCandidateId),
        bytesSent: pair.bytesSent,
        bytesReceived: pair.bytesReceived,
      };
      return out.local && out.remote ? out : null;
    };
    const end = Date.now() + waitMs;
    for (;;) {
      const pair = await find();
      if (pair || Date.now() >= end) return pair;
      await new Promise((resolve) => setTimeout(resolve, 100)); // poll interval of a deadline wait
    }
  }, waitMs);
}

/** Waits until `window.call.connection` has a selected candidate pair; returns it. */
export async function waitForSelectedPair(page, { timeout = WAIT_MS } = {}) {
  const pair = await selectedCandidatePair(page, { waitMs: timeout });
  if (!pair) throw new Error(`[${page.label}] no selected candidate pair within ${timeout} ms`);
  return pair;
}

/**
 * Synchronous page predicate: negotiation has settled on this side — signalingState 'stable',
 * every live transceiver has a mid, and its m-section in the current local description carries the
 * direction it should (W3C webrtc-pc "check if negotiation is needed": the transceiver's direction
 * in an offer; its direction intersected with the offered one in an answer). Returns a summary
 * object when settled, false otherwise.
 */
export function negotiationSettledInPage() {
  const pc = window.call && window.call.connection;
  if (!pc || pc.signalingState !== 'stable') return false;
  const local = pc.currentLocalDescription;
  const remote = pc.currentRemoteDescription;
  if (!local || !remote) return false;
  const directions = (sdp) => {
    const out = {};
    for (const section of sdp.split(/\r?\nm=/).slice(1)) {
      const mid = /\r?\na=mid:(\S+)/.exec(section);
      const dir = /\r?\na=(sendrecv|sendonly|recvonly|inactive)\b/.exec(section);
      if (mid) out[mid[1]] = dir ? dir[1] : 'sendrecv';
    }
    return out;
  };
  const parts = (d) => ({ send: d === 'sendrecv' || d === 'sendonly', recv: d === 'sendrecv' || d === 'recvonly' });
  const join = ({ send, recv }) => (send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive');
  const l = directions(local.sdp);
  const r = directions(remote.sdp);
  let count = 0;
  for (const t of pc.getTransceivers()) {
    if (t.stopped || t.currentDirection === 'stopped') continue;
    if (t.mid === null || !(t.mid in l)) return false;
    count += 1;
    if (local.type === 'offer') {
      if (l[t.mid] !== t.direction) return false;
    } else {
      const offered = parts(r[t.mid]); // the far side's direction, seen from here: reversed
      const mine = parts(t.direction);
      if (l[t.mid] !== join({ send: mine.send && offered.recv, recv: mine.recv && offered.send })) return false;
    }
  }
  return { transceivers: count, localType: local.type, sdpBytes: local.sdp.length + remote.sdp.length };
}

// ---------------------------------------------------------------------------------------------
// Media helpers (issue 4: tracks by tag, devices, screen sharing, messages, store, elements)

/**
 * Polls `pageFn(arg)` in the page (it may be async) every `interval` ms until the Node-side
 * `until(result)` is truthy; returns that result. Throws with `message` and the last result when
 * `timeout` passes. A deadline wait, not a sleep: it returns as soon as the condition holds.
 */
export async function waitUntil(page, pageFn, arg, until, { timeout = WAIT_MS, interval = 100, message } = {}) {
  const end = Date.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await withDeadline(page.evaluate(pageFn, arg), Math.max(1000, end - Date.now()));
      lastError = undefined;
      if (until(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= end) {
      const what = message || (until.toString().slice(0, 200));
      throw new Error(`[${page.label}] timed out after ${timeout} ms waiting for: ${what}\n  last result: ${JSON.stringify(last)}${lastError ? `\n  last error: ${lastError.message.split('\n')[0]}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval)); // poll interval of a deadline wait
  }
}

/**
 * The page's inbound-rtp video streams (window.call.connection.getStats()), one entry per
 * stream: {trackIdentifier, mid, framesDecoded, packetsReceived, frameWidth, frameHeight}.
 */
export function inboundVideoInPage() {
  const pc = window.call && window.call.connection;
  if (!pc) return Promise.resolve([]);
  return pc.getStats().then((report) => {
    const out = [];
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && (s.kind || s.mediaType) === 'video') {
        out.push({
          trackIdentifier: s.trackIdentifier,
          mid: s.mid,
          framesDecoded: s.framesDecoded || 0,
          packetsReceived: s.packetsReceived || 0,
          frameWidth: s.frameWidth || 0,
          frameHeight: s.frameHeight || 0,
        });
      }
    });
    return out;
  });
}

/**
 * Waits until the inbound-rtp video stream that carries the remote track `trackId` (its
 * trackIdentifier) has decoded at least `frames` frames; returns that stream's stats.
 */
export async function waitForTrackFrames(page, trackId, frames, { timeout = WAIT_MS } = {}) {
  const list = await waitUntil(page, inboundVideoInPage, undefined,
    (l) => l.some((s) => s.trackIdentifier === trackId && s.framesDecoded >= frames),
    { timeout, message: `inbound-rtp of track ${trackId}: framesDecoded >= ${frames}` });
  return list.find((s) => s.trackIdentifier === trackId);
}

/**
 * Page function: the current picture of a video track, drawn on a 128x96 canvas.
 * `which` = {remote: tag} (window.call.remoteTrack(tag)) or {local: tag} (window.call.localTrack(tag)).
 * One <video> per track is kept in the page; resolves, after the video presented a frame
 * (requestVideoFrameCallback; 3 s limit), with {trackId, width, height, rgb: mean [r, g, b],
 * corners: [top-left, top-right, bottom-left, bottom-right] mean [r, g, b] of a small patch
 * inside each corner}, or with {error}.
 */
export function trackColourInPage(which) {
  const call = window.call;
  const track = which.remote ? call.remoteTrack(which.remote) : call.localTrack(which.local);
  if (!track) return Promise.resolve({ error: 'no track' });
  const probes = (window.__colourProbes ||= new Map());
  let video = probes.get(track.id);
  if (!video) {
    video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.width = 64;
    video.height = 48;
    video.srcObject = new MediaStream([track]);
    document.body.appendChild(video);
    probes.set(track.id, video);
    video.play().catch(() => {});
  }
  const frame = new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 3000);
    video.requestVideoFrameCallback(() => { clearTimeout(timer); resolve(true); });
  });
  return frame.then((presented) => {
    if (!presented || video.videoWidth === 0) return { error: 'no frame presented', readyState: video.readyState, trackId: track.id };
    const W = 128;
    const H = 96;
    const canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    const g = canvas.getContext('2d', { willReadFrequently: true });
    g.drawImage(video, 0, 0, W, H);
    const data = g.getImageData(0, 0, W, H).data;
    const mean = (x0, y0, x1, y1) => {
      const sum = [0, 0, 0];
      for (let y = y0; y < y1; y += 1) {
        for (let x = x0; x < x1; x += 1) {
          const i = (y * W + x) * 4;
          sum[0] += data[i];
          sum[1] += data[i + 1];
          sum[2] += data[i + 2];
        }
      }
      return sum.map((v) => Math.round(v / ((x1 - x0) * (y1 - y0))));
    };
    // Chromium's fake camera pictures have 40x40 squares in the corners of 640x480: patches
    // 2..6 of 128x96 are well inside them.
    const corners = [mean(2, 2, 6, 6), mean(W - 6, 2, W - 2, 6), mean(2, H - 6, 6, H - 2), mean(W - 6, H - 6, W - 2, H - 2)];
    return { trackId: track.id, width: video.videoWidth, height: video.videoHeight, rgb: mean(0, 0, W, H), corners };
  });
}

/**
 * Chromium's fake cameras with `--use-fake-device-for-media-stream=device-count=3` (measured in
 * Chromium 156): fake_device_0 (I420) draws a green picture (mean about [3, 141, 1]) with a
 * moving pacman and green corner squares; fake_device_2 (MJPEG) a plain green picture whose
 * corner squares are shades of yellow (r = g, at least two of them bright at any time).
 * fake_device_1 (Y16, a grey picture) cannot be sent: libwebrtc encodes no frame of it, even in
 * a bare RTCPeerConnection. Classifies a sample of trackColourInPage as 'green-corners'
 * (device 0), 'yellow-corners' (device 2) or 'other'.
 */
export function fakeCameraPicture(sample) {
  if (!sample || !Array.isArray(sample.rgb) || !Array.isArray(sample.corners)) return 'none';
  const [r, g, b] = sample.rgb;
  if (!(g > 60 && g > r + 40 && g > b + 40)) return 'other';
  const yellow = sample.corners.filter(([cr, cg, cb]) => cr > 90 && Math.abs(cr - cg) < 50 && cb < 60).length;
  const green = sample.corners.filter(([cr, cg, cb]) => cg > 90 && cr < cg / 2 && cb < cg / 2).length;
  if (yellow === 0 && green >= 3) return 'green-corners';
  if (yellow >= 2) return 'yellow-corners';
  return 'other';
}

/** Waits until the picture of a track (trackColourInPage) is `picture` (see fakeCameraPicture). */
export async function waitForPicture(page, which, picture, { timeout = WAIT_MS } = {}) {
  return waitUntil(page, trackColourInPage, which, (c) => fakeCameraPicture(c) === picture,
    { timeout, message: `${JSON.stringify(which)} picture is ${picture}` });
}

/** Number of recorded events (window.events) of each type in `types` from index `mark` on. */
export async function countEvents(page, types, mark = 0) {
  return page.evaluate(({ types, mark }) => {
    const out = Object.fromEntries(types.map((t) => [t, 0]));
    for (const e of (window.events || []).slice(mark)) if (e && e.eventType in out) out[e.eventType] += 1;
    return out;
  }, { types, mark });
}

/**
 * Waits until the inbound stat `key` of getStats() (e.g. 'framesDecoded', 'audioPacketsReceived')
 * has not changed for `quietMs` (default 2000 ms, many frame/packet intervals): the far side
 * stopped sending. Returns {value, stalledAfterMs} (ms from the call to the last change).
 * Deadline `timeout`: a stream that keeps flowing fails the wait.
 */
export async function waitForStall(page, key, { quietMs = 2000, timeout = WAIT_MS } = {}) {
  const start = Date.now();
  let value = null;
  let changedAt = start;
  const s = await waitUntil(page, statsFn, undefined, (stats) => {
    const now = Date.now();
    if (stats[key] !== value) {
      value = stats[key];
      changedAt = now;
      return false;
    }
    return now - changedAt >= quietMs;
  }, { timeout, message: `inbound ${key} unchanged for ${quietMs} ms` });
  return { value: s[key], stalledAfterMs: changedAt - start };
}

/**
 * Screen sharing from a page: on a real click (user activation) the page calls getDisplayMedia
 * and `call.sendTrack(track, tag, paused)`; the track is kept as `window.screenTrack`. Returns
 * {ok, label, displaySurface, width, height} or {ok: false, error}.
 */
export async function shareScreen(page, { tag = 'screen', paused = false } = {}) {
  await page.evaluate(({ tag, paused }) => {
    window.share = null;
    document.body.style.minHeight = '100vh';
    document.addEventListener('click', () => {
      navigator.mediaDevices.getDisplayMedia({ video: true }).then((stream) => {
        const track = stream.getVideoTracks()[0];
        window.screenTrack = track;
        const settings = track.getSettings();
        return window.call.sendTrack(track, tag, paused).then(() => {
          window.share = { ok: true, label: track.label, displaySurface: settings.displaySurface, width: settings.width, height: settings.height };
        });
      }).catch((error) => {
        window.share = { ok: false, error: { name: error.name, type: error.type, message: error.message, description: error.description } };
      });
    }, { once: true });
  }, { tag, paused });
  await page.mouse.click(20, 20);
  return waitFor(page, () => window.share, undefined, { message: `getDisplayMedia + sendTrack(track, '${tag}') settled` });
}

/**
 * Page predicate: the tags of the last REMOTE_TRACKS event at or after `mark`
 * ([{tag, kind, state}]) when `test` holds for them; else false. `test` is {tag, listed} (the tag
 * is / is not listed) or {tag, state} (listed with that state).
 */
export function remoteTagsInPage({ mark = 0, tag, listed, state }) {
  const e = (window.events || []).slice(mark).filter((x) => x && x.eventType === 'remoteTracksEvent').pop();
  if (!e) return false;
  const tracks = e.payload.tracks.map((t) => ({ tag: t.tag, kind: t.kind, state: t.state }));
  const entry = tracks.find((t) => t.tag === tag);
  if (state !== undefined) return entry && entry.state === state ? tracks : false;
  return !!entry === listed ? tracks : false;
}
