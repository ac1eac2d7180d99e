// Call setup latency (issue 5, item 1): callcore vs plain RTCPeerConnection code ("vanilla")
// vs simple-peer, in one headless Chromium on loopback, interleaved (callcore, vanilla,
// simple-peer, callcore, ...), each call between two fresh pages (caller, callee) of
// bench/pages/, all three through the reference signaling server (demo/server.js).
// t0 = the caller page's mark 'start', taken just before the call starts (before getUserMedia;
// for callcore just before doctor.call()); both pages have loaded, and their sockets have
// joined the consultation before t0. Figures, each from t0:
//  - ICE connected: the callee's RTCPeerConnection iceConnectionState becomes 'connected'
//    (its first 'connected' or 'completed' event);
//  - first frame: the callee's getStats() (polled every 5 ms) first shows an inbound-rtp video
//    report with framesDecoded > 0.
// Run: npm run bench -- latency [--calls=20]
import { launchChromium, load, median, quantile, sleep, startSignaling } from './lib/common.mjs';
import { startStaticServer } from './lib/static.mjs';

export const CONTENDERS = ['callcore', 'vanilla', 'simple-peer'];
const DEADLINE_MS = 20000;

// Marks shown in the phase timeline (first occurrence, median offset from t0), per side.
const TIMELINE = [
  ['caller', 'gum:end', 'caller has its media'],
  ['caller', 'pc:create', 'caller creates its RTCPeerConnection'],
  ['caller', 'ws:send:enter', 'caller rings (callcore: enter)'],
  ['callee', 'ws:recv:enter', 'callee gets enter'],
  ['callee', 'ws:send:enter', 'callee replies enter (callcore)'],
  ['callee', 'gum:end', 'callee has its media'],
  ['callee', 'ws:send:accept', 'callee sends accept (callcore)'],
  ['caller', 'ws:recv:accept', 'caller gets accept (callcore)'],
  ['caller', 'ws:send:offer', 'caller sends offer'],
  ['caller', 'ws:send:signal', 'caller sends first signal (simple-peer)'],
  ['callee', 'ws:recv:offer', 'callee gets offer'],
  ['callee', 'ws:recv:signal', 'callee gets first signal (simple-peer)'],
  ['callee', 'pc:create', 'callee creates its RTCPeerConnection'],
  ['callee', 'ws:send:answer', 'callee sends answer'],
  ['caller', 'ws:recv:answer', 'caller gets answer'],
  ['callee', 'ice:connected', 'callee ICE connected'],
  ['caller', 'ice:connected', 'caller ICE connected'],
  ['callee', 'track:video', 'callee gets the video track'],
  ['callee', 'frame', 'callee decoded the first video frame'],
];

async function openPage(browser, url) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.ready === true, undefined, { timeout: DEADLINE_MS });
  page.errors = errors;
  return page;
}

const firstOf = (marks, ...names) => {
  const hit = marks.find((m) => names.includes(m.name));
  return hit ? hit.t : null;
};

/** One call of `kind`; returns {ok, ice, frame, iceCaller, offsets: {side:mark → ms}} or {ok: false, why}. */
/**
 * One call of `kind`; returns {ok, ice, frame, iceCaller, offsets: {side:mark → ms}} or {ok: false, why}.
 * `warmPages`: first a call that is not measured in the same two pages (same SDK instance, warm
 * code), then the measured call with fresh call objects.
 */
async function oneCall(browser, staticUrl, wsUrl, kind, index, warmPages) {
  const url = `${staticUrl}/bench/pages/${kind}.html`;
  const callee = await openPage(browser, url);
  const caller = await openPage(browser, url);
  try {
    let result;
    for (let round = warmPages ? 0 : 1; round < 2; round++) {
      const consultationId = `bench-${kind}-${process.pid}-${index}-${round}`;
      if (round === 1 && warmPages) {
        for (const page of [caller, callee]) await page.evaluate(() => { window.teardown(); window.marks.length = 0; });
      }
      result = await measuredCall(caller, callee, wsUrl, consultationId);
      if (!result.ok) return result;
    }
    return result;
  } finally {
    for (const page of [caller, callee]) {
      await page.evaluate(() => window.teardown()).catch(() => {});
      await page.close().catch(() => {});
    }
  }
}

async function measuredCall(caller, callee, wsUrl, consultationId) {
  await callee.evaluate((o) => window.setup(o), { role: 'callee', wsUrl, consultationId });
  await caller.evaluate((o) => window.setup(o), { role: 'caller', wsUrl, consultationId });
  await sleep(100); // let the join settle on both sides
  await caller.evaluate(() => window.start());
  const done = () => window.firstMark('frame') !== null && (window.firstMark('ice:connected') ?? window.firstMark('ice:completed')) !== null;
  try {
    await callee.waitForFunction(done, undefined, { timeout: DEADLINE_MS, polling: 50 });
    await caller.waitForFunction(() => (window.firstMark('ice:connected') ?? window.firstMark('ice:completed')) !== null, undefined, { timeout: DEADLINE_MS, polling: 50 });
  } catch (err) {
    const marks = { caller: await caller.evaluate(() => window.marks), callee: await callee.evaluate(() => window.marks) };
    return { ok: false, why: `${err.message.split('\n')[0]}; errors ${JSON.stringify([...caller.errors, ...callee.errors])}; marks ${JSON.stringify(marks).slice(0, 2000)}` };
  }
  const marks = { caller: await caller.evaluate(() => window.marks), callee: await callee.evaluate(() => window.marks) };
  const t0 = firstOf(marks.caller, 'start');
  const offsets = {};
  for (const side of ['caller', 'callee']) {
    for (const m of marks[side]) {
      const key = `${side}:${m.name}`;
      if (!(key in offsets)) offsets[key] = m.t - t0;
    }
  }
  return {
    ok: true,
    ice: firstOf(marks.callee, 'ice:connected', 'ice:completed') - t0,
    iceCaller: firstOf(marks.caller, 'ice:connected', 'ice:completed') - t0,
    frame: firstOf(marks.callee, 'frame') - t0,
    offsets,
    errors: [...marks.caller, ...marks.callee].filter((m) => m.name === 'error').map((m) => m.detail),
  };
}

/**
 * Runs `calls` measured calls per contender, interleaved, after one warm-up call each.
 * @returns {{calls, load: {before, after}, results: {[kind]: {ice, frame, iceCaller: {median, p90}, runs, failures, timeline}}}}
 */
export async function latency({ calls = 20, warmPages = false, log = () => {} } = {}) {
  const signaling = await startSignaling();
  const statics = await startStaticServer();
  const browser = await launchChromium();
  const loadBefore = load();
  const runs = Object.fromEntries(CONTENDERS.map((k) => [k, []]));
  const failures = Object.fromEntries(CONTENDERS.map((k) => [k, []]));
  try {
    let index = 0;
    for (let round = -1; round < calls; round++) {
      for (const kind of CONTENDERS) {
        const r = await oneCall(browser, statics.url, signaling.wsUrl, kind, index++, warmPages);
        if (round < 0) continue; // warm-up call, not counted
        if (r.ok) runs[kind].push(r);
        else failures[kind].push(r.why);
        log(`${kind} #${round + 1}: ${r.ok ? `ice ${r.ice.toFixed(1)} ms, frame ${r.frame.toFixed(1)} ms` : `FAILED ${r.why.slice(0, 300)}`}`);
      }
    }
  } finally {
    await browser.close();
    await statics.close();
    await signaling.close();
  }
  const stat = (xs) => ({ median: median(xs), p90: quantile(xs, 0.9), min: Math.min(...xs), max: Math.max(...xs) });
  const results = {};
  for (const kind of CONTENDERS) {
    const rs = runs[kind];
    const timeline = [];
    for (const [side, name, what] of TIMELINE) {
      const xs = rs.map((r) => r.offsets[`${side}:${name}`]).filter((x) => x !== undefined);
      if (xs.length >= rs.length / 2 && xs.length > 0) timeline.push({ side, mark: name, what, median: median(xs) });
    }
    timeline.sort((a, b) => a.median - b.median);
    // Every mark (first occurrence per side), for the analysis in bench/notes.md.
    const keys = new Set(rs.flatMap((r) => Object.keys(r.offsets)));
    const allMarks = Object.fromEntries([...keys].map((k) => [k, rs.map((r) => r.offsets[k]).filter((x) => x !== undefined)])
      .filter(([, xs]) => xs.length >= rs.length / 2).map(([k, xs]) => [k, Math.round(median(xs) * 10) / 10])
      .sort((a, b) => a[1] - b[1]));
    results[kind] = {
      calls: rs.length,
      failures: failures[kind],
      ice: stat(rs.map((r) => r.ice)),
      frame: stat(rs.map((r) => r.frame)),
      iceCaller: stat(rs.map((r) => r.iceCaller)),
      timeline,
      allMarks,
      errors: rs.flatMap((r) => r.errors),
    };
  }
  return { calls, warmPages, load: { before: loadBefore, after: load() }, results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const calls = Number(process.argv.find((a) => a.startsWith('--calls='))?.slice(8) ?? 20);
  const r = await latency({ calls, warmPages: process.argv.includes('--warm-pages'), log: console.log });
  console.log(JSON.stringify(r, null, 1));
}
