// Call quality under an impaired network (issue 14): a consultation call forced over TURN
// (`connectionConfig` {iceServers: [TURN], iceTransportPolicy: 'relay'} on both sides) where each
// browser reaches coturn through a UDP proxy of its own (tests/e2e/lossy-proxy.js, on 127.0.0.1).
// A proxy impairs the datagrams it forwards towards its browser ('toClient'), so a relayed media
// packet crosses at most one impairment: impairing both proxies, each direction loses the drop
// rate and gains the delay (the round trip twice the delay); impairing the client's only, what the
// doctor sends is lost and the doctor learns it only from the client's RTCP receiver reports.
//
//   1. no impairment: the core's quality is good or excellent on both sides;
//   2. both ways, LOSS dropped + DELAY_MS added: qualityChanged to poor (or lost) on both sides
//      within TO_POOR_MS; the core's figures match the page's own getStats() of the same moments;
//   3. removed: qualityChanged back to good or excellent within TO_GOOD_MS, then SETTLED_EVENTS
//      reports in a row good/excellent with the clean round trip (also within TO_GOOD_MS); the
//      figures match again;
//   4. one way (towards the client), LOSS dropped: both sides poor within TO_POOR_MS, the doctor
//      with a clean reception (inbound loss <= 5 % in every report) and the client's reported
//      loss (its outbound packetLoss) above 10 % when it went poor;
//   5. removed: as 3.
// The report (t.diagnostic / console) has each transition's time, the timelines and figures.
//
// Tolerances (stated here, checked below). The page takes its own getStats() when each `stats`
// event arrives, a few ms to a few tens of ms after the core's report was taken, so the page's
// interval is the core's shifted by that much:
// - packet loss, one interval: the core's inbound `packetLoss` (audio and video) within
//   LOSS_TOL_ONE points of the page's own loss over the interval between its two samples
//   (Δ packetsLost / (Δ packetsLost + Δ packetsReceived) of inbound-rtp);
// - packet loss, a phase: the core's per-interval losses averaged (each weighted by the packets
//   of its interval, as the page counted them) within LOSS_TOL_PHASE points of the page's own
//   loss over the same run of events;
// - outbound packet loss: the core's outbound `packetLoss` is the page's own remote-inbound-rtp
//   fractionLost × 100 (±0.01, the core rounds to 3 decimals), or the one before when a receiver
//   report arrived between the two getStats() calls;
// - RTT: the core's `rttMs` within RTT_TOL_FRAC (+ RTT_TOL_MS) of the page's own selected
//   candidate pair currentRoundTripTime × 1000 at that moment (the two read the same counter,
//   which changes only when a STUN check is answered), or of the page's previous sample when a
//   check was answered between the core's getStats() and the page's;
// - the path itself (a check of the proxy, not of the core): the page's own audio loss over the
//   impaired phase within 10 points of LOSS; once the impairment shows in the round trip (the
//   first STUN check answered through it: the core's rttMs >= 1.6 × DELAY_MS), the core's rttMs is
//   between 2 × DELAY_MS − 5 (the proxy delays both ways; timers never fire much early) and
//   2 × DELAY_MS + 200 ms (a loaded machine); after it, back under DELAY_MS within TO_GOOD_MS.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSuite, establishCall, waitFor, waitForSelectedPair, eventMark, getEvents } from './harness.js';
import { startTurnServer } from './servers.js';
import { startLossyProxy } from './lossy-proxy.js';

const TEST_TIMEOUT = 120000;
const LOSS = 0.25;
const DELAY_MS = 100;
const TO_POOR_MS = 20000;
const TO_GOOD_MS = 30000;
const LOSS_TOL_ONE = 10;
const LOSS_TOL_PHASE = 3;
const RTT_TOL_FRAC = 0.25;
const RTT_TOL_MS = 15;
const PHASE_EVENTS = 5; // stats events with the page's own samples compared in the impaired phase
const ONE_WAY_EVENTS = 3; // ... in the one-way phase
const SETTLED_EVENTS = 2; // stats events in a row good/excellent: recovered

// In the page: every `stats` event with the page's own getStats() taken when it arrives
// (inbound-rtp counters per kind, the selected pair's currentRoundTripTime) and a call store.
function watchImpaired() {
  window.statsSeen = [];
  window.store = window.callcore.createCallStore(window.call);
  const own = async (pc) => {
    const report = await pc.getStats();
    const out = { at: Date.now(), inbound: {}, remoteInbound: {}, rttMs: null, localType: null };
    let pair = null;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId) || pair;
    });
    if (pair) {
      if (typeof pair.currentRoundTripTime === 'number') out.rttMs = pair.currentRoundTripTime * 1000;
      out.localType = report.get(pair.localCandidateId)?.candidateType ?? null;
    }
    report.forEach((s) => {
      if (s.type === 'inbound-rtp') {
        out.inbound[s.kind] = { timestamp: s.timestamp, packetsLost: s.packetsLost, packetsReceived: s.packetsReceived };
      }
      // The far side's receiver reports about what this page sends.
      if (s.type === 'remote-inbound-rtp') out.remoteInbound[s.kind] = { fractionLost: s.fractionLost, roundTripTime: s.roundTripTime };
    });
    return out;
  };
  window.call.emitter.on(window.callcore.EVENT_LIST.STATS, ({ payload }) => {
    const entry = { at: Date.now(), payload, own: null };
    window.statsSeen.push(entry);
    const pc = window.call.connection;
    if (pc) own(pc).then((o) => { entry.own = o; }, (e) => { entry.ownError = String(e); });
  });
}

const round = (x, d = 1) => (x === null || x === undefined ? x : Math.round(x * 10 ** d) / 10 ** d);

// The page's own loss (%) of `kind` between two own samples, as the core computes it.
function ownLoss(a, b, kind) {
  const x = a.inbound[kind];
  const y = b.inbound[kind];
  if (!x || !y) return null;
  const received = y.packetsReceived - x.packetsReceived;
  const lost = Math.max(0, y.packetsLost - x.packetsLost);
  return received + lost > 0 ? { pct: (lost * 100) / (received + lost), lost, received } : null;
}

/**
 * Compares the core's figures of the stats events `seen[from..]` with the page's own samples:
 * per interval (loss of each kind, RTT) and over the run (weighted loss). Returns a summary for
 * the diagnostics.
 */
function compareFigures(label, phase, seen, from) {
  const rows = [];
  const phaseSum = {}; // kind → {coreWeighted, weight}
  let first = null;
  let last = null;
  for (let i = Math.max(from, 1); i < seen.length; i += 1) {
    const [prev, cur] = [seen[i - 1], seen[i]];
    if (!prev.own || !cur.own) continue;
    const row = { i, intervalMs: cur.payload.intervalMs, quality: cur.payload.quality };
    // The page's own interval (its inbound-rtp timestamps): equal to the core's when the page's
    // getStats() came within Chromium's stats cache lifetime of the core's and got the same report.
    const ts = (e) => e.own.inbound.audio?.timestamp;
    if (ts(cur) && ts(prev)) row.ownIntervalMs = round(ts(cur) - ts(prev), 3);
    for (const kind of ['audio', 'video']) {
      const core = cur.payload.inbound.find((s) => s.kind === kind);
      const own = ownLoss(prev.own, cur.own, kind);
      if (!core || typeof core.packetLoss !== 'number' || !own) continue;
      row[kind] = { core: round(core.packetLoss), page: round(own.pct), lost: own.lost, received: own.received };
      assert.ok(Math.abs(core.packetLoss - own.pct) <= LOSS_TOL_ONE,
        `[${label}] ${phase}: ${kind} loss core ${core.packetLoss}% vs the page's own ${round(own.pct)}% (${own.lost} lost / ${own.received} received)`);
      const acc = (phaseSum[kind] ||= { coreWeighted: 0, weight: 0 });
      acc.coreWeighted += core.packetLoss * (own.lost + own.received);
      acc.weight += own.lost + own.received;
    }
    // Outbound: the far side's RTCP fractionLost, as the page reads it (or, when a receiver report
    // arrived between the two getStats() calls, as it read it before).
    for (const kind of ['audio', 'video']) {
      const core = cur.payload.outbound.find((s) => s.kind === kind);
      const own = cur.own.remoteInbound[kind];
      if (!core || typeof core.packetLoss !== 'number' || typeof own?.fractionLost !== 'number') continue;
      const before = prev.own.remoteInbound[kind]?.fractionLost;
      const near = (f) => typeof f === 'number' && Math.abs(core.packetLoss - f * 100) <= 0.01;
      row[`out${kind}`] = { core: round(core.packetLoss), page: round(own.fractionLost * 100) };
      assert.ok(near(own.fractionLost) || near(before),
        `[${label}] ${phase}: outbound ${kind} loss core ${core.packetLoss}% vs the page's remote-inbound-rtp fractionLost ${own.fractionLost} (before: ${before})`);
    }
    if (typeof cur.payload.rttMs === 'number' && typeof cur.own.rttMs === 'number') {
      row.rtt = { core: round(cur.payload.rttMs), page: round(cur.own.rttMs) };
      const near = (own) => typeof own === 'number' && Math.abs(cur.payload.rttMs - own) <= RTT_TOL_FRAC * own + RTT_TOL_MS;
      // An ICE check answered between the core's getStats() and the page's changes the counter:
      // then the core's figure is the one the page saw before (its previous sample).
      if (!near(cur.own.rttMs)) row.rtt.pagePrevious = round(prev.own.rttMs);
      assert.ok(near(cur.own.rttMs) || near(prev.own.rttMs),
        `[${label}] ${phase}: RTT core ${cur.payload.rttMs} ms vs the page's own candidate pair ${round(cur.own.rttMs)} ms (before: ${round(prev.own.rttMs)} ms)`);
    }
    if (first === null) first = prev;
    last = cur;
    rows.push(row);
  }
  const summary = { rows, loss: {} };
  for (const [kind, acc] of Object.entries(phaseSum)) {
    const own = ownLoss(first.own, last.own, kind);
    const core = acc.coreWeighted / acc.weight;
    summary.loss[kind] = { core: round(core), page: round(own.pct), lost: own.lost, received: own.received };
    assert.ok(Math.abs(core - own.pct) <= LOSS_TOL_PHASE,
      `[${label}] ${phase}: ${kind} loss over the phase: core ${round(core)}% vs the page's own ${round(own.pct)}% (${own.lost} lost / ${own.received} received): ${JSON.stringify(rows)}`);
  }
  return summary;
}

// The core's events from index `from`: ms since `t0`, quality, inbound / outbound loss by kind, RTT.
function timeline(seen, from, t0) {
  const loss = (list) => Object.fromEntries(list.filter((s) => typeof s.packetLoss === 'number').map((s) => [s.kind, round(s.packetLoss)]));
  return seen.slice(from).map((e) => ({
    ms: e.at - t0, q: e.payload.quality, in: loss(e.payload.inbound), out: loss(e.payload.outbound), rtt: e.payload.rttMs,
  }));
}

async function statsCount(page) {
  return page.evaluate(() => window.statsSeen.length);
}

// Waits for `n` stats events after index `from` whose own sample (and the previous one's) is in.
async function waitOwnSamples(page, from, n, message) {
  await waitFor(page, ({ from, n }) => {
    const s = window.statsSeen;
    let ok = 0;
    for (let i = Math.max(from, 1); i < s.length; i += 1) if (s[i].own && s[i - 1].own) ok += 1;
    return ok >= n;
  }, { from, n }, { timeout: 30000, message });
  return page.evaluate(() => window.statsSeen.map((e) => ({ at: e.at, payload: e.payload, own: e.own })));
}

// Waits for a qualityChanged after event index `mark` to one of `levels`; returns {quality, at}.
async function waitQuality(page, mark, levels, timeout) {
  const index = await waitFor(page, ({ mark, levels }) => {
    const ev = window.events || [];
    for (let i = mark; i < ev.length; i += 1) {
      if (ev[i].eventType === 'qualityChanged' && levels.includes(ev[i].payload.quality)) return i + 1;
    }
    return false;
  }, { mark, levels }, { timeout, message: `qualityChanged to ${levels.join(' / ')}` });
  return page.evaluate((i) => ({ ...window.events[i].payload, at: window.eventTimes[i] }), index - 1);
}

describe('quality under an impaired network (TURN through a lossy proxy)', () => {
  let suite;
  let turn;
  const proxies = {}; // one per browser: doctor, client
  const proxyState = () => JSON.stringify(Object.fromEntries(Object.entries(proxies).map(([k, p]) => [k, { impairment: p.impairment, ...p.stats() }])));
  const run = (fn) => (t) => suite.wrap(async (tt) => {
    try {
      await fn(tt);
    } catch (err) {
      err.message += `\n----- proxies: ${proxyState()}`;
      err.message += `\n----- turnserver log (tail) -----\n${turn ? turn.log().slice(-3000) : '(not started)'}`;
      throw err;
    }
  })(t);
  before(async () => {
    suite = await startSuite('impaired');
    turn = await startTurnServer();
    proxies.doctor = await startLossyProxy({ targetPort: turn.port, seed: 14 });
    proxies.client = await startLossyProxy({ targetPort: turn.port, seed: 41 });
  });
  after(async () => {
    for (const p of Object.values(proxies)) await p.close();
    if (turn) await turn.stop();
    if (suite) await suite.close();
  });

  it(`relayed call: good/excellent → ${LOSS * 100}% loss + ${DELAY_MS} ms both ways: poor → removed: good/excellent → ${LOSS * 100}% loss one way: poor on both sides → removed: good/excellent; figures match getStats`, { timeout: TEST_TIMEOUT }, run(async (t) => {
    const started = Date.now();
    const relayVia = (proxy) => ({
      iceServers: [{ urls: `turn:127.0.0.1:${proxy.port}?transport=udp`, username: turn.username, credential: turn.credential }],
      iceTransportPolicy: 'relay',
    });
    const { doctor, client } = await establishCall(suite, {
      tag: 'impaired', doctorConnectionConfig: relayVia(proxies.doctor), clientConnectionConfig: relayVia(proxies.client),
    });
    const pages = [doctor, client];
    for (const page of pages) await page.evaluate(watchImpaired);
    for (const page of pages) {
      const pair = await waitForSelectedPair(page);
      assert.equal(pair.local.candidateType, 'relay', `[${page.label}] relayed: ${JSON.stringify(pair)}`);
      assert.equal(pair.remote.candidateType, 'relay', `[${page.label}] relayed: ${JSON.stringify(pair)}`);
      const via = proxies[page.label].stats();
      assert.ok(via.toServer.packets > 0 && via.toClient.packets > 0, `[${page.label}] traffic through its proxy: ${JSON.stringify(via)}`);
    }
    const report = { setupMs: Date.now() - started };
    const marks = async () => ({
      events: { doctor: await eventMark(doctor), client: await eventMark(client) },
      stats: { doctor: await statsCount(doctor), client: await statsCount(client) },
    });

    // 1. Clean: good or excellent.
    const cleanFrom = {};
    for (const page of pages) {
      await waitFor(page, () => {
        const s = window.statsSeen;
        return s.length >= 3 && ['good', 'excellent'].includes(s[s.length - 1].payload.quality);
      }, undefined, { timeout: 30000, message: 'quality good/excellent on the clean relayed path' });
      cleanFrom[page.label] = await statsCount(page);
    }
    report.clean = {};
    for (const page of pages) {
      const seen = await waitOwnSamples(page, cleanFrom[page.label] - 1, 2, '2 clean stats events with own samples');
      const last = seen[seen.length - 1].payload;
      assert.equal(last.candidatePair?.localType, 'relay', `[${page.label}] the core sees the relay pair`);
      assert.ok(['good', 'excellent'].includes(last.quality), `[${page.label}] clean quality ${last.quality}`);
      report.clean[page.label] = { quality: last.quality, mos: last.mos, rttMs: last.rttMs, figures: compareFigures(page.label, 'clean', seen, cleanFrom[page.label] - 1) };
    }

    // Removes every impairment; both sides back to good or excellent within TO_GOOD_MS, the
    // round trip under DELAY_MS, the figures compared again.
    const recover = async (phase) => {
      const m = await marks();
      const clearedAt = Date.now();
      for (const p of Object.values(proxies)) p.clear();
      const out = {};
      const good = await Promise.all(pages.map((page) => waitQuality(page, m.events[page.label], ['good', 'excellent'], TO_GOOD_MS)));
      for (const [i, page] of pages.entries()) out[page.label] = { toGoodMs: good[i].at - clearedAt, change: good[i] };
      for (const page of pages) {
        // The round trip shows the clean path once an ICE check was answered without the delay.
        const rttBack = await waitFor(page, ({ from, max }) => {
          const s = window.statsSeen;
          for (let i = from; i < s.length; i += 1) if (typeof s[i].payload.rttMs === 'number' && s[i].payload.rttMs < max) return s[i].at;
          return false;
        }, { from: m.stats[page.label], max: DELAY_MS }, { timeout: TO_GOOD_MS, message: `the core's rttMs < ${DELAY_MS}` });
        out[page.label].rttBackMs = rttBack - clearedAt;
      }
      // Settled: the last SETTLED_EVENTS events good or excellent with the clean round trip (a
      // receiver report the far side sent about the impaired seconds can still arrive after the
      // first rise and bring `poor` back for a while: counted as relapses).
      for (const page of pages) {
        // The first run of k such events (each with the page's own sample, and the one before).
        const n = await waitFor(page, ({ from, max, k }) => {
          const s = window.statsSeen;
          const ok = (e) => e.own && ['good', 'excellent'].includes(e.payload.quality) && e.payload.rttMs < max;
          for (let end = from + k + 1; end <= s.length; end += 1) {
            const run = s.slice(end - k, end);
            if (s[end - k - 1].own && run.every(ok)) return end;
          }
          return false;
        }, { from: m.stats[page.label], max: DELAY_MS, k: SETTLED_EVENTS }, {
          timeout: TO_GOOD_MS, message: `${SETTLED_EVENTS} stats events in a row good/excellent with rttMs < ${DELAY_MS} after ${phase}`,
        });
        const seen = await page.evaluate((n) => window.statsSeen.slice(0, n).map((e) => ({ at: e.at, payload: e.payload, own: e.own })), n);
        out[page.label].settledMs = seen[n - 1].at - clearedAt;
        out[page.label].figures = compareFigures(page.label, phase, seen, n - SETTLED_EVENTS);
        out[page.label].timeline = timeline(seen, m.stats[page.label], clearedAt);
        out[page.label].relapses = await page.evaluate((mark) => window.events.slice(mark)
          .filter((e) => e.eventType === 'qualityChanged' && ['poor', 'lost'].includes(e.payload.quality)).length, m.events[page.label]);
        const stored = await page.evaluate(() => window.store.getSnapshot().peers[0]?.quality);
        assert.ok(['good', 'excellent'].includes(stored), `[${page.label}] ${phase}: store quality ${stored}`);
        assert.equal(await page.evaluate(() => window.call.callState), 'connected', `[${page.label}] ${phase}: still connected`);
      }
      return out;
    };

    // 2. Impaired both ways: poor (or lost) within TO_POOR_MS.
    {
      const m = await marks();
      const before = proxyState();
      const impairedAt = Date.now();
      for (const p of Object.values(proxies)) p.impair({ loss: LOSS, delayMs: DELAY_MS, direction: 'toClient' });
      const out = (report.impaired = {});
      const poor = await Promise.all(pages.map((page) => waitQuality(page, m.events[page.label], ['poor', 'lost'], TO_POOR_MS)));
      for (const [i, page] of pages.entries()) out[page.label] = { toPoorMs: poor[i].at - impairedAt, change: poor[i] };
      // The round trip shows the delay (the core's figure; compared with the page's below).
      for (const page of pages) {
        out[page.label].rttMs = await waitFor(page, ({ from, min }) => {
          const s = window.statsSeen;
          for (let i = from; i < s.length; i += 1) if (s[i].payload.rttMs >= min) return s[i].payload.rttMs;
          return false;
        }, { from: m.stats[page.label], min: 1.6 * DELAY_MS }, { timeout: TO_POOR_MS, message: `the core's rttMs >= ${1.6 * DELAY_MS}` });
      }
      for (const page of pages) {
        const from = m.stats[page.label] + 1; // the first interval after the change is mixed
        const seen = await waitOwnSamples(page, from, PHASE_EVENTS, `${PHASE_EVENTS} impaired stats events with own samples`);
        const figures = compareFigures(page.label, 'impaired', seen, from);
        out[page.label].figures = figures;
        const audio = figures.loss.audio;
        assert.ok(audio && Math.abs(audio.page - LOSS * 100) <= 10, `[${page.label}] the path loses ~${LOSS * 100}% of the audio: ${JSON.stringify(audio)}`);
        out[page.label].timeline = timeline(seen, m.stats[page.label], impairedAt);
        const rise = seen.findIndex((e, i) => i >= m.stats[page.label] && e.payload.rttMs >= 1.6 * DELAY_MS);
        for (const e of seen.slice(rise)) {
          assert.ok(e.payload.rttMs >= 2 * DELAY_MS - 5 && e.payload.rttMs <= 2 * DELAY_MS + 200,
            `[${page.label}] impaired: the core's rttMs ${e.payload.rttMs} with ${DELAY_MS} ms added each way`);
        }
      }
      report.proxies = { before: JSON.parse(before), during: JSON.parse(proxyState()) };
      for (const label of ['doctor', 'client']) {
        assert.ok(report.proxies.during[label].toClient.dropped > report.proxies.before[label].toClient.dropped, `[${label}] its proxy dropped datagrams`);
      }
    }

    // 3. Impairment removed: good or excellent within TO_GOOD_MS.
    report.recovered = await recover('recovered');

    // 4. One way only: what the doctor sends loses LOSS on its way to the client. The client sees
    // it in its inbound figures; the doctor only through the client's RTCP receiver reports (its
    // outbound figures), and its quality (the worst of both directions) goes poor all the same.
    {
      const m = await marks();
      const impairedAt = Date.now();
      proxies.client.impair({ loss: LOSS, direction: 'toClient' });
      const out = (report.oneWay = {});
      const poor = await Promise.all(pages.map((page) => waitQuality(page, m.events[page.label], ['poor', 'lost'], TO_POOR_MS)));
      for (const [i, page] of pages.entries()) out[page.label] = { toPoorMs: poor[i].at - impairedAt, change: poor[i] };
      for (const page of pages) {
        const from = m.stats[page.label] + 1;
        const seen = await waitOwnSamples(page, from, ONE_WAY_EVENTS, `${ONE_WAY_EVENTS} one-way impaired stats events with own samples`);
        out[page.label].figures = compareFigures(page.label, 'one way', seen, from);
        out[page.label].timeline = timeline(seen, m.stats[page.label], impairedAt);
      }
      // The doctor's own reception is clean; it went poor on what the client reported.
      const seen = await doctor.evaluate(() => window.statsSeen.map((e) => ({ at: e.at, payload: e.payload })));
      const after = seen.slice(m.stats.doctor);
      for (const e of after) {
        for (const s of e.payload.inbound) {
          assert.ok(!(s.packetLoss > 5), `[doctor] one way: its inbound ${s.kind} loss ${s.packetLoss}% (the path to it is clean)`);
        }
      }
      const wentPoor = after.find((e) => ['poor', 'lost'].includes(e.payload.quality));
      assert.ok(wentPoor, `[doctor] one way: a poor stats event after qualityChanged ${JSON.stringify(out.doctor.change)}`);
      const outLoss = Math.max(...wentPoor.payload.outbound.map((s) => s.packetLoss ?? 0));
      assert.ok(outLoss > 10, `[doctor] one way: poor with the client's reports of ${outLoss}% loss: ${JSON.stringify(wentPoor.payload.outbound)}`);
      out.doctor.outboundLossAtPoor = outLoss;
    }

    // 5. Removed again.
    report.oneWayRecovered = await recover('one way recovered');

    for (const page of pages) {
      report[`${page.label}Events`] = {
        iceRestart: (await getEvents(page, 'iceRestartEvent')).map((e) => e.payload),
        qualityChanges: (await getEvents(page, 'qualityChanged')).map((e) => `${e.payload.previous}→${e.payload.quality}`),
      };
    }
    report.totalMs = Date.now() - started;
    t.diagnostic(JSON.stringify(report));
    console.log(`impaired e2e: ${JSON.stringify(report, null, 1)}`);
  }));
});
