// Instant answer (issue 14, "Instant answer (performance)"): the person presses Answer
// (client.call()) → the first remote frame decoded on each side, callcore (preconnect on, the
// default) vs plain RTCPeerConnection code doing the usual answer flow ("vanilla"), and callcore
// with `preconnect: false` (what instant answer buys), in one headless Chromium on loopback,
// interleaved (callcore, vanilla, callcore-nopreconnect, callcore, ...), each call between two
// fresh pages (bench/pages/answer-*.html) through the reference signaling server (demo/server.js).
//
// Each call: both pages load and join; the caller calls (callcore: doctor.call(); vanilla: media,
// offer sent); the callee rings (callcore: EVENT_LIST.ENTER; vanilla: the offer arrived and is
// held); then a fixed pause models the person taking a moment before pressing Answer (REACTION_MS,
// printed with the figures; it lets callcore's preconnection complete); then t0 = the callee's
// mark 'answer', taken just before client.call() (vanilla: before getUserMedia). Figures from t0:
//  - client's first frame: the first moment the client's app has the doctor's video (callcore:
//    EVENT_LIST.REMOTE_STREAM; vanilla: the video 'track' event) AND its getStats() (polled every
//    5 ms from t0) shows an inbound-rtp video report with framesDecoded > 0: max of the two times,
//    so frames decoded while ringing count from the moment the app is given the stream;
//  - doctor's first frame: the doctor's getStats() (polled every 5 ms from just before t0) first
//    shows inbound-rtp video with framesDecoded > 0 (nothing is sent to it before the answer).
// `--trace` (standalone only) also marks each page's first encoded video frame and first received
// video packet (more getStats() polling during the measured window, so not in run.mjs's runs).
// Run: npm run bench -- answer [--calls=10] [--pause=1500]   or   node bench/answer.mjs --calls=3 [--trace]
import { launchChromium, load, median, quantile, sleep, startSignaling } from './lib/common.mjs';
import { startStaticServer } from './lib/static.mjs';

export const CONTENDERS = ['callcore', 'vanilla', 'callcore-nopreconnect'];
const PAGES = { callcore: 'answer-callcore', vanilla: 'answer-vanilla', 'callcore-nopreconnect': 'answer-callcore' };
export const REACTION_MS = 1500;
export const GOALS = { client: 0.3, doctor: 0.6 };
const DEADLINE_MS = 20000;

// Marks shown in the phase timeline (first occurrence after t0, median offset from t0), per side.
const TIMELINE = [
  ['callee', 'gum:end', 'client has its media'],
  ['callee', 'pc:create', 'client creates its RTCPeerConnection'],
  ['callee', 'setRemote:end', 'client applied the offer'],
  ['callee', 'ws:send:accept', 'client sends accept (callcore)'],
  ['callee', 'ws:send:answer', 'client sends its answer'],
  ['caller', 'ws:recv:accept', 'doctor gets accept (callcore)'],
  ['caller', 'ws:recv:answer', 'doctor gets the answer'],
  ['callee', 'ice:connected', 'client ICE connected'],
  ['caller', 'ice:connected', 'doctor ICE connected'],
  ['callee', 'remoteStream', 'client app gets the doctor\'s video'],
  ['callee', 'encoded', 'client encoded its first video frame'],
  ['caller', 'packet', 'doctor received the client\'s first video packet'],
  ['callee', 'decoded', 'client: a doctor frame decoded'],
  ['callee', 'shown', 'client can show the doctor\'s first frame'],
  ['caller', 'decoded', 'doctor decoded the client\'s first frame'],
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

const firstOf = (marks, name) => marks.find((m) => m.name === name)?.t ?? null;

/** One call of `kind`; returns {ok, client, doctor, ring, offsets} or {ok: false, why}. */
async function oneCall(browser, staticUrl, wsUrl, kind, index, pauseMs, trace) {
  const url = `${staticUrl}/bench/pages/${PAGES[kind]}.html`;
  const callee = await openPage(browser, url);
  const caller = await openPage(browser, url);
  const consultationId = `answer-${kind}-${process.pid}-${index}`;
  const marksOf = async () => ({ caller: await caller.evaluate(() => window.marks), callee: await callee.evaluate(() => window.marks) });
  const fail = async (err) => {
    const marks = await marksOf().catch(() => ({}));
    return { ok: false, why: `${err.message.split('\n')[0]}; errors ${JSON.stringify([...caller.errors, ...callee.errors])}; marks ${JSON.stringify(marks).slice(0, 2000)}` };
  };
  try {
    const preconnect = kind === 'callcore-nopreconnect' ? false : undefined;
    await callee.evaluate((o) => window.setup(o), { role: 'callee', wsUrl, consultationId, preconnect });
    await caller.evaluate((o) => window.setup(o), { role: 'caller', wsUrl, consultationId });
    await caller.evaluate(() => window.start());
    try {
      await callee.waitForFunction(() => window.firstMark('ring') !== null, undefined, { timeout: DEADLINE_MS, polling: 10 });
    } catch (err) {
      return await fail(err);
    }
    await sleep(pauseMs); // the person takes a moment before pressing Answer (stated in the output)
    const ring = await callee.evaluate(() => window.ringFigures());
    await caller.evaluate((o) => window.watchAnswer(o), { trace });
    await callee.evaluate((o) => window.answer(o), { trace });
    try {
      await callee.waitForFunction(() => window.firstMark('shown') !== null, undefined, { timeout: DEADLINE_MS, polling: 20 });
      await caller.waitForFunction(() => window.firstMark('decoded') !== null, undefined, { timeout: DEADLINE_MS, polling: 20 });
    } catch (err) {
      return await fail(err);
    }
    const marks = await marksOf();
    const t0 = firstOf(marks.callee, 'answer');
    const offsets = {};
    for (const side of ['caller', 'callee']) {
      for (const m of marks[side]) {
        const key = `${side}:${m.name}`;
        if (m.t >= t0 && !(key in offsets)) offsets[key] = m.t - t0;
      }
    }
    return {
      ok: true,
      client: firstOf(marks.callee, 'shown') - t0,
      doctor: firstOf(marks.caller, 'decoded') - t0,
      ringMs: t0 - firstOf(marks.callee, 'ring'),
      ring,
      offsets,
      errors: [...marks.caller, ...marks.callee].filter((m) => m.name === 'error').map((m) => m.detail),
    };
  } finally {
    for (const page of [caller, callee]) {
      await page.evaluate(() => window.teardown()).catch(() => {});
      await page.close().catch(() => {});
    }
  }
}

/**
 * Runs `calls` measured calls per contender, interleaved, after one warm-up call each.
 * @returns {{calls, pauseMs, goals, load: {before, after}, results: {[kind]: {client, doctor: {median, p90, min, max}, runs, failures, timeline, ring}}}}
 */
export async function answer({ calls = 10, pauseMs = REACTION_MS, contenders = CONTENDERS, trace = false, log = () => {} } = {}) {
  const signaling = await startSignaling();
  const statics = await startStaticServer();
  const browser = await launchChromium();
  const loadBefore = load();
  const runs = Object.fromEntries(contenders.map((k) => [k, []]));
  const failures = Object.fromEntries(contenders.map((k) => [k, []]));
  try {
    let index = 0;
    for (let round = -1; round < calls; round++) {
      for (const kind of contenders) {
        const r = await oneCall(browser, statics.url, signaling.wsUrl, kind, index++, pauseMs, trace);
        const what = r.ok
          ? `client ${r.client.toFixed(1)} ms, doctor ${r.doctor.toFixed(1)} ms (at t0 the client's connection: ${r.ring.pcs ? `ICE ${r.ring.ice}, ${r.ring.framesDecoded} doctor frames decoded, ${r.ring.bytesSent} B sent` : 'none'})`
          : `FAILED ${r.why.slice(0, 300)}`;
        log(`${kind} ${round < 0 ? 'warm-up' : `#${round + 1}`}: ${what}; load ${load()}`);
        if (round < 0) continue; // warm-up call, not counted
        if (r.ok) runs[kind].push(r);
        else failures[kind].push(r.why);
      }
    }
  } finally {
    await browser.close();
    await statics.close();
    await signaling.close();
  }
  const stat = (xs) => ({ median: median(xs), p90: quantile(xs, 0.9), min: Math.min(...xs), max: Math.max(...xs) });
  const results = {};
  for (const kind of contenders) {
    const rs = runs[kind];
    const timeline = [];
    for (const [side, name, what] of TIMELINE) {
      const xs = rs.map((r) => r.offsets[`${side}:${name}`]).filter((x) => x !== undefined);
      if (xs.length >= rs.length / 2 && xs.length > 0) timeline.push({ side, mark: name, what, median: median(xs) });
    }
    timeline.sort((a, b) => a.median - b.median);
    const keys = new Set(rs.flatMap((r) => Object.keys(r.offsets)));
    const allMarks = Object.fromEntries([...keys].map((k) => [k, rs.map((r) => r.offsets[k]).filter((x) => x !== undefined)])
      .filter(([, xs]) => xs.length >= rs.length / 2).map(([k, xs]) => [k, Math.round(median(xs) * 10) / 10])
      .sort((a, b) => a[1] - b[1]));
    results[kind] = {
      calls: rs.length,
      failures: failures[kind],
      client: stat(rs.map((r) => r.client)),
      doctor: stat(rs.map((r) => r.doctor)),
      runs: rs.map((r) => ({ client: Math.round(r.client * 10) / 10, doctor: Math.round(r.doctor * 10) / 10 })),
      // At t0, the client's connection (preconnect: ICE connected, the doctor's video decoded, nothing sent).
      ring: {
        iceConnected: rs.filter((r) => r.ring.ice === 'connected' || r.ring.ice === 'completed').length,
        framesDecoded: median(rs.map((r) => r.ring.framesDecoded)),
        bytesSent: Math.max(0, ...rs.map((r) => r.ring.bytesSent)),
        ringMs: median(rs.map((r) => r.ringMs)),
      },
      timeline,
      allMarks,
      errors: rs.flatMap((r) => r.errors),
    };
  }
  return { calls, pauseMs, trace, goals: GOALS, load: { before: loadBefore, after: load() }, results };
}

/** The summary lines printed by the standalone run (run.mjs writes its own section). */
export function summary(r) {
  const v = r.results.vanilla;
  const lines = [`reaction pause (ring → Answer): ${r.pauseMs} ms; load average ${r.load.before} before, ${r.load.after} after`];
  for (const [kind, x] of Object.entries(r.results)) {
    const ratio = (k) => (v ? ` (×${(x[k].median / v[k].median).toFixed(2)} of vanilla)` : '');
    lines.push(`${kind}: ${x.calls} calls${x.failures.length ? ` (+${x.failures.length} failed)` : ''}; client's first frame median ${x.client.median.toFixed(1)} ms${ratio('client')}, p90 ${x.client.p90.toFixed(1)}; doctor's median ${x.doctor.median.toFixed(1)} ms${ratio('doctor')}, p90 ${x.doctor.p90.toFixed(1)}`);
  }
  const c = r.results.callcore;
  if (c && v) {
    const met = (k) => (c[k].median <= r.goals[k] * v[k].median ? 'met' : 'MISSED');
    lines.push(`goals (medians): client ≤ ${r.goals.client}× vanilla: ${met('client')}; doctor ≤ ${r.goals.doctor}× vanilla: ${met('doctor')}`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
  const r = await answer({ calls: arg('calls', 10), pauseMs: arg('pause', REACTION_MS), trace: process.argv.includes('--trace'), log: console.log });
  console.log(JSON.stringify(r, null, 1));
  for (const [kind, x] of Object.entries(r.results)) console.log(`${kind}: ${x.timeline.map((t) => `${t.what} ${t.median.toFixed(1)}`).join(' → ')}`);
  console.log(summary(r));
}
